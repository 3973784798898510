//! Asynchronous Bulk Data jobs (the FHIR Bulk Data kick-off / status / manifest pattern),
//! transport-free: a job's NDJSON input is spooled to `DIR/{id}/input.ndjson`, checked on its
//! own thread by [`super::run::process`], and leaves `DIR/{id}/`:
//! - `{ResourceType}.ndjson`: the resources annotated with canonical codings (normalize jobs);
//! - `OperationOutcome.ndjson`: one outcome per resource with a finding, located by FHIRPath;
//! - `report.json`: counts per resource type and element path, top offenders;
//! - `errors.ndjson`: one OperationOutcome per line that could not be read, and
//!   `dead-letter.ndjson` with the lines themselves;
//! - `manifest.json`: the Bulk Data manifest, written last, so a finished job survives a
//!   restart.
//!
//! Cancelling stops the job between lines and removes its folder.

use super::deadletter::DeadLetter;
use super::resources::Report;
use crate::fhir::outcome;
use crate::ops::Terminology;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Validate every coding.
    Validate,
    /// Validate and annotate with canonical codings.
    Normalize,
}

/// Where a job is.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Being spooled or checked; lines done so far.
    Running(u64),
    /// Finished; the manifest.
    Done(Value),
    /// Stopped by an error.
    Failed(String),
}

/// One job.
pub struct Job {
    /// Its id.
    pub id: String,
    kind: Kind,
    dir: PathBuf,
    cancel: AtomicBool,
    lines: AtomicU64,
    failed: Mutex<Option<String>>,
    manifest: Mutex<Option<Value>>,
}

impl Job {
    /// The spool file the request body goes to.
    pub fn input(&self) -> PathBuf {
        self.dir.join("input.ndjson")
    }

    /// Where it is.
    pub fn status(&self) -> Status {
        if let Some(m) = self.manifest.lock().ok().and_then(|m| m.clone()) {
            return Status::Done(m);
        }
        if let Some(e) = self.failed.lock().ok().and_then(|f| f.clone()) {
            return Status::Failed(e);
        }
        Status::Running(self.lines.load(Ordering::Relaxed))
    }
}

/// The jobs of a server.
pub struct Jobs {
    dir: PathBuf,
    jobs: Mutex<HashMap<String, Arc<Job>>>,
}

/// A job id: only these characters reach the file system.
fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

impl Jobs {
    /// Jobs kept under `dir`.
    pub fn new(dir: &Path) -> Self {
        Jobs {
            dir: dir.to_path_buf(),
            jobs: Mutex::new(HashMap::new()),
        }
    }

    /// A new job with its folder.
    pub fn create(&self, kind: Kind) -> std::io::Result<Arc<Job>> {
        let id = uuid::Uuid::new_v4().to_string();
        let dir = self.dir.join(&id);
        std::fs::create_dir_all(&dir)?;
        let job = Arc::new(Job {
            id: id.clone(),
            kind,
            dir,
            cancel: AtomicBool::new(false),
            lines: AtomicU64::new(0),
            failed: Mutex::new(None),
            manifest: Mutex::new(None),
        });
        if let Ok(mut j) = self.jobs.lock() {
            j.insert(id, job.clone());
        }
        Ok(job)
    }

    /// A job by id: one of this run, or a finished one a previous run left on disk.
    pub fn get(&self, id: &str) -> Option<Arc<Job>> {
        if !valid_id(id) {
            return None;
        }
        if let Some(j) = self.jobs.lock().ok()?.get(id).cloned() {
            return Some(j);
        }
        let dir = self.dir.join(id);
        let manifest: Value =
            serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).ok()?).ok()?;
        Some(Arc::new(Job {
            id: id.into(),
            kind: Kind::Validate,
            dir,
            cancel: AtomicBool::new(false),
            lines: AtomicU64::new(0),
            failed: Mutex::new(None),
            manifest: Mutex::new(Some(manifest)),
        }))
    }

    /// Cancels a job (between lines) and removes its files; false when unknown.
    pub fn cancel(&self, id: &str) -> bool {
        let Some(job) = self.get(id) else {
            return false;
        };
        job.cancel.store(true, Ordering::Relaxed);
        if let Ok(mut j) = self.jobs.lock() {
            j.remove(id);
        }
        let _ = std::fs::remove_dir_all(&job.dir);
        true
    }

    /// A file of a finished job (`Condition.ndjson`, `report.json`, …).
    pub fn file(&self, id: &str, name: &str) -> Option<PathBuf> {
        let ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
            && !name.starts_with('.')
            && name != "input.ndjson";
        let p = self.get(id)?.dir.join(name);
        (ok && p.is_file()).then_some(p)
    }

    /// Checks the spooled input on a thread of its own; `base` is the URL the job's files are
    /// served under (`…/jobs/{id}/files/`), `request` the kick-off URL, `secured` whether a
    /// token is needed to fetch them.
    pub fn start(
        &self,
        t: Arc<Terminology>,
        job: Arc<Job>,
        base: String,
        request: String,
        secured: bool,
    ) {
        std::thread::spawn(move || {
            if let Err(e) = run(&t, &job, &base, &request, secured) {
                tracing::error!(job = %job.id, error = %format!("{e:#}"), "bulk job failed");
                if let Ok(mut f) = job.failed.lock() {
                    *f = Some(format!("{e:#}"));
                }
            }
        });
    }
}

fn run(t: &Terminology, job: &Job, base: &str, request: &str, secured: bool) -> anyhow::Result<()> {
    let time = crate::clock::now_rfc3339();
    let mut report = Report::default();
    let mut dead = DeadLetter::new(Some(&job.dir.join("dead-letter.ndjson")));
    let mut outputs: BTreeMap<String, (std::io::BufWriter<std::fs::File>, u64)> = BTreeMap::new();
    let dir = job.dir.clone();
    // The output file of a type, opened on its first resource.
    fn write(
        outputs: &mut BTreeMap<String, (std::io::BufWriter<std::fs::File>, u64)>,
        dir: &Path,
        name: &str,
        v: &Value,
    ) -> std::io::Result<()> {
        if !outputs.contains_key(name) {
            let f = std::fs::File::create(dir.join(format!("{name}.ndjson")))?;
            outputs.insert(name.to_string(), (std::io::BufWriter::new(f), 0));
        }
        let (w, n) = outputs.get_mut(name).expect("inserted above");
        serde_json::to_writer(&mut *w, v)?;
        *n += 1;
        w.write_all(b"\n")
    }
    let units = super::units::lines(&job.input())?.inspect(|_| {
        job.lines.fetch_add(1, Ordering::Relaxed);
    });
    let annotate = job.kind == Kind::Normalize;
    let counts = super::run::process(
        t,
        units,
        &mut report,
        annotate,
        &mut dead,
        &job.cancel,
        |r, findings| {
            if annotate {
                let ty = r["resourceType"].as_str().unwrap_or("Resource").to_string();
                write(&mut outputs, &dir, &ty, r)?;
            }
            if !findings.is_empty() {
                let o = outcome::from_issues(findings);
                write(&mut outputs, &dir, "OperationOutcome", &o)?;
            }
            Ok(())
        },
    )?;
    if job.cancel.load(Ordering::Relaxed) {
        return Ok(());
    }
    for (w, _) in outputs.values_mut() {
        w.flush()?;
    }
    dead.finish()?;
    // Lines that could not be read, as the OperationOutcomes a Bulk Data client expects.
    let dl = job.dir.join("dead-letter.ndjson");
    let mut errors = 0u64;
    if dl.exists() {
        let mut w = std::io::BufWriter::new(std::fs::File::create(job.dir.join("errors.ndjson"))?);
        for e in super::deadletter::originals(&dl)? {
            let oo = outcome::error("structure", &format!("line {}: {}", e.line, e.reason), None);
            serde_json::to_writer(&mut w, &oo)?;
            w.write_all(b"\n")?;
            errors += 1;
        }
        w.flush()?;
    }
    std::fs::write(
        job.dir.join("report.json"),
        serde_json::to_vec_pretty(&report.to_json())?,
    )?;
    let _ = std::fs::remove_file(job.input());
    let url = |name: &str| format!("{base}{name}");
    let mut manifest = json!({
        "transactionTime": time,
        "request": request,
        "requiresAccessToken": secured,
        "output": outputs.iter().map(|(ty, (_, n))| json!({"type": ty, "url": url(&format!("{ty}.ndjson")), "count": n})).collect::<Vec<_>>(),
        "error": if errors > 0 { json!([{"type": "OperationOutcome", "url": url("errors.ndjson"), "count": errors}]) } else { json!([]) },
        "extension": {
            "http://concord-terminology.org/fhir/bulk/report": url("report.json"),
            "http://concord-terminology.org/fhir/bulk/counts": {"lines": counts.units, "results": counts.results, "deadLetter": counts.dead},
        }
    });
    if counts.dead > 0 {
        manifest["extension"]["http://concord-terminology.org/fhir/bulk/dead-letter"] =
            json!(url("dead-letter.ndjson"));
    }
    std::fs::write(
        job.dir.join("manifest.json"),
        serde_json::to_vec_pretty(&manifest)?,
    )?;
    if let Ok(mut m) = job.manifest.lock() {
        *m = Some(manifest);
    }
    Ok(())
}
