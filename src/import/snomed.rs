//! SNOMED CT import: RF2 rows → staged → merged (latest row per id wins) → derived tables →
//! edition/version identity.
//!
//! Full, Snapshot and Delta all load through the same "latest row per id wins" merge, so a
//! Full release yields exactly its Snapshot. Rows are staged first; what the package says about
//! itself then decides its edition, version and base ([`edition`]): an extension or a Delta is
//! merged into a copy of the loaded version it builds on, and the result becomes a new version
//! (or replaces one with the same version URI).

use super::{ImportOptions, SourceReport, edition, progress};
use crate::model::uri;
use crate::store::Store;
use crate::store::write::NewCodeSystem;
use anyhow::{Context, Result, bail};
use concord_loaders::rf2::{ReleaseType, Rf2Package, Row, reader};
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
    let accepted = std::sync::Mutex::new(reader::Accepted::default());
    let checks = reader::Checks {
        strict_ids: opts.strict_ids,
        accepted: Some(&accepted),
    };
    store.stage_begin()?;
    let mut facts = edition::PackageFacts::default();
    let mut total = 0u64;
    for f in &files {
        let kind = match &f.name.kind {
            concord_loaders::rf2::ContentKind::Refset { summary, pattern } => {
                Some((summary.clone(), pattern.clone()))
            }
            _ => None,
        };
        let bar = progress::rows(&f.member.name, opts.progress);
        let n = read_alongside(f, checks, |row| {
            facts.note(&row, kind.as_ref().map(|(summary, _)| summary.as_str()));
            stage_row(store, &row, kind.as_ref())
                .map_err(|e| concord_loaders::Error::file(f.member.display(), e.to_string()))?;
            bar.inc(1);
            Ok(())
        })?;
        bar.finish_and_clear();
        total += n;
        tracing::info!(file = %f.member.name, rows = n, ms = started.elapsed().as_millis() as u64, "file loaded");
        report.rows.push((f.member.name.clone(), n));
    }
    let accepted = accepted.into_inner().unwrap_or_else(|e| e.into_inner());
    if accepted.count > 0 {
        report.warn(format!(
            "{} SCTIDs fail the check digit or partition check and were accepted (--lenient-ids); the first: {}",
            accepted.count,
            accepted.first.unwrap_or_default()
        ));
    }
    // Edition, version and base follow from what the package says about itself.
    let plan = edition::plan(
        &facts,
        &store.loaded_editions()?,
        &edition::Overrides {
            edition: opts.edition.as_deref(),
            base: opts.base.as_deref(),
            delta: rt == ReleaseType::Delta,
            file_date: &pkg.release_date(),
        },
        |cs, module| Ok(store.has_module(cs, module)?),
    )
    .with_context(|| format!("{}", path.display()))?;
    report.notes.extend(plan.notes.iter().cloned());
    report.warnings.extend(plan.warnings.iter().cloned());
    if let Some(base) = &plan.base {
        store.copy_content(base.id, cs)?;
    }
    report.total_rows = total;
    tracing::info!(
        rows = total,
        ms = started.elapsed().as_millis() as u64,
        "rows staged"
    );
    store.stage_merge(cs, plan.base.is_some())?;
    tracing::info!(
        rows = total,
        ms = started.elapsed().as_millis() as u64,
        "rows loaded"
    );

    let (edition, date) = (plan.edition, plan.date);
    let version = uri::snomed_version_of(&edition, &date, opts.experimental);
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

/// Hands one loader row to the store's staging tables (the store knows its columns, not the
/// loaders' types).
fn stage_row(
    store: &Store,
    row: &Row,
    kind: Option<&(String, String)>,
) -> crate::store::Result<()> {
    use crate::store::stage::{DescriptionCols, MemberCols, RelationshipCols, RowHead};
    let head = |id, effective_time, active, module| RowHead {
        id,
        effective_time,
        active,
        module,
    };
    match row {
        Row::Concept(r) => store.stage_concept(
            head(&r.id.to_string(), &r.effective_time, r.active, r.module_id),
            r.definition_status_id,
        ),
        Row::Description(r) => store.stage_description(
            head(&r.id.to_string(), &r.effective_time, r.active, r.module_id),
            DescriptionCols {
                concept: r.concept_id,
                language: &r.language_code,
                type_id: r.type_id,
                term: &r.term,
                case_significance: r.case_significance_id,
            },
        ),
        Row::Relationship(r) => store.stage_relationship(
            head(&r.id.to_string(), &r.effective_time, r.active, r.module_id),
            RelationshipCols {
                source: r.source_id,
                destination: r.destination_id,
                value: r.value.as_deref(),
                group: r.relationship_group,
                type_id: r.type_id,
                characteristic: r.characteristic_type_id,
                modifier: r.modifier_id,
            },
        ),
        Row::Refset(r) => {
            let (summary, pattern) = kind
                .map(|(s, p)| (s.as_str(), p.as_str()))
                .unwrap_or(("", ""));
            store.stage_refset(
                head(&r.id, &r.effective_time, r.active, r.module_id),
                MemberCols {
                    refset: r.refset_id,
                    component: &r.referenced_component_id,
                    file_kind: summary,
                    pattern,
                    fields: &r.fields,
                },
            )
        }
    }
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
