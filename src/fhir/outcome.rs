//! The one builder of OperationOutcome JSON, for errors and for `$validate-code` issues.

use crate::ops::validate::{Issue, Severity};
use serde_json::{Value, json};

/// The terminology ecosystem's issue types.
const TX_ISSUE_TYPE: &str = "http://hl7.org/fhir/tools/CodeSystem/tx-issue-type";

/// An OperationOutcome with one error issue (`code` is an IssueType: `not-found`, `invalid`,
/// `not-supported`, `exception`, …); `expression` names the parameter when there is one.
pub fn error(code: &str, text: &str, expression: Option<&str>) -> Value {
    let mut issue =
        json!({"severity": "error", "code": code, "details": {"text": text}, "diagnostics": text});
    if code == "not-found" {
        // Validators read the terminology ecosystem's issue type, not only the FHIR one.
        issue["details"]["coding"] = json!([{"system": TX_ISSUE_TYPE, "code": "not-found"}]);
    }
    if let Some(e) = expression {
        issue["expression"] = json!([e]);
    }
    json!({"resourceType": "OperationOutcome", "issue": [issue]})
}

/// A value set that cannot be evaluated: IssueType `invalid`, tx-issue-type `vs-invalid`, at
/// the element at fault.
pub fn invalid_value_set(text: &str, element: &str) -> Value {
    json!({"resourceType": "OperationOutcome", "issue": [{
        "severity": "error",
        "code": "invalid",
        "details": {
            "coding": [{"system": "http://hl7.org/fhir/tools/CodeSystem/tx-issue-type", "code": "vs-invalid"}],
            "text": text
        },
        "location": [element],
        "expression": [element]
    }]})
}

/// A request that cannot be processed as given: IssueType `processing` with its
/// terminology-ecosystem issue type and message id.
pub fn processing(tx_code: &str, message_id: &str, text: &str) -> Value {
    issue("processing", tx_code, message_id, text)
}

/// An ECL expression that is not valid: IssueType `invalid`, tx-issue-type `vs-invalid`,
/// message id `INVALID_ECL`, at the parameter that held it (none for one inside a value set).
pub fn invalid_ecl(text: &str, param: &str) -> Value {
    let mut o = issue("invalid", "vs-invalid", "INVALID_ECL", text);
    if !param.is_empty() {
        o["issue"][0]["expression"] = json!([param]);
    }
    o
}

/// One error with its IssueType `code`, `tx-issue-type` code and message id.
pub fn issue(code: &str, tx_code: &str, message_id: &str, text: &str) -> Value {
    json!({"resourceType": "OperationOutcome", "issue": [{
        "extension": [{
            "url": "http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id",
            "valueString": message_id
        }],
        "severity": "error",
        "code": code,
        "details": {"coding": [{"system": TX_ISSUE_TYPE, "code": tx_code}], "text": text}
    }]})
}

/// A value set that refers to itself: IssueType `processing`, tx-issue-type `vs-invalid`.
pub fn circular_value_set(text: &str) -> Value {
    json!({"resourceType": "OperationOutcome", "issue": [{
        "extension": [{
            "url": "http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id",
            "valueString": "VALUESET_CIRCULAR_REFERENCE"
        }],
        "severity": "error",
        "code": "processing",
        "details": {
            "coding": [{"system": TX_ISSUE_TYPE, "code": "vs-invalid"}],
            "text": text
        },
        "diagnostics": text
    }]})
}

/// Informational notes as an OperationOutcome (a `$lookup` answer that had to fall back).
pub fn information(notes: &[String]) -> Value {
    let list: Vec<Value> = notes
        .iter()
        .map(
            |n| json!({"severity": "information", "code": "informational", "details": {"text": n}}),
        )
        .collect();
    json!({"resourceType": "OperationOutcome", "issue": list})
}

/// `$validate-code` issues as an OperationOutcome (HL7 `tx-issue-type` codes in details).
pub fn from_issues(issues: &[Issue]) -> Value {
    let list: Vec<Value> = issues
        .iter()
        .map(|i| {
            let severity = match i.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Information => "information",
            };
            let code = match i.kind.tx_code() {
                "not-found" | "cannot-infer" => "not-found",
                "code-comment" => "business-rule",
                "code-rule" => "business-rule",
                "status-check" => "business-rule",
                // A wrong display is an invalid value, not an invalid code (IssueType `invalid`).
                "invalid-display" => "invalid",
                "invalid-data" => "invalid",
                "display-comment" => "invalid",
                "vs-invalid" => "invalid",
                "process-note" => "informational",
                "version-error" => "exception",
                _ => "code-invalid",
            };
            let mut issue = json!({
                "severity": severity,
                "code": code,
                "details": {
                    "coding": [{"system": TX_ISSUE_TYPE, "code": i.kind.tx_code()}],
                    "text": i.text
                },
            });
            if let Some(id) = i.message_id {
                issue["extension"] = json!([{
                    "url": "http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id",
                    "valueString": id
                }]);
            }
            // A finding about the request as a whole (a value set it needs) has no place.
            // `location` is deprecated (R5) and tx.fhir.org no longer sends it: `expression`
            // alone says where.
            if !i.expression.is_empty() {
                issue["expression"] = json!([i.expression]);
            }
            issue
        })
        .collect();
    json!({"resourceType": "OperationOutcome", "issue": list})
}
