//! Operation results → FHIR `Parameters`, written as JSON straight from borrowed results (no
//! intermediate `serde_json::Value` tree: building one cost a quarter of a SNOMED CT
//! `$lookup`; see [`super::json`] for why not serde_json's serializer either).

use super::{json, outcome};
use crate::ops::Coding;
use crate::ops::lookup::{
    LookupDesignation, LookupProperty, LookupResult, UseCoding, Value as PValue,
};
use crate::ops::subsumes::Outcome;
use crate::ops::validate::ValidateResult;
use serde_json::{Value, json};

/// A `Parameters` resource ready to serialize.
pub struct Parameters<'a>(Vec<Param<'a>>);

/// One `Parameters.parameter` (or `part`).
pub struct Param<'a> {
    name: &'a str,
    value: V<'a>,
}

enum V<'a> {
    /// A primitive with its `valueX` key.
    Str(&'static str, &'a str),
    Bool(bool),
    Int(i64),
    Decimal(&'a str),
    Coding(&'a Coding),
    Use(&'a UseCoding<'a>),
    Parts(Vec<Param<'a>>),
    /// A complex value (`valueCodeableConcept`, …) under its key.
    Json(&'static str, Value),
    /// A designation's parts, with the SNOMED CT designation-use-context extension.
    Designation(Vec<Param<'a>>, &'a LookupDesignation<'a>),
    Resource(Value),
}

impl Parameters<'_> {
    /// The resource as FHIR JSON.
    pub fn to_json(&self) -> Vec<u8> {
        // Sized for a typical SNOMED CT $lookup so the buffer is not regrown (and copied).
        let mut out = Vec::with_capacity(8 * 1024);
        out.extend_from_slice(br#"{"resourceType":"Parameters","parameter":"#);
        write_list(&mut out, &self.0);
        out.push(b'}');
        out
    }

    /// The same answer with `line` (an input's line number, for bulk streams) first.
    pub fn with_line(mut self, line: u64) -> Self {
        self.0.insert(
            0,
            p("line", V::Int(i64::try_from(line).unwrap_or(i64::MAX))),
        );
        self
    }

    /// As a JSON value (for callers that edit or embed it).
    pub fn to_value(&self) -> Value {
        serde_json::from_slice(&self.to_json()).unwrap_or(Value::Null)
    }
}

fn write_list(out: &mut Vec<u8>, params: &[Param]) {
    out.push(b'[');
    for (i, p) in params.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        p.write(out);
    }
    out.push(b']');
}

impl Param<'_> {
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(br#"{"name":"#);
        json::string(out, self.name);
        match &self.value {
            V::Str(k, v) => {
                json::key(out, k);
                json::string(out, v);
            }
            V::Bool(b) => {
                json::key(out, "valueBoolean");
                out.extend_from_slice(if *b { b"true" } else { b"false" });
            }
            V::Int(i) => {
                json::key(out, "valueInteger");
                out.extend_from_slice(i.to_string().as_bytes());
            }
            V::Decimal(d) => match d.parse::<f64>() {
                Ok(f) => {
                    json::key(out, "valueDecimal");
                    // serde_json's float format (shortest round-trip; null if not finite)
                    let _ = serde_json::to_writer(&mut *out, &f);
                }
                Err(_) => {
                    json::key(out, "valueString");
                    json::string(out, d);
                }
            },
            V::Coding(c) => {
                json::key(out, "valueCoding");
                json::string_object(
                    out,
                    &[
                        ("system", c.system.as_deref()),
                        ("version", c.version.as_deref()),
                        ("code", c.code.as_deref()),
                        ("display", c.display.as_deref()),
                    ],
                );
            }
            V::Use(c) => {
                json::key(out, "valueCoding");
                json::string_object(
                    out,
                    &[
                        ("system", Some(&c.system)),
                        ("code", Some(&c.code)),
                        ("display", c.display),
                    ],
                );
            }
            V::Parts(p) => {
                json::key(out, "part");
                write_list(out, p);
            }
            V::Designation(p, d) => {
                if !d.acceptability.is_empty() {
                    json::key(out, "extension");
                    use_context(out, d);
                }
                json::key(out, "part");
                write_list(out, p);
            }
            V::Resource(r) => {
                json::key(out, "resource");
                let _ = serde_json::to_writer(&mut *out, r);
            }
            V::Json(k, v) => {
                json::key(out, k);
                let _ = serde_json::to_writer(&mut *out, v);
            }
        }
        out.push(b'}');
    }
}

/// The SNOMED CT `designation-use-context` extensions of a designation, one per language
/// refset it is a member of (as the SNOMED CT FHIR guidance and Snowstorm write them): the
/// refset as `context`, the acceptability as `role`, the description type as `type`. They tell
/// dialects apart where `language` (the RF2 language code, `en`) cannot.
fn use_context(out: &mut Vec<u8>, d: &LookupDesignation) {
    const URL: &str = "http://snomed.info/fhir/StructureDefinition/designation-use-context";
    const SCT: &str = crate::model::uri::SNOMED;
    out.push(b'[');
    for (i, (refset, acceptability)) in d.acceptability.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(br#"{"url":"#);
        json::string(out, URL);
        out.extend_from_slice(br#","extension":[{"url":"context","valueCoding":"#);
        json::string_object(out, &[("system", Some(SCT)), ("code", Some(refset))]);
        let role = match acceptability.as_str() {
            crate::model::sct::PREFERRED => Some("PREFERRED"),
            crate::model::sct::ACCEPTABLE => Some("ACCEPTABLE"),
            _ => None,
        };
        out.extend_from_slice(br#"},{"url":"role","valueCoding":"#);
        json::string_object(
            out,
            &[
                ("system", Some(SCT)),
                ("code", Some(acceptability)),
                ("display", role),
            ],
        );
        out.push(b'}');
        if let Some(u) = &d.use_ {
            out.extend_from_slice(br#",{"url":"type","valueCoding":"#);
            json::string_object(
                out,
                &[
                    ("system", Some(&u.system)),
                    ("code", Some(&u.code)),
                    ("display", u.display),
                ],
            );
            out.push(b'}');
        }
        out.extend_from_slice(b"]}");
    }
    out.push(b']');
}

fn p<'a>(name: &'a str, value: V<'a>) -> Param<'a> {
    Param { name, value }
}

fn value<'a>(v: &'a PValue<'a>) -> V<'a> {
    match v {
        PValue::Code(c) => V::Str("valueCode", c),
        PValue::Coding(c) => V::Coding(c),
        PValue::String(s) => V::Str("valueString", s),
        PValue::Boolean(b) => V::Bool(*b),
        PValue::Integer(i) => V::Int(*i),
        PValue::Decimal(d) => V::Decimal(d),
        PValue::DateTime(d) => V::Str("valueDateTime", d),
    }
}

fn property<'a>(prop: &'a LookupProperty<'a>, part_name: &'a str) -> Param<'a> {
    let mut parts = vec![
        p("code", V::Str("valueCode", &prop.code)),
        p("value", value(&prop.value)),
    ];
    if let Some(d) = &prop.code_display {
        parts.push(p("code-display", V::Str("valueString", d)));
    }
    if let Some(d) = &prop.description {
        parts.push(p("description", V::Str("valueString", d)));
    }
    for s in &prop.sub {
        parts.push(property(s, "subproperty"));
    }
    p(part_name, V::Parts(parts))
}

/// `$lookup` output.
pub fn lookup<'a>(r: &'a LookupResult<'a>) -> Parameters<'a> {
    let mut list = vec![
        p("code", V::Str("valueCode", &r.code)),
        p("system", V::Str("valueUri", &r.system)),
        p("name", V::Str("valueString", &r.name)),
        p("abstract", V::Bool(r.abstract_)),
    ];
    // A code system without a version has none to report.
    if !r.version.is_empty() {
        list.push(p("version", V::Str("valueString", &r.version)));
    }
    for s in &r.used_supplements {
        list.push(p("used-supplement", V::Str("valueCanonical", s)));
    }
    if let Some(d) = &r.display {
        list.push(p("display", V::Str("valueString", d)));
    }
    if let Some(d) = &r.definition {
        list.push(p("definition", V::Str("valueString", d)));
    }
    for d in &r.designations {
        let mut parts = Vec::with_capacity(3);
        if let Some(l) = &d.language {
            parts.push(p("language", V::Str("valueCode", l)));
        }
        if let Some(u) = &d.use_ {
            parts.push(p("use", V::Use(u)));
        }
        if let Some(s) = &d.source {
            parts.push(p("source", V::Str("valueCanonical", s)));
        }
        parts.push(p("value", V::Str("valueString", &d.value)));
        list.push(p("designation", V::Designation(parts, d)));
    }
    for prop in &r.properties {
        list.push(property(prop, "property"));
    }
    if !r.notes.is_empty() {
        list.push(p("issues", V::Resource(outcome::information(&r.notes))));
    }
    Parameters(list)
}

/// `$validate-code` output. Beyond the R4 parameters (`result`, `message`, `display`) it returns
/// `code`, `system`, `version`, `inactive` and `issues` as the HL7 terminology ecosystem does,
/// and for inactive SNOMED CT concepts `inactivationReason` (valueCoding) and one `replacement`
/// per historical association (parts `relationship` valueString and `concept` valueCoding).
pub fn validate(r: &ValidateResult) -> Parameters<'_> {
    let mut list = vec![p("result", V::Bool(r.result))];
    if let Some(m) = &r.message {
        list.push(p("message", V::Str("valueString", m)));
    }
    if let Some(d) = &r.display {
        list.push(p("display", V::Str("valueString", d)));
    }
    if let Some(c) = &r.code {
        list.push(p("code", V::Str("valueCode", c)));
    }
    if !r.codeable_concept.is_empty() {
        let codings: Vec<Value> = r
            .codeable_concept
            .iter()
            .map(|c| {
                let mut v = json!({});
                for (k, x) in [
                    ("system", &c.system),
                    ("version", &c.version),
                    ("code", &c.code),
                    ("display", &c.display),
                ] {
                    if let Some(x) = x {
                        v[k] = json!(x);
                    }
                }
                v
            })
            .collect();
        let mut cc = json!({ "coding": codings });
        if let Some(text) = &r.codeable_concept_text {
            cc["text"] = json!(text);
        }
        list.push(p("codeableConcept", V::Json("valueCodeableConcept", cc)));
    }
    if let Some(s) = &r.system {
        list.push(p("system", V::Str("valueUri", s)));
    }
    // A code system without a version has none to report.
    if let Some(v) = r.version.as_ref().filter(|v| !v.is_empty()) {
        list.push(p("version", V::Str("valueString", v)));
    }
    // Said only of inactive codes: an active one is the norm, not a finding.
    if let Some(true) = r.inactive {
        list.push(p("inactive", V::Bool(true)));
    }
    if let Some(reason) = &r.inactivation_reason {
        list.push(p("inactivationReason", V::Coding(reason)));
    }
    for x in &r.replacements {
        list.push(p(
            "replacement",
            V::Parts(vec![
                p("relationship", V::Str("valueString", &x.relationship)),
                p("concept", V::Coding(&x.target)),
            ]),
        ));
    }
    if let Some(s) = &r.status {
        list.push(p("status", V::Str("valueCode", s)));
    }
    if let Some(c) = &r.normalized_code {
        list.push(p("normalized-code", V::Str("valueCode", c)));
    }
    if let Some(u) = &r.caused_by_unknown_system {
        list.push(p("x-caused-by-unknown-system", V::Str("valueCanonical", u)));
    }
    if let Some(u) = &r.unknown_system {
        list.push(p("x-unknown-system", V::Str("valueCanonical", u)));
    }
    if !r.issues.is_empty() {
        list.push(p("issues", V::Resource(outcome::from_issues(&r.issues))));
    }
    Parameters(list)
}

/// `$batch-validate-code` output: one `validation` per entry, each an already serialized
/// resource (a `$validate-code` answer or that entry's OperationOutcome), in order.
pub fn batch(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut out = br#"{"resourceType":"Parameters","parameter":["#.to_vec();
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(br#"{"name":"validation","resource":"#);
        out.extend_from_slice(e);
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    out
}

/// `$subsumes` output.
pub fn subsumes(o: Outcome) -> Value {
    json!({"resourceType": "Parameters", "parameter": [{"name": "outcome", "valueCode": o.code()}]})
}

/// `$translate` output: `result`, `message`, and one `match` per match with the R4 parts
/// `equivalence`, `concept`, `source`, `product`/`dependsOn` (element + concept), plus the SNOMED
/// CT map structure as further parts: `mapGroup`, `mapPriority` (valueInteger), `mapRule`,
/// `mapAdvice` (valueString), `mapCategory`, `correlation` (valueCoding), `ruleOutcome`
/// (valueCode: fired | candidate | unconditional), `via` (valueCode: the inactive source code
/// followed) and `comment`.
///
/// `queried`: an R5 reverse translation's target coding, echoed as each match's `concept` with
/// the source code found as `source` (see [`crate::fhir::requests::translate`]).
pub fn translate<'a>(
    r: &'a crate::ops::translate::TranslateResult,
    queried: Option<&'a crate::ops::Coding>,
) -> Parameters<'a> {
    let mut list = vec![p("result", V::Bool(r.result))];
    if let Some(m) = &r.message {
        list.push(p("message", V::Str("valueString", m)));
    }
    for m in &r.matches {
        let mut parts = vec![p("equivalence", V::Str("valueCode", &m.equivalence))];
        match (queried, &m.concept) {
            (Some(q), Some(c)) => {
                parts.push(p("concept", V::Coding(q)));
                parts.push(p("source", V::Coding(c)));
            }
            (None, Some(c)) => parts.push(p("concept", V::Coding(c))),
            (_, None) => {}
        }
        for (name, element, concept) in &m.elements {
            parts.push(p(
                name,
                V::Parts(vec![
                    p("element", V::Str("valueUri", element)),
                    p("concept", V::Coding(concept)),
                ]),
            ));
        }
        // The map that answered: R5's `originMap`, which tx.fhir.org returns to R4 clients
        // as well in place of R4's `source` uri (tx-ecosystem `translate/translate-1`).
        parts.push(p("originMap", V::Str("valueCanonical", &m.source)));
        if let Some(g) = m.group {
            parts.push(p("mapGroup", V::Int(g)));
        }
        if let Some(x) = m.priority {
            parts.push(p("mapPriority", V::Int(x)));
        }
        if let Some(x) = &m.rule {
            parts.push(p("mapRule", V::Str("valueString", x)));
        }
        if let Some(x) = &m.advice {
            parts.push(p("mapAdvice", V::Str("valueString", x)));
        }
        if let Some(x) = &m.category {
            parts.push(p("mapCategory", V::Coding(x)));
        }
        if let Some(x) = &m.correlation {
            parts.push(p("correlation", V::Coding(x)));
        }
        if let Some(x) = &m.rule_outcome {
            parts.push(p("ruleOutcome", V::Str("valueCode", x)));
        }
        if let Some(x) = &m.via {
            parts.push(p("via", V::Str("valueCode", x)));
        }
        if let Some(x) = &m.comment {
            parts.push(p("comment", V::Str("valueString", x)));
        }
        list.push(p("match", V::Parts(parts)));
    }
    Parameters(list)
}

/// A model extension as FHIR JSON (`None` when it carries no value this model keeps).
fn extension(e: &crate::model::value_set::Extension) -> Option<Value> {
    let (key, value) = e.typed_value()?;
    Some(json!({"url": e.url, key: typed_json(key, &value)}))
}

/// A value held as text, as the JSON its FHIR type `kind` (`valueBoolean`, …) calls for.
fn typed_json(kind: &str, value: &str) -> Value {
    match kind {
        "valueBoolean" => json!(value == "true"),
        "valueInteger" => json!(value.parse::<i64>().unwrap_or(0)),
        // Kept as written (6, 1.2): a decimal's text is its precision.
        "valueDecimal" => serde_json::from_str::<Value>(value)
            .ok()
            .filter(Value::is_number)
            .unwrap_or_else(|| json!(value)),
        _ => json!(value),
    }
}

/// `$expand` output: the ValueSet with its `expansion` (identifier, timestamp, total, offset,
/// the parameters used, and the page of codes).
pub fn expansion(e: &crate::ops::expand::Expansion, timestamp: &str) -> Value {
    let mut vs = json!({"resourceType": "ValueSet"});
    let m = &e.meta;
    for (k, v) in [
        ("url", &m.url),
        ("version", &m.version),
        ("name", &m.name),
        ("title", &m.title),
        ("status", &m.status),
        ("date", &m.date),
        ("publisher", &m.publisher),
        // The description stays with the value set resource (tx.fhir.org leaves it out of
        // expansions); an expansion is read for its codes.
        ("language", &m.language),
    ] {
        if let Some(v) = v {
            vs[k] = json!(v);
        }
    }
    if let Some(x) = m.experimental {
        vs["experimental"] = json!(x);
    }
    let extensions: Vec<Value> = m.extension.iter().filter_map(extension).collect();
    if !extensions.is_empty() {
        vs["extension"] = Value::Array(extensions);
    }
    if vs.get("status").is_none() {
        // Required in R4; an implicit value set (defined by its code system) is active.
        vs["status"] = json!("active");
    }
    let parameters: Vec<Value> = e
        .parameters
        .iter()
        .map(|(name, kind, value)| json!({"name": name, *kind: typed_json(kind, value)}))
        .collect();
    let contains: Vec<Value> = e.contains.iter().map(contains_item).collect();
    let mut expansion = json!({
        "identifier": format!("urn:uuid:{}", uuid_like(e, timestamp)),
        "timestamp": timestamp,
        "total": e.total,
        "parameter": parameters,
    });
    // Stated when paging was asked for (tx.fhir.org leaves it out otherwise, and the
    // terminology ecosystem's `parameters` suite holds to that).
    if e.offset > 0
        || e.parameters
            .iter()
            .any(|(n, _, _)| n == "offset" || n == "count")
    {
        expansion["offset"] = json!(e.offset);
    }
    let mut extensions: Vec<Value> = Vec::new();
    if e.unclosed {
        extensions.push(json!({"url": "http://hl7.org/fhir/StructureDefinition/valueset-unclosed", "valueBoolean": true}));
    }
    for reason in &e.unclosed_reasons {
        extensions.push(json!({
            "url": "http://hl7.org/fhir/StructureDefinition/valueset-unclosed-reason",
            "valueString": reason
        }));
    }
    if !e.properties.is_empty() {
        // R4 has no expansion.property; the R5 backport extension declares them.
        expansion["extension"] = e
            .properties
            .iter()
            .map(|(code, uri)| {
                let mut parts = vec![json!({"url": "code", "valueCode": code})];
                if let Some(uri) = uri {
                    parts.push(json!({"url": "uri", "valueUri": uri}));
                }
                json!({
                    "url": "http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.expansion.property",
                    "extension": parts
                })
            })
            .collect();
    }
    if !extensions.is_empty() {
        let mut all = extensions;
        if let Some(Value::Array(declared)) = expansion.get("extension") {
            all.extend(declared.iter().cloned());
        }
        expansion["extension"] = Value::Array(all);
    }
    if !contains.is_empty() {
        expansion["contains"] = json!(contains);
    }
    vs["expansion"] = expansion;
    vs
}

/// A UUID-shaped identifier for an expansion, from a hash of what identifies it (no random
/// source needed; distinct expansions get distinct identifiers).
fn uuid_like(e: &crate::ops::expand::Expansion, timestamp: &str) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(format!(
        "{:?}{:?}{}{}{}",
        e.meta.url, e.meta.version, e.total, e.offset, timestamp
    ));
    for (n, _, v) in &e.parameters {
        h.update(n.as_bytes());
        h.update(v.as_bytes());
    }
    let b: Vec<u8> = h.finalize().iter().take(16).copied().collect();
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

/// One code of an expansion, with the codes nested under it.
fn contains_item(c: &crate::ops::expand::Item) -> Value {
    // The version is stated once, in `used-codesystem`, not on every code.
    let mut item = json!({"system": c.system, "code": c.code});
    if c.show_version {
        item["version"] = json!(c.version);
    }
    if let Some(d) = &c.display {
        item["display"] = json!(d);
    }
    if c.inactive {
        item["inactive"] = json!(true);
    }
    if c.abstract_ {
        item["abstract"] = json!(true);
    }
    if !c.designations.is_empty() {
        item["designation"] = c
            .designations
            .iter()
            .map(|d| {
                let mut v = json!({"value": d.value});
                if let Some(l) = &d.language {
                    v["language"] = json!(l);
                }
                if !d.extensions.is_empty() {
                    v["extension"] = d
                        .extensions
                        .iter()
                        .map(|(url, key, value)| json!({"url": url, key.as_str(): value}))
                        .collect();
                }
                if let Some((system, code, display)) = &d.use_ {
                    v["use"] = json!({"system": system, "code": code});
                    if let Some(display) = display {
                        v["use"]["display"] = json!(display);
                    }
                }
                v
            })
            .collect();
    }
    if !c.properties.is_empty() {
        // R4 has no contains.property; the R5 backport extension carries them.
        item["extension"] = c
            .properties
            .iter()
            .map(|(code, value, kind)| {
                let v = typed_json(kind, value);
                json!({
                    "url": "http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.expansion.contains.property",
                    "extension": [
                        {"url": "code", "valueCode": code},
                        {"url": "value", kind.as_str(): v}
                    ]
                })
            })
            .collect();
    }
    if !c.marks.is_empty() {
        let mut exts: Vec<Value> = c
            .marks
            .iter()
            .map(|(url, key, v)| {
                let value = if key == "valueBoolean" {
                    json!(v == "true")
                } else {
                    json!(v)
                };
                json!({"url": url, key.as_str(): value})
            })
            .collect();
        if let Some(Value::Array(props)) = item.get("extension") {
            exts.extend(props.iter().cloned());
        }
        item["extension"] = Value::Array(exts);
    }
    if !c.children.is_empty() {
        item["contains"] = c.children.iter().map(contains_item).collect();
    }
    item
}

/// `$reload` output: the release served before, the one served now, and whether they differ.
pub fn reload(previous: &str, serving: &str) -> Value {
    json!({"resourceType": "Parameters", "parameter": [
        {"name": "previous", "valueString": previous},
        {"name": "serving", "valueString": serving},
        {"name": "swapped", "valueBoolean": previous != serving},
    ]})
}

/// The answer to a bulk line that could not be processed: a Parameters with `line` and
/// `issues` (one error of IssueType `code`), and no `result`, so it is never counted as a
/// code judged invalid.
pub fn line_error(line: u64, code: &str, text: &str) -> Vec<u8> {
    Parameters(vec![p(
        "issues",
        V::Resource(outcome::error(code, text, None)),
    )])
    .with_line(line)
    .to_json()
}

/// `$normalize` output: `canonical`, `how`, `score`, the `step`s taken, `equivalent`s,
/// `candidate`s and `issues`.
pub fn normalize(r: &crate::ops::normalize::NormalizeResult) -> Parameters<'_> {
    let mut list = Vec::new();
    if let Some(c) = &r.canonical {
        list.push(p("canonical", V::Coding(c)));
    }
    if let Some(h) = r.how {
        list.push(p("how", V::Str("valueCode", h.code())));
    }
    if let Some(s) = r.score {
        list.push(p("score", V::Json("valueDecimal", json!(s))));
    }
    for s in &r.steps {
        let mut parts = vec![p("how", V::Str("valueCode", s.how.code()))];
        if s.from.code.is_some() {
            parts.push(p("from", V::Coding(&s.from)));
        } else if let Some(text) = &s.from.display {
            parts.push(p("text", V::Str("valueString", text)));
        }
        parts.push(p("to", V::Coding(&s.to)));
        parts.push(p("relationship", V::Str("valueCode", &s.relationship)));
        if let Some(v) = &s.via {
            parts.push(p("via", V::Str("valueString", v)));
        }
        list.push(p("step", V::Parts(parts)));
    }
    for (name, list_of) in [("equivalent", &r.equivalents), ("candidate", &r.candidates)] {
        for e in list_of {
            let mut parts = Vec::new();
            if let Some(c) = &e.concept {
                parts.push(p("concept", V::Coding(c)));
            }
            parts.push(p("relationship", V::Str("valueCode", &e.relationship)));
            if let Some(m) = &e.map {
                parts.push(p("map", V::Str("valueString", m)));
            }
            if let Some(g) = e.group {
                parts.push(p("mapGroup", V::Int(g)));
            }
            if let Some(x) = e.priority {
                parts.push(p("mapPriority", V::Int(x)));
            }
            if let Some(x) = &e.rule {
                parts.push(p("rule", V::Str("valueString", x)));
            }
            if let Some(x) = &e.rule_outcome {
                parts.push(p("ruleOutcome", V::Str("valueCode", x)));
            }
            if let Some(x) = &e.advice {
                parts.push(p("advice", V::Str("valueString", x)));
            }
            list.push(p(name, V::Parts(parts)));
        }
    }
    if !r.issues.is_empty() {
        list.push(p("issues", V::Resource(outcome::from_issues(&r.issues))));
    }
    Parameters(list)
}
