//! `concord v2 validate FILE…` and `concord v2 listen --mllp ADDR`.

use super::common::open;
use crate::bulk::deadletter::{DeadLetter, Entry, is_dead_letter};
use crate::bulk::units;
use crate::v2::{coded, er7, mllp};
use anyhow::{Context, Result};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

/// Reads a file's text: UTF-8, or ISO-8859-1 (what most v2 feeds send) when it is not.
fn read_text(p: &Path) -> Result<String> {
    let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => e.into_bytes().iter().map(|b| char::from(*b)).collect(),
    })
}

/// `concord v2 validate`: one NDJSON result per message (its ACK code and findings); what is
/// not a message goes to the dead-letter file. Exit 1 when a message has an error, 2 when
/// anything was dead-lettered.
pub fn validate(
    data: &Path,
    files: &[PathBuf],
    out: Option<&Path>,
    dead_letter: Option<&Path>,
) -> Result<ExitCode> {
    let t = open(data, "en-US")?;
    let dl_path = dead_letter
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("v2-dead-letter.ndjson"));
    // (source, message number, text); a dead-letter file given as input is re-run.
    let mut inputs: Vec<(String, u64, Option<String>, String)> = Vec::new();
    for f in files {
        if is_dead_letter(f) {
            for u in units::from_dead_letter(f)? {
                inputs.push((
                    u.source,
                    u.line,
                    u.message_id,
                    String::from_utf8_lossy(&u.bytes).into(),
                ));
            }
            continue;
        }
        let text = read_text(f)?;
        for (n, _, m) in er7::split_messages(&text) {
            inputs.push((f.display().to_string(), n, None, m));
        }
    }
    let mut dead = DeadLetter::new(Some(&dl_path));
    let mut w: Box<dyn Write> = match out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let (mut results, mut with_errors) = (0u64, 0u64);
    let n_in = inputs.len();
    for (source, n, id, text) in inputs {
        match er7::Message::parse(&text) {
            Ok(m) => {
                results += 1;
                let findings = coded::check(&t, &m);
                let ack = if findings.iter().any(|f| f.severity == 'E') {
                    with_errors += 1;
                    "AE"
                } else {
                    "AA"
                };
                let line = json!({
                    "source": source, "message": n, "controlId": m.control_id(),
                    "ack": ack, "findings": findings,
                });
                serde_json::to_writer(&mut w, &line)?;
                w.write_all(b"\n")?;
            }
            Err(reason) => {
                let mut e = Entry::new(&source, n, &reason, text.as_bytes());
                e.message_id = id;
                dead.push(&e)?;
            }
        }
    }
    w.flush()?;
    drop(w);
    let dead_count = dead.finish()?;
    eprintln!(
        "in: {n_in} messages = {results} results ({with_errors} with errors) + {dead_count} dead-letter{}",
        if dead_count > 0 {
            format!(" ({})", dl_path.display())
        } else {
            String::new()
        }
    );
    Ok(if dead_count > 0 {
        ExitCode::from(2)
    } else if with_errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `concord v2 listen`.
pub fn listen(
    data: &Path,
    addr: &str,
    forward: Option<String>,
    dead_letter: &Path,
) -> Result<ExitCode> {
    let t = Arc::new(open(data, "en-US")?);
    t.warm_up()?;
    let listener =
        std::net::TcpListener::bind(addr).with_context(|| format!("binding MLLP on {addr}"))?;
    eprintln!(
        "Concord MLLP listener on {addr}; ACKs AA/AE/AR; dead letters to {}{}",
        dead_letter.display(),
        forward
            .as_deref()
            .map(|f| format!("; accepted messages forwarded to {f}"))
            .unwrap_or_default()
    );
    mllp::listen(
        t,
        listener,
        mllp::ListenOptions {
            forward,
            dead_letter: Arc::new(Mutex::new(DeadLetter::appending(dead_letter))),
        },
    )?;
    Ok(ExitCode::SUCCESS)
}
