//! `concord serve`.

use super::common::*;
use crate::import;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Who may call the server, where its audit trail goes, and how much it takes.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeSecurity {
    /// JWKS file or URL: with one, every API request needs an OAuth2 bearer JWT (RS256, PS256
    /// or ES256) signed by one of its keys.
    #[arg(long, env = "CONCORD_JWKS")]
    pub jwks: Option<String>,
    /// Required token issuer (`iss`).
    #[arg(long, env = "CONCORD_ISSUER")]
    pub issuer: Option<String>,
    /// Required token audience (`aud`).
    #[arg(long, env = "CONCORD_AUDIENCE")]
    pub audience: Option<String>,
    /// Grants an operation needs, replacing the SMART defaults: OPERATION=GRANT[,GRANT…] with
    /// OPERATION one of CodeSystem, ValueSet, ConceptMap, search, admin or * (repeatable;
    /// e.g. '*=Terminology.Read' for an Entra ID app role).
    #[arg(
        long = "require-scope",
        env = "CONCORD_REQUIRE_SCOPE",
        value_delimiter = ';'
    )]
    pub require_scope: Vec<String>,
    /// Audit trail file (default: audit.ndjson in the data directory). Records are staged in
    /// FILE.staging beside it until they are appended; keep both on the same volume.
    #[arg(long, env = "CONCORD_AUDIT")]
    pub audit: Option<PathBuf>,
    /// Run without an audit trail.
    #[arg(long, conflicts_with = "audit")]
    pub no_audit: bool,
    /// Sync the audit trail at most every N ms instead of before every answer: records are
    /// still staged in a file beside the trail before their answers (a server crash loses
    /// none), but a power cut can lose the last N ms. 0 (the default): every answer waits for
    /// its record's fdatasync.
    #[arg(long, env = "CONCORD_AUDIT_SYNC_MS", default_value_t = 0)]
    pub audit_sync_ms: u64,
    /// Rotate the audit trail at this size: the live file is closed and renamed
    /// `<file>.<seq of its last record>`, and a new one continues the chain (`concord audit
    /// verify` and `export` read them all, in order). Closed files never change again, so a
    /// log shipper can take them. 0 (the default): never.
    #[arg(long, env = "CONCORD_AUDIT_ROTATE_MB", default_value_t = 0)]
    pub audit_rotate_mb: u64,
    /// Where asynchronous Bulk Data jobs keep their input and output files (default: jobs/ in
    /// the data directory; it must be writable).
    #[arg(long, env = "CONCORD_JOBS_DIR")]
    pub jobs_dir: Option<PathBuf>,
    /// Requests per second per client address (token bucket); 0: no rate limit. Over it: 429.
    #[arg(long, env = "CONCORD_RATE_LIMIT", default_value_t = 0)]
    pub rate_limit: u32,
    /// A reverse proxy (IP address) whose X-Forwarded-For names the client, for the rate limit
    /// (repeatable; env: comma-separated). Without one, clients are keyed by peer address.
    #[arg(
        long = "trusted-proxy",
        env = "CONCORD_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Seconds a request may take to arrive and be answered (408 beyond); 0: no limit. NDJSON
    /// streams and Bulk Data kick-offs are exempt.
    #[arg(long, env = "CONCORD_REQUEST_TIMEOUT", default_value_t = 30.0)]
    pub request_timeout: f64,
    /// Requests a client may send at once above its rate (default: the rate).
    #[arg(long, env = "CONCORD_BURST", default_value_t = 0)]
    pub burst: u32,
    /// Expansions and batches running at once; more get 429 with Retry-After.
    #[arg(long, env = "CONCORD_MAX_EXPENSIVE", default_value_t = 64)]
    pub max_expensive: usize,
    /// Largest request body in bytes; larger gets 413.
    #[arg(long, env = "CONCORD_MAX_BODY", default_value_t = 16 << 20)]
    pub max_body: usize,
}

/// Makes sure the default data directory `d` holds a release this Concord serves: the
/// embedded dataset is imported on first start, and again when the release there was imported
/// from it alone by a Concord whose index layout this one cannot read (so an upgrade needs no
/// manual step; a release holding anything else is left alone, and [`servable`] says what to
/// run).
pub fn default_data_ready(d: &Path) -> Result<()> {
    let why = match import::status(d)? {
        None => Some("first start"),
        Some(r)
            if crate::default_data::is_embedded_only(&r)
                && crate::index::file::IndexFile::check(&r.index_path()).is_err() =>
        {
            Some("the default dataset was imported by another Concord version")
        }
        Some(_) => None,
    };
    if let Some(why) = why {
        eprintln!(
            "{why}: importing the embedded default dataset into {} ...",
            d.display()
        );
        let r = crate::default_data::import_into(d)?;
        eprintln!("imported: {} code systems", r.manifest.code_systems.len());
    }
    Ok(())
}

/// Refuses, before the server starts, a release whose index file this Concord cannot read
/// (another version's layout, damage), saying why and which import to run again: the
/// release's own sources, with `--default` for the embedded files (gone once imported).
pub fn servable(dir: &Path) -> Result<()> {
    let Some(r) = import::status(dir)? else {
        return Ok(());
    };
    let Err(e) = crate::index::file::IndexFile::check(&r.index_path()) else {
        return Ok(());
    };
    let embedded = r
        .manifest
        .sources
        .iter()
        .any(|s| crate::default_data::is_embedded_source(&s.path));
    let sources: Vec<&str> = embedded
        .then_some("--default")
        .into_iter()
        .chain(
            r.manifest
                .sources
                .iter()
                .map(|s| s.path.as_str())
                .filter(|p| !crate::default_data::is_embedded_source(p)),
        )
        .collect();
    anyhow::bail!(
        "the release in {} cannot be served by this Concord: its index file {} ({}); import it again with this version: concord import --data {} {}",
        dir.display(),
        e.path,
        e.message,
        dir.display(),
        sources.join(" ")
    )
}

/// The name of the release `concord import` published last in `data`.
fn release_name(data: &Path) -> Result<String> {
    Ok(crate::import::status(data)?
        .and_then(|r| r.dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default())
}

/// Opens whatever release is published in `data` when a reload is asked for.
pub fn reloader(
    data: &Path,
    default_language: &str,
    limits: crate::ops::expand::Limits,
    canonical: &str,
) -> crate::http::release::Reloader {
    let (data, language) = (data.to_path_buf(), default_language.to_string());
    let canonical = canonical.to_string();
    Arc::new(move || {
        let name = release_name(&data)?;
        let mut t = open(&data, &language)?;
        t.limits = limits;
        t.canonical_system = canonical.clone();
        Ok((name, t))
    })
}

/// `concord serve`.
pub fn serve(
    data: &Path,
    addr: &str,
    workers: Option<usize>,
    default_language: &str,
    limits: crate::ops::expand::Limits,
    canonical: &str,
    security: &ServeSecurity,
) -> Result<()> {
    let release = release_name(data)?;
    let mut t = open(data, default_language)?;
    t.limits = limits;
    t.canonical_system = canonical.to_string();
    let t = Arc::new(t);
    t.warm_up()?;
    // The index file into the page cache while the first requests come in: otherwise the first
    // typeahead searches after a start each wait on the disk (783 req/s instead of 1,800).
    {
        let t = t.clone();
        std::thread::spawn(move || t.prefetch_index());
    }
    let workers = workers.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    });
    let auth = match &security.jwks {
        Some(jwks) => Some(Arc::new(crate::auth::Verifier::new(crate::auth::Config {
            jwks: jwks.clone(),
            issuer: security.issuer.clone(),
            audience: security.audience.clone(),
            scopes: crate::auth::ScopeRules::parse(&security.require_scope)?,
        })?)),
        None => None,
    };
    let audit = if security.no_audit {
        None
    } else {
        let path = security
            .audit
            .clone()
            .unwrap_or_else(|| data.join("audit.ndjson"));
        let sync = match security.audit_sync_ms {
            0 => crate::audit::Sync::Always,
            ms => crate::audit::Sync::Interval(std::time::Duration::from_millis(ms)),
        };
        Some(crate::audit::AuditLog::open_with(
            &path,
            crate::audit::Config {
                sync,
                rotate_at: (security.audit_rotate_mb > 0)
                    .then(|| security.audit_rotate_mb.saturating_mul(1 << 20)),
            },
        )?)
    };
    tracing::info!(
        %addr,
        workers,
        release = %release,
        code_systems = t.catalog().len(),
        index_bytes = t.index_bytes().unwrap_or(0),
        auth = auth.is_some(),
        audit = audit.as_ref().map(|a| a.path().display().to_string()).unwrap_or_default(),
        "serving"
    );
    eprintln!(
        "Concord serving {} code system versions on http://{addr} (data: {})",
        t.catalog().len(),
        data.display()
    );
    match &auth {
        Some(v) => eprintln!(
            "authentication: bearer JWTs from {} required{}{}",
            v.config().jwks,
            v.config()
                .issuer
                .as_deref()
                .map(|i| format!(", issuer {i}"))
                .unwrap_or_default(),
            v.config()
                .audience
                .as_deref()
                .map(|a| format!(", audience {a}"))
                .unwrap_or_default()
        ),
        None => {
            let loopback = addr
                .rsplit_once(':')
                .map(|(h, _)| h.trim_matches(['[', ']']))
                .and_then(|h| h.parse::<std::net::IpAddr>().ok())
                .is_some_and(|ip| ip.is_loopback())
                || addr.starts_with("localhost:");
            if loopback {
                eprintln!(
                    "authentication: off (no --jwks); listening on loopback only, so only this machine can call"
                );
            } else {
                eprintln!(
                    "WARNING: authentication is off (no --jwks) and {addr} is reachable from the network: anyone who can reach it may use this server"
                );
            }
        }
    }
    match &audit {
        Some(a) => eprintln!(
            "audit trail: {} ({})",
            a.path().display(),
            match security.audit_sync_ms {
                0 => "synced before each answer".to_string(),
                ms => format!(
                    "staged before each answer, so a server crash loses none; synced every {ms} ms"
                ),
            },
        ),
        None => eprintln!("audit trail: off (--no-audit)"),
    }
    let trail = audit.clone();
    let options = crate::http::Options {
        auth,
        audit,
        release,
        limits: crate::http::limits::Limits {
            rate_per_second: security.rate_limit,
            burst: security.burst,
            trusted_proxies: security.trusted_proxies.clone(),
            request_timeout: (security.request_timeout > 0.0)
                .then(|| std::time::Duration::from_secs_f64(security.request_timeout)),
            max_expensive: security.max_expensive,
            max_body: security.max_body,
        },
        reloader: Some(reloader(data, default_language, limits, canonical)),
        jobs_dir: Some(
            security
                .jobs_dir
                .clone()
                .unwrap_or_else(|| data.join("jobs")),
        ),
    };
    crate::http::run(t, addr, workers, options).with_context(|| format!("serving on {addr}"))?;
    // Every worker has stopped: no record can follow.
    if let Some(trail) = trail {
        trail.close()?;
    }
    Ok(())
}
