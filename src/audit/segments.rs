//! A trail rotated into segments: when the live file reaches its size limit it is closed and
//! renamed `<file>.<seq of its last record, 12 digits>`, and a new live file continues the same
//! chain (its first record's `prev` is the last hash of the segment before). Closed segments
//! never change again, so a log shipper can take them as they appear; the names sort in
//! chain order. Verifying or exporting the trail reads the segments, then the live file.

use std::path::{Path, PathBuf};

/// The name a live file at `path` is closed under once `last_seq` is its last record.
pub fn segment_name(path: &Path, last_seq: u64) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{last_seq:012}"));
    PathBuf::from(name)
}

/// The closed segments of the trail at `path`, in chain order.
pub fn segments(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
        return Ok(Vec::new());
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut found = Vec::new();
    for entry in entries {
        let name = entry?.file_name();
        let Some(name) = name.to_str() else { continue };
        let is_segment = name
            .strip_prefix(file_name)
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|seq| seq.len() == 12 && seq.bytes().all(|b| b.is_ascii_digit()));
        if is_segment {
            found.push(dir.join(name));
        }
    }
    found.sort();
    Ok(found)
}

/// Every file of the trail at `path` in chain order: its closed segments, then the live file
/// (when it exists).
pub fn files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut all = segments(path)?;
    if path.exists() {
        all.push(path.to_path_buf());
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_found_by_name_in_chain_order() {
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("audit.ndjson");
        for n in [2200u64, 15, 4400] {
            std::fs::write(segment_name(&live, n), b"").unwrap();
        }
        // Not segments: another trail's, a cut tail kept aside, a short number.
        for other in [
            "other.ndjson.000000000001",
            "audit.ndjson.cut-1700000000",
            "audit.ndjson.15",
        ] {
            std::fs::write(dir.path().join(other), b"").unwrap();
        }
        let names: Vec<String> = segments(&live)
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "audit.ndjson.000000000015",
                "audit.ndjson.000000002200",
                "audit.ndjson.000000004400"
            ]
        );
        assert_eq!(files(&live).unwrap().len(), 3, "no live file yet");
        std::fs::write(&live, b"").unwrap();
        assert_eq!(files(&live).unwrap().last(), Some(&live));
    }
}
