//! What one audit record says, as the HTTP layer saw it, and its JSON as the syncer chains it.
//! May use: `serde_json` (for the strings that need escaping).

/// What happened, as the HTTP layer saw it, borrowed from the request: the record's fields
/// after `seq` and `prev` and before `hash`, with [`super::Entry`]'s names, order and skips (a
/// test in `chain.rs` holds them together). The chain fields are added by the syncer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Event<'a> {
    /// When, RFC 3339 UTC.
    pub time: &'a str,
    /// The caller's `sub`, when authenticated.
    pub subject: Option<&'a str>,
    /// The caller's client id, when authenticated.
    pub client_id: Option<&'a str>,
    /// `GET /CodeSystem/$lookup`, …
    pub operation: &'a str,
    /// The code system named (`system`, `url` of a code system operation), when one is.
    pub system: Option<&'a str>,
    /// Its version, when named.
    pub version: Option<&'a str>,
    /// SHA-256 of the request's query and body.
    pub params_digest: &'a str,
    /// HTTP status.
    pub status: u16,
    /// `result` of a validation, when the answer has one.
    pub result: Option<bool>,
    /// The correlation id.
    pub correlation_id: &'a str,
    /// The release that answered.
    pub release: &'a str,
}

impl Event<'_> {
    /// The event as a JSON object, appended to `out`: byte for byte what serde_json writes for
    /// these fields of an [`super::Entry`] (absent options left out), which `verify`
    /// re-serializes and hashes. Written by hand, keys as constants and strings copied whole when nothing in
    /// them needs escaping: serde's field-by-field machinery was most of a record's cost on
    /// the request path.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"time\":");
        json_str(out, self.time);
        let optional = [("subject", self.subject), ("client_id", self.client_id)];
        for (key, value) in optional {
            if let Some(v) = value {
                json_key(out, key);
                json_str(out, v);
            }
        }
        json_key(out, "operation");
        json_str(out, self.operation);
        for (key, value) in [("system", self.system), ("version", self.version)] {
            if let Some(v) = value {
                json_key(out, key);
                json_str(out, v);
            }
        }
        json_key(out, "params_digest");
        json_str(out, self.params_digest);
        json_key(out, "status");
        let _ = std::io::Write::write_fmt(out, format_args!("{}", self.status));
        if let Some(r) = self.result {
            json_key(out, "result");
            out.extend_from_slice(if r { b"true" } else { b"false" });
        }
        json_key(out, "correlation_id");
        json_str(out, self.correlation_id);
        json_key(out, "release");
        json_str(out, self.release);
        out.push(b'}');
    }
}

/// `,"key":` (keys are constants: nothing to escape).
fn json_key(out: &mut Vec<u8>, key: &str) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
}

/// A JSON string as serde_json writes it: copied whole unless it holds a quote, a backslash or
/// a control character, which serde_json then escapes.
fn json_str(out: &mut Vec<u8>, s: &str) {
    // Folded without stopping early, so the compiler checks many bytes at a time (a
    // short-circuiting `all` went byte by byte and showed in profiles of every record).
    let plain = !s.bytes().fold(false, |bad, b| {
        bad | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if plain {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(out, s);
    }
}
