//! `GET /metadata`: the CapabilityStatement (instantiating the HL7 terminology server
//! capability) and, with `mode=terminology`, TerminologyCapabilities listing every loaded code
//! system version.

use crate::model::CodeSystemVersion;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Operations served, as (name, definition canonical, resource types).
pub const OPERATIONS: &[(&str, &str, &[&str])] = &[
    (
        "lookup",
        "http://hl7.org/fhir/OperationDefinition/CodeSystem-lookup",
        &["CodeSystem"],
    ),
    (
        "validate-code",
        "http://hl7.org/fhir/OperationDefinition/CodeSystem-validate-code",
        &["CodeSystem"],
    ),
    (
        "subsumes",
        "http://hl7.org/fhir/OperationDefinition/CodeSystem-subsumes",
        &["CodeSystem"],
    ),
    (
        "validate-code",
        "http://hl7.org/fhir/OperationDefinition/ValueSet-validate-code",
        &["ValueSet"],
    ),
    (
        "expand",
        "http://hl7.org/fhir/OperationDefinition/ValueSet-expand",
        &["ValueSet"],
    ),
    (
        "batch-validate-code",
        "http://hl7.org/fhir/OperationDefinition/ValueSet-batch-validate-code",
        &["ValueSet"],
    ),
    (
        "translate",
        "http://hl7.org/fhir/OperationDefinition/ConceptMap-translate",
        &["ConceptMap"],
    ),
];

/// When this version of Concord was released (the software's `releaseDate`).
const RELEASE_DATE: &str = "2026-11-30";

/// The `$expand` parameters Concord acts on.
const EXPANSION_PARAMETERS: &[&str] = &[
    "activeOnly",
    "check-system-version",
    "count",
    "default-valueset-version",
    "designation",
    "displayLanguage",
    "excludeNested",
    "filter",
    "force-system-version",
    "includeDefinition",
    "includeDesignations",
    "offset",
    "property",
    "system-version",
    "tx-resource",
    "useSupplement",
];

/// The version of the HL7 terminology-ecosystem test suite (`fhir-tx-ecosystem-ig`) this server
/// is checked against (`.ci/run` runs the shared part of it). The HL7 validator and IG
/// publisher read it from the CapabilityStatement's `test-version` feature and refuse a server
/// that does not declare one ("not approved for use with this software"); from 1.7.8 on they
/// send `$batch-validate-code`, which this server implements.
pub const TX_TEST_VERSION: &str = "1.7.8";

/// An application-feature extension (`http://hl7.org/fhir/uv/application-feature`) declaring
/// `definition` with `value`.
fn feature(definition: &str, value: (&str, Value)) -> Value {
    json!({
        "url": "http://hl7.org/fhir/uv/application-feature/StructureDefinition/feature",
        "extension": [
            {"url": "definition", "valueCanonical": definition},
            {"url": "value", value.0: value.1}
        ]
    })
}

/// How clients authenticate, for `rest.security`: the token issuer when bearer JWTs are
/// required; `None` when the server is open.
pub struct Security<'a> {
    /// Required `iss`, when configured.
    pub issuer: Option<&'a str>,
    /// Required `aud`, when configured.
    pub audience: Option<&'a str>,
}

/// The CapabilityStatement; `security` says how callers authenticate (FHIR `rest.security`).
pub fn capability_statement(base: &str, date: &str, security: Option<Security>) -> Value {
    let resource = |ty: &str| {
        let ops: Vec<Value> = OPERATIONS
            .iter()
            .filter(|(_, _, types)| types.contains(&ty))
            .map(|(name, def, _)| json!({"name": name, "definition": def}))
            .collect();
        json!({
            "type": ty,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [
                {"name": "url", "type": "uri"}, {"name": "version", "type": "token"}, {"name": "name", "type": "string"}
            ],
            "operation": ops
        })
    };
    let mut statement = json!({
        "resourceType": "CapabilityStatement",
        "id": "concord",
        "extension": [
            feature(
                "http://hl7.org/fhir/uv/tx-tests/FeatureDefinition/test-version",
                ("valueCode", json!(TX_TEST_VERSION)),
            ),
            // Code systems passed in `tx-resource` are used for the request.
            feature(
                "http://hl7.org/fhir/uv/tx-ecosystem/FeatureDefinition/CodeSystemAsParameter",
                ("valueBoolean", json!(true)),
            ),
        ],
        "url": format!("{base}/metadata"),
        "name": "Concord",
        "title": "Concord FHIR terminology server",
        "status": "active",
        "date": date,
        "kind": "instance",
        "instantiates": ["http://hl7.org/fhir/CapabilityStatement/terminology-server"],
        "version": env!("CARGO_PKG_VERSION"),
        "software": {"name": "Concord", "version": env!("CARGO_PKG_VERSION"), "releaseDate": RELEASE_DATE},
        "implementation": {"description": "Concord terminology server", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [{
            "mode": "server",
            "resource": [resource("CodeSystem"), resource("ValueSet"), resource("ConceptMap")],
            "operation": [
                {"name": "versions", "definition": "http://hl7.org/fhir/OperationDefinition/CapabilityStatement-versions"},
                {"name": "normalize", "definition": super::operation_definition::NORMALIZE_URL},
                {"name": "validate-code", "definition": "http://hl7.org/fhir/OperationDefinition/CodeSystem-validate-code"}
            ]
        }]
    });
    if let Some(sec) = security {
        let mut description = "OAuth2 bearer JWTs (RS256, PS256 or ES256) on every operation but /metadata; SMART backend-services scopes (system/CodeSystem.read, system/*.read) or Entra ID roles grant them".to_string();
        if let Some(i) = sec.issuer {
            description.push_str(&format!("; issuer {i}"));
        }
        if let Some(a) = sec.audience {
            description.push_str(&format!("; audience {a}"));
        }
        statement["rest"][0]["security"] = json!({
            "cors": false,
            "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "OAuth", "display": "OAuth"}]}],
            "description": description
        });
    }
    statement
}

/// TerminologyCapabilities: every loaded code system with its versions (the default marked), stubs
/// without their codes left out.
pub fn terminology_capabilities(base: &str, date: &str, catalog: &[CodeSystemVersion]) -> Value {
    let mut by_url: BTreeMap<&str, Vec<&CodeSystemVersion>> = BTreeMap::new();
    // A stub without its codes is not a code system this server can answer for: listing it
    // would send validators' codes here to no purpose.
    for cs in catalog.iter().filter(|c| !c.is_stub()) {
        by_url.entry(cs.url.as_str()).or_default().push(cs);
    }
    let code_systems: Vec<Value> = by_url
        .into_iter()
        .map(|(url, versions)| {
            // The version an unversioned request gets, by the same rule the operations use.
            let default = crate::ops::resolve::latest(&versions).map(|c| c.version.clone());
            let v: Vec<Value> = versions
                .iter()
                .map(|c| json!({"code": c.version, "isDefault": Some(&c.version) == default.as_ref()}))
                .collect();
            json!({"uri": url, "version": v})
        })
        .collect();
    json!({
        "resourceType": "TerminologyCapabilities",
        "id": "concord",
        "url": format!("{base}/metadata?mode=terminology"),
        "name": "ConcordTerminologyCapabilities",
        "title": "Concord terminology capabilities",
        "version": env!("CARGO_PKG_VERSION"),
        "status": "active",
        "date": date,
        "kind": "instance",
        // R4 TerminologyCapabilities.software has no releaseDate (CapabilityStatement's has).
        "software": {"name": "Concord", "version": env!("CARGO_PKG_VERSION")},
        "codeSystem": code_systems,
        "expansion": {
            "hierarchical": true,
            "paging": true,
            "textFilter": "Words match as prefixes in any order; from five letters one typo is forgiven, from nine two",
            "parameter": EXPANSION_PARAMETERS.iter().map(|n| json!({"name": n})).collect::<Vec<_>>()
        },
        "validateCode": {"translations": false},
        "translation": {"needsMap": true},
        "closure": {"translation": false}
    })
}
