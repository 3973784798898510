//! A minimal JSON writer for the responses served at high rate (`Parameters` of `$lookup`,
//! `$validate-code`, `$translate`). serde_json escapes every key and value byte by byte through a
//! table, and in a SNOMED CT `$lookup` that scan was the largest single cost of the request;
//! here keys are trusted static ASCII written as they are, and a value is checked for anything
//! needing an escape in one branch-free pass and then copied whole. Output is the same JSON
//! serde_json writes (same escapes; non-ASCII passes through as UTF-8).

/// Writes `s` as a JSON string.
pub fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    // `fold` rather than `any`: no early exit, so the loop vectorizes.
    if bytes.iter().fold(false, |acc, &b| acc | needs_escape(b)) {
        escaped(out, bytes);
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b'"');
}

/// Writes `,"key":` (keys are static ASCII names that never need escaping).
pub fn key(out: &mut Vec<u8>, key: &str) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
}

/// Writes an object of the present string members, e.g. a Coding.
pub fn string_object(out: &mut Vec<u8>, members: &[(&str, Option<&str>)]) {
    out.push(b'{');
    let mut first = true;
    for (k, v) in members {
        if let Some(v) = v {
            if first {
                out.push(b'"');
                out.extend_from_slice(k.as_bytes());
                out.extend_from_slice(b"\":");
                first = false;
            } else {
                key(out, k);
            }
            string(out, v);
        }
    }
    out.push(b'}');
}

fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

fn escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            b if b < 0x20 => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
            }
            b => out.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn strings_match_serde_json() {
        for s in [
            "",
            "plain term",
            "quote \" and backslash \\",
            "tab\tnew\nline\rcr \u{8}\u{c} bell\u{7} unit\u{1f}",
            "Sjögren's → ½ µg",
            "slash / stays",
        ] {
            let mut out = Vec::new();
            super::string(&mut out, s);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(s).unwrap()
            );
        }
    }

    #[test]
    fn objects_skip_absent_members() {
        let mut out = Vec::new();
        super::string_object(
            &mut out,
            &[
                ("system", None),
                ("code", Some("x")),
                ("display", Some("y")),
            ],
        );
        assert_eq!(out, br#"{"code":"x","display":"y"}"#);
    }
}
