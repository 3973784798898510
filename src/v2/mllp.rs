//! MLLP (the Minimal Lower Layer Protocol: `<VT>` message `<FS><CR>`) and the listener that
//! validates each message and answers it with an ACK.
//!
//! Each message gets exactly one ACK: `AA` when no coded field has an error, `AE` with one
//! `ERR` segment per finding (warnings included, severity `W`), `AR` when the bytes are not a
//! message. An `AE`/`AR` message is written to the dead-letter file before its ACK leaves; an
//! `AA` message is forwarded when a downstream is configured, and dead-lettered (answered
//! `AE` 207) if the downstream does not take it. A message whose control id was already
//! forwarded is acknowledged again without a second forward, so a sender's retry is harmless.

use super::coded::{Finding, check};
use super::er7::Message;
use crate::bulk::deadletter::{DeadLetter, Entry};
use crate::ops::Terminology;
use std::collections::{HashSet, VecDeque};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// Start of block.
pub const VT: u8 = 0x0b;
/// End of block.
pub const FS: u8 = 0x1c;
/// Carriage return after FS.
pub const CR: u8 = 0x0d;

/// The largest message accepted.
pub const MAX_MESSAGE: usize = 16 << 20;

/// Frames a message.
pub fn frame(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 3);
    out.push(VT);
    out.extend_from_slice(message);
    out.extend_from_slice(&[FS, CR]);
    out
}

/// Cuts frames out of a byte stream, however the reads split it.
#[derive(Default)]
pub struct Deframer {
    buf: Vec<u8>,
}

/// What the deframer found.
#[derive(Debug, PartialEq)]
pub enum Frame {
    /// A whole message.
    Message(Vec<u8>),
    /// A frame over [`MAX_MESSAGE`]; its bytes were dropped.
    TooLarge,
}

impl Deframer {
    /// Adds bytes read; returns the frames they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Frame> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        loop {
            // Bytes before a start block are noise between frames.
            match self.buf.iter().position(|b| *b == VT) {
                Some(0) => {}
                Some(i) => {
                    self.buf.drain(..i);
                }
                None => {
                    self.buf.clear();
                    break;
                }
            }
            match self.buf.windows(2).position(|w| w == [FS, CR]) {
                Some(end) => {
                    let body = self.buf[1..end].to_vec();
                    self.buf.drain(..end + 2);
                    out.push(if body.len() > MAX_MESSAGE {
                        Frame::TooLarge
                    } else {
                        Frame::Message(body)
                    });
                }
                None => {
                    if self.buf.len() > MAX_MESSAGE + 2 {
                        out.push(Frame::TooLarge);
                        // Keep nothing: the rest of this frame is skipped up to the next VT.
                        self.buf.clear();
                    }
                    break;
                }
            }
        }
        out
    }
}

/// HL7 table 0357 names of the codes used.
fn error_name(code: u16) -> &'static str {
    match code {
        100 => "Segment sequence error",
        101 => "Required field missing",
        102 => "Data type error",
        103 => "Table value not found",
        207 => "Application internal error",
        _ => "Application error",
    }
}

/// Escapes text for a field.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\F\\"),
            '^' => out.push_str("\\S\\"),
            '&' => out.push_str("\\T\\"),
            '~' => out.push_str("\\R\\"),
            '\\' => out.push_str("\\E\\"),
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The ACK of a message: `code` is AA, AE or AR; `errors` are (ERL, 0357 code, severity, text).
pub fn ack(
    message: Option<&Message>,
    code: &str,
    errors: &[(String, u16, char, String)],
) -> String {
    let field = |n: usize| {
        message
            .and_then(|m| m.segments.first().map(|s| m.field(s, n).to_string()))
            .unwrap_or_default()
    };
    let trigger = message
        .map(|m| m.message_type().get(1).cloned().unwrap_or_default())
        .unwrap_or_default();
    let version = Some(field(12))
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "2.5.1".into());
    let now = crate::clock::now_hl7();
    let control = message.and_then(Message::control_id).unwrap_or_default();
    let mut out = format!(
        "MSH|^~\\&|CONCORD|CONCORD|{}|{}|{now}||ACK^{}^ACK|ACK{}|P|{version}\rMSA|{code}|{}\r",
        field(3),
        field(4),
        escape(&trigger),
        escape(&control),
        escape(&control)
    );
    for (erl, c, sev, text) in errors {
        out.push_str(&format!(
            "ERR||{erl}|{c}^{}^HL70357|{sev}||||{}\r",
            error_name(*c),
            escape(text)
        ));
    }
    out
}

/// The answer to one message's bytes: the ACK, the findings, and whether it was accepted.
pub struct Answer {
    /// The ACK message.
    pub ack: String,
    /// AA, AE or AR.
    pub code: &'static str,
    /// The message, when it parsed.
    pub control_id: Option<String>,
    /// Findings.
    pub findings: Vec<Finding>,
    /// Why it was rejected (AR).
    pub rejected: Option<String>,
}

/// Validates one message and builds its ACK.
pub fn answer(t: &Terminology, bytes: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(bytes);
    let m = match Message::parse(&text) {
        Ok(m) => m,
        Err(reason) => {
            return Answer {
                ack: ack(None, "AR", &[(String::new(), 100, 'E', reason.clone())]),
                code: "AR",
                control_id: None,
                findings: Vec::new(),
                rejected: Some(reason),
            };
        }
    };
    let findings = check(t, &m);
    let errors: Vec<(String, u16, char, String)> = findings
        .iter()
        .filter(|f| f.severity != 'I')
        .map(|f| (f.erl.clone(), f.error_code, f.severity, f.text.clone()))
        .collect();
    let code = if findings.iter().any(|f| f.severity == 'E') {
        "AE"
    } else {
        "AA"
    };
    Answer {
        ack: ack(Some(&m), code, &errors),
        code,
        control_id: m.control_id(),
        findings,
        rejected: None,
    }
}

/// What the listener does besides answering.
pub struct ListenOptions {
    /// Downstream MLLP address for accepted messages.
    pub forward: Option<String>,
    /// Where rejected and unforwardable messages go.
    pub dead_letter: Arc<Mutex<DeadLetter>>,
}

/// Control ids already forwarded (the newest 100,000), so a retry is not forwarded twice.
#[derive(Default)]
struct Forwarded {
    set: HashSet<String>,
    order: VecDeque<String>,
}

impl Forwarded {
    fn insert(&mut self, id: String) {
        if self.set.insert(id.clone()) {
            self.order.push_back(id);
            if self.order.len() > 100_000
                && let Some(old) = self.order.pop_front()
            {
                self.set.remove(&old);
            }
        }
    }
}

/// Sends one message to an MLLP peer and waits for its ACK; `Err` says why it was not taken.
pub fn send(addr: &str, message: &[u8]) -> Result<String, String> {
    let mut s = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    s.write_all(&frame(message))
        .map_err(|e| format!("send to {addr}: {e}"))?;
    let mut d = Deframer::default();
    let mut buf = [0u8; 8192];
    loop {
        let n = s
            .read(&mut buf)
            .map_err(|e| format!("ACK from {addr}: {e}"))?;
        if n == 0 {
            return Err(format!("{addr} closed the connection without an ACK"));
        }
        if let Some(Frame::Message(m)) = d.push(&buf[..n]).into_iter().next() {
            let ack = String::from_utf8_lossy(&m).to_string();
            let code = ack
                .split('\r')
                .find(|s| s.starts_with("MSA"))
                .and_then(|s| s.split('|').nth(1))
                .unwrap_or("")
                .to_string();
            return if code == "AA" || code == "CA" {
                Ok(ack)
            } else {
                Err(format!("{addr} answered {code}"))
            };
        }
    }
}

/// Serves MLLP on `listener` until the process ends: one thread per connection.
pub fn listen(t: Arc<Terminology>, listener: TcpListener, o: ListenOptions) -> std::io::Result<()> {
    let o = Arc::new(o);
    let forwarded = Arc::new(Mutex::new(Forwarded::default()));
    for conn in listener.incoming() {
        let conn = match conn {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "MLLP accept failed");
                continue;
            }
        };
        let (t, o, forwarded) = (t.clone(), o.clone(), forwarded.clone());
        std::thread::spawn(move || {
            let peer = conn.peer_addr().map(|a| a.to_string()).unwrap_or_default();
            if let Err(e) = connection(&t, conn, &o, &forwarded) {
                tracing::info!(%peer, error = %e, "MLLP connection ended");
            }
        });
    }
    Ok(())
}

fn connection(
    t: &Terminology,
    mut conn: TcpStream,
    o: &ListenOptions,
    forwarded: &Mutex<Forwarded>,
) -> std::io::Result<()> {
    let _ = conn.set_nodelay(true);
    let peer = conn.peer_addr().map(|a| a.to_string()).unwrap_or_default();
    let mut d = Deframer::default();
    let mut buf = vec![0u8; 64 * 1024];
    let mut count = 0u64;
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        for f in d.push(&buf[..n]) {
            count += 1;
            let reply = match f {
                Frame::TooLarge => {
                    let reason = format!("message larger than {MAX_MESSAGE} bytes");
                    dead_letter(o, &peer, count, None, &reason, b"")?;
                    ack(None, "AR", &[(String::new(), 100, 'E', reason)])
                }
                Frame::Message(m) => one(t, o, forwarded, &peer, count, &m)?,
            };
            conn.write_all(&frame(reply.as_bytes()))?;
        }
    }
}

fn one(
    t: &Terminology,
    o: &ListenOptions,
    forwarded: &Mutex<Forwarded>,
    peer: &str,
    count: u64,
    m: &[u8],
) -> std::io::Result<String> {
    let a = answer(t, m);
    let id = a.control_id.clone();
    tracing::info!(%peer, control_id = id.as_deref().unwrap_or(""), ack = a.code, findings = a.findings.len(), "v2 message");
    if a.code != "AA" {
        let reason = a.rejected.clone().unwrap_or_else(|| {
            a.findings
                .iter()
                .filter(|f| f.severity == 'E')
                .map(|f| f.text.clone())
                .collect::<Vec<_>>()
                .join("; ")
        });
        dead_letter(o, peer, count, id, &reason, m)?;
        return Ok(a.ack);
    }
    let (Some(to), Some(cid)) = (&o.forward, &id) else {
        return Ok(a.ack);
    };
    let already = forwarded
        .lock()
        .map(|f| f.set.contains(cid))
        .unwrap_or(false);
    if already {
        return Ok(a.ack);
    }
    match send(to, m) {
        Ok(_) => {
            if let Ok(mut f) = forwarded.lock() {
                f.insert(cid.clone());
            }
            Ok(a.ack)
        }
        Err(reason) => {
            let reason = format!("forward failed: {reason}");
            dead_letter(o, peer, count, id.clone(), &reason, m)?;
            let parsed = Message::parse(&String::from_utf8_lossy(m)).ok();
            Ok(ack(
                parsed.as_ref(),
                "AE",
                &[(
                    String::new(),
                    207,
                    'E',
                    format!("{reason}; the message was dead-lettered"),
                )],
            ))
        }
    }
}

fn dead_letter(
    o: &ListenOptions,
    peer: &str,
    count: u64,
    id: Option<String>,
    reason: &str,
    bytes: &[u8],
) -> std::io::Result<()> {
    let mut e = Entry::new(&format!("mllp://{peer}"), count, reason, bytes);
    e.message_id = id;
    let mut dl = o
        .dead_letter
        .lock()
        .map_err(|_| std::io::Error::other("dead-letter lock poisoned"))?;
    dl.push(&e)?;
    // On disk before the ACK leaves.
    dl.sync()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_found_however_the_reads_split_them() {
        let a = frame(b"MSH|^~\\&|A\rPID|1");
        let b = frame(b"MSH|^~\\&|B");
        let stream: Vec<u8> = [b"noise".as_slice(), &a, &b].concat();
        for cut in 0..stream.len() {
            let mut d = Deframer::default();
            let mut got = d.push(&stream[..cut]);
            got.extend(d.push(&stream[cut..]));
            assert_eq!(
                got,
                [
                    Frame::Message(b"MSH|^~\\&|A\rPID|1".to_vec()),
                    Frame::Message(b"MSH|^~\\&|B".to_vec())
                ],
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn acks_carry_the_control_id_and_escaped_errors() {
        let m = Message::parse("MSH|^~\\&|EPR|HOSP|TIE|NHS|20260101||ADT^A08|X1|P|2.4").unwrap();
        let a = ack(
            Some(&m),
            "AE",
            &[("DG1^1^3^1^1".into(), 103, 'E', "bad | code".into())],
        );
        let segs: Vec<&str> = a.split('\r').collect();
        assert!(segs[0].starts_with("MSH|^~\\&|CONCORD|CONCORD|EPR|HOSP|"));
        assert!(segs[0].contains("|ACK^A08^ACK|"));
        assert!(segs[0].ends_with("|P|2.4"));
        assert_eq!(segs[1], "MSA|AE|X1");
        assert_eq!(
            segs[2],
            "ERR||DG1^1^3^1^1|103^Table value not found^HL70357|E||||bad \\F\\ code"
        );
    }
}
