//! The coded fields of a message and what the terminologies say of them.
//!
//! A coded field (CE, CWE or CNE) carries up to two triplets: identifier^text^coding system,
//! then the alternate identifier^text^coding system (components 4–6). Both are checked. The
//! coding-system names are HL7 table 0396's (`SCT`, `I10`, `I10C`, `LN`, …) plus the names
//! feeds use in practice (`SNOMED`, `ICD10`); a local name (`99…`, `L`) or one Concord does
//! not know is reported as information, not as an error, because the receiver cannot judge it.

use super::er7::{Message, Segment};
use crate::model::uri;
use crate::ops::validate::{Severity, ValidateRequest, validate};
use crate::ops::{Coding, RequestContext, Terminology};

/// The coded fields checked: (segment, field, the field's data type, or `None` when OBX-2
/// says).
pub const CODED_FIELDS: &[(&str, usize)] = &[
    ("DG1", 3), // diagnosis code
    ("PR1", 3), // procedure code
    ("AL1", 3), // allergen
    ("OBX", 3), // observation identifier
    ("OBX", 5), // observation value, when OBX-2 is CE/CWE/CNE
    ("OBR", 4), // universal service identifier
    ("RXA", 5), // administered code
    ("RXE", 2), // give code
    ("RXO", 1), // requested give code
    ("PRB", 3), // problem id
    ("IAM", 3), // allergen (IAM)
];

/// A coding-system name (HL7 table 0396 and common variants) as a FHIR system URI.
pub fn system_uri(name: &str) -> Option<&'static str> {
    Some(match name.trim().to_ascii_uppercase().as_str() {
        "SCT" | "SNM" | "SNOMED" | "SNOMEDCT" | "SNOMED-CT" | "SNM3" => uri::SNOMED,
        "I10" | "ICD10" | "ICD-10" | "I10WHO" => uri::ICD10,
        "I10C" | "ICD10CM" | "ICD-10-CM" => uri::ICD10CM,
        "I10P" | "ICD10PCS" => "http://www.cms.gov/Medicare/Coding/ICD10",
        "LN" | "LOINC" => "http://loinc.org",
        "RXNORM" => "http://www.nlm.nih.gov/research/umls/rxnorm",
        "NDC" => "http://hl7.org/fhir/sid/ndc",
        "CVX" => "http://hl7.org/fhir/sid/cvx",
        "UCUM" => "http://unitsofmeasure.org",
        "OPCS4" | "OPCS-4" | "OPCS" => "https://fhir.nhs.uk/Id/opcs-4",
        "DMD" => "https://dmd.nhs.uk",
        _ => return None,
    })
}

/// One finding about one triplet.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    /// `DG1[1]-3.1` (segment, its occurrence, field, component where the triplet starts;
    /// a repetition other than the first adds `(2)` after the field).
    pub location: String,
    /// The ERR-2 error location: `DG1^1^3^1^1` (segment, sequence, field, repetition,
    /// component).
    pub erl: String,
    /// The coding-system name as sent.
    pub system_name: String,
    /// The FHIR system, when known.
    pub system: Option<String>,
    /// The code.
    pub code: String,
    /// `E`, `W` or `I` (HL7 table 0516).
    pub severity: char,
    /// HL7 table 0357 error code (103: table value not found, 102: data type error).
    pub error_code: u16,
    /// What is wrong.
    pub text: String,
}

/// Every coded field of a message checked; findings in message order.
pub fn check(t: &Terminology, m: &Message) -> Vec<Finding> {
    let ctx = RequestContext::default();
    let mut out = Vec::new();
    let mut seen: std::collections::HashMap<&str, usize> = Default::default();
    for seg in &m.segments {
        let occurrence = {
            let n = seen.entry(seg.name.as_str()).or_default();
            *n += 1;
            *n
        };
        for (name, field) in CODED_FIELDS {
            if seg.name != *name || !is_coded(m, seg, *field) {
                continue;
            }
            for (r, rep) in m.components(seg, *field).iter().enumerate() {
                for start in [0usize, 3] {
                    let get = |i: usize| {
                        rep.get(start + i)
                            .map(|c| m.unescape(c))
                            .unwrap_or_default()
                    };
                    let (code, text, system_name) = (get(0), get(1), get(2));
                    if code.is_empty() {
                        continue;
                    }
                    let location = format!(
                        "{}[{occurrence}]-{field}{}.{}",
                        seg.name,
                        if r > 0 {
                            format!("({})", r + 1)
                        } else {
                            String::new()
                        },
                        start + 1
                    );
                    let erl = format!("{}^{occurrence}^{field}^{}^{}", seg.name, r + 1, start + 1);
                    let finding =
                        |severity, error_code, text: String, system: Option<&str>| Finding {
                            location: location.clone(),
                            erl: erl.clone(),
                            system_name: system_name.clone(),
                            system: system.map(str::to_string),
                            code: code.clone(),
                            severity,
                            error_code,
                            text,
                        };
                    let Some(system) = system_uri(&system_name) else {
                        out.push(finding(
                            'I',
                            103,
                            if system_name.is_empty() {
                                format!("{location}: code '{code}' has no coding system (component {}); not checked", start + 3)
                            } else {
                                format!("{location}: coding system '{system_name}' is local or unknown here; '{code}' not checked")
                            },
                            None,
                        ));
                        continue;
                    };
                    let coding = Coding {
                        system: Some(system.into()),
                        code: Some(code.clone()),
                        display: (!text.is_empty()).then(|| text.clone()),
                        version: None,
                    };
                    let v = match validate(
                        t,
                        &ctx,
                        &ValidateRequest {
                            codings: vec![coding],
                            // The text component is the sender's wording: a mismatch is worth
                            // a warning, not a rejection.
                            lenient_display: true,
                            ..Default::default()
                        },
                    ) {
                        Ok(v) => v,
                        Err(e) => {
                            out.push(finding('E', 207, format!("{location}: {e}"), Some(system)));
                            continue;
                        }
                    };
                    if v.system_not_loaded() {
                        // A known coding system this server does not hold: not judged.
                        out.push(finding(
                            'I',
                            103,
                            format!("{location}: {system_name} ({system}) is not loaded here; '{code}' not checked"),
                            Some(system),
                        ));
                        continue;
                    }
                    for i in &v.issues {
                        let severity = match i.severity {
                            Severity::Error => 'E',
                            Severity::Warning => 'W',
                            Severity::Information => continue,
                        };
                        out.push(finding(
                            severity,
                            103,
                            format!("{location}: {}", i.text),
                            Some(system),
                        ));
                    }
                }
            }
        }
    }
    out
}

/// OBX-5 is coded only when OBX-2 says CE, CWE or CNE; every other listed field always is.
fn is_coded(m: &Message, seg: &Segment, field: usize) -> bool {
    if seg.name == "OBX" && field == 5 {
        return matches!(m.unescape(m.field(seg, 2)).as_str(), "CE" | "CWE" | "CNE");
    }
    true
}
