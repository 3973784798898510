//! `concord audit verify` and `concord audit export`.

use super::AuditAction;
use anyhow::{Context, Result};
use std::io::BufReader;
use std::process::ExitCode;

/// Runs an audit action. A rotated trail is read whole: its closed segments in order, then the
/// live file. A trail whose server was killed with records staged and not yet appended is
/// completed first, as that server's next start would (said on stderr).
pub fn run(action: AuditAction) -> Result<ExitCode> {
    match action {
        AuditAction::Verify { audit } => {
            let files = trail_files(&audit)?;
            let (mut seq, mut prev) = (0, crate::audit::GENESIS.to_string());
            for file in &files {
                let f = std::fs::File::open(file)
                    .with_context(|| format!("opening the audit trail {}", file.display()))?;
                match crate::audit::verify_after(BufReader::new(f), seq, prev) {
                    Ok(last) => (seq, prev) = last,
                    Err(e) => {
                        eprintln!("error: {}: {e}", file.display());
                        return Ok(ExitCode::FAILURE);
                    }
                }
            }
            let across = match files.len() {
                1 => String::new(),
                n => format!(" in {n} files"),
            };
            println!("ok: {seq} records{across}, chain intact (last hash {prev})");
            Ok(ExitCode::SUCCESS)
        }
        AuditAction::Export { audit, out } => {
            let files = trail_files(&audit)?;
            let n = match out {
                Some(path) => {
                    let w = std::fs::File::create(&path)
                        .with_context(|| format!("creating {}", path.display()))?;
                    export(&files, std::io::BufWriter::new(w))?
                }
                None => export(&files, std::io::stdout().lock())?,
            };
            eprintln!("exported {n} AuditEvent resources");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The files of the trail at `audit`, or why there are none.
fn trail_files(audit: &std::path::Path) -> Result<Vec<std::path::PathBuf>> {
    let completed = crate::audit::complete(audit)
        .with_context(|| format!("completing the audit trail {}", audit.display()))?;
    if completed > 0 {
        eprintln!(
            "appended {completed} records that a stopped server had staged but not yet written to {}",
            audit.display()
        );
    }
    let files = crate::audit::files(audit)
        .with_context(|| format!("listing the audit trail {}", audit.display()))?;
    anyhow::ensure!(
        !files.is_empty(),
        "no audit trail at {} (nor rotated segments of it)",
        audit.display()
    );
    Ok(files)
}

/// Writes one AuditEvent per record of the trail's files, one per line; returns how many.
fn export(files: &[std::path::PathBuf], mut out: impl std::io::Write) -> Result<u64> {
    use std::io::BufRead;
    let mut n = 0;
    for file in files {
        let f = std::fs::File::open(file)
            .with_context(|| format!("opening the audit trail {}", file.display()))?;
        let at = |i: usize| format!("{} line {}", file.display(), i + 1);
        for (i, line) in BufReader::new(f).lines().enumerate() {
            let line = line?;
            if crate::audit::unwritten(&line).map_err(|e| anyhow::anyhow!("{}: {e}", at(i)))? {
                break;
            }
            let e: crate::audit::Entry = serde_json::from_str(&line)
                .map_err(|err| anyhow::anyhow!("{}: not an audit record ({err})", at(i)))?;
            serde_json::to_writer(&mut out, &crate::fhir::audit_event::audit_event(&e))?;
            out.write_all(b"\n")?;
            n += 1;
        }
    }
    out.flush()?;
    Ok(n)
}
