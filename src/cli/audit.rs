//! `concord audit verify` and `concord audit export`.

use super::AuditAction;
use anyhow::{Context, Result};
use std::io::BufReader;
use std::process::ExitCode;

/// Runs an audit action.
pub fn run(action: AuditAction) -> Result<ExitCode> {
    match action {
        AuditAction::Verify { audit } => {
            let f = std::fs::File::open(&audit)
                .with_context(|| format!("opening the audit trail {}", audit.display()))?;
            match crate::audit::verify(BufReader::new(f)) {
                Ok((n, last)) => {
                    println!("ok: {} records, chain intact (last hash {last})", n);
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {}: {e}", audit.display());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        AuditAction::Export { audit, out } => {
            let f = std::fs::File::open(&audit)
                .with_context(|| format!("opening the audit trail {}", audit.display()))?;
            let n = match out {
                Some(path) => {
                    let w = std::fs::File::create(&path)
                        .with_context(|| format!("creating {}", path.display()))?;
                    export(BufReader::new(f), std::io::BufWriter::new(w))?
                }
                None => export(BufReader::new(f), std::io::stdout().lock())?,
            };
            eprintln!("exported {n} AuditEvent resources");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes one AuditEvent per record of a trail, one per line; returns how many.
fn export(reader: impl std::io::BufRead, mut out: impl std::io::Write) -> Result<u64> {
    let mut n = 0;
    for (i, line) in reader.lines().enumerate() {
        let line = line?;
        if crate::audit::unwritten(&line).map_err(|e| anyhow::anyhow!("line {}: {e}", i + 1))? {
            break;
        }
        let e: crate::audit::Entry = serde_json::from_str(&line)
            .map_err(|err| anyhow::anyhow!("line {}: not an audit record ({err})", i + 1))?;
        serde_json::to_writer(&mut out, &crate::fhir::audit_event::audit_event(&e))?;
        out.write_all(b"\n")?;
        n += 1;
    }
    out.flush()?;
    Ok(n)
}
