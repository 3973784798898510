//! Status checks: a code system or value set an operation used that is draft, experimental,
//! deprecated, withdrawn or retired is reported (tx.fhir.org's `warning-*` expansion parameters
//! and `status-check` notes), so a validator can warn an author who binds to it. Pure: reads
//! the model only.

use super::messages;
use crate::model::CodeSystemVersion;
use crate::model::value_set::ValueSet;

/// One finding: the expansion parameter (`warning-draft`, …), the resource's `url|version`,
/// the note's text and its message id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StatusWarning {
    /// `warning-{status}`.
    pub param: String,
    /// `url|version`.
    pub uri: String,
    /// The note.
    pub text: String,
    /// tx.fhir.org's message id.
    pub message_id: &'static str,
}

/// The statuses worth a warning: standards status first, then publication status and the
/// experimental flag.
fn statuses(
    standards: Option<&str>,
    status: Option<&str>,
    experimental: bool,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    for s in [standards, status].into_iter().flatten() {
        let known = match s {
            "deprecated" => "deprecated",
            "withdrawn" => "withdrawn",
            "draft" => "draft",
            "retired" => "retired",
            _ => continue,
        };
        if !out.contains(&known) {
            out.push(known);
        }
    }
    if experimental {
        out.push("experimental");
    }
    out
}

fn warnings(kind: &str, uri: String, found: Vec<&'static str>) -> Vec<StatusWarning> {
    found
        .into_iter()
        .map(|s| StatusWarning {
            param: format!("warning-{s}"),
            uri: uri.clone(),
            text: messages::reference_to(s, kind, &uri),
            message_id: messages::id::status(s),
        })
        .collect()
}

/// Warnings about a code system version.
pub fn of_code_system(cs: &CodeSystemVersion) -> Vec<StatusWarning> {
    warnings(
        "CodeSystem",
        cs.canonical(),
        statuses(
            cs.standards_status.as_deref(),
            cs.status.as_deref(),
            cs.experimental,
        ),
    )
}

/// Warnings about a value set: its standards status only (a draft or experimental value set
/// is the author's own working state, which tx.fhir.org does not warn about).
pub fn of_value_set(vs: &ValueSet) -> Vec<StatusWarning> {
    if vs.url.is_none() {
        return Vec::new();
    }
    warnings(
        "ValueSet",
        vs.canonical(),
        statuses(vs.standards_status().as_deref(), None, false),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_is_one_warning() {
        let cs = CodeSystemVersion {
            id: 1,
            url: "http://x/cs".into(),
            version: "1".into(),
            family: crate::model::Family::Fhir,
            name: None,
            title: None,
            content: "complete".into(),
            edition_module: None,
            release_date: None,
            concept_count: 0,
            property_uris: vec![],
            language: None,
            status: Some("draft".into()),
            experimental: true,
            standards_status: None,
            case_sensitive: true,
            supplements: None,
        };
        let w = of_code_system(&cs);
        assert_eq!(
            w.iter().map(|w| w.param.as_str()).collect::<Vec<_>>(),
            ["warning-draft", "warning-experimental"]
        );
        assert_eq!(w[0].text, "Reference to draft CodeSystem http://x/cs|1");
        let draft_vs = ValueSet {
            url: Some("http://x/vs".into()),
            status: Some("draft".into()),
            ..Default::default()
        };
        assert!(of_value_set(&draft_vs).is_empty());
    }
}
