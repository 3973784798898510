//! `concord bulk validate|normalize PATH…`: FHIR Bulk Data export files checked offline.
//!
//! Every Coding of every resource is validated (and, for `normalize` with `--annotate`, its
//! CodeableConcept gets the canonical coding and equivalents). The report counts codings per
//! resource type and element path with the top offenders. Every line either yields a result
//! or lands in the dead-letter file with its source, reason and original bytes; the summary
//! line says `in = results + dead-letter`. A dead-letter file given as a PATH is re-run: only
//! its units are processed.

use super::common::open;
use crate::bulk::deadletter::{DeadLetter, is_dead_letter};
use crate::bulk::resources::Report;
use crate::bulk::run::process;
use crate::bulk::units::{self, Unit};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

/// A stream of input units.
type Units = Box<dyn Iterator<Item = std::io::Result<Unit>>>;

/// What to do with each resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BulkJob {
    /// Validate every coding.
    Validate,
    /// Validate, and find each coding's canonical concept.
    Normalize,
}

/// Options of a bulk run.
pub struct BulkOptions<'a> {
    /// Data directory.
    pub data: &'a Path,
    /// Inputs: files, folders of `.ndjson`, or dead-letter files.
    pub paths: &'a [PathBuf],
    /// Output folder (report.json, annotated copies); none: the report goes to stdout.
    pub out: Option<&'a Path>,
    /// Dead-letter file (default: OUT/dead-letter.ndjson, else ./dead-letter.ndjson).
    pub dead_letter: Option<&'a Path>,
    /// Write annotated copies (normalize).
    pub annotate: bool,
    /// The canonical system.
    pub canonical: &'a str,
    /// No progress bar.
    pub quiet: bool,
}

/// `concord bulk`.
pub fn run(job: BulkJob, o: &BulkOptions) -> Result<ExitCode> {
    let mut t = open(o.data, "en-US")?;
    t.canonical_system = o.canonical.to_string();
    if let Some(out) = o.out {
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    }
    let dl_path = o.dead_letter.map(Path::to_path_buf).unwrap_or_else(|| {
        o.out
            .map(|d| d.join("dead-letter.ndjson"))
            .unwrap_or_else(|| PathBuf::from("dead-letter.ndjson"))
    });
    // Every input is read before the dead-letter file is written: re-running a dead-letter
    // file into itself must see its old entries.
    let mut inputs: Vec<(String, Units)> = Vec::new();
    for p in o.paths {
        if is_dead_letter(p) {
            let list = units::from_dead_letter(p)?;
            inputs.push((stem(p, "retried"), Box::new(list.into_iter().map(Ok))));
            continue;
        }
        for f in units::files(p, &["ndjson", "jsonl"])? {
            inputs.push((stem(&f, "data"), Box::new(units::lines(&f)?)));
        }
    }
    let mut dead = DeadLetter::new(Some(&dl_path));
    let mut report = Report::default();
    let annotate = o.annotate && job == BulkJob::Normalize;
    let (mut units_in, mut results) = (0u64, 0u64);
    let bar = crate::import::progress::rows("bulk", !o.quiet);
    for (name, input) in inputs {
        let mut annotated = match (annotate, o.out) {
            (true, Some(out)) => {
                let p = out.join(format!("{name}.annotated.ndjson"));
                Some(std::io::BufWriter::new(
                    std::fs::File::create(&p)
                        .with_context(|| format!("creating {}", p.display()))?,
                ))
            }
            _ => None,
        };
        let c = process(
            &t,
            input.inspect(|_| bar.inc(1)),
            &mut report,
            annotate,
            &mut dead,
            &AtomicBool::new(false),
            |r, _| match annotated.as_mut() {
                Some(w) => {
                    serde_json::to_writer(&mut *w, r)?;
                    w.write_all(b"\n")
                }
                None => Ok(()),
            },
        )
        .with_context(|| format!("checking {name}"))?;
        units_in += c.units;
        results += c.results;
        if let Some(mut w) = annotated {
            w.flush()?;
        }
    }
    bar.finish_and_clear();
    let dead_count = dead.finish()?;
    let report_json = report.to_json();
    match o.out {
        Some(out) => {
            let p = out.join("report.json");
            std::fs::write(&p, serde_json::to_vec_pretty(&report_json)?)
                .with_context(|| format!("writing {}", p.display()))?;
        }
        None => println!("{}", serde_json::to_string_pretty(&report_json)?),
    }
    let totals = report.totals();
    eprintln!(
        "in: {units_in} lines = {results} results + {dead_count} dead-letter{}; codings: {} ({} valid, {} invalid, {} inactive, {} unmapped)",
        if dead_count > 0 {
            format!(" ({})", dl_path.display())
        } else {
            String::new()
        },
        totals.codings,
        totals.valid,
        totals.invalid,
        totals.inactive,
        totals.unmapped
    );
    Ok(if dead_count > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn stem(p: &Path, default: &str) -> String {
    p.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(default)
        .to_string()
}
