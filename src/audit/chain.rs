//! One audit record and the chain that links them: `hash` = SHA-256 of the record's JSON line
//! without `hash` (fields in a fixed order), `prev` = the previous record's `hash`, `seq` counts
//! from 1. Verifying recomputes every hash and link.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{BufRead, Write};

/// The `prev` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A record as written: the event, its place in the chain, and its hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Position, from 1.
    pub seq: u64,
    /// The previous record's hash ([`GENESIS`] for the first).
    pub prev: String,
    /// When (RFC 3339 UTC).
    pub time: String,
    /// Caller `sub`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Caller client id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Method and path.
    pub operation: String,
    /// Code system named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// Its version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// SHA-256 of the query and body.
    pub params_digest: String,
    /// HTTP status.
    pub status: u16,
    /// A validation's `result`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<bool>,
    /// Correlation id.
    pub correlation_id: String,
    /// Release that answered.
    pub release: String,
    /// SHA-256 of this record's line without this field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

impl Entry {
    /// An event's JSON object ([`super::Event::write_json`]) as record `seq` after the record
    /// whose hash is `prev`, appended to `out` as its line (no newline); returns its hash. The line
    /// is what serializing the [`Entry`] gives (`seq` and `prev` lead, `hash` ends it; a test
    /// holds them together), so it is put together from the event's JSON rather than
    /// serialized again.
    pub fn append_chained(out: &mut Vec<u8>, seq: u64, prev: &str, event: &[u8]) -> String {
        let start = out.len();
        out.extend_from_slice(b"{\"seq\":");
        let _ = write!(out, "{seq}");
        out.extend_from_slice(b",\"prev\":\"");
        // A hash is hex: nothing to escape.
        out.extend_from_slice(prev.as_bytes());
        out.extend_from_slice(b"\",");
        // The prepared object without its opening brace.
        out.extend_from_slice(&event[1..]);
        let hash = hex(&Sha256::digest(&out[start..]));
        out.pop();
        out.extend_from_slice(b",\"hash\":\"");
        out.extend_from_slice(hash.as_bytes());
        out.extend_from_slice(b"\"}");
        hash
    }

    /// The hash this record should carry.
    pub fn computed_hash(&self) -> String {
        let unhashed = Entry {
            hash: None,
            ..self.clone()
        };
        hex(&Sha256::digest(unhashed.line().as_bytes()))
    }

    /// The record as one JSON line (no newline).
    pub fn line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    // Two pushes a byte into a string sized once (collecting an iterator of pairs showed in
    // the profile of every record: twice, for its parameter digest and its hash).
    let mut text = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        text.push(char::from(DIGITS[usize::from(b >> 4)]));
        text.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    text
}

/// Why a trail does not verify: the first bad record (1-based line) and what is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("record at line {line}: {reason}")]
pub struct VerifyError {
    /// Line number.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// Whether `line` is the unwritten space a live mapped trail ends in (zeros up to the end of
/// the file, one last "line" with no newline): the records end there. Zeros followed by
/// anything else are not space never written, and are refused.
pub fn unwritten(line: &str) -> Result<bool, String> {
    if !line.starts_with('\0') {
        return Ok(false);
    }
    if line.bytes().all(|b| b == 0) {
        Ok(true)
    } else {
        Err("records follow unwritten space (zero bytes): a mapped trail cut by a power loss, or an edit".into())
    }
}

/// Checks every record of a trail; returns how many there are and the last hash.
pub fn verify(reader: impl BufRead) -> Result<(u64, String), VerifyError> {
    verify_after(reader, 0, GENESIS.to_string())
}

/// [`verify`] of a part of a trail that follows record `seq` with hash `prev` (a rotated
/// trail's next file); returns the last record's number and hash.
pub fn verify_after(
    reader: impl BufRead,
    mut seq: u64,
    mut prev: String,
) -> Result<(u64, String), VerifyError> {
    for (i, line) in reader.lines().enumerate() {
        let n = i + 1;
        let bad = |reason: String| VerifyError { line: n, reason };
        let line = line.map_err(|e| bad(format!("unreadable: {e}")))?;
        if unwritten(&line).map_err(bad)? {
            break;
        }
        let e: Entry = serde_json::from_str(&line)
            .map_err(|err| bad(format!("not an audit record ({err})")))?;
        if e.seq != seq + 1 {
            return Err(bad(format!(
                "sequence {} where {} was expected (a record was deleted, inserted or moved)",
                e.seq,
                seq + 1
            )));
        }
        if e.prev != prev {
            return Err(bad(
                "it does not follow the record before it (prev hash differs)".into(),
            ));
        }
        let Some(hash) = &e.hash else {
            return Err(bad("it has no hash".into()));
        };
        if *hash != e.computed_hash() {
            return Err(bad(
                "its content does not match its hash (the record was edited)".into(),
            ));
        }
        if e.line() != line {
            return Err(bad("it is not written as the server writes records".into()));
        }
        prev = hash.clone();
        seq = e.seq;
    }
    Ok((seq, prev))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Event;

    fn json(e: &Event<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        e.write_json(&mut out);
        out
    }

    fn trail(n: u64) -> Vec<String> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|i| {
                let mut line = Vec::new();
                let operation = format!("GET /CodeSystem/$lookup {i}");
                prev = Entry::append_chained(
                    &mut line,
                    i,
                    &prev,
                    &json(&Event {
                        operation: &operation,
                        status: 200,
                        ..Default::default()
                    }),
                );
                String::from_utf8(line).unwrap()
            })
            .collect()
    }

    fn check(lines: &[String]) -> Result<(u64, String), VerifyError> {
        verify(std::io::Cursor::new(lines.join("\n")))
    }

    #[test]
    fn a_written_line_is_the_entry_as_verify_reads_it() {
        // The borrowed view writes what the entry serializes to, hash included, so `verify`
        // (which parses, re-serializes and re-hashes) accepts it; with every optional field
        // absent and present.
        let event = Event {
            operation: "GET /CodeSystem/$lookup",
            subject: Some("a \"quoted\" sub"),
            status: 200,
            ..Default::default()
        };
        let full = Event {
            client_id: Some("c"),
            system: Some("http://snomed.info/sct"),
            version: Some("v"),
            result: Some(false),
            ..event
        };
        let odd = Event {
            correlation_id: "tab\there, newline\n, back\\slash, é, \u{7f}",
            result: Some(true),
            ..full
        };
        for e in [Event::default(), event, full, odd] {
            let mut out = b"earlier line\n".to_vec();
            let hash = Entry::append_chained(&mut out, 7, GENESIS, &json(&e));
            let line = std::str::from_utf8(&out["earlier line\n".len()..]).unwrap();
            let parsed: Entry = serde_json::from_str(line).unwrap();
            assert_eq!(parsed.line(), line);
            assert_eq!(parsed.hash.as_deref(), Some(hash.as_str()));
            assert_eq!(parsed.computed_hash(), hash);
        }
    }

    #[test]
    fn an_untouched_trail_verifies() {
        assert_eq!(check(&trail(5)).unwrap().0, 5);
        assert_eq!(check(&[]).unwrap().0, 0);
    }

    #[test]
    fn edits_deletions_insertions_and_reordering_are_found() {
        let t = trail(5);
        let mut edited = t.clone();
        edited[2] = edited[2].replace("\"status\":200", "\"status\":404");
        assert_eq!(check(&edited).unwrap_err().line, 3);
        let mut deleted = t.clone();
        deleted.remove(1);
        assert_eq!(check(&deleted).unwrap_err().line, 2);
        let mut inserted = t.clone();
        inserted.insert(3, t[3].clone());
        assert_eq!(check(&inserted).unwrap_err().line, 5);
        let mut swapped = t.clone();
        swapped.swap(1, 2);
        assert_eq!(check(&swapped).unwrap_err().line, 2);
        // Re-hashing an edited record does not help: the next one no longer follows it.
        let mut rehashed = t.clone();
        let mut e: Entry = serde_json::from_str(&rehashed[1]).unwrap();
        e.status = 500;
        e.hash = Some(e.computed_hash());
        rehashed[1] = e.line();
        assert_eq!(check(&rehashed).unwrap_err().line, 3);
        // A cut-off tail still verifies up to the cut (it is what was acknowledged).
        assert_eq!(check(&t[..3]).unwrap().0, 3);
    }
}
