//! SNOMED CT import: RF2 rows → staged → merged (latest row per id wins) → derived tables →
//! edition/version identity.
//!
//! Full, Snapshot and Delta all load through the same "latest row per id wins" merge, so a
//! Full release yields exactly its Snapshot. A Delta is applied to a copy of the latest loaded
//! version; the result becomes a new version (or replaces one with the same version URI).
//! The edition is the module, among those owning concepts, that depends (per the module
//! dependency refset) on the most other modules; the version date is the latest effective time.

use super::{ImportOptions, SourceReport, progress};
use crate::model::{sct, uri};
use crate::store::Store;
use crate::store::write::NewCodeSystem;
use anyhow::{Context, Result, anyhow, bail};
use concord_loaders::rf2::{ReleaseType, Rf2Package, Row, reader};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Imports one RF2 package into `store`.
pub fn import(store: &Store, path: &Path, opts: &ImportOptions) -> Result<SourceReport> {
    let started = std::time::Instant::now();
    let pkg = Rf2Package::open(path)?;
    let rt = opts
        .release_type
        .unwrap_or_else(|| pkg.default_release_type());
    let files = pkg.files_of(rt);
    if files.is_empty() {
        bail!(
            "{}: no {rt:?} files in this package (it has {:?}); choose one with --release-type",
            path.display(),
            pkg.release_types()
        );
    }
    let mut report = SourceReport::new(path, "snomed");
    for s in &pkg.skipped {
        report.warn(format!("skipped {}: {}", s.name, s.reason));
    }
    let others = pkg
        .files
        .iter()
        .filter(|f| f.name.release_type != rt)
        .count();
    if others > 0 {
        report.note(format!(
            "{others} files of other release types not loaded ({rt:?} chosen; see --release-type)"
        ));
    }
    let base = if rt == ReleaseType::Delta {
        Some(store.latest_snomed(None)?.ok_or_else(|| {
            anyhow!(
                "{}: this is a Delta, but no SNOMED CT release is loaded to apply it to; import a Snapshot or Full release first",
                path.display()
            )
        })?)
    } else {
        // An extension names the editions it depends on in its module dependency refset; when
        // one of them is loaded, the extension is layered on a copy of it.
        let mut found = None;
        for module in external_dependencies(&files, opts)? {
            if let Some(b) = store.latest_snomed(Some(&module))? {
                report.note(format!("layered on the loaded edition {module} ({})", b.2));
                found = Some(b);
                break;
            }
        }
        found
    };
    let cs = store.insert_code_system(&NewCodeSystem {
        url: uri::SNOMED.into(),
        version: format!("pending:{}", path.display()),
        family: "snomed".into(),
        name: Some("SNOMED_CT".into()),
        title: Some("SNOMED CT".into()),
        status: Some("active".into()),
        content: "complete".into(),
        hierarchy_meaning: Some("is-a".into()),
        source: path.display().to_string(),
        ..Default::default()
    })?;
    if let Some((base_cs, _, _)) = &base {
        store.copy_content(*base_cs, cs)?;
    }
    store.stage_begin()?;
    let mut total = 0u64;
    for f in &files {
        let kind = match &f.name.kind {
            concord_loaders::rf2::ContentKind::Refset { summary, pattern } => {
                Some((summary.clone(), pattern.clone()))
            }
            _ => None,
        };
        let bar = progress::rows(&f.member.name, opts.progress);
        let checks = reader::Checks {
            strict_ids: opts.strict_ids,
        };
        let n = read_alongside(f, checks, |row| {
            match &row {
                Row::Concept(r) => store.stage_concept(r),
                Row::Description(r) => store.stage_description(r),
                Row::Relationship(r) => store.stage_relationship(r),
                Row::Refset(r) => {
                    let (summary, pattern) = kind
                        .as_ref()
                        .map(|(s, p)| (s.as_str(), p.as_str()))
                        .unwrap_or(("", ""));
                    store.stage_refset(r, summary, pattern)
                }
            }
            .map_err(|e| concord_loaders::Error::file(f.member.display(), e.to_string()))?;
            bar.inc(1);
            Ok(())
        })?;
        bar.finish_and_clear();
        total += n;
        tracing::info!(file = %f.member.name, rows = n, ms = started.elapsed().as_millis() as u64, "file loaded");
        report.rows.push((f.member.name.clone(), n));
    }
    report.total_rows = total;
    tracing::info!(
        rows = total,
        ms = started.elapsed().as_millis() as u64,
        "rows staged"
    );
    store.stage_merge(cs, base.is_some())?;
    tracing::info!(
        rows = total,
        ms = started.elapsed().as_millis() as u64,
        "rows loaded"
    );

    let facts = store.snomed_facts(cs)?;
    let edition = choose_edition(&facts.concept_modules, &facts.dependencies)
        .or_else(|| base.as_ref().map(|b| b.1.clone()).filter(|m| !m.is_empty()))
        .unwrap_or_else(|| {
            report.warn(format!(
                "no concepts to tell the edition from; assuming the International edition {}",
                sct::CORE_MODULE
            ));
            sct::CORE_MODULE.to_string()
        });
    let date = facts
        .max_effective_time
        .unwrap_or_else(|| pkg.release_date());
    let version = uri::snomed_version(&edition, &date);
    if let Some(old) = store.find_code_system(uri::SNOMED, &version, cs)? {
        report.note(format!("replaces the loaded version {version}"));
        store.delete_code_system(old)?;
    }
    store.set_identity(cs, &version, &edition, &date)?;
    store
        .derive_snomed(cs)
        .context("building the is-a hierarchy and map tables")?;
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        "derived tables built"
    );
    let orphans = store.map_rows_without_source(cs)?;
    if orphans > 0 {
        report.warn(format!(
            "{orphans} map rows name source concepts that are not in this release; they are kept and served, but have no concept details"
        ));
    }
    report
        .code_systems
        .push((uri::SNOMED.to_string(), version, store.concept_count(cs)?));
    Ok(report)
}

/// Modules the package's own modules depend on but does not itself contain.
fn external_dependencies(
    files: &[&concord_loaders::rf2::Rf2File],
    opts: &ImportOptions,
) -> Result<Vec<String>> {
    let mut own = HashSet::new();
    let mut targets = Vec::new();
    for f in files {
        if !matches!(&f.name.kind, concord_loaders::rf2::ContentKind::Refset { summary, .. } if summary == "ModuleDependency")
        {
            continue;
        }
        reader::read_with(
            f,
            reader::Checks {
                strict_ids: opts.strict_ids,
            },
            |row| {
                if let Row::Refset(r) = row
                    && r.active
                {
                    own.insert(r.module_id.to_string());
                    targets.push(r.referenced_component_id);
                }
                Ok(())
            },
        )?;
    }
    let mut out: Vec<String> = targets.into_iter().filter(|t| !own.contains(t)).collect();
    out.dedup();
    Ok(out)
}

/// The edition module: among modules owning concepts, the one that transitively depends on the
/// most other modules; ties go to the module with more concepts.
pub fn choose_edition(
    concept_modules: &[(String, i64)],
    deps: &[(String, String)],
) -> Option<String> {
    let mut graph: HashMap<&str, Vec<&str>> = HashMap::new();
    for (from, to) in deps {
        if from != to {
            graph.entry(from.as_str()).or_default().push(to.as_str());
        }
    }
    let reach = |m: &str| {
        let mut seen = HashSet::new();
        let mut stack = vec![m];
        while let Some(x) = stack.pop() {
            for y in graph.get(x).into_iter().flatten() {
                if seen.insert(*y) {
                    stack.push(y);
                }
            }
        }
        seen.len()
    };
    concept_modules
        .iter()
        .filter(|(m, _)| !m.is_empty())
        .max_by(|a, b| {
            (reach(&a.0), a.1, std::cmp::Reverse(&a.0)).cmp(&(
                reach(&b.0),
                b.1,
                std::cmp::Reverse(&b.0),
            ))
        })
        .map(|(m, _)| m.clone())
}

/// Rows handed over per channel message: large enough that the hand-over costs nothing per row.
const BATCH: usize = 4096;

/// [`reader::read_with`] on a second thread while `stage` runs on this one, so parsing and
/// checking RF2 text overlaps with the SQLite inserts (the two halves of staging; on two cores
/// the International-scale stage took ≈14 s one after the other). The first error wins: a
/// parse error with its file and line, or a staging error (the reader then stops at its next
/// hand-over).
fn read_alongside(
    f: &concord_loaders::rf2::package::Rf2File,
    checks: reader::Checks,
    mut stage: impl FnMut(Row) -> concord_loaders::Result<()>,
) -> concord_loaders::Result<u64> {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Row>>(4);
        let reading = scope.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            let n = reader::read_with(f, checks, |row| {
                batch.push(row);
                if batch.len() == BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    // A closed channel means staging failed; its error is the one reported.
                    tx.send(full).map_err(|_| {
                        concord_loaders::Error::file(f.member.display(), "import stopped")
                    })?;
                }
                Ok(())
            })?;
            let _ = tx.send(batch);
            Ok(n)
        });
        let mut staged = Ok(());
        'batches: for batch in rx {
            for row in batch {
                if let Err(e) = stage(row) {
                    staged = Err(e);
                    break 'batches;
                }
            }
        }
        let read = reading.join().unwrap_or_else(|_| {
            Err(concord_loaders::Error::file(
                f.member.display(),
                "reader thread panicked",
            ))
        });
        staged?;
        read
    })
}

#[cfg(test)]
mod tests {
    use super::choose_edition;

    #[test]
    fn edition_is_the_module_depending_on_most_others() {
        let mods = vec![
            ("900000000000207008".to_string(), 10),
            ("900000000000012004".to_string(), 50),
            ("999000011000000103".to_string(), 5),
        ];
        let deps = vec![
            (
                "900000000000207008".to_string(),
                "900000000000012004".to_string(),
            ),
            (
                "999000011000000103".to_string(),
                "900000000000207008".to_string(),
            ),
        ];
        assert_eq!(
            choose_edition(&mods, &deps).as_deref(),
            Some("999000011000000103")
        );
        assert_eq!(
            choose_edition(&mods[..2], &deps[..1]).as_deref(),
            Some("900000000000207008")
        );
        assert_eq!(
            choose_edition(&mods[..2], &[]).as_deref(),
            Some("900000000000012004")
        );
    }
}
