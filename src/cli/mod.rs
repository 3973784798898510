//! Command-line interface (clap): the verbs, one file each (`serve`, `lookup`, `search`,
//! `validate`, `translate`, `openapi`, and `report` for `import` / `status`). Configuration comes
//! from flags with environment fallbacks (`CONCORD_DATA`, `CONCORD_LOG`, …); this is the only
//! module that reads the environment.

use crate::import::{self, ImportOptions};
use crate::ops::lookup::LookupRequest;
use anyhow::{Result, anyhow};
use clap::{Parser, Subcommand, ValueEnum};
use concord_loaders::detect::Format;
use concord_loaders::rf2::ReleaseType;
use std::path::PathBuf;
use std::process::ExitCode;

mod audit;
mod bulk;
mod common;
mod lookup;
mod openapi;
mod report;
mod search;
mod serve;
mod translate;
mod v2;
mod validate;

pub use common::{open, system_url};
pub use lookup::lookup;
pub use openapi::{openapi_json, write_openapi};
pub use search::{SearchArgs, search};
pub use serve::{ServeSecurity, serve};
pub use translate::{TranslateArgs, translate};
pub use validate::validate;

/// The data directory used when none is given.
pub const DEFAULT_DATA: &str = "concord-data";

/// Concord — FHIR R4 terminology server for SNOMED CT, ICD-10 and FHIR code systems.
#[derive(Debug, Parser)]
#[command(name = "concord", version, about)]
pub struct Cli {
    /// Log format for tracing output.
    #[arg(
        long,
        env = "CONCORD_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,
    /// Verb.
    #[command(subcommand)]
    pub command: Command,
}

/// `concord v2` actions.
#[derive(Debug, clap::Subcommand)]
pub enum V2Action {
    /// Check every coded field of the messages in FILEs (one message per file, or batches;
    /// `\r` or `\n` segment ends); one NDJSON result per message, findings located as
    /// `DG1[1]-3.1`. A dead-letter file given as FILE re-runs its messages.
    Validate {
        /// ER7 files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Data directory.
        #[arg(long, env = "CONCORD_DATA", default_value = DEFAULT_DATA)]
        data: PathBuf,
        /// Results file (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Where what is not a message goes.
        #[arg(long, default_value = "v2-dead-letter.ndjson")]
        dead_letter: PathBuf,
    },
    /// An MLLP listener: each message answered AA, AE (one ERR per finding) or AR; rejected
    /// ones dead-lettered, accepted ones forwarded when `--forward` is given.
    Listen {
        /// Address to listen on.
        #[arg(long, env = "CONCORD_MLLP", default_value = "127.0.0.1:2575")]
        mllp: String,
        /// Data directory.
        #[arg(long, env = "CONCORD_DATA", default_value = DEFAULT_DATA)]
        data: PathBuf,
        /// Downstream MLLP address for accepted messages.
        #[arg(long, env = "CONCORD_MLLP_FORWARD")]
        forward: Option<String>,
        /// Dead-letter file (appended to).
        #[arg(
            long,
            env = "CONCORD_MLLP_DEAD_LETTER",
            default_value = "v2-dead-letter.ndjson"
        )]
        dead_letter: PathBuf,
    },
}

/// `concord audit` actions.
#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Check the hash chain of an audit trail: exit 0 and its size when whole, else exit 1 naming
    /// the first record that was edited, deleted, inserted or moved.
    Verify {
        /// The audit trail.
        #[arg(long, env = "CONCORD_AUDIT")]
        audit: PathBuf,
    },
    /// Write the trail as FHIR AuditEvent NDJSON (to stdout, or --out).
    Export {
        /// The audit trail.
        #[arg(long, env = "CONCORD_AUDIT")]
        audit: PathBuf,
        /// Output file (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Tracing output format.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// What the `--kind` flag accepts.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kind {
    /// SNOMED CT RF2.
    Snomed,
    /// WHO ICD-10 ClaML.
    Icd10,
    /// ICD-10-CM tabular XML (or CMS flat codes file, detected by content).
    Icd10cm,
    /// FHIR JSON / npm package.
    Fhir,
}

/// Verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import releases into a data directory and publish a new release atomically.
    Import {
        /// Data directory.
        #[arg(long, env = "CONCORD_DATA", default_value = DEFAULT_DATA)]
        data: PathBuf,
        /// Override format detection.
        #[arg(long, value_enum)]
        kind: Option<Kind>,
        /// RF2 release type to load from packages holding several (default: Snapshot, else Full, else Delta).
        #[arg(long, value_parser = parse_release_type)]
        release_type: Option<ReleaseType>,
        /// Canonical URL for a ClaML classification other than WHO ICD-10.
        #[arg(long)]
        system_url: Option<String>,
        /// Version label overriding the one in the file.
        #[arg(long)]
        version: Option<String>,
        /// No progress bars.
        #[arg(long, short)]
        quiet: bool,
        /// Accept SCTIDs with wrong check digits or unknown partitions (made-up ids in test
        /// content); the import warns how many it accepted and where the first one is.
        #[arg(long)]
        lenient_ids: bool,
        /// SNOMED CT: name the imported version by this edition instead of the one its module
        /// dependency refset gives (http://snomed.info/sct/{module}[/version/{yyyymmdd}]).
        #[arg(long)]
        edition: Option<String>,
        /// SNOMED CT: layer an extension on this loaded version instead of the one its module
        /// dependency refset names (http://snomed.info/sct/{module}[/version/{yyyymmdd}]).
        #[arg(long)]
        base: Option<String>,
        /// SNOMED CT: the release is unpublished (experimental) content; its versions are
        /// http://snomed.info/xsct/{module}/version/{yyyymmdd}, as the FHIR convention has it.
        #[arg(long)]
        experimental: bool,
        /// Import the embedded default dataset (ICD-10-CM 2026, HL7 Terminology, FHIR R4 core
        /// terminology) first, e.g. in a container's init step.
        #[arg(long = "default")]
        embedded: bool,
        /// Files, folders, zips or packages to import.
        #[arg(required_unless_present = "embedded")]
        paths: Vec<PathBuf>,
    },
    /// Serve the FHIR terminology API. Without --data, imports the embedded default dataset
    /// (ICD-10-CM 2026, HL7 Terminology, FHIR R4 core terminology) into ./concord-data on first start.
    Serve {
        /// Data directory (must hold a release; see `concord import`).
        #[arg(long, env = "CONCORD_DATA")]
        data: Option<PathBuf>,
        /// Address to listen on.
        #[arg(long, env = "CONCORD_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
        /// Worker threads (default: one per core).
        #[arg(long, env = "CONCORD_WORKERS")]
        workers: Option<usize>,
        /// Display language when a request names none: en-US, en-GB or en-x-<refsetId>.
        #[arg(long, env = "CONCORD_LANGUAGE", default_value = "en-US")]
        default_language: String,
        /// Largest `$expand` answered without `count` (larger ones answer too-costly).
        #[arg(long, env = "CONCORD_MAX_EXPANSION", default_value_t = 10_000)]
        max_expansion: usize,
        /// Time budget of one `$expand` or ECL evaluation, in seconds.
        #[arg(long, env = "CONCORD_EXPANSION_TIMEOUT", default_value_t = 10.0)]
        expansion_timeout: f64,
        /// The code system `$normalize` lands on (the canonical clinical model).
        #[arg(long, env = "CONCORD_CANONICAL_SYSTEM", default_value = crate::model::uri::SNOMED)]
        canonical_system: String,
        /// Authentication, the audit trail and the request limits.
        #[command(flatten)]
        security: ServeSecurity,
    },
    /// Exit 0 when a server answers its readiness probe (a container HEALTHCHECK without curl).
    Healthcheck {
        /// The URL to probe.
        #[arg(
            long,
            env = "CONCORD_HEALTHCHECK_URL",
            default_value = "http://127.0.0.1:8080/readyz"
        )]
        url: String,
    },
    /// Check or export an audit trail written by `serve`.
    Audit {
        /// What to do.
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Search concepts by words (typeahead: prefixes, any order, typos forgiven), offline.
    Search {
        /// Data directory.
        #[arg(long, env = "CONCORD_DATA", default_value = DEFAULT_DATA)]
        data: PathBuf,
        /// Code system (URL or sct, icd10, icd10cm); SNOMED CT when loaded, else the one ICD
        /// classification loaded.
        #[arg(long)]
        system: Option<String>,
        /// Code system version.
        #[arg(long)]
        version: Option<String>,
        /// Only concepts this ECL expression selects (SNOMED CT).
        #[arg(long)]
        ecl: Option<String>,
        /// Only codes of this value set (canonical URL).
        #[arg(long)]
        value_set: Option<String>,
        /// Dialect for preferred terms: en-GB, en-US, en-x-<refsetId>, sv, …
        #[arg(long, default_value = "en-US")]
        language: String,
        /// How many hits.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Skip this many hits.
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// Include inactive concepts.
        #[arg(long)]
        inactive: bool,
        /// Print the JSON the /search endpoint answers.
        #[arg(long)]
        json: bool,
        /// The words.
        #[arg(required = true)]
        words: Vec<String>,
    },
    /// Look up one code (offline, against a data directory).
    Lookup {
        /// Data directory.
        #[arg(long, env = "CONCORD_DATA", default_value = DEFAULT_DATA)]
        data: PathBuf,
        /// Code system version.
        #[arg(long)]
        version: Option<String>,
        /// Display language.
        #[arg(long, default_value = "en-US")]
        language: String,
        /// Print the FHIR Parameters JSON instead of text.
        #[arg(long)]
        json: bool,
        /// A property to return (repeatable; `*` for all). Default: all but the SNOMED CT
        /// normal forms.
        #[arg(long = "property")]
        properties: Vec<String>,
        /// Code system URL, or a short name: sct, icd10, icd10cm.
        system: String,
        /// The code.
        code: String,
    },
    /// Validate codings from a CSV (header: system,code[,display][,valueSet]) or NDJSON file
    /// (one {"system","code","display","valueSet"} per line); writes one NDJSON result per input
    /// row and exits non-zero when any coding is invalid or any row is unreadable.
    Validate {
        /// Data directory.
        #[arg(long, env = "CONCORD_DATA", default_value = DEFAULT_DATA)]
        data: PathBuf,
        /// Value set every coding must be in (a row's own valueSet column wins).
        #[arg(long)]
        value_set: Option<String>,
        /// Input file (.csv or .ndjson/.jsonl); `-` reads NDJSON from stdin.
        file: PathBuf,
    },
    /// Check FHIR Bulk Data export files (NDJSON of Condition, Observation, …): every Coding
    /// in every resource validated (and with `normalize`, placed in the canonical model);
    /// writes a report per resource type and element path, and a dead-letter file for lines
    /// that cannot be read. A dead-letter file given as PATH re-runs just its lines. Exit 2
    /// when anything was dead-lettered.
    Bulk {
        /// validate or normalize.
        #[arg(value_enum)]
        job: bulk::BulkJob,
        /// Files, folders of .ndjson files, or a dead-letter file to re-run.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Data directory.
        #[arg(long, env = "CONCORD_DATA", default_value = DEFAULT_DATA)]
        data: PathBuf,
        /// Output folder: report.json, annotated copies, and the dead letters by default.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Dead-letter file (default: OUT/dead-letter.ndjson, else ./dead-letter.ndjson).
        #[arg(long)]
        dead_letter: Option<PathBuf>,
        /// With normalize: write each file annotated with canonical codings and equivalents.
        #[arg(long)]
        annotate: bool,
        /// The code system codings are normalised to.
        #[arg(long, env = "CONCORD_CANONICAL_SYSTEM", default_value = crate::model::uri::SNOMED)]
        canonical_system: String,
        /// No progress bar.
        #[arg(short, long)]
        quiet: bool,
    },
    /// HL7 v2: validate the coded fields (CE/CWE/CNE) of ER7 messages, or listen for them
    /// over MLLP and answer each with an ACK.
    V2 {
        /// What to do.
        #[command(subcommand)]
        action: V2Action,
    },
    /// Generate a synthetic SNOMED CT release of International shape and size (scale 1.0 ≈
    /// 370k concepts, ≈8M rows) for benchmarks and tests; writes synth-manifest.json with counts.
    Synth {
        /// Size relative to the International edition.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Random seed (same seed, same release).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Zip the package as releases are published.
        #[arg(long)]
        zip: bool,
        /// Also write Full files (with older row versions).
        #[arg(long)]
        full: bool,
        /// Also write an extension package (namespace 1000000) layered on the International one.
        #[arg(long)]
        extension: bool,
    },
    /// Translate a code with a map (SNOMED CT ICD-10 map rules evaluated with --sex/--age/
    /// --condition), or every row of a CSV/NDJSON file (columns system, code[, target, sex, age,
    /// conditions]; one NDJSON result per row; exit 1 when any row has no target).
    Translate {
        /// Data directory.
        #[arg(long, env = "CONCORD_DATA", default_value = DEFAULT_DATA)]
        data: PathBuf,
        /// Target system (URL or icd10, icd10cm, sct).
        #[arg(long)]
        target: Option<String>,
        /// Map canonical, e.g. http://snomed.info/sct?fhir_cm=447562003.
        #[arg(long)]
        url: Option<String>,
        /// Patient sex: male or female.
        #[arg(long)]
        sex: Option<String>,
        /// Age at onset with a UCUM unit: 10a, 6mo, 3wk, 20d.
        #[arg(long)]
        age: Option<String>,
        /// A co-existing condition (SNOMED CT code); repeatable.
        #[arg(long = "condition")]
        conditions: Vec<String>,
        /// Use the map backwards (e.g. ICD-10 → SNOMED CT candidates).
        #[arg(long)]
        reverse: bool,
        /// File of codes instead of SYSTEM CODE.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Source system (URL or sct, icd10, icd10cm).
        system: Option<String>,
        /// Source code.
        code: Option<String>,
    },
    /// Write the OpenAPI document.
    Openapi {
        /// Output path.
        #[arg(long, default_value = "openapi/openapi.json")]
        out: PathBuf,
    },
    /// Print what the data directory holds.
    Status {
        /// Data directory.
        #[arg(long, env = "CONCORD_DATA", default_value = DEFAULT_DATA)]
        data: PathBuf,
        /// Print the manifest as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn parse_release_type(s: &str) -> Result<ReleaseType, String> {
    ReleaseType::parse(s).ok_or_else(|| format!("'{s}' is not full, snapshot or delta"))
}

/// Entry point used by the binary.
pub fn main() -> ExitCode {
    // Before parsing: `--help` and usage errors print too.
    if !std::env::args().any(|a| a == "serve") {
        quiet_on_closed_pipe();
    }
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Lets a verb whose output is piped into `head` (or any reader that stops early) end quietly,
/// as Unix tools do: Rust ignores SIGPIPE, so `println!` would panic with "Broken pipe" and a
/// backtrace instead. Not for `serve`, where a client closing its socket must not end the
/// process.
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restoring a signal's default disposition at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CONCORD_LOG")
        .unwrap_or_else(|_| "warn".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Import {
            data,
            kind,
            release_type,
            system_url,
            version,
            quiet,
            lenient_ids,
            edition,
            base,
            experimental,
            embedded,
            paths,
        } => {
            if embedded {
                let r = crate::default_data::import_into(&data)?;
                eprintln!(
                    "imported the embedded default dataset: {} code systems",
                    r.manifest.code_systems.len()
                );
                if paths.is_empty() {
                    return Ok(ExitCode::SUCCESS);
                }
            }
            let opts = ImportOptions {
                kind: kind.map(|k| match k {
                    Kind::Snomed => Format::Snomed,
                    Kind::Icd10 => Format::Claml,
                    Kind::Icd10cm => Format::Icd10CmTabular,
                    Kind::Fhir => Format::Fhir,
                }),
                release_type,
                system_url,
                version,
                progress: !quiet,
                strict_ids: !lenient_ids,
                edition,
                base,
                experimental,
            };
            let report = import::run(&data, &paths, &opts)?;
            report::print_import(&report);
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            data,
            addr,
            workers,
            default_language,
            max_expansion,
            expansion_timeout,
            canonical_system,
            security,
        } => {
            let limits = crate::ops::expand::Limits {
                max_unpaged: max_expansion,
                budget: std::time::Duration::from_secs_f64(expansion_timeout.max(0.001)),
            };
            let dir = match data {
                Some(d) => d,
                None => {
                    let d = PathBuf::from(DEFAULT_DATA);
                    serve::default_data_ready(&d)?;
                    d
                }
            };
            serve::servable(&dir)?;
            self::serve(
                &dir,
                &addr,
                workers,
                &default_language,
                limits,
                &canonical_system,
                &security,
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { action } => audit::run(action),
        Command::Healthcheck { url } => {
            let agent = ureq::Agent::new_with_config(
                ureq::Agent::config_builder()
                    .timeout_global(Some(std::time::Duration::from_secs(3)))
                    .build(),
            );
            match agent.get(&url).call() {
                Ok(r) if r.status().is_success() => Ok(ExitCode::SUCCESS),
                Ok(r) => {
                    eprintln!("{url}: {}", r.status());
                    Ok(ExitCode::FAILURE)
                }
                Err(e) => {
                    eprintln!("{url}: {e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Lookup {
            data,
            version,
            language,
            json,
            properties,
            system,
            code,
        } => self::lookup(
            &data,
            LookupRequest {
                system,
                version,
                code,
                properties,
            },
            &language,
            json,
        ),
        Command::V2 { action } => match action {
            V2Action::Validate {
                files,
                data,
                out,
                dead_letter,
            } => v2::validate(&data, &files, out.as_deref(), Some(&dead_letter)),
            V2Action::Listen {
                mllp,
                data,
                forward,
                dead_letter,
            } => v2::listen(&data, &mllp, forward, &dead_letter),
        },
        Command::Bulk {
            job,
            paths,
            data,
            out,
            dead_letter,
            annotate,
            canonical_system,
            quiet,
        } => bulk::run(
            job,
            &bulk::BulkOptions {
                data: &data,
                paths: &paths,
                out: out.as_deref(),
                dead_letter: dead_letter.as_deref(),
                annotate,
                canonical: &canonical_system,
                quiet,
            },
        ),
        Command::Validate {
            data,
            value_set,
            file,
        } => self::validate(&data, value_set.as_deref(), &file),
        Command::Translate {
            data,
            target,
            url,
            sex,
            age,
            conditions,
            reverse,
            file,
            system,
            code,
        } => {
            let args = self::TranslateArgs {
                target,
                url,
                sex,
                age,
                conditions,
                reverse,
            };
            self::translate(
                &data,
                system.as_deref(),
                code.as_deref(),
                file.as_deref(),
                &args,
            )
        }
        Command::Synth {
            scale,
            seed,
            out,
            zip,
            full,
            extension,
        } => {
            let opts = crate::synth::SynthOptions {
                scale,
                seed,
                out: out.clone(),
                full,
                zip,
                extension,
            };
            let m = crate::synth::generate(&opts, &crate::synth::icd10_targets()?)?;
            println!(
                "wrote {} ({} files)",
                out.join(&m.package).display(),
                m.files.len()
            );
            for (k, v) in &m.summary {
                println!("  {k:<26} {v:>10}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Search {
            data,
            system,
            version,
            ecl,
            value_set,
            language,
            limit,
            offset,
            inactive,
            json,
            words,
        } => self::search(
            &data,
            self::SearchArgs {
                system,
                version,
                ecl,
                value_set,
                language,
                limit,
                offset,
                active_only: !inactive,
                json,
                text: words.join(" "),
            },
        ),
        Command::Openapi { out } => {
            self::write_openapi(&out)?;
            println!("wrote {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Status { data, json } => {
            let release = import::status(&data)?.ok_or_else(|| {
                anyhow!(
                    "{} holds no release yet; run `concord import`",
                    data.display()
                )
            })?;
            if json {
                println!("{}", serde_json::to_string_pretty(&release.manifest)?);
            } else {
                report::print_status(&release);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
