//! Writes RF2 files in the official package layout, counting rows per file.

use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// (kind, folder, file-name pattern with {T} = release type, header).
const FILES: &[(&str, &str, &str, &str)] = &[
    (
        "concept",
        "Terminology",
        "sct2_Concept_{T}",
        "id\teffectiveTime\tactive\tmoduleId\tdefinitionStatusId",
    ),
    (
        "description",
        "Terminology",
        "sct2_Description_{T}-en",
        "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId",
    ),
    (
        "textdef",
        "Terminology",
        "sct2_TextDefinition_{T}-en",
        "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId",
    ),
    (
        "relationship",
        "Terminology",
        "sct2_Relationship_{T}",
        "id\teffectiveTime\tactive\tmoduleId\tsourceId\tdestinationId\trelationshipGroup\ttypeId\tcharacteristicTypeId\tmodifierId",
    ),
    (
        "concrete",
        "Terminology",
        "sct2_RelationshipConcreteValues_{T}",
        "id\teffectiveTime\tactive\tmoduleId\tsourceId\tvalue\trelationshipGroup\ttypeId\tcharacteristicTypeId\tmodifierId",
    ),
    (
        "language",
        "Refset/Language",
        "der2_cRefset_Language{T}-en",
        "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tacceptabilityId",
    ),
    (
        "association",
        "Refset/Content",
        "der2_cRefset_Association{T}",
        "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\ttargetComponentId",
    ),
    (
        "attribute",
        "Refset/Content",
        "der2_cRefset_AttributeValue{T}",
        "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tvalueId",
    ),
    (
        "extended_map",
        "Refset/Map",
        "der2_iisssccRefset_ExtendedMap{T}",
        "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tmapGroup\tmapPriority\tmapRule\tmapAdvice\tmapTarget\tcorrelationId\tmapCategoryId",
    ),
    (
        "module_dependency",
        "Refset/Metadata",
        "der2_ssRefset_ModuleDependency{T}",
        "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tsourceEffectiveTime\ttargetEffectiveTime",
    ),
];

struct Out {
    rel: String,
    file: BufWriter<File>,
    rows: u64,
}

/// The open files of one package.
pub struct Rf2Writer {
    snapshot: BTreeMap<&'static str, Out>,
    full: BTreeMap<&'static str, Out>,
}

fn open(
    dir: &Path,
    release_type: &str,
    namespace: &str,
    date: &str,
) -> Result<BTreeMap<&'static str, Out>> {
    let mut out = BTreeMap::new();
    for (kind, folder, pattern, header) in FILES {
        let rel = format!(
            "{release_type}/{folder}/{}_{namespace}_{date}.txt",
            pattern.replace("{T}", release_type)
        );
        let path: PathBuf = dir.join(&rel);
        std::fs::create_dir_all(path.parent().unwrap_or(dir))?;
        let mut file = BufWriter::with_capacity(
            1 << 20,
            File::create(&path).with_context(|| format!("creating {}", path.display()))?,
        );
        file.write_all(header.as_bytes())?;
        file.write_all(b"\r\n")?;
        out.insert(*kind, Out { rel, file, rows: 0 });
    }
    Ok(out)
}

fn write(out: &mut Out, cols: &[&str]) -> Result<()> {
    for (i, c) in cols.iter().enumerate() {
        if i > 0 {
            out.file.write_all(b"\t")?;
        }
        out.file.write_all(c.as_bytes())?;
    }
    out.file.write_all(b"\r\n")?;
    out.rows += 1;
    Ok(())
}

impl Rf2Writer {
    /// Creates every file (with its header) of a Snapshot, and of a Full when asked.
    pub fn new(dir: &Path, namespace: &str, date: &str, full: bool) -> Result<Self> {
        Ok(Rf2Writer {
            snapshot: open(dir, "Snapshot", namespace, date)?,
            full: if full {
                open(dir, "Full", namespace, date)?
            } else {
                BTreeMap::new()
            },
        })
    }

    /// A row of the Snapshot (and of the Full).
    pub fn row(&mut self, kind: &str, cols: &[&str]) -> Result<()> {
        if let Some(o) = self.snapshot.get_mut(kind) {
            write(o, cols)?;
        }
        if let Some(o) = self.full.get_mut(kind) {
            write(o, cols)?;
        }
        Ok(())
    }

    /// A row of the Full only (an older version of a component).
    pub fn full_only(&mut self, kind: &str, cols: &[&str]) -> Result<()> {
        if let Some(o) = self.full.get_mut(kind) {
            write(o, cols)?;
        }
        Ok(())
    }

    /// Flushes every file; returns rows per relative path.
    pub fn finish(self) -> Result<BTreeMap<String, u64>> {
        let mut counts = BTreeMap::new();
        for (_, mut o) in self.snapshot.into_iter().chain(self.full) {
            o.file.flush()?;
            counts.insert(o.rel, o.rows);
        }
        Ok(counts)
    }
}

/// Zips `dir` as `<top>/…` into `zip_path` (deflate), the way releases are published.
pub fn zip_dir(dir: &Path, top: &str, zip_path: &Path) -> Result<()> {
    let mut zip = zip::ZipWriter::new(BufWriter::new(File::create(zip_path)?));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let mut stack = vec![dir.to_path_buf()];
    let mut files = Vec::new();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    for f in files {
        let rel = f.strip_prefix(dir)?.to_string_lossy().replace('\\', "/");
        zip.start_file(format!("{top}/{rel}"), opts)?;
        std::io::copy(&mut File::open(&f)?, &mut zip)?;
    }
    zip.finish()?.flush()?;
    Ok(())
}
