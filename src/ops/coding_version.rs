//! Which version of a code system a coding is checked in when a value set is given, and what
//! is said when the value set and the coding name different versions (the rules FHIR
//! validators know from tx.fhir.org: `VALUESET_VALUE_MISMATCH` and its kin).
//!
//! The value set's include decides. A coding without a version is checked in the latest of the
//! versions the includes name that has the code (or the latest named, so that an unknown one
//! is reported). A coding whose version fits an include — the same version, a wildcard
//! (`1.x`) it fits, or the default version a versionless include means — is checked in that
//! version. Any other is checked in the value set's version and fails: a mismatch when its
//! version is known, and *unknown version* when it is not (with the value set's default noted
//! for a versionless include).
//!
//! The request's version parameters take part: `force-system-version` replaces what the value
//! set names (a coding that does not fit it fails with `VALUESET_VALUE_MISMATCH_CHANGED`);
//! `system-version` is the default a versionless include means; `check-system-version` picks
//! the latest version it allows for a versionless include when the coding names none, and a
//! version it does not allow is reported where the code system is resolved
//! (`VALUESET_VERSION_CHECK`, in `validate`).
//!
//! May use: engine, resolve, valueset, messages and validate's issue types.

use super::engine::{RequestContext, Terminology};
use super::validate::{Issue, IssueKind, Severity, at, issue};
use super::valueset::ValueSetDef;
use super::{Result, messages, resolve};

/// How one coding is checked.
#[derive(Debug, Default)]
pub(super) struct Plan {
    /// The version to check the code in (`None`: the code system's default).
    pub version: Option<String>,
    /// True when the check runs in another version than the coding names: the coding's own
    /// version then stands for the value set's.
    pub replaces_coding_version: bool,
    /// Findings said before the check's own.
    pub before: Vec<Issue>,
    /// Findings said after them.
    pub after: Vec<Issue>,
    /// `system|version` of a coding version nobody has.
    pub unknown: Option<String>,
    /// The answer is false whatever the check finds.
    pub fails: bool,
}

/// The plan for `code` of `system` (version `given`, display `display`) in value set `vs`.
#[allow(clippy::too_many_arguments)]
pub(super) fn plan(
    t: &Terminology,
    ctx: &RequestContext,
    vs: &ValueSetDef,
    system: &str,
    code: &str,
    given: Option<&str>,
    display: Option<&str>,
    path: &str,
) -> Result<Plan> {
    let Some(c) = given else {
        // The includes that can hold the code (those listing it, or listing none).
        let mut holding = vs.include_versions(system, Some(code));
        if holding.is_empty() {
            holding = vs.include_versions(system, None);
        }
        return without_version(t, ctx, &holding, system, code, display);
    };
    let includes = vs.include_versions(system, None);
    let plain = Plan {
        version: Some(c.to_string()),
        ..Plan::default()
    };
    if includes.is_empty() {
        return Ok(plain);
    }
    let param =
        |list: &[(String, String)]| resolve::version_param(list, system).map(str::to_string);
    let fits = |pattern: &str| {
        pattern == c
            || (resolve::is_version_pattern(pattern) && resolve::version_matches(pattern, c))
    };
    // Asked only once the coding's version fits nothing (the common case never asks).
    let known = || resolve::version_known(t, ctx, system, c);
    let mismatch = |id: &'static str, severity: Severity, text: String| {
        issue(severity, IssueKind::VsInvalid, text, at(path, "version")).id(id)
    };
    // What the first include names, as written (empty when versionless).
    let written = includes[0].clone().unwrap_or_default();
    // A forced version replaces whatever the value set names.
    if let Some(forced) = param(&ctx.force_system_versions) {
        if fits(&forced) {
            return Ok(plain);
        }
        let mut plan = failing(Some(forced.clone()));
        plan.before.push(mismatch(
            messages::id::VERSION_MISMATCH_CHANGED,
            Severity::Error,
            messages::version_mismatch_changed(system, &forced, &written, c),
        ));
        if let Err(e) = known() {
            plan.before.push(unknown_version(&e, path));
            plan.unknown = Some(caused_by(&e, system));
        }
        return Ok(plan);
    }
    // The default a versionless include means: the `system-version` parameter's, else the
    // latest.
    let default = || {
        resolve::code_system_unchecked(t, ctx, system, None)
            .ok()
            .map(|s| s.meta().version.clone())
    };
    let fits_include = |inc: &Option<String>| match inc {
        Some(p) => fits(p),
        None => default().as_deref() == Some(c),
    };
    if includes.iter().any(fits_include) {
        return Ok(plain);
    }
    let versionless = includes[0].is_none();
    let in_vs = includes[0].clone().or_else(default);
    let Err(e) = known() else {
        // A known version the value set does not mean: checked in the value set's.
        let mut plan = failing(in_vs.clone());
        plan.before.push(mismatch(
            messages::id::VERSION_MISMATCH,
            Severity::Error,
            messages::version_mismatch(system, &in_vs.unwrap_or_default(), c),
        ));
        return Ok(plan);
    };
    // A version nobody has: described in the value set's version, as the request's version
    // parameters make it.
    let changed = param(&ctx.check_system_versions).or_else(|| param(&ctx.system_versions));
    let mut plan = failing(in_vs.clone());
    match (versionless, changed) {
        (true, Some(p)) => {
            plan.version = Some(p.clone());
            plan.before.push(mismatch(
                messages::id::VERSION_MISMATCH_CHANGED,
                Severity::Error,
                messages::version_mismatch_changed(system, &p, "", c),
            ));
            plan.before.push(unknown_version(&e, path));
        }
        (true, None) => {
            plan.before.push(unknown_version(&e, path));
            plan.after.push(mismatch(
                messages::id::VERSION_MISMATCH_DEFAULT,
                Severity::Warning,
                messages::version_mismatch_default(system, &in_vs.unwrap_or_default(), c),
            ));
        }
        (false, _) => {
            plan.before.push(mismatch(
                messages::id::VERSION_MISMATCH,
                Severity::Error,
                messages::version_mismatch(system, &written, c),
            ));
            plan.before.push(unknown_version(&e, path));
        }
    }
    plan.unknown = Some(caused_by(&e, system));
    Ok(plan)
}

/// A plan that checks the code in `version` (standing for the coding's) and fails.
fn failing(version: Option<String>) -> Plan {
    Plan {
        version,
        replaces_coding_version: true,
        fails: true,
        ..Plan::default()
    }
}

/// A coding without a version: the latest of the versions the includes name that has the
/// code, preferring one whose display is the one given; when none has it and every include
/// names a version, the latest named (so that the check reports on it).
fn without_version(
    t: &Terminology,
    ctx: &RequestContext,
    includes: &[Option<String>],
    system: &str,
    code: &str,
    display: Option<&str>,
) -> Result<Plan> {
    let mut named: Vec<&String> = includes.iter().flatten().collect();
    named.sort_by_key(|v| std::cmp::Reverse(resolve::version_key(v)));
    let mut having = Vec::new();
    for v in &named {
        if let Ok(s) = resolve::code_system(t, ctx, system, Some(v))
            && let Some(c) = s.concept(code)?
        {
            having.push(((*v).clone(), c.display));
        }
    }
    let chosen = having
        .iter()
        .find(|(_, d)| display.is_some() && d.as_deref() == display)
        .or(having.first())
        .map(|(v, _)| v.clone());
    let every_include_named = !includes.is_empty() && includes.iter().all(Option::is_some);
    let latest_named = named.first().map(|v| (*v).clone());
    // A versionless include under a `check-system-version` parameter: the latest version the
    // check allows.
    let checked = resolve::version_required(ctx, system)
        .filter(|_| includes.iter().any(Option::is_none))
        .map(str::to_string);
    Ok(Plan {
        version: chosen
            .or(latest_named.filter(|_| every_include_named))
            .or(checked),
        ..Plan::default()
    })
}

/// The finding that a version of a code system is not known.
pub(super) fn unknown_version(e: &resolve::ResolveError, path: &str) -> Issue {
    let id = match e {
        resolve::ResolveError::UnknownVersion { available, .. } if available.is_empty() => {
            messages::id::UNKNOWN_CODE_SYSTEM_VERSION_NONE
        }
        resolve::ResolveError::UnknownVersion { .. } => messages::id::UNKNOWN_CODE_SYSTEM_VERSION,
        _ => messages::id::UNKNOWN_CODE_SYSTEM,
    };
    issue(
        Severity::Error,
        IssueKind::NotFound,
        e.text(Some("the code cannot be validated")),
        at(path, "system"),
    )
    .id(id)
}

/// What the `x-unknown-system` / `x-caused-by-unknown-system` parameters name: the system, with
/// the version asked for when other versions of it are known.
pub(super) fn caused_by(e: &resolve::ResolveError, system: &str) -> String {
    match e {
        resolve::ResolveError::UnknownVersion {
            version, available, ..
        } if !available.is_empty() => format!("{system}|{version}"),
        _ => system.to_string(),
    }
}
