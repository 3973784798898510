//! `$validate-code` for code systems and value sets: exact reasons, never a silent pass.
//!
//! Each coding is checked in turn: the system resolves (else *unknown system* / *unknown
//! version*), the code exists (else *unknown code*, naming another loaded code system that has
//! it — an ICD-10-CM code sent as WHO ICD-10), the display is one of the concept's designations
//! (else *wrong display*, listing the valid ones), abstract codes when `abstract=false`, and value
//! set membership. Inactive concepts stay valid but carry a warning, their inactivation reason
//! and their historical association targets (REPLACED BY, SAME AS, …) as structured output.

use super::engine::{RequestContext, Terminology};
use super::source::Source;
use super::valueset::{self, ValueSetDef};
use super::{Coding, Result, expression, language, messages, resolve};
use crate::model::{Family, sct, uri};

/// Severity of an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Severity {
    /// The code is not valid.
    Error,
    /// Valid, with something the caller must know.
    Warning,
    /// Information.
    Information,
}

/// What kind of problem (the HL7 `tx-issue-type` codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum IssueKind {
    /// Code system or value set not found.
    NotFound,
    /// Code not in the code system.
    InvalidCode,
    /// Display not one of the concept's designations.
    InvalidDisplay,
    /// Code not in the value set.
    NotInValueSet,
    /// Concept inactive.
    CodeComment,
    /// A rule (abstract code) is broken.
    CodeRule,
    /// A code system or value set used is draft, experimental, deprecated or withdrawn.
    StatusCheck,
    /// No code system could be inferred for a bare code.
    CannotInfer,
    /// A display that is an inactive term of the concept.
    DisplayComment,
    /// The coding itself is malformed (no system, a relative system, a value set as system).
    InvalidData,
    /// One coding of a CodeableConcept is not in the value set (a note; the finding is
    /// about the concept).
    ThisCodeNotInValueSet,
    /// A note on how the answer was reached (what was and was not checked).
    ProcessNote,
    /// The value set and the coding disagree (the code system version each names).
    VsInvalid,
    /// The code system version breaks a `check-system-version` parameter.
    VersionError,
}

impl IssueKind {
    /// `tx-issue-type` code.
    pub fn tx_code(self) -> &'static str {
        match self {
            IssueKind::NotFound => "not-found",
            IssueKind::InvalidCode => "invalid-code",
            IssueKind::InvalidDisplay => "invalid-display",
            IssueKind::NotInValueSet => "not-in-vs",
            IssueKind::CodeComment => "code-comment",
            IssueKind::CodeRule => "code-rule",
            IssueKind::StatusCheck => "status-check",
            IssueKind::InvalidData => "invalid-data",
            IssueKind::CannotInfer => "cannot-infer",
            IssueKind::DisplayComment => "display-comment",
            IssueKind::ThisCodeNotInValueSet => "this-code-not-in-vs",
            IssueKind::ProcessNote => "process-note",
            IssueKind::VsInvalid => "vs-invalid",
            IssueKind::VersionError => "version-error",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Issue {
    /// Severity.
    pub severity: Severity,
    /// Kind.
    pub kind: IssueKind,
    /// Human text.
    pub text: String,
    /// FHIRPath of the element at fault (`Coding.code`, `CodeableConcept.coding[1].display`).
    pub expression: String,
    /// tx.fhir.org's id for the message ([`messages::id`]).
    pub message_id: Option<&'static str>,
}

impl Issue {
    /// The same finding with its message id.
    pub(super) fn id(mut self, id: &'static str) -> Self {
        self.message_id = Some(id);
        self
    }
}

/// A historical association of an inactive concept.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Replacement {
    /// `REPLACED BY`, `SAME AS`, `POSSIBLY EQUIVALENT TO`, …
    pub relationship: String,
    /// Association refset id.
    pub refset: String,
    /// Target concept.
    pub target: Coding,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct ValidateResult {
    /// Valid?
    pub result: bool,
    /// Summary message (errors and warnings joined).
    pub message: Option<String>,
    /// Preferred display in the requested language.
    pub display: Option<String>,
    /// The validated code.
    pub code: Option<String>,
    /// Its system.
    pub system: Option<String>,
    /// The code system version used.
    pub version: Option<String>,
    /// Set when the concept is known: its status.
    pub inactive: Option<bool>,
    /// Inactivation reason (SNOMED CT).
    pub inactivation_reason: Option<Coding>,
    /// Historical association targets (SNOMED CT).
    pub replacements: Vec<Replacement>,
    /// Every finding.
    pub issues: Vec<Issue>,
    /// The codings of the CodeableConcept validated, echoed back (empty for a single code).
    pub codeable_concept: Vec<Coding>,
    /// The CodeableConcept's text, echoed.
    pub codeable_concept_text: Option<String>,
    /// The code as the (case-insensitive) code system writes it, when the request wrote it
    /// in another case.
    pub normalized_code: Option<String>,
    /// The concept's status property when it is not plainly active (`retired`, …).
    pub status: Option<String>,
    /// An unknown code system the value set is built on (`x-caused-by-unknown-system`).
    pub caused_by_unknown_system: Option<String>,
    /// A code system the request named that is not known (`x-unknown-system`).
    pub unknown_system: Option<String>,
}

impl ValidateResult {
    /// True when the answer could not judge the code because a code system it needs is not
    /// loaded (whichever of the two parameters the wire form reports it in).
    pub fn system_not_loaded(&self) -> bool {
        self.unknown_system.is_some() || self.caused_by_unknown_system.is_some()
    }
}

/// A `$validate-code` request in domain terms.
#[derive(Debug, Clone, Default)]
pub struct ValidateRequest {
    /// Codings to check: one, or the codings of a CodeableConcept.
    pub codings: Vec<Coding>,
    /// True when the codings came from a CodeableConcept (paths and any-of semantics).
    pub codeable_concept: bool,
    /// True when the coding came as plain `code` / `system` / `display` parameters: issues then
    /// point at those parameters (`code`), not at a `Coding`.
    pub plain_code: bool,
    /// The value set, for ValueSet/$validate-code.
    pub value_set: Option<ValueSetDef>,
    /// `abstract=false`: abstract codes are not valid.
    pub reject_abstract: bool,
    /// `lenient-display-validation`: a wrong display is a warning, the code stays valid.
    pub lenient_display: bool,
    /// `valueset-membership-only`: only membership of the value set is checked; the display
    /// is not, and an unknown code is simply not a member.
    pub membership_only: bool,
    /// The CodeableConcept's text, echoed back with it.
    pub codeable_concept_text: Option<String>,
    /// `activeOnly`: inactive codes are not members of the value set.
    pub active_only: bool,
}

/// Runs `$validate-code`.
pub fn validate(
    t: &Terminology,
    ctx: &RequestContext,
    req: &ValidateRequest,
) -> Result<ValidateResult> {
    // Every value set the request's one reaches (a circular one is refused here).
    let reached = match &req.value_set {
        Some(vs) => valueset::reached_value_sets(t, ctx, vs)?,
        None => Vec::new(),
    };
    valueset::require_supplements(t, ctx, req.value_set.as_ref())?;
    let mut results = Vec::new();
    for (i, coding) in req.codings.iter().enumerate() {
        let path = if req.codeable_concept {
            format!("CodeableConcept.coding[{i}]")
        } else if req.plain_code {
            String::new()
        } else {
            "Coding".to_string()
        };
        results.push(one(t, ctx, req, coding, &path)?);
    }
    // Value sets of a status worth a warning, said once for the request.
    let mut notes: Vec<super::status::StatusWarning> = reached
        .iter()
        .flat_map(super::status::of_value_set)
        .collect();
    notes.sort();
    notes.dedup();
    if let Some(first) = results.first_mut() {
        first.issues.extend(notes.into_iter().map(status_note));
    }
    // A CodeableConcept is valid when any coding is (the first valid one is the one reported:
    // the shared suite's overload/validate-good2a; another snapshot of the suite, in its
    // permutations suite, reports the last); every finding is reported.
    let mut out = match results.iter().position(|r| r.result) {
        Some(i) => results[i].clone(),
        None => results.first().cloned().unwrap_or_default(),
    };
    out.issues = results.iter().flat_map(|r| r.issues.clone()).collect();
    if req.codeable_concept && out.result {
        // Findings on the other codings are downgraded: the concept as a whole is valid —
        // except a code its own (known) code system does not have, which is wrong wherever it
        // stands and fails the concept.
        for issue in &mut out.issues {
            if issue.severity == Severity::Error {
                if issue.message_id == Some(messages::id::UNKNOWN_CODE) {
                    out.result = false;
                } else {
                    issue.severity = Severity::Warning;
                }
            }
        }
    }
    // The value set names a code system version that is not known: it cannot be evaluated.
    let unusable = |r: &ValidateResult| {
        let (Some(vs), Some(cause)) = (&req.value_set, &r.caused_by_unknown_system) else {
            return false;
        };
        let (system, version) = uri::split_canonical(cause);
        version.is_some_and(|v| {
            vs.include_versions(system, None)
                .iter()
                .any(|named| named.as_deref() == Some(v))
        })
    };
    // No coding is (known to be) in the value set: each is outside it, or the value set could
    // not be evaluated (an import that is not found, a code system version it names that is
    // not known).
    let none_in_value_set = results.iter().all(|r| {
        unusable(r)
            || r.issues.iter().any(|i| {
                i.kind == IssueKind::NotInValueSet
                    || (i.kind == IssueKind::NotFound && i.expression.is_empty())
            })
    });
    if req.codeable_concept && req.value_set.is_some() {
        // In a CodeableConcept, one coding outside the value set is a note about that coding:
        // the finding, if any, is about the concept.
        for issue in &mut out.issues {
            if issue.kind == IssueKind::NotInValueSet {
                issue.severity = Severity::Information;
                issue.kind = IssueKind::ThisCodeNotInValueSet;
            }
        }
    }
    if req.codeable_concept
        && !out.result
        && none_in_value_set
        && let Some(vs) = &req.value_set
    {
        // No coding is in the value set: that is the one finding about the concept, and no
        // single coding is reported as the code.
        if out
            .issues
            .iter()
            .any(|i| i.kind == IssueKind::ThisCodeNotInValueSet)
        {
            out.issues.insert(
                0,
                issue(
                    Severity::Error,
                    IssueKind::NotInValueSet,
                    messages::no_valid_coding(&vs.canonical()),
                    String::new(),
                )
                .id(messages::id::NO_VALID_CODING),
            );
        }
        out.code = None;
        out.system = None;
        out.version = None;
        out.display = None;
    }
    // Notes stay out of the message, except a display finding (what a validator shows), and
    // so do the advisories about how a code is held (a value set's deprecation mark, a
    // fragment that may not hold it): the texts in alphabetical order, as tx.fhir.org joins
    // them.
    let advisory = |i: &Issue| {
        matches!(
            i.message_id,
            Some(
                messages::id::DEPRECATED_IN_VALUE_SET
                    | messages::id::UNKNOWN_CODE_IN_FRAGMENT
                    | messages::id::INACTIVE_DISPLAY
                    | messages::id::VERSION_MISMATCH_DEFAULT
            )
        )
    };
    let mut texts: Vec<&str> = out
        .issues
        .iter()
        .filter(|i| !advisory(i))
        .filter(|i| i.severity != Severity::Information || i.kind == IssueKind::InvalidDisplay)
        .map(|i| i.text.as_str())
        .collect();
    texts.sort_unstable();
    texts.dedup();
    out.message = (!texts.is_empty()).then(|| texts.join("; "));
    if req.codeable_concept {
        out.codeable_concept = req.codings.clone();
        out.codeable_concept_text = req.codeable_concept_text.clone();
    }
    Ok(out)
}

/// The code system of a bare code: the one of the value set's code systems that has it.
/// `Err` holds the finding (text and message id) when none or several do.
fn infer_system(
    t: &Terminology,
    ctx: &RequestContext,
    vs: &ValueSetDef,
    code: &str,
) -> Result<std::result::Result<String, (String, &'static str)>> {
    let systems = vs.systems();
    let mut having = Vec::new();
    for s in &systems {
        if let Ok(src) = resolve::code_system(t, ctx, s, None)
            && src.concept(code)?.is_some()
        {
            having.push(s.clone());
        }
    }
    Ok(match having.len() {
        1 => Ok(having.remove(0)),
        0 => Err((
            messages::cannot_infer(code, &vs.canonical(), &[], &systems),
            messages::id::CANNOT_INFER,
        )),
        _ => Err((
            messages::cannot_infer(code, &vs.canonical(), &having, &[]),
            messages::id::CANNOT_INFER_SEVERAL,
        )),
    })
}

/// `system|version` when the coding named a version, else the system.
fn versioned(system: &str, version: Option<&str>) -> String {
    match version {
        Some(v) => format!("{system}|{v}"),
        None => system.to_string(),
    }
}

/// True for an absolute URI (`http:…`, `urn:…`): a scheme of letters, digits, `+`, `-`, `.`
/// before the first colon.
fn is_absolute(uri: &str) -> bool {
    uri.split_once(':').is_some_and(|(scheme, _)| {
        scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// A status warning as a note of the validation (about the request, so no location).
fn status_note(w: super::status::StatusWarning) -> Issue {
    issue(
        Severity::Information,
        IssueKind::StatusCheck,
        w.text,
        String::new(),
    )
    .id(w.message_id)
}

/// The FHIRPath of `field` under `path` (a bare parameter name when there is no path).
pub(super) fn at(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

/// The finding that a code is not in the value set (the same words wherever it is found).
fn not_in_value_set(
    system: &str,
    code: &str,
    display: Option<&str>,
    vs: &ValueSetDef,
    path: &str,
) -> Issue {
    issue(
        Severity::Error,
        IssueKind::NotInValueSet,
        messages::not_in_value_set(system, code, display, &vs.canonical()),
        at(path, "code"),
    )
    .id(messages::id::NOT_IN_VALUE_SET)
}

pub(super) fn issue(
    severity: Severity,
    kind: IssueKind,
    text: String,
    expression: String,
) -> Issue {
    Issue {
        severity,
        kind,
        text,
        expression,
        message_id: None,
    }
}

fn one(
    t: &Terminology,
    ctx: &RequestContext,
    req: &ValidateRequest,
    coding: &Coding,
    path: &str,
) -> Result<ValidateResult> {
    let code = coding.code.clone().unwrap_or_default();
    // A bare `code` may take its system from the value set (the one of its code systems
    // that has the code); a Coding must carry its own.
    let inferred = match (&coding.system, req.plain_code, &req.value_set) {
        (None, true, Some(vs)) => Some(infer_system(t, ctx, vs, &code)?),
        _ => None,
    };
    let system = coding
        .system
        .clone()
        .or_else(|| inferred.as_ref().and_then(|i| i.as_ref().ok().cloned()));
    let mut r = ValidateResult {
        code: Some(code.clone()),
        system: system.clone(),
        ..Default::default()
    };
    // Without a system the code cannot be in the value set either; both issues are reported.
    let outside =
        |vs: &ValueSetDef| not_in_value_set("", &code, coding.display.as_deref(), vs, path);
    if let (Some(Err((text, id))), Some(vs)) = (&inferred, &req.value_set) {
        r.issues.push(outside(vs));
        r.issues.push(
            issue(
                Severity::Error,
                IssueKind::CannotInfer,
                text.clone(),
                at(path, "code"),
            )
            .id(id),
        );
        return Ok(r);
    }
    if system.is_none() && !req.plain_code {
        if let Some(vs) = &req.value_set {
            r.issues.push(outside(vs));
        }
        r.issues.push(
            issue(
                Severity::Warning,
                IssueKind::InvalidData,
                messages::coding_without_system(),
                path.to_string(),
            )
            .id(messages::id::NO_SYSTEM),
        );
        return Ok(r);
    }
    let Some(system) = system else {
        r.issues.push(
            issue(
                Severity::Error,
                IssueKind::InvalidCode,
                messages::code_without_system(&code),
                at(path, "system"),
            )
            .id(messages::id::NO_SYSTEM),
        );
        return Ok(r);
    };
    // The version the code is checked in, and what the value set's versions add.
    let plan = match &req.value_set {
        Some(vs) if system != uri::SNOMED => super::coding_version::plan(
            t,
            ctx,
            vs,
            &system,
            &code,
            coding.version.as_deref(),
            coding.display.as_deref(),
            path,
        )?,
        _ => super::coding_version::Plan {
            version: coding.version.clone(),
            ..Default::default()
        },
    };
    let replaced;
    let coding = if plan.replaces_coding_version {
        replaced = Coding {
            version: plan.version.clone(),
            ..coding.clone()
        };
        &replaced
    } else {
        coding
    };
    let mut r = in_version(t, ctx, req, coding, path, r, system, code, plan.version)?;
    // A version the request's check does not allow fails the code, whatever else holds.
    let version_refused = r
        .issues
        .iter()
        .any(|i| i.message_id == Some(messages::id::VERSION_CHECK));
    if plan.fails || version_refused {
        r.result = false;
    }
    if let Some(unknown) = plan.unknown {
        r.caused_by_unknown_system = Some(unknown);
    }
    r.issues.splice(0..0, plan.before);
    r.issues.extend(plan.after);
    Ok(r)
}

/// The checks of [`one`] once the code system version is chosen.
#[allow(clippy::too_many_arguments)]
fn in_version(
    t: &Terminology,
    ctx: &RequestContext,
    req: &ValidateRequest,
    coding: &Coding,
    path: &str,
    mut r: ValidateResult,
    system: String,
    code: String,
    version: Option<String>,
) -> Result<ValidateResult> {
    let src = match resolve::code_system(t, ctx, &system, version.as_deref()) {
        Ok(s) => s,
        // A version a `check-system-version` parameter does not allow: said, and the code is
        // still checked in it (the caller learns all that is wrong at once).
        Err(e @ resolve::ResolveError::VersionCheck { .. }) => {
            r.issues.insert(
                0,
                issue(
                    Severity::Error,
                    IssueKind::VersionError,
                    e.to_string(),
                    at(path, "version"),
                )
                .id(messages::id::VERSION_CHECK),
            );
            resolve::code_system_unchecked(t, ctx, &system, version.as_deref())?
        }
        Err(e) => {
            // No version of the system is known at all (not merely the one asked for).
            let system_unknown = match &e {
                resolve::ResolveError::UnknownSystem(_) | resolve::ResolveError::NoContent(_) => {
                    true
                }
                resolve::ResolveError::UnknownVersion { available, .. } => available.is_empty(),
                resolve::ResolveError::VersionCheck { .. } => false,
            };
            // The value set itself is built on the unknown system, or there is no value set
            // (CodeSystem/$validate-code: the code system is what the answer rests on): that
            // is the cause, and membership is not a separate finding.
            let caused = req
                .value_set
                .as_ref()
                .is_none_or(|vs| vs.systems().contains(&system));
            // A value set's URL where a code system's belongs: that is the finding.
            let names_value_set =
                system_unknown && valueset::resolve_value_set(t, ctx, &system, None).is_ok();
            if let Some(vs) = req.value_set.as_ref().filter(|_| !caused) {
                // Not in the value set either: said as well, as validators expect both.
                r.issues.push(not_in_value_set(
                    &versioned(&system, coding.version.as_deref()),
                    &code,
                    coding.display.as_deref(),
                    vs,
                    path,
                ));
            }
            if names_value_set {
                r.issues.push(
                    issue(
                        Severity::Error,
                        IssueKind::InvalidData,
                        messages::system_is_a_value_set(&system),
                        at(path, "system"),
                    )
                    .id(messages::id::SYSTEM_IS_VALUE_SET),
                );
                return Ok(r);
            }
            if system_unknown && !is_absolute(&system) {
                r.issues.push(
                    issue(
                        Severity::Error,
                        IssueKind::InvalidData,
                        messages::relative_system(),
                        at(path, "system"),
                    )
                    .id(messages::id::RELATIVE_SYSTEM),
                );
            }
            let named = super::coding_version::caused_by(&e, &system);
            if caused {
                r.caused_by_unknown_system = Some(named);
            } else {
                r.unknown_system = Some(named);
            }
            r.issues
                .push(super::coding_version::unknown_version(&e, path));
            return Ok(r);
        }
    };
    let meta = src.meta().clone();
    if meta.content == "supplement" {
        // A supplement adds to a code system; it holds no codes of its own.
        r.issues.push(
            issue(
                Severity::Error,
                IssueKind::InvalidData,
                messages::supplement_as_system(&meta.canonical(), &at(path, "system")),
                at(path, "system"),
            )
            .id(messages::id::SUPPLEMENT_AS_SYSTEM),
        );
        return Ok(r);
    }
    r.version = Some(meta.version.clone());
    r.issues.extend(
        super::status::of_code_system(&meta)
            .into_iter()
            .map(status_note),
    );
    if meta.family == Family::Snomed && expression::is_expression(&code) {
        return post_coordinated(t, ctx, req, coding, path, src.as_ref(), r);
    }
    // A case-insensitive code system knows the code in any case: the right one is used, and
    // the caller is told which it is.
    let mut code = code;
    if !meta.case_sensitive
        && src.concept(&code)?.is_none()
        && let Some(right) = src
            .codes()?
            .into_iter()
            .find(|c| c.eq_ignore_ascii_case(&code))
    {
        r.issues.push(
            issue(
                Severity::Information,
                IssueKind::CodeRule,
                messages::code_case_difference(&code, &right, &meta.canonical()),
                at(path, "code"),
            )
            .id(messages::id::CODE_CASE_DIFFERENCE),
        );
        r.normalized_code = Some(right.clone());
        code = right;
    }
    let Some(concept) = src.concept(&code)? else {
        if meta.content == "fragment" {
            // A fragment does not claim to hold every code: unknown here is not wrong.
            r.result = true;
            r.issues.push(
                issue(
                    Severity::Warning,
                    IssueKind::InvalidCode,
                    messages::unknown_code_in_fragment(&code, &meta.url, &meta.version),
                    at(path, "code"),
                )
                .id(messages::id::UNKNOWN_CODE_IN_FRAGMENT),
            );
            return Ok(r);
        }
        let mut text = messages::unknown_code(&code, &meta.url, &meta.version, edition(&meta));
        if let Some(dotted) = resolve::dotted_icd(src.as_ref(), &code)? {
            text.push_str(&format!(
                "; did you mean '{dotted}'? (ICD-10 codes are written with their dot)"
            ));
        }
        let elsewhere = t.with_store(|s| Ok(s.systems_with_code(&code)?))?;
        let others: Vec<String> = elsewhere.into_iter().filter(|u| u != &meta.url).collect();
        if !others.is_empty() {
            text.push_str(&format!(
                "; the code exists in {}, which is a different code system",
                others.join(", ")
            ));
        }
        unknown_code(&mut r, req, coding, &meta.url, &code, path, text);
        return Ok(r);
    };
    let designations = src.designations(&code)?;
    r.display = language::display(
        src.as_ref(),
        &concept,
        &designations,
        &ctx.languages,
        &t.default_language,
    )?;
    if r.display.is_none() {
        let (d, note) = language::fallback_display(&code, &designations);
        r.display = Some(d);
        r.issues.push(issue(
            Severity::Information,
            IssueKind::CodeComment,
            note,
            at(path, "code"),
        ));
    }
    r.inactive = Some(!concept.active);
    r.result = true;

    if !concept.active {
        inactive_details(t, src.as_ref(), &code, &mut r)?;
        let status = src
            .properties(&code)?
            .into_iter()
            .find(|p| p.name == "status")
            .map(|p| p.value);
        r.status = status.clone();
        r.issues.push(
            issue(
                Severity::Warning,
                IssueKind::CodeComment,
                messages::inactive_concept(&code, status.as_deref()),
                if path.is_empty() {
                    "code".to_string()
                } else {
                    path.to_string()
                },
            )
            .id(messages::id::INACTIVE_CONCEPT),
        );
    }
    if concept.active && meta.family == Family::Fhir {
        // Active but deprecated (its status property; only FHIR code systems carry one):
        // usable, with a warning.
        let deprecated = src
            .properties(&code)?
            .into_iter()
            .any(|p| p.name == "status" && p.value == "deprecated");
        if deprecated {
            r.status = Some("deprecated".into());
            r.issues.push(
                issue(
                    Severity::Warning,
                    IssueKind::CodeComment,
                    messages::deprecated_concept(&code),
                    at(path, "code"),
                )
                .id(messages::id::DEPRECATED_CONCEPT),
            );
        }
    }
    // `abstract=false`: a grouping concept is not a valid code here, and (as tx.fhir.org
    // counts it) not a member of the value set either; both are said.
    let abstract_refused = req.reject_abstract && src.is_abstract(&code)?;
    if abstract_refused {
        r.result = false;
        r.issues.push(
            issue(
                Severity::Error,
                IssueKind::CodeRule,
                messages::abstract_code(&meta.url, &code),
                at(path, "code"),
            )
            .id(messages::id::ABSTRACT_CODE),
        );
    }
    let display_checked = !(req.membership_only && req.value_set.is_some());
    if let Some(given) = coding
        .display
        .as_deref()
        .filter(|d| !d.is_empty() && display_checked)
    {
        // Each valid display once, the concept's own first (in the code system's language),
        // with the case rule its description carries.
        let mut valid: Vec<(&str, Option<&str>, Option<&str>)> = Vec::new();
        let case_of = |term: &str| {
            designations
                .iter()
                .find(|d| d.active && d.term == term)
                .and_then(|d| d.case_significance.as_deref())
        };
        if let Some(d) = &concept.display {
            valid.push((d, case_of(d), meta.language.as_deref()));
        }
        for d in designations.iter().filter(|d| d.active && is_display(d)) {
            if !valid.iter().any(|(v, _, _)| *v == d.term) {
                valid.push((
                    &d.term,
                    d.case_significance.as_deref(),
                    d.language.as_deref(),
                ));
            }
        }
        let in_requested = |l: Option<&str>| l.is_none_or(|l| language::in_any(l, &ctx.languages));
        let matched = valid
            .iter()
            .find(|(v, case, _)| display_matches(v, *case, given, false))
            .map(|(_, _, l)| *l);
        // The right words with other white space: said as such.
        let only_spacing = matched.is_none()
            && valid
                .iter()
                .any(|(v, case, _)| display_matches(v, *case, given, true));
        let any_requested = valid.iter().any(|(_, _, l)| in_requested(*l));
        // A term the concept no longer uses (an inactive designation): still understood, with
        // the current ones named.
        let retired_term = matched.is_none()
            && designations
                .iter()
                .any(|d| !d.active && display_matches(&d.term, None, given, false));
        match matched {
            None if retired_term => {
                let mut current: Vec<&str> = valid.iter().map(|(v, _, _)| *v).collect();
                current.sort_unstable();
                current.dedup();
                r.issues.push(
                    issue(
                        Severity::Warning,
                        IssueKind::DisplayComment,
                        // A FHIR designation is retired by its standards status, which
                        // tx.fhir.org reports as deprecated (tx-ecosystem
                        // `extensions/validate-code-inactive-display`); a SNOMED CT
                        // description is inactive.
                        messages::retired_display(
                            given,
                            &code,
                            if meta.family == Family::Fhir {
                                "deprecated"
                            } else {
                                "inactive"
                            },
                            &current,
                        ),
                        at(path, "display"),
                    )
                    .id(messages::id::INACTIVE_DISPLAY),
                );
            }
            // Valid only in another language than the requested ones, and the concept has no
            // display in those: accepted, with a note.
            Some(l) if !in_requested(l) && !any_requested => {
                r.issues.push(
                    issue(
                        Severity::Information,
                        IssueKind::InvalidDisplay,
                        messages::display_only_in_default_language(
                            &meta.url,
                            &code,
                            ctx.languages_as_given.as_deref(),
                            given,
                        ),
                        at(path, "display"),
                    )
                    .id(messages::id::DISPLAY_DEFAULT_LANGUAGE_ONLY),
                );
            }
            Some(l) if in_requested(l) => {}
            _ => {
                // Offered: those in the requested languages (a display of no stated language
                // counts for any).
                let shown: Vec<String> = valid
                    .iter()
                    .filter(|(_, _, l)| in_requested(*l))
                    .map(|(v, _, l)| messages::quoted_display(v, *l))
                    .collect();
                if !req.lenient_display {
                    r.result = false;
                }
                r.issues.push(
                    issue(
                        if req.lenient_display {
                            Severity::Warning
                        } else {
                            Severity::Error
                        },
                        IssueKind::InvalidDisplay,
                        messages::wrong_display(
                            given,
                            &meta.url,
                            &code,
                            &shown,
                            ctx.languages_as_given.as_deref(),
                            concept.display.as_deref(),
                            only_spacing,
                        ),
                        at(path, "display"),
                    )
                    .id(if only_spacing {
                        messages::id::WRONG_DISPLAY_SPACING
                    } else if shown.is_empty() {
                        messages::id::WRONG_DISPLAY_NONE_FOR_LANGUAGE
                    } else {
                        messages::id::WRONG_DISPLAY
                    }),
                );
            }
        }
    }
    if let Some(vs) = &req.value_set {
        let member = valueset::contains(t, ctx, vs, &meta.url, coding.version.as_deref(), &code, 0)
            .map(|m| m && (concept.active || !req.active_only) && !abstract_refused);
        match member {
            Ok(true) => {
                if valueset::marks_deprecated(vs, &meta.url, &code) {
                    r.issues.push(
                        issue(
                            Severity::Warning,
                            IssueKind::CodeComment,
                            messages::deprecated_in_value_set(&code, &meta.url, &vs.canonical()),
                            at(path, "code"),
                        )
                        .id(messages::id::DEPRECATED_IN_VALUE_SET),
                    );
                }
            }
            Ok(false) => {
                r.result = false;
                if !concept.active && (vs.excludes_inactive() || req.active_only) {
                    r.issues.push(
                        issue(
                            Severity::Error,
                            IssueKind::CodeRule,
                            messages::valid_but_not_active(&code),
                            at(path, "code"),
                        )
                        .id(messages::id::NOT_ACTIVE),
                    );
                }
                r.issues.push(not_in_value_set(
                    &versioned(&meta.url, coding.version.as_deref()),
                    &code,
                    coding.display.as_deref(),
                    vs,
                    path,
                ));
            }
            // A value set the value set includes is missing: membership cannot be decided,
            // which is a finding of this validation (not a failure of the request).
            Err(super::Error::NotFound(m)) => {
                r.result = false;
                r.issues.push(
                    issue(Severity::Error, IssueKind::NotFound, m, String::new())
                        .id(messages::id::UNKNOWN_VALUE_SET),
                );
            }
            Err(e) => return Err(e),
        }
    }
    Ok(r)
}

/// The findings on a code the code system does not have: not in the value set (said first, as
/// validators expect both), then the unknown code itself — unless only membership was asked
/// about. Returns whether the unknown-code finding was made.
fn unknown_code(
    r: &mut ValidateResult,
    req: &ValidateRequest,
    coding: &Coding,
    system: &str,
    code: &str,
    path: &str,
    text: String,
) -> bool {
    if let Some(vs) = &req.value_set {
        r.issues.push(not_in_value_set(
            &versioned(system, coding.version.as_deref()),
            code,
            coding.display.as_deref(),
            vs,
            path,
        ));
        if req.membership_only {
            return false;
        }
    }
    r.issues.push(
        issue(
            Severity::Error,
            IssueKind::InvalidCode,
            text,
            at(path, "code"),
        )
        .id(messages::id::UNKNOWN_CODE),
    );
    true
}

/// The edition a SNOMED CT version belongs to, as unknown-code messages name it.
fn edition(meta: &crate::model::CodeSystemVersion) -> Option<&'static str> {
    (meta.family == Family::Snomed)
        .then(|| sct::edition_module(&meta.version).map(sct::edition_name))
        .flatten()
}

/// A SNOMED CT post-coordinated expression: valid when it parses and names known concepts in
/// their places ([`expression::check`]), its display is the expression with terms, and value set
/// membership goes by [`valueset::contains`]'s expression rules. An invalid one is an unknown
/// code, with the reason as a note.
fn post_coordinated(
    t: &Terminology,
    ctx: &RequestContext,
    req: &ValidateRequest,
    coding: &Coding,
    path: &str,
    src: &dyn Source,
    mut r: ValidateResult,
) -> Result<ValidateResult> {
    let code = coding.code.clone().unwrap_or_default();
    let meta = src.meta();
    let dialect = language::Dialect::new(src, &ctx.languages, &t.default_language)?;
    let checked = match expression::check(src, &dialect, &code)? {
        Ok(c) => c,
        Err(reason) => {
            let text = messages::unknown_code(&code, &meta.url, &meta.version, edition(meta));
            if unknown_code(&mut r, req, coding, &meta.url, &code, path, text) {
                r.issues.push(issue(
                    Severity::Information,
                    IssueKind::InvalidCode,
                    messages::invalid_expression(&reason),
                    at(path, "code"),
                ));
            }
            return Ok(r);
        }
    };
    r.display = Some(checked.display);
    r.result = true;
    match &req.value_set {
        None => r.issues.push(issue(
            Severity::Information,
            IssueKind::ProcessNote,
            messages::expression_not_checked_against_mrcm(),
            at(path, "code"),
        )),
        Some(vs) => {
            if !valueset::contains(t, ctx, vs, &meta.url, coding.version.as_deref(), &code, 0)? {
                r.result = false;
                r.issues.push(not_in_value_set(
                    &versioned(&meta.url, coding.version.as_deref()),
                    &code,
                    coding.display.as_deref(),
                    vs,
                    path,
                ));
            }
        }
    }
    Ok(r)
}

/// True when a designation can stand as a display: SNOMED CT descriptions, and FHIR or ICD
/// designations without a use or with one of the designation-usage system (a use from another
/// code system, such as a custom `olde-english`, marks a term for another purpose).
fn is_display(d: &crate::model::DesignationView<'_>) -> bool {
    d.use_code.as_deref().is_none_or(|u| !u.contains('|'))
}

/// Whether `given` is the term `valid`, under the term's SNOMED CT case significance: case
/// sensitive (`900000000000017005`) compares exactly, initial character case insensitive
/// (`900000000000020002`) all but the first character exactly, and anything else (case
/// insensitive, or a code system without the notion) ignores case. Runs of white space count
/// as one space everywhere.
fn display_matches(
    valid: &str,
    case_significance: Option<&str>,
    given: &str,
    collapse_spaces: bool,
) -> bool {
    let norm = |s: &str| {
        if collapse_spaces {
            s.split_whitespace().collect::<Vec<_>>().join(" ")
        } else {
            s.trim().to_string()
        }
    };
    let (v, g) = (norm(valid), norm(given));
    match case_significance {
        Some(sct::CASE_SENSITIVE) => v == g,
        Some(sct::INITIAL_CHARACTER_CASE_INSENSITIVE) => {
            let mut vc = v.chars();
            let mut gc = g.chars();
            match (vc.next(), gc.next()) {
                (Some(a), Some(b)) => {
                    a.to_lowercase().eq(b.to_lowercase()) && vc.as_str() == gc.as_str()
                }
                (a, b) => a == b,
            }
        }
        _ => v.to_lowercase() == g.to_lowercase(),
    }
}

fn inactive_details(
    t: &Terminology,
    src: &dyn Source,
    code: &str,
    r: &mut ValidateResult,
) -> Result<()> {
    let (Some(cs), Family::Snomed) = (src.store_id(), src.meta().family) else {
        return Ok(());
    };
    let coding = |c: &str| -> Result<Coding> {
        Ok(Coding {
            system: Some(crate::model::uri::SNOMED.into()),
            code: Some(c.into()),
            display: src.concept(c)?.and_then(|x| x.display),
            version: None,
        })
    };
    for (refset, value) in t.with_store(|s| Ok(s.attribute_values(cs, code)?))? {
        if refset == sct::CONCEPT_INACTIVATION {
            r.inactivation_reason = Some(coding(&value)?);
        }
    }
    for a in t.with_store(|s| Ok(s.associations(cs, code)?))? {
        r.replacements.push(Replacement {
            relationship: sct::association_name(&a.refset)
                .map(str::to_string)
                .unwrap_or_else(|| a.refset.clone()),
            refset: a.refset.clone(),
            target: coding(&a.target)?,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::display_matches;
    use crate::model::sct;

    #[test]
    fn case_significance_decides_how_displays_compare() {
        let m = |v, c, g| display_matches(v, c, g, false);
        // White space is compared as written; collapsed only when asked (to say that spacing
        // is all that is wrong).
        assert!(!m("Hb A1c", Some(sct::CASE_SENSITIVE), "Hb  A1c"));
        assert!(display_matches(
            "Hb A1c",
            Some(sct::CASE_SENSITIVE),
            "Hb  A1c",
            true
        ));
        assert!(!m("Hb A1c", Some(sct::CASE_SENSITIVE), "hb a1c"));
        let initial = Some(sct::INITIAL_CHARACTER_CASE_INSENSITIVE);
        assert!(m("Down syndrome", initial, "down syndrome"));
        assert!(!m("Down syndrome", initial, "down Syndrome"));
        assert!(!m("Down syndrome", initial, "DOWN SYNDROME"));
        assert!(m("Asthma", Some(sct::CASE_INSENSITIVE), "ASTHMA"));
        assert!(m("Asthma", None, "asthma"));
    }
}
