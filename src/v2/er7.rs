//! ER7, HL7 v2's pipe-and-hat encoding: segments, fields, repetitions, components and
//! subcomponents, with the delimiters the message's own MSH-1/MSH-2 declare and the escape
//! sequences (`\F\ \S\ \T\ \R\ \E\ \Xhh\`) undone.
//!
//! Segments end with `\r` (the standard), `\n` or `\r\n` (files edited by hand). A file may
//! hold one message or a batch (FHS/BHS … BTS/FTS around several MSH); [`split_messages`] cuts
//! it at each MSH.

/// The delimiters a message declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiters {
    /// `|`
    pub field: char,
    /// `^`
    pub component: char,
    /// `~`
    pub repetition: char,
    /// `\`
    pub escape: Option<char>,
    /// `&`
    pub subcomponent: char,
}

/// One segment: its name and raw fields (field 1 is `fields[1]`; for MSH, MSH-1 is the field
/// separator itself and MSH-2 the encoding characters, as the standard numbers them).
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// `MSH`, `DG1`, …
    pub name: String,
    /// Raw (still escaped) field texts, indexed by field number; `fields[0]` is the name.
    pub fields: Vec<String>,
}

/// A parsed message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Delimiters.
    pub delimiters: Delimiters,
    /// Segments in order.
    pub segments: Vec<Segment>,
}

impl Message {
    /// Parses one message. `Err` says why it is not one (no MSH, delimiters missing).
    pub fn parse(text: &str) -> Result<Message, String> {
        let text = text.trim_start_matches(['\r', '\n', ' ', '\t', '\u{feff}']);
        if !text.starts_with("MSH") {
            return Err("the message does not start with an MSH segment".into());
        }
        let mut chars = text[3..].chars();
        let field = chars.next().ok_or("MSH has no field separator (MSH-1)")?;
        if field.is_alphanumeric() || field == '\r' || field == '\n' {
            return Err(format!("MSH-1 '{field}' is not a valid field separator"));
        }
        let enc: Vec<char> = chars.take_while(|c| *c != field).collect();
        if enc.len() < 2 {
            return Err(
                "MSH-2 (encoding characters) needs at least component and repetition separators"
                    .into(),
            );
        }
        let delimiters = Delimiters {
            field,
            component: enc[0],
            repetition: enc[1],
            escape: enc.get(2).copied(),
            subcomponent: enc.get(3).copied().unwrap_or('&'),
        };
        let mut segments = Vec::new();
        for raw in text.split(['\r', '\n']) {
            if raw.trim().is_empty() {
                continue;
            }
            let mut parts: Vec<String> = raw.split(field).map(str::to_string).collect();
            let name = parts[0].clone();
            if name.len() != 3 || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(format!(
                    "'{}' is not a segment (a segment starts with a three-letter name)",
                    truncate(raw, 40)
                ));
            }
            if name == "MSH" {
                // MSH-1 is the separator itself: shift so field numbers are the standard's.
                parts.insert(1, field.to_string());
            }
            segments.push(Segment {
                name,
                fields: parts,
            });
        }
        Ok(Message {
            delimiters,
            segments,
        })
    }

    /// The raw text of field `n` of a segment (empty when absent).
    pub fn field<'a>(&self, seg: &'a Segment, n: usize) -> &'a str {
        seg.fields.get(n).map(String::as_str).unwrap_or("")
    }

    /// A field's repetitions, each split into components (raw, still escaped).
    pub fn components<'a>(&self, seg: &'a Segment, n: usize) -> Vec<Vec<&'a str>> {
        let f = self.field(seg, n);
        if f.is_empty() {
            return Vec::new();
        }
        f.split(self.delimiters.repetition)
            .map(|rep| rep.split(self.delimiters.component).collect())
            .collect()
    }

    /// MSH-10, the message control id.
    pub fn control_id(&self) -> Option<String> {
        let msh = self.segments.first()?;
        let id = self.unescape(self.field(msh, 10));
        (!id.is_empty()).then_some(id)
    }

    /// MSH-9 (message type^trigger^structure).
    pub fn message_type(&self) -> Vec<String> {
        self.segments
            .first()
            .map(|m| {
                self.field(m, 9)
                    .split(self.delimiters.component)
                    .map(|c| self.unescape(c))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Undoes escape sequences in a component's text; the first subcomponent is the value.
    pub fn unescape(&self, raw: &str) -> String {
        let raw = raw.split(self.delimiters.subcomponent).next().unwrap_or("");
        let Some(esc) = self.delimiters.escape else {
            return raw.to_string();
        };
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(i) = rest.find(esc) {
            out.push_str(&rest[..i]);
            let after = &rest[i + esc.len_utf8()..];
            let Some(j) = after.find(esc) else {
                // An unterminated escape is kept as written.
                out.push_str(&rest[i..]);
                return out;
            };
            let seq = &after[..j];
            let d = &self.delimiters;
            match seq {
                "F" => out.push(d.field),
                "S" => out.push(d.component),
                "T" => out.push(d.subcomponent),
                "R" => out.push(d.repetition),
                "E" => out.push(esc),
                ".br" => out.push('\n'),
                s if s.starts_with('X') && s.is_ascii() && s.len() % 2 == 1 => {
                    let bytes: Vec<u8> = (1..s.len())
                        .step_by(2)
                        .filter_map(|k| u8::from_str_radix(&s[k..k + 2], 16).ok())
                        .collect();
                    out.push_str(&String::from_utf8_lossy(&bytes));
                }
                // Highlighting and character-set switches carry no text.
                "H" | "N" => {}
                other => {
                    out.push(esc);
                    out.push_str(other);
                    out.push(esc);
                }
            }
            rest = &after[j + esc.len_utf8()..];
        }
        out.push_str(rest);
        out
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Cuts a file's text into messages, one per MSH; batch envelopes (FHS, BHS, BTS, FTS) are
/// dropped. Returns (1-based message number, first line, text). Text before the first MSH
/// that is not an envelope is returned as a unit of its own, so it is reported, not lost.
pub fn split_messages(text: &str) -> Vec<(u64, usize, String)> {
    let mut out: Vec<(u64, usize, String)> = Vec::new();
    // The unit being gathered: (first line, text).
    let mut current: Option<(usize, String)> = None;
    let flush = |unit: Option<(usize, String)>, out: &mut Vec<(u64, usize, String)>| {
        if let Some((line, t)) = unit {
            let n = out.len() as u64 + 1;
            out.push((n, line, t));
        }
    };
    for (i, seg) in text.split(['\r', '\n']).enumerate() {
        if seg.trim().is_empty() {
            continue;
        }
        let name = seg.get(..3).unwrap_or("");
        if matches!(name, "FHS" | "BHS" | "BTS" | "FTS") {
            continue;
        }
        // An MSH starts a message; stray segments before any MSH form a unit of their own.
        if name == "MSH" || current.is_none() {
            flush(current.take(), &mut out);
            current = Some((i + 1, String::new()));
        }
        if let Some((_, t)) = current.as_mut() {
            t.push_str(seg);
            t.push('\r');
        }
    }
    flush(current.take(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &str = "MSH|^~\\&|EPR|HOSP|TIE|NHS|20260101120000||ADT^A08^ADT_A01|MSG0001|P|2.5.1\rPID|1||123^^^HOSP^MR\rDG1|1||E11.9^Type 2 diabetes \\T\\ more^I10C~44054006^T2DM^SCT|\rDG1|2||^^|";

    #[test]
    fn fields_components_repetitions_and_escapes() {
        let m = Message::parse(MSG).unwrap();
        assert_eq!(m.control_id().as_deref(), Some("MSG0001"));
        assert_eq!(m.message_type(), ["ADT", "A08", "ADT_A01"]);
        let msh = &m.segments[0];
        assert_eq!(m.field(msh, 1), "|");
        assert_eq!(m.field(msh, 2), "^~\\&");
        let dg1 = &m.segments[2];
        let reps = m.components(dg1, 3);
        assert_eq!(reps.len(), 2);
        assert_eq!(m.unescape(reps[0][1]), "Type 2 diabetes & more");
        assert_eq!(reps[1], ["44054006", "T2DM", "SCT"]);
        assert_eq!(m.components(&m.segments[3], 3), [vec!["", "", ""]]);
        assert_eq!(
            m.unescape("a\\F\\b\\S\\c\\R\\d\\E\\e\\X41\\"),
            "a|b^c~d\\eA"
        );
        assert_eq!(m.unescape("open\\F"), "open\\F");
    }

    #[test]
    fn segment_ends_of_every_kind_and_batches() {
        let lf = MSG.replace('\r', "\n");
        assert_eq!(Message::parse(&lf).unwrap().segments.len(), 4);
        let crlf = MSG.replace('\r', "\r\n");
        assert_eq!(Message::parse(&crlf).unwrap().segments.len(), 4);
        let batch = format!(
            "FHS|^~\\&\nBHS|^~\\&\n{lf}\n{}\nBTS|2\nFTS|1\n",
            lf.replace("MSG0001", "MSG0002")
        );
        let msgs = split_messages(&batch);
        assert_eq!(msgs.len(), 2);
        assert_eq!(
            Message::parse(&msgs[1].2).unwrap().control_id().as_deref(),
            Some("MSG0002")
        );
    }

    #[test]
    fn what_is_not_a_message_says_why() {
        assert!(Message::parse("PID|1").unwrap_err().contains("MSH"));
        assert!(Message::parse("MSH").unwrap_err().contains("MSH-1"));
        assert!(Message::parse("MSH|").unwrap_err().contains("MSH-2"));
        assert!(
            Message::parse("MSH|^~\\&|\rthis is not a segment")
                .unwrap_err()
                .contains("not a segment")
        );
    }

    /// Any input gives a message or a reason, never a panic (a small fuzz over mutated
    /// messages: truncations, byte flips, inserted delimiters).
    #[test]
    fn the_parser_is_total() {
        let mut seed = 0x9e3779b97f4a7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet: Vec<char> = "|^~\\&\r\nMSHDG1XF.0 é".chars().collect();
        for _ in 0..20_000 {
            let mut s: Vec<char> = MSG.chars().collect();
            let edits = 1 + next() % 6;
            for _ in 0..edits {
                let at = (next() as usize) % (s.len() + 1);
                match next() % 3 {
                    0 => s.truncate(at),
                    1 if at < s.len() => s[at] = alphabet[(next() as usize) % alphabet.len()],
                    _ => s.insert(
                        at.min(s.len()),
                        alphabet[(next() as usize) % alphabet.len()],
                    ),
                }
            }
            let text: String = s.into_iter().collect();
            for (_, _, m) in split_messages(&text) {
                if let Ok(m) = Message::parse(&m) {
                    for seg in &m.segments {
                        for f in 0..seg.fields.len() + 1 {
                            for rep in m.components(seg, f) {
                                for c in rep {
                                    let _ = m.unescape(c);
                                }
                            }
                        }
                    }
                    let _ = m.control_id();
                }
            }
        }
    }
}
