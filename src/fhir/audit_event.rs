//! An audit record as a FHIR R4 AuditEvent (`concord audit export` writes them as NDJSON, for a
//! SIEM or a FHIR server's `$import`).

use crate::audit::Entry;
use serde_json::{Value, json};

/// One record as an AuditEvent: a RESTful operation (`rest` / `operation`), executed (`E`),
/// outcome 0 (success), 4 (the request was refused or wrong) or 8 (the server failed).
pub fn audit_event(e: &Entry) -> Value {
    let outcome = match e.status {
        0..=399 => "0",
        400..=499 => "4",
        _ => "8",
    };
    let mut agent = json!({"requestor": true});
    if let Some(s) = &e.subject {
        agent["who"] = json!({"identifier": {"value": s}});
    }
    if let Some(c) = &e.client_id {
        agent["altId"] = json!(c);
    }
    let mut detail = vec![
        json!({"type": "params-sha256", "valueString": e.params_digest}),
        json!({"type": "status", "valueString": e.status.to_string()}),
        json!({"type": "release", "valueString": e.release}),
        json!({"type": "chain-hash", "valueString": e.hash.clone().unwrap_or_default()}),
    ];
    if let Some(r) = e.result {
        detail.push(json!({"type": "result", "valueString": r.to_string()}));
    }
    let mut entity = json!({
        "what": {"identifier": {"system": "urn:concord:correlation-id", "value": e.correlation_id}},
        "name": e.operation,
        "detail": detail,
    });
    if let Some(s) = &e.system {
        let mut q = vec![json!({"type": "system", "valueString": s})];
        if let Some(v) = &e.version {
            q.push(json!({"type": "version", "valueString": v}));
        }
        entity["detail"]
            .as_array_mut()
            .expect("detail is an array")
            .extend(q);
    }
    json!({
        "resourceType": "AuditEvent",
        "id": format!("concord-{}", e.seq),
        "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest"},
        "subtype": [{"system": "http://hl7.org/fhir/restful-interaction", "code": "operation"}],
        "action": "E",
        "recorded": e.time,
        "outcome": outcome,
        "agent": [agent],
        "source": {"observer": {"display": "concord"}},
        "entity": [entity],
    })
}
