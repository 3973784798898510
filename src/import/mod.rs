//! Import: loader rows → canonical model → store, published as a new release.
//!
//! [`run`] stages a copy of the current store, imports every path into it inside one
//! transaction, writes the manifest and publishes atomically ([`release`]). Any error leaves
//! the published release untouched. May use: `concord_loaders`, `store`, `model`.

pub mod edition;
pub mod fhir;
pub mod icd;
pub mod manifest;
pub mod progress;
pub mod release;
pub mod snomed;

use crate::store::Store;
use anyhow::{Context, Result, bail};
use concord_loaders::detect::{self, Format};
use concord_loaders::rf2::ReleaseType;
use manifest::{CodeSystemEntry, Manifest, SourceEntry};
use release::{DataDir, Release};
use std::path::{Path, PathBuf};

/// Options of one import run.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Format override (`--kind`).
    pub kind: Option<Format>,
    /// RF2 release type to load (`--release-type`); default Snapshot, else Full, else Delta.
    pub release_type: Option<ReleaseType>,
    /// Canonical URL override for ClaML files of other classifications.
    pub system_url: Option<String>,
    /// Version override for classifications.
    pub version: Option<String>,
    /// Show progress bars.
    pub progress: bool,
    /// Verify SCTID check digits and partitions (on unless `--lenient-ids`).
    pub strict_ids: bool,
    /// SNOMED CT: name the imported version by this edition (`--edition URI`).
    pub edition: Option<String>,
    /// SNOMED CT: layer on this loaded version (`--base URI`).
    pub base: Option<String>,
    /// SNOMED CT: unpublished content, versioned `http://snomed.info/xsct/{module}/version/{date}`
    /// (`--experimental`).
    pub experimental: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            kind: None,
            release_type: None,
            system_url: None,
            version: None,
            progress: false,
            strict_ids: true,
            edition: None,
            base: None,
            experimental: false,
        }
    }
}

/// What one source contributed.
#[derive(Debug, Clone, Default)]
pub struct SourceReport {
    /// The path.
    pub path: String,
    /// Detected kind.
    pub kind: String,
    /// Rows read per file (or resources per type).
    pub rows: Vec<(String, u64)>,
    /// Total rows / entries read.
    pub total_rows: u64,
    /// Code system versions written: (url, version, concepts).
    pub code_systems: Vec<(String, String, i64)>,
    /// Warnings the user should read.
    pub warnings: Vec<String>,
    /// Informational notes.
    pub notes: Vec<String>,
}

impl SourceReport {
    fn new(path: &Path, kind: &str) -> Self {
        SourceReport {
            path: path.display().to_string(),
            kind: kind.into(),
            ..Default::default()
        }
    }
    fn warn(&mut self, w: String) {
        self.warnings.push(w);
    }
    fn note(&mut self, n: String) {
        self.notes.push(n);
    }
}

/// The outcome of an import run.
#[derive(Debug)]
pub struct ImportReport {
    /// Per source.
    pub sources: Vec<SourceReport>,
    /// The new release.
    pub release: Release,
    /// The index written with it.
    pub indexed: crate::index::release::Written,
    /// Wall time in seconds.
    pub seconds: f64,
}

/// Deletes a loaded version with the same url and version as the one just registered.
pub(crate) fn replace_existing(
    store: &Store,
    new_cs: i64,
    url: &str,
    version: &str,
    report: &mut SourceReport,
) -> Result<()> {
    if let Some(old) = store.find_code_system(url, version, new_cs)? {
        store.delete_code_system(old)?;
        report.note(format!("replaces the loaded {url}|{version}"));
    }
    store.set_version(new_cs, version)?;
    Ok(())
}

/// Imports `paths` into the data directory `data` and publishes a new release.
pub fn run(data: &Path, paths: &[PathBuf], opts: &ImportOptions) -> Result<ImportReport> {
    if paths.is_empty() {
        bail!("nothing to import: give at least one path");
    }
    let started = std::time::Instant::now();
    let dir = DataDir::new(data);
    let (staging, current) = dir.stage()?;
    let store = if current.is_some() {
        Store::open_for_import(&staging.db_path())?
    } else {
        Store::create(&staging.db_path())?
    };
    store.begin()?;
    let mut reports = Vec::new();
    let mut sources = current
        .as_ref()
        .map(|c| c.manifest.sources.clone())
        .unwrap_or_default();
    for path in paths {
        let report = (|| {
            let format = match opts.kind {
                Some(k) => k,
                None => detect::detect(path)?,
            };
            tracing::info!(path = %path.display(), ?format, "importing");
            import_one(&store, path, format, opts)
        })()
        .context("import stopped; the published release is unchanged")?;
        let (sha256, bytes) = manifest::checksum(path)?;
        sources.push(SourceEntry {
            path: path.display().to_string(),
            kind: report.kind.clone(),
            sha256,
            bytes,
            imported: crate::clock::now_rfc3339(),
        });
        reports.push(report);
    }
    store.commit()?;
    tracing::info!(ms = started.elapsed().as_millis() as u64, "committed");
    let indexed = write_index(&store, &staging.dir, opts)?;
    let manifest = Manifest {
        format_version: crate::store::FORMAT_VERSION,
        concord_version: env!("CARGO_PKG_VERSION").into(),
        created: crate::clock::now_rfc3339(),
        sources,
        code_systems: store
            .code_systems()?
            .into_iter()
            .map(|c| CodeSystemEntry {
                url: c.url,
                version: c.version,
                family: c.family.as_str().into(),
                concepts: c.concept_count,
            })
            .collect(),
        counts: store.table_counts()?.into_iter().collect(),
    };
    drop(store);
    let release = dir.publish(staging, &manifest)?;
    Ok(ImportReport {
        sources: reports,
        release,
        indexed,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Writes the release's index file (every version's hierarchy and term index) into the
/// staging directory, so the server maps it instead of building anything at start.
fn write_index(
    store: &Store,
    dir: &Path,
    opts: &ImportOptions,
) -> Result<crate::index::release::Written> {
    let started = std::time::Instant::now();
    let versions: Vec<i64> = store.code_systems()?.iter().map(|c| c.id).collect();
    let bar = progress::steps(
        "indexing code system versions",
        versions.len() as u64,
        opts.progress,
    );
    let written = crate::index::release::write(
        store,
        &versions,
        &dir.join(crate::index::file::INDEX_FILE),
        &mut |n| bar.set_position(n as u64),
    )
    .context("writing the release index; the published release is unchanged")?;
    bar.finish_and_clear();
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        versions = written.versions,
        bytes = written.bytes,
        "indexed"
    );
    Ok(written)
}

fn import_one(
    store: &Store,
    path: &Path,
    format: Format,
    opts: &ImportOptions,
) -> Result<SourceReport> {
    let shown = path.display().to_string();
    match format {
        Format::Snomed => snomed::import(store, path, opts),
        Format::Claml => {
            let text = read_text(path)?;
            let c = concord_loaders::icd10::claml::parse(&shown, &text)?;
            let url = opts
                .system_url
                .clone()
                .unwrap_or_else(|| crate::model::uri::ICD10.into());
            icd::import(store, path, &c, &url, "icd10", opts.version.as_deref())
        }
        Format::Icd10CmTabular => {
            let text = read_text(path)?;
            let c = concord_loaders::icd10::cm_tabular::parse(&shown, &text)?;
            icd::import(
                store,
                path,
                &c,
                crate::model::uri::ICD10CM,
                "icd10cm",
                opts.version.as_deref(),
            )
        }
        Format::Icd10CmFlat => {
            let text = read_text(path)?;
            let year = opts
                .version
                .clone()
                .or_else(|| year_in(&shown))
                .unwrap_or_default();
            let c = concord_loaders::icd10::cm_flat::parse(&shown, &text, &year)?;
            icd::import(
                store,
                path,
                &c,
                crate::model::uri::ICD10CM,
                "icd10cm",
                Some(&year),
            )
        }
        Format::Fhir => {
            let content = concord_loaders::fhir_res::read(path)?;
            if content.resources.is_empty() {
                bail!("{}", nothing_to_import(path, &content));
            }
            fhir::import(store, path, &content)
        }
    }
}

/// The refusal for a path that holds no terminology: what was found and what is accepted
/// (publishing an empty release instead would look like success).
fn nothing_to_import(path: &Path, content: &concord_loaders::fhir_res::FhirContent) -> String {
    let mut found: Vec<String> = concord_loaders::source::members(path)
        .map(|m| m.iter().map(|m| m.base_name().to_string()).collect())
        .unwrap_or_default();
    const SHOWN: usize = 12;
    if found.len() > SHOWN {
        let more = found.len() - SHOWN;
        found.truncate(SHOWN);
        found.push(format!("and {more} more"));
    }
    let kinds: Vec<String> = content
        .skipped
        .iter()
        .map(|(kind, n)| format!("{n} × {kind}"))
        .collect();
    format!(
        "{}: nothing to import. Found {}{}. Concord imports SNOMED CT RF2 (sct2_*/der2_*.txt files, a folder or zip of them), \
         WHO ICD-10 or other ClaML XML, ICD-10-CM tabular XML or the CMS codes file, and FHIR CodeSystem, ValueSet and \
         ConceptMap resources (JSON files, Bundles, folders of them, npm packages .tgz); use --kind to name the format",
        path.display(),
        if found.is_empty() {
            "no files".to_string()
        } else {
            found.join(", ")
        },
        if kinds.is_empty() {
            String::new()
        } else {
            format!(" (read as FHIR JSON: {})", kinds.join(", "))
        }
    )
}

fn read_text(path: &Path) -> Result<String> {
    let member = concord_loaders::source::members(path)?
        .into_iter()
        .next()
        .with_context(|| format!("{} is empty", path.display()))?;
    Ok(member.read_to_string()?)
}

fn year_in(name: &str) -> Option<String> {
    let base = Path::new(name).file_name()?.to_string_lossy().to_string();
    let bytes = base.as_bytes();
    (0..bytes.len().saturating_sub(3))
        .find(|&i| {
            bytes[i..i + 4].iter().all(u8::is_ascii_digit) && (bytes[i] == b'1' || bytes[i] == b'2')
        })
        .map(|i| base[i..i + 4].to_string())
}

/// The publish-side view of a data directory, for `status`.
pub fn status(data: &Path) -> Result<Option<Release>> {
    DataDir::new(data).current()
}
