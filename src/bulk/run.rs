//! The one loop over Bulk Data units that `concord bulk` and the asynchronous HTTP jobs share:
//! each unit is read, checked and handed on, or dead-lettered with its reason; nothing else.

use super::deadletter::{DeadLetter, Entry};
use super::resources::{Report, check_resource};
use super::units::Unit;
use crate::ops::Terminology;
use crate::ops::validate::Issue;
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};

/// Counts of a run: `units = results + dead`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Units read.
    pub units: u64,
    /// Units that yielded a result.
    pub results: u64,
    /// Units dead-lettered.
    pub dead: u64,
}

/// Checks every unit; `on_result` receives each resource (annotated when asked) with its
/// findings. Stops early, between units, when `cancel` is set.
pub fn process(
    t: &Terminology,
    units: impl Iterator<Item = std::io::Result<Unit>>,
    report: &mut Report,
    annotate: bool,
    dead: &mut DeadLetter,
    cancel: &AtomicBool,
    mut on_result: impl FnMut(&Value, &[Issue]) -> std::io::Result<()>,
) -> anyhow::Result<Counts> {
    let mut c = Counts::default();
    for unit in units {
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        let unit = unit?;
        c.units += 1;
        let outcome = match &unit.refused {
            Some(r) => Err(r.clone()),
            None => serde_json::from_slice::<Value>(&unit.bytes)
                .map_err(|e| format!("not JSON: {e}"))
                .and_then(|mut r| check_resource(t, &mut r, report, annotate).map(|f| (r, f))),
        };
        match outcome {
            Ok((r, findings)) => {
                c.results += 1;
                on_result(&r, &findings)?;
            }
            Err(reason) => {
                let mut e = Entry::new(&unit.source, unit.line, &reason, &unit.bytes);
                e.message_id = unit.message_id.clone();
                dead.push(&e)?;
                c.dead += 1;
            }
        }
    }
    Ok(c)
}
