//! The OpenAPI description of every endpoint and parameter (utoipa). The functions below exist
//! only to carry the annotations; `handlers` does the work. `concord openapi` writes the
//! document to `openapi/openapi.json`, which a test keeps in step with the code.
//!
//! Patient context for `$translate` arrives as `dependency` parameters (see [`translate`]).
//! Inactive SNOMED CT concepts in `$validate-code` come back with `inactivationReason`
//! (valueCoding) and `replacement` parts (`relationship`, `concept`).
#![allow(dead_code)]

use utoipa::OpenApi;

/// The API document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Concord FHIR R4 terminology server",
        description = "FHIR R4 terminology operations over SNOMED CT, ICD-10, ICD-10-CM and FHIR code systems. \
Every operation takes GET query parameters or a POST FHIR Parameters resource (application/fhir+json), checked against its OperationDefinition: \
a parameter the operation does not define, or one of the wrong type, is a 400 naming it (send `Prefer: handling=lenient` to have unknown parameters ignored). \
Errors are FHIR OperationOutcome resources. Responses carry X-Request-Id (echoed when the request sends X-Request-Id, X-Correlation-Id or a W3C traceparent). \
When the server runs with a JWKS, every path but /metadata, /$versions, /health, /healthz, /readyz, /metrics and the API description needs an OAuth2 bearer JWT: \
401 (OperationOutcome, WWW-Authenticate) without a valid one, 403 without the operation's grant. Any request may get 429 (rate limit, or too many expansions in flight; Retry-After) or 413 (body too large), as OperationOutcome.",
        license(name = "Apache-2.0")
    ),
    paths(health, healthz, readyz, metrics, reload, versions, metadata, lookup, validate_code_system, validate_value_set, batch_validate, expand, subsumes, translate, normalize, validate_code, normalize_definition, bulk_validate, bulk_normalize, job_status, job_delete, job_file, text_search, search, read),
    tags((name = "terminology", description = "FHIR terminology operations"), (name = "bulk", description = "Asynchronous FHIR Bulk Data jobs"), (name = "resources", description = "Read and search"))
)]
pub struct ApiDoc;

/// The FHIR versions served (the `$versions` operation): R4.
#[utoipa::path(method(get, post), path = "/$versions", tag = "resources", responses((status = 200, description = "Parameters: version 4.0, default 4.0", body = Object, content_type = "application/fhir+json")))]
fn versions() {}

/// Liveness; also the baseline endpoint for load tests.
#[utoipa::path(get, path = "/health", responses((status = 200, description = "Server is up", body = Object)))]
fn health() {}

/// Liveness probe.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "Server is up", body = Object)))]
fn healthz() {}

/// Readiness probe: the release is open and answering.
#[utoipa::path(get, path = "/readyz", responses((status = 200, description = "Ready", body = Object)))]
fn readyz() {}

/// Prometheus metrics (OpenMetrics text): requests and latency by route and status, the release in service, auth and throttling refusals.
#[utoipa::path(get, path = "/metrics", responses((status = 200, description = "OpenMetrics text", body = String, content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8")))]
fn metrics() {}

/// Serve the release `concord import` published last (as SIGHUP does); requests in flight finish on theirs. Needs the `admin` grant when authentication is on.
#[utoipa::path(
    post, path = "/$reload", tag = "resources",
    responses(
        (status = 200, description = "Parameters: previous, serving, swapped", body = Object, content_type = "application/fhir+json"),
        (status = 409, description = "The published release could not be opened; the one in service stays (OperationOutcome)", body = Object, content_type = "application/fhir+json")
    )
)]
fn reload() {}

/// CapabilityStatement, or TerminologyCapabilities with `mode=terminology`.
#[utoipa::path(
    get, path = "/metadata", tag = "resources",
    params(
        ("mode" = Option<String>, Query, description = "`terminology` for TerminologyCapabilities (every loaded code system and version)"),
        ("_format" = Option<String>, Query, description = "Only JSON: `json`, `application/fhir+json`")
    ),
    responses(
        (status = 200, description = "CapabilityStatement or TerminologyCapabilities", body = Object, content_type = "application/fhir+json"),
        (status = 406, description = "A non-JSON format was asked for (OperationOutcome)", body = Object)
    )
)]
fn metadata() {}

/// CodeSystem/$lookup: display, designations and properties of a code.
#[utoipa::path(
    method(get, post), path = "/CodeSystem/$lookup", tag = "terminology",
    params(
        ("system" = Option<String>, Query, description = "Code system URL, e.g. http://snomed.info/sct, http://hl7.org/fhir/sid/icd-10-cm"),
        ("code" = Option<String>, Query, description = "The code (required unless `coding` is given)"),
        ("version" = Option<String>, Query, description = "Code system version; SNOMED CT: http://snomed.info/sct/{module}[/version/{yyyymmdd}]"),
        ("coding" = Option<String>, Query, description = "A Coding instead of system+code; in a query written system|code"),
        ("displayLanguage" = Option<String>, Query, description = "Language of the display: en-GB, en-US, en-x-{languageRefsetId}; defaults to Accept-Language, then the server default"),
        ("property" = Option<Vec<String>>, Query, description = "Properties wanted (repeatable); `*` for all. When absent: SNOMED CT parent, child, inactive, module, effectiveTime and one property per attribute (with code-display), as FHIR validators expect; `*` adds moduleId, sufficientlyDefined, role groups (subproperty), designation use-context extensions and the normal forms (normalForm, normalFormTerse). A code may be a SNOMED CT post-coordinated expression.")
    ),
    request_body(content = Object, content_type = "application/fhir+json", description = "FHIR Parameters with the same parameters (POST)"),
    responses(
        (status = 200, description = "Parameters: name, version, display, designation*, property*", body = Object, content_type = "application/fhir+json"),
        (status = 400, description = "Missing or invalid parameter (OperationOutcome naming it)", body = Object),
        (status = 404, description = "Unknown code system, version or code (OperationOutcome)", body = Object),
        (status = 415, description = "POST body is not application/fhir+json", body = Object)
    )
)]
fn lookup() {}

/// CodeSystem/$validate-code: is the code (and display) valid in the code system?
#[utoipa::path(
    method(get, post), path = "/CodeSystem/$validate-code", tag = "terminology",
    params(
        ("url" = Option<String>, Query, description = "Code system URL"),
        ("code" = Option<String>, Query, description = "The code"),
        ("version" = Option<String>, Query, description = "Code system version"),
        ("display" = Option<String>, Query, description = "Display to check against the concept's designations"),
        ("coding" = Option<String>, Query, description = "A Coding (system|code in a query)"),
        ("codeableConcept" = Option<Object>, Query, description = "A CodeableConcept (POST only): valid when any coding is"),
        ("abstract" = Option<bool>, Query, description = "false: abstract codes (ICD chapters/blocks, notSelectable) are not valid"),
        ("displayLanguage" = Option<String>, Query, description = "Language of the returned display"),
        ("tx-resource" = Option<Object>, Query, description = "CodeSystem/ValueSet resources used for this request only (POST only)")
    ),
    request_body(content = Object, content_type = "application/fhir+json", description = "FHIR Parameters (POST)"),
    responses(
        (status = 200, description = "Parameters: result, message, display, code, system, version, inactive, inactivationReason, replacement*, issues (OperationOutcome with tx-issue-type codes: not-found, invalid-code, invalid-display, not-in-vs, code-comment, code-rule)", body = Object, content_type = "application/fhir+json"),
        (status = 400, description = "Missing or invalid parameter", body = Object)
    )
)]
fn validate_code_system() {}

/// ValueSet/$validate-code: is the code in the value set?
#[utoipa::path(
    method(get, post), path = "/ValueSet/$validate-code", tag = "terminology",
    params(
        ("url" = Option<String>, Query, description = "Value set URL (url|version allowed), incl. SNOMED CT implicit value sets http://snomed.info/sct?fhir_vs, ?fhir_vs=isa/X, ?fhir_vs=refset/X, ?fhir_vs=ecl/{expression}"),
        ("valueSetVersion" = Option<String>, Query, description = "Value set version"),
        ("valueSet" = Option<Object>, Query, description = "An inline ValueSet (POST only)"),
        ("system" = Option<String>, Query, description = "Code system of the code (inferred when the value set names one system)"),
        ("code" = Option<String>, Query, description = "The code"),
        ("version" = Option<String>, Query, description = "Code system version"),
        ("display" = Option<String>, Query, description = "Display to check"),
        ("coding" = Option<String>, Query, description = "A Coding (system|code in a query)"),
        ("codeableConcept" = Option<Object>, Query, description = "A CodeableConcept (POST only)"),
        ("abstract" = Option<bool>, Query, description = "false: abstract codes are not valid"),
        ("displayLanguage" = Option<String>, Query, description = "Language of the returned display")
    ),
    request_body(content = Object, content_type = "application/fhir+json", description = "FHIR Parameters (POST)"),
    responses(
        (status = 200, description = "Parameters as for CodeSystem/$validate-code", body = Object, content_type = "application/fhir+json"),
        (status = 404, description = "Unknown value set", body = Object),
        (status = 422, description = "The value set uses an ECL construct not evaluated yet (not-supported, naming it)", body = Object)
    )
)]
fn validate_value_set() {}

/// ValueSet/$batch-validate-code: many validations in one request.
#[utoipa::path(
    post, path = "/ValueSet/$batch-validate-code", tag = "terminology",
    request_body(content = Object, content_type = "application/fhir+json", description = "FHIR Parameters: one `validation` parameter per check (a Parameters resource with the ValueSet/$validate-code inputs); the other parameters (`url`, `tx-resource`, `lenient-display-validation`, …) are defaults each validation's own parameters override"),
    responses(
        (status = 200, description = "Parameters with one `validation` per input, in order: the $validate-code answer, or the OperationOutcome of that one validation's error", body = Object, content_type = "application/fhir+json"),
        (status = 400, description = "The body is not a Parameters resource", body = Object)
    )
)]
fn batch_validate() {}

/// ValueSet/$expand: the codes of a value set, paged, with displays in the requested language.
///
/// Compose includes/excludes with concepts, value sets and filters (is-a, descendent-of,
/// is-not-a, generalizes, child-of, in, not-in, =, regex, exists; SNOMED CT `constraint` /
/// `expression` with ECL 2.2); SNOMED CT implicit value sets (`fhir_vs`, `isa/`, `refset/`,
/// `ecl/`); value sets published only as an expansion. `filter` is the typeahead engine of
/// `/search` (word prefixes in any order, typos forgiven, ranked). Without `count`, an expansion
/// larger than the server's limit answers 422 `too-costly` saying how to page or narrow.
#[utoipa::path(
    method(get, post), path = "/ValueSet/$expand", tag = "terminology",
    params(
        ("url" = Option<String>, Query, description = "Value set URL (url|version allowed), incl. http://snomed.info/sct?fhir_vs=ecl/{expression}, ?fhir_vs=isa/X, ?fhir_vs=refset/X, ?fhir_vs"),
        ("valueSetVersion" = Option<String>, Query, description = "Value set version"),
        ("valueSet" = Option<Object>, Query, description = "An inline ValueSet (POST only)"),
        ("filter" = Option<String>, Query, description = "Words the code's terms must contain (as word prefixes, any order; typos forgiven from 5 letters); results ranked"),
        ("count" = Option<i64>, Query, description = "Page size"),
        ("offset" = Option<i64>, Query, description = "Page start (0-based)"),
        ("activeOnly" = Option<bool>, Query, description = "Leave inactive codes out"),
        ("includeDesignations" = Option<bool>, Query, description = "Return each code's designations"),
        ("designation" = Option<Vec<String>>, Query, description = "Only designations in this language or with this use (system|code); implies includeDesignations"),
        ("property" = Option<Vec<String>>, Query, description = "Properties to return per code (R5 backport extension)"),
        ("displayLanguage" = Option<String>, Query, description = "Language of the displays: en-GB, en-US, en-x-{refsetId}, sv, …"),
        ("tx-resource" = Option<Object>, Query, description = "CodeSystem/ValueSet resources used for this request only (POST only)")
    ),
    request_body(content = Object, content_type = "application/fhir+json", description = "FHIR Parameters (POST)"),
    responses(
        (status = 200, description = "ValueSet with expansion: identifier, timestamp, total, offset, parameter* (incl. used-codesystem), contains*", body = Object, content_type = "application/fhir+json"),
        (status = 400, description = "Missing or invalid parameter; ECL syntax errors with position and what was expected", body = Object),
        (status = 404, description = "Unknown value set or code system", body = Object),
        (status = 422, description = "too-costly (page or narrow) or not-supported (an ECL construct not evaluated yet, named)", body = Object)
    )
)]
fn expand() {}

/// Typeahead search for coders, as plain JSON (the engine behind `$expand?filter=`).
#[utoipa::path(
    get, path = "/search", tag = "terminology",
    params(
        ("q" = String, Query, description = "The words typed: prefixes in any order (\"diab mell typ 2\"); typos forgiven (one edit from 5 letters, two from 9)"),
        ("system" = Option<String>, Query, description = "Code system URL or sct, icd10, icd10cm (default: SNOMED CT when loaded, else the one ICD classification loaded)"),
        ("version" = Option<String>, Query, description = "Code system version"),
        ("ecl" = Option<String>, Query, description = "Only concepts this ECL expression selects"),
        ("valueSet" = Option<String>, Query, description = "Only codes of this value set (canonical URL)"),
        ("refset" = Option<String>, Query, description = "Only members of this SNOMED CT reference set"),
        ("lang" = Option<String>, Query, description = "Dialect of the preferred terms: en-GB, en-US, en-x-{refsetId}, sv; defaults to Accept-Language, then the server default"),
        ("limit" = Option<i64>, Query, description = "Hits per page, 1-1000 (default 20)"),
        ("offset" = Option<i64>, Query, description = "Page start"),
        ("active" = Option<bool>, Query, description = "Active concepts only (default true)")
    ),
    responses(
        (status = 200, description = "{system, version, total, offset, hits: [{code, term (the term that matched), preferred (in the dialect), category (semantic tag or ICD chapter), active, match (exact | prefix | fuzzy)}]}; ranked exact, prefix, typo, then preferred terms, shorter terms", body = Object, content_type = "application/json"),
        (status = 400, description = "Missing q, bad limit, ECL syntax error (OperationOutcome naming the parameter)", body = Object)
    )
)]
fn text_search() {}

/// CodeSystem/$subsumes: how two codes relate.
#[utoipa::path(
    method(get, post), path = "/CodeSystem/$subsumes", tag = "terminology",
    params(
        ("system" = Option<String>, Query, description = "Code system URL"),
        ("version" = Option<String>, Query, description = "Code system version"),
        ("codeA" = Option<String>, Query, description = "First code"),
        ("codeB" = Option<String>, Query, description = "Second code"),
        ("codingA" = Option<String>, Query, description = "First code as a Coding (system|code)"),
        ("codingB" = Option<String>, Query, description = "Second code as a Coding (system|code)")
    ),
    request_body(content = Object, content_type = "application/fhir+json", description = "FHIR Parameters (POST)"),
    responses(
        (status = 200, description = "Parameters: outcome = equivalent | subsumes | subsumed-by | not-subsumed", body = Object, content_type = "application/fhir+json"),
        (status = 404, description = "Unknown code system or code", body = Object)
    )
)]
fn subsumes() {}

/// ConceptMap/$translate: SNOMED CT maps (with rule evaluation), FHIR ConceptMaps, reverse use.
///
/// Patient context for SNOMED CT map rules is sent as repeating `dependency` parameters (POST):
/// * sex: `element` = `http://hl7.org/fhir/StructureDefinition/Patient#Patient.gender`,
///   `concept` = administrative-gender `male`/`female` or SNOMED CT 248153007 / 248152002;
/// * age at onset: `element` = `http://snomed.info/id/445518008` and a part `value` with a
///   `valueQuantity` in UCUM units (`a`, `mo`, `wk`, `d`), as R5's `dependency.value[x]`;
/// * co-existing conditions: `element` = `http://snomed.info/id/404684003`, `concept` = the SNOMED
///   CT coding of the condition (repeatable).
///
/// Each group's rules are evaluated in priority order (first true wins, OTHERWISE TRUE as the
/// fallback). Without enough context the remaining candidates of a group come back with
/// `ruleOutcome` = candidate and the message names the context that would decide.
#[utoipa::path(
    method(get, post), path = "/ConceptMap/$translate", tag = "terminology",
    params(
        ("url" = Option<String>, Query, description = "Concept map: http://snomed.info/sct?fhir_cm={refsetId} (e.g. 447562003, the ICD-10 map) or a ConceptMap url"),
        ("conceptMap" = Option<Object>, Query, description = "An inline ConceptMap (POST only)"),
        ("conceptMapVersion" = Option<String>, Query, description = "ConceptMap version"),
        ("system" = Option<String>, Query, description = "Source code system"),
        ("code" = Option<String>, Query, description = "Source code"),
        ("version" = Option<String>, Query, description = "Source code system version (SNOMED CT edition/version URI)"),
        ("coding" = Option<String>, Query, description = "Source as a Coding (system|code in a query)"),
        ("codeableConcept" = Option<Object>, Query, description = "Source as a CodeableConcept (POST only; its first coding)"),
        ("source" = Option<String>, Query, description = "Source value set; an implicit SNOMED CT map URL here is used as the map"),
        ("target" = Option<String>, Query, description = "Target value set (informative)"),
        ("targetsystem" = Option<String>, Query, description = "Target code system, e.g. http://hl7.org/fhir/sid/icd-10 selects the SNOMED CT ICD-10 map; http://snomed.info/sct with an ICD-10 source reverses it"),
        ("dependency" = Option<Object>, Query, description = "Patient context (POST only): parts element (uri), concept (CodeableConcept/Coding), value (Quantity) — see above"),
        ("reverse" = Option<bool>, Query, description = "Use the map backwards (target code → source candidates; flagged narrower/inexact, not equivalent)"),
        ("unconditionalOnly" = Option<bool>, Query, description = "Reverse use: only unconditional (TRUE) map rows")
    ),
    request_body(content = Object, content_type = "application/fhir+json", description = "FHIR Parameters (POST)"),
    responses(
        (status = 200, description = "Parameters: result, message, match* (equivalence, concept, originMap, product/dependsOn, mapGroup, mapPriority, mapRule, mapAdvice, mapCategory, correlation, ruleOutcome, via, comment)", body = Object, content_type = "application/fhir+json"),
        (status = 400, description = "Missing or invalid parameter (OperationOutcome naming it)", body = Object),
        (status = 404, description = "Unknown code, code system or concept map", body = Object)
    )
)]
fn translate() {}

/// $normalize: the canonical concept (SNOMED CT unless configured) of a coding, a CodeableConcept
/// or free text, how it was reached, and its equivalents in every loaded target system.
///
/// Routes: identity; inactive → replacement (the association used); ICD-10-CM → ICD-10 roll-up
/// → reverse-map candidates; ICD-10 → reverse-map candidates (ranked, flagged inexact, never
/// equivalent); text → search match with its score. Patient context is sent as `dependency`
/// parameters, as for `$translate`. POST with an `application/x-ndjson` or
/// `application/fhir+ndjson` body of codings (or `{"text": …}` objects), one per line, streams
/// one Parameters answer per line, in order, with `line` first; a line that cannot be read
/// answers `line` and `issues` only, and the stream goes on.
#[utoipa::path(
    method(get, post), path = "/$normalize", tag = "terminology",
    params(
        ("system" = Option<String>, Query, description = "With code: the code system"),
        ("code" = Option<String>, Query, description = "With system: the code"),
        ("version" = Option<String>, Query, description = "With code: the code system version"),
        ("display" = Option<String>, Query, description = "With code: the display to check (a mismatch is a warning)"),
        ("coding" = Option<String>, Query, description = "The input as a Coding (system|code in a query)"),
        ("codeableConcept" = Option<Object>, Query, description = "The input as a CodeableConcept (POST only)"),
        ("text" = Option<String>, Query, description = "Free text, searched in the canonical system"),
        ("dependency" = Option<Object>, Query, description = "Patient context (POST only), as for $translate: sex, age at onset, co-conditions"),
        ("target" = Option<String>, Query, description = "A system to give equivalents in (repeatable; default every system a loaded map reaches)"),
        ("canonical" = Option<String>, Query, description = "The canonical system for this request (default: the server's, SNOMED CT)")
    ),
    request_body(content = Object, content_type = "application/fhir+json", description = "FHIR Parameters (POST), or NDJSON codings for a bulk stream"),
    responses(
        (status = 200, description = "Parameters: canonical (Coding), how (identity | replacement | reverse-map | rollup | text | map), score (text), step* (how, from|text, to, relationship, via), equivalent* and candidate* (concept, relationship, map, mapGroup, mapPriority, rule, ruleOutcome, advice), issues (OperationOutcome: ambiguous, inexact, inactive, display mismatch, undecided, unmapped). With an NDJSON body: application/fhir+ndjson, one Parameters per input line with `line` first", body = Object, content_type = "application/fhir+json"),
        (status = 400, description = "No input, or more than one (OperationOutcome naming the parameter)", body = Object)
    )
)]
fn normalize() {}

/// System-level $validate-code: as CodeSystem/$validate-code, and with an NDJSON body a bulk
/// stream (one Parameters answer per input line, in order, `line` first; a bad line answers
/// `line` and `issues` without `result`).
#[utoipa::path(
    method(get, post), path = "/$validate-code", tag = "terminology",
    params(
        ("url" = Option<String>, Query, description = "Code system URL"),
        ("code" = Option<String>, Query, description = "The code"),
        ("version" = Option<String>, Query, description = "Code system version"),
        ("display" = Option<String>, Query, description = "Display to check"),
        ("coding" = Option<String>, Query, description = "A Coding (system|code in a query)")
    ),
    request_body(content = Object, content_type = "application/fhir+json", description = "FHIR Parameters (POST), or NDJSON codings for a bulk stream"),
    responses(
        (status = 200, description = "Parameters as CodeSystem/$validate-code; with an NDJSON body, application/fhir+ndjson with one answer per line", body = Object, content_type = "application/fhir+json"),
        (status = 400, description = "Missing or invalid parameter", body = Object)
    )
)]
fn validate_code() {}

/// The OperationDefinition of $normalize.
#[utoipa::path(
    get, path = "/OperationDefinition/normalize", tag = "resources",
    responses((status = 200, description = "OperationDefinition", body = Object, content_type = "application/fhir+json"))
)]
fn normalize_definition() {}

/// Bulk Data kick-off (FHIR Bulk Data asynchronous pattern): send `Prefer: respond-async` and an
/// `application/fhir+ndjson` body of resources (a Bulk Data export: Condition, Observation, …).
/// Every Coding of every resource is validated; the job's outputs are an OperationOutcome per
/// resource with findings, report.json (per resource type and element path), errors for lines
/// that could not be read, and their dead letters.
#[utoipa::path(
    post, path = "/$bulk-validate", tag = "bulk",
    responses(
        (status = 202, description = "Accepted; Content-Location names the job's status URL"),
        (status = 400, description = "No `Prefer: respond-async` (OperationOutcome)", body = Object)
    )
)]
fn bulk_validate() {}

/// As `$bulk-validate`, and each resource is written again annotated with the canonical coding
/// and equivalents of each CodeableConcept (outputs per resource type).
#[utoipa::path(
    post, path = "/$bulk-normalize", tag = "bulk",
    responses(
        (status = 202, description = "Accepted; Content-Location names the job's status URL"),
        (status = 400, description = "No `Prefer: respond-async` (OperationOutcome)", body = Object)
    )
)]
fn bulk_normalize() {}

/// A bulk job's status: 202 with `X-Progress` while it runs, then 200 with the Bulk Data
/// manifest (output and error files, counts, the report).
#[utoipa::path(
    get, path = "/jobs/{id}", tag = "bulk",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, description = "The manifest: transactionTime, request, requiresAccessToken, output [{type, url, count}], error [{type, url, count}]", body = Object, content_type = "application/json"),
        (status = 202, description = "Still running (X-Progress, Retry-After)"),
        (status = 404, description = "Unknown job", body = Object)
    )
)]
fn job_status() {}

/// Cancels a bulk job and deletes its files.
#[utoipa::path(
    delete, path = "/jobs/{id}", tag = "bulk",
    params(("id" = String, Path, description = "Job id")),
    responses((status = 202, description = "Cancelled and deleted"), (status = 404, description = "Unknown job", body = Object))
)]
fn job_delete() {}

/// One output file of a finished bulk job.
#[utoipa::path(
    get, path = "/jobs/{id}/files/{name}", tag = "bulk",
    params(("id" = String, Path, description = "Job id"), ("name" = String, Path, description = "File name from the manifest")),
    responses(
        (status = 200, description = "NDJSON (or report.json)", body = String, content_type = "application/fhir+ndjson"),
        (status = 404, description = "Unknown job or file", body = Object)
    )
)]
fn job_file() {}

/// Search CodeSystem, ValueSet or ConceptMap resources.
#[utoipa::path(
    get, path = "/{type}", tag = "resources",
    params(
        ("type" = String, Path, description = "CodeSystem, ValueSet or ConceptMap"),
        ("url" = Option<String>, Query, description = "Canonical URL"),
        ("version" = Option<String>, Query, description = "Version"),
        ("name" = Option<String>, Query, description = "Name or title prefix (case-insensitive for CodeSystem)"),
        ("_count" = Option<i64>, Query, description = "Page size (default 50, at most 500)"),
        ("_offset" = Option<i64>, Query, description = "Matches to skip (the `next` link carries it)")
    ),
    responses(
        (status = 200, description = "Bundle (searchset): one page, the total, self/next/previous links", body = Object, content_type = "application/fhir+json"),
        (status = 400, description = "A search parameter the server does not support, named (OperationOutcome)", body = Object, content_type = "application/fhir+json")
    )
)]
fn search() {}

/// Read a CodeSystem, ValueSet or ConceptMap by id.
#[utoipa::path(
    get, path = "/{type}/{id}", tag = "resources",
    params(("type" = String, Path, description = "CodeSystem, ValueSet or ConceptMap"), ("id" = String, Path, description = "Resource id")),
    responses(
        (status = 200, description = "The resource (CodeSystems without their concepts)", body = Object, content_type = "application/fhir+json"),
        (status = 404, description = "Not known", body = Object)
    )
)]
fn read() {}

/// The document as served and written: the annotations above, then what holds for every
/// operation and is better said once than on each — the FHIR media type on every JSON answer,
/// the OperationOutcome answers any request may get (bad parameters, authentication, limits,
/// server trouble), a `Parameters` body (its `resourceType` required) for every POST, and the
/// constraints on query values the server enforces (closed sets, forms, no negative counts).
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    refine(&mut doc);
    // A refinement utoipa cannot read back is a bug the test below catches; the server still
    // serves the unrefined description rather than none.
    serde_json::from_value(doc).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the refined OpenAPI document does not read back");
        ApiDoc::openapi()
    })
}

/// Paths that answer plain JSON or text, not FHIR.
const NOT_FHIR: &[&str] = &["/health", "/healthz", "/readyz", "/metrics"];

/// Paths that also take an NDJSON body and stream their answers.
const STREAMS: &[&str] = &["/$normalize", "/$validate-code"];

/// Paths whose successful answer is plain JSON (their errors are still OperationOutcomes).
const PLAIN_JSON_ANSWER: &[&str] = &["/search", "/jobs/{id}"];

fn refine(doc: &mut serde_json::Value) {
    use serde_json::json;
    let outcome = json!({"$ref": "#/components/schemas/OperationOutcome"});
    doc["components"]["schemas"]["OperationOutcome"] = json!({
        "type": "object",
        "required": ["resourceType", "issue"],
        "properties": {
            "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
            "issue": {"type": "array", "items": {"type": "object"}}
        }
    });
    doc["components"]["schemas"]["Parameters"] = json!({
        "type": "object",
        "required": ["resourceType"],
        "properties": {
            "resourceType": {"type": "string", "enum": ["Parameters"]},
            "parameter": {"type": "array", "items": {
                "type": "object", "required": ["name"],
                "properties": {"name": {"type": "string", "minLength": 1}}
            }}
        }
    });
    let errors: [(&str, &str); 10] = [
        (
            "400",
            "A parameter is missing, malformed or not supported here (OperationOutcome naming it)",
        ),
        (
            "401",
            "Authentication is on and the bearer token is missing or invalid (WWW-Authenticate)",
        ),
        ("403", "The token does not grant this operation"),
        (
            "404",
            "An unknown code system, value set, concept map, version or code",
        ),
        ("406", "A format other than FHIR JSON was asked for"),
        (
            "408",
            "The request was not received and answered within the server's time limit",
        ),
        ("413", "The request body is larger than the server accepts"),
        (
            "422",
            "Understood but not processable: too costly, or a construct not supported",
        ),
        (
            "429",
            "Over the client's rate, or too many expensive operations in flight (Retry-After)",
        ),
        (
            "503",
            "The audit trail cannot be written, or no release is served",
        ),
    ];
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let fhir = !NOT_FHIR.contains(&path.as_str());
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            let Some(responses) = op["responses"].as_object_mut() else {
                continue;
            };
            if fhir {
                // Every JSON answer is FHIR JSON (but the plain-JSON endpoints' successes).
                for (status, r) in responses.iter_mut() {
                    if status.starts_with('2') && PLAIN_JSON_ANSWER.contains(&path.as_str()) {
                        continue;
                    }
                    if let Some(content) = r.get_mut("content").and_then(|c| c.as_object_mut())
                        && let Some(v) = content.remove("application/json")
                    {
                        content.insert("application/fhir+json".into(), v);
                    }
                }
                let mut all = errors.to_vec();
                if method == "post" {
                    all.push(("415", "The body is not application/fhir+json (or a form)"));
                }
                for (status, text) in all {
                    let entry = responses
                        .entry(status)
                        .or_insert_with(|| json!({"description": text}));
                    entry["content"] = json!({"application/fhir+json": {"schema": outcome}});
                }
                responses.insert(
                    "500".into(),
                    json!({"description": "An internal error (OperationOutcome; the log has the details)",
                           "content": {"application/fhir+json": {"schema": outcome}}}),
                );
            }
            // A GET has no body (the annotations are shared by GET and POST).
            if method == "get"
                && let Some(o) = op.as_object_mut()
            {
                o.remove("requestBody");
            }
            if method == "post" && op.get("requestBody").is_some() {
                op["requestBody"]["required"] = json!(true);
                op["requestBody"]["content"] = json!({
                    "application/fhir+json": {"schema": {"$ref": "#/components/schemas/Parameters"}}
                });
                if STREAMS.contains(&path.as_str()) {
                    // The bulk form answers NDJSON. Its NDJSON request body is described in
                    // the text, not as a media type: generated-request tools (schemathesis)
                    // cannot serialize one and would filter out every example.
                    op["responses"]["200"]["content"]["application/fhir+ndjson"] =
                        json!({"schema": {"type": "string"}});
                }
            }
            for p in op["parameters"].as_array_mut().into_iter().flatten() {
                let name = p["name"].as_str().unwrap_or_default().to_string();
                let schema = &mut p["schema"];
                match schema["type"].as_str() {
                    // The values the server takes, where they are a closed set or a form.
                    Some("string") if name == "mode" => {
                        schema["enum"] = json!(["full", "normative", "terminology"])
                    }
                    Some("string") if name == "_format" => {
                        schema["enum"] =
                            json!(["json", "application/json", "application/fhir+json"])
                    }
                    Some("string") if name.starts_with("coding") => {
                        schema["pattern"] = json!("^[^|]+\\|[^|]+$")
                    }
                    Some("integer")
                        if matches!(
                            name.as_str(),
                            "count" | "offset" | "_count" | "_offset" | "limit"
                        ) =>
                    {
                        schema["minimum"] = json!(0)
                    }
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use utoipa::OpenApi;

    #[test]
    fn the_refined_document_reads_back() {
        let mut doc = serde_json::to_value(super::ApiDoc::openapi()).unwrap();
        super::refine(&mut doc);
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for (status, r) in op["responses"].as_object().into_iter().flatten() {
                    let one: Result<utoipa::openapi::RefOr<utoipa::openapi::Response>, _> =
                        serde_json::from_value(r.clone());
                    assert!(one.is_ok(), "{method} {path} {status}: {r}");
                }
            }
        }
        let back: Result<utoipa::openapi::OpenApi, _> = serde_json::from_value(doc);
        assert!(back.is_ok(), "{:?}", back.err());
    }
}
