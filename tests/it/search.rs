//! Typeahead search relevance, through `GET /search`, `$expand?filter=` and `concord search`:
//! partial words in any order, typos, ranking, dialect, scoping, ICD-10-CM labels and
//! inclusion terms, and the errors a caller gets.

use crate::common::*;
use crate::server::{get, get_from, start};
use serde_json::Value;

fn search(q: &str) -> Value {
    let (st, ct, body) = get(&format!("/search?{q}"));
    assert_eq!(st, 200, "{q}: {body}");
    assert!(ct.starts_with("application/json"), "{ct}");
    body
}

fn codes(r: &Value) -> Vec<String> {
    r["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn partial_words_in_any_order_and_typos() {
    let r = search("q=typ%202%20diab");
    assert_eq!(codes(&r), ["44054006"], "{r}");
    assert_eq!(r["hits"][0]["term"], "Type 2 diabetes mellitus");
    assert_eq!(r["hits"][0]["category"], "disorder");
    assert_eq!(r["hits"][0]["match"], "prefix");
    // a typo in a long word
    let r = search("q=myocardail");
    assert_eq!(codes(&r), ["22298006"], "{r}");
    assert_eq!(r["hits"][0]["match"], "fuzzy");
    // exact term first, then shorter terms
    let r = search("q=diabetes%20mellitus");
    assert_eq!(codes(&r)[0], "73211009", "{r}");
    assert_eq!(r["total"], 3, "inactive concepts are left out: {r}");
    // "Diabetes" and "Sugar diabetes type 2" are inactive concepts of rf2-mini.
    assert_eq!(search("q=diabetes")["total"], 3);
    assert_eq!(search("q=diabetes&active=false")["total"], 5);
}

#[test]
fn dialect_picks_the_preferred_term() {
    let gb = search("q=anaemia&lang=en-GB");
    assert_eq!(gb["hits"][0]["code"], "271737000");
    assert_eq!(gb["hits"][0]["preferred"], "Anaemia");
    let us = search("q=anaemia&lang=en-US");
    assert_eq!(us["hits"][0]["preferred"], "Anemia");
    assert_eq!(us["hits"][0]["term"], "Anaemia", "the term that matched");
}

#[test]
fn scoped_by_ecl_value_set_and_refset() {
    let r = search("q=diab&ecl=%3C%3C%2073211009%20MINUS%2073211009");
    let mut got = codes(&r);
    got.sort();
    assert_eq!(got, ["44054006", "46635009"]);
    let r = search("q=diab&valueSet=http://snomed.info/sct?fhir_vs=isa/46635009");
    assert_eq!(codes(&r), ["46635009"]);
    let r = search("q=diab&refset=447562003");
    assert!(!codes(&r).is_empty());
    let (st, _, body) = get("/search?q=diab&ecl=%3C%3C");
    assert_eq!(st, 400, "{body}");
    assert_eq!(body["issue"][0]["expression"][0], "ecl");
    let (st, _, body) = get("/search?q=diab&limit=5000");
    assert_eq!(st, 400, "{body}");
    assert_eq!(body["issue"][0]["expression"][0], "limit");
}

#[test]
fn icd10cm_labels_and_inclusion_terms() {
    let r = search("q=typ%202%20diab&system=icd10cm");
    assert_eq!(codes(&r)[0], "E11", "{r}");
    assert!(r["hits"][0]["category"].is_string(), "the chapter: {r}");
    // Inclusion terms ("includes" notes, inclusionTerm) find their code.
    let d = tmp();
    import_ok(
        d.path(),
        &[fixture("icd/icd10cm-mini.xml").to_str().unwrap()],
    );
    let db = open_db(d.path());
    let (code, term): (String, String) = db
        .query_row(
            "SELECT code, value FROM property WHERE name IN ('includes', 'inclusionTerm') LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let enc: String = form_urlencoded::byte_serialize(term.as_bytes()).collect();
    let base = start(d.path());
    let (st, _, r) = get_from(
        &base,
        &format!("/search?q={enc}&system=icd10cm&limit=50"),
        &[],
    );
    assert_eq!(st, 200, "{r}");
    assert!(codes(&r).contains(&code), "{term} → {code}: {r}");
    let hit = r["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["code"] == code.as_str())
        .unwrap();
    assert_eq!(
        hit["term"],
        term.as_str(),
        "the inclusion term is the one that matched"
    );
}

#[test]
fn expand_filter_uses_the_same_ranking() {
    let (st, _, vs) = get(
        "/ValueSet/$expand?url=http://snomed.info/sct?fhir_vs=isa/64572001&filter=mellitus%20diab&count=2",
    );
    assert_eq!(st, 200, "{vs}");
    assert_eq!(vs["expansion"]["total"], 3);
    assert_eq!(vs["expansion"]["contains"][0]["code"], "73211009", "{vs}");
    assert_eq!(vs["expansion"]["contains"].as_array().unwrap().len(), 2);
}

#[test]
fn cli_search() {
    let d = tmp();
    import_ok(
        d.path(),
        &[
            rf2_mini().to_str().unwrap(),
            fixture("icd/icd10cm-mini.xml").to_str().unwrap(),
        ],
    );
    let o = concord(&["search", "--data", d.path().to_str().unwrap(), "typ", "1"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.starts_with("46635009"), "{out}");
    assert!(
        text(&o.stderr).contains("of 1 concepts"),
        "{}",
        text(&o.stderr)
    );
    let o = concord(&[
        "search",
        "--data",
        d.path().to_str().unwrap(),
        "--system",
        "icd10cm",
        "--json",
        "diabetes",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["total"].as_u64().unwrap() > 0, "{v}");
    let o = concord(&["search", "--data", d.path().to_str().unwrap(), "zzzzqqq"]);
    assert!(!o.status.success(), "no hits is exit 1");
}

/// Without SNOMED CT, a search without a system covers the one ICD classification loaded;
/// with two, the caller must choose, and is told how.
#[test]
fn the_default_system_is_the_only_classification_or_a_choice_asked_for() {
    let one = tmp();
    import_ok(
        one.path(),
        &[fixture("icd/icd10cm-mini.xml").to_str().unwrap()],
    );
    let base = start(one.path());
    let (st, _, r) = get_from(&base, "/search?q=diab", &[]);
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["system"], "http://hl7.org/fhir/sid/icd-10-cm", "{r}");

    let two = tmp();
    import_ok(
        two.path(),
        &[
            fixture("icd/icd10cm-mini.xml").to_str().unwrap(),
            fixture("icd/claml-mini.xml").to_str().unwrap(),
        ],
    );
    let base = start(two.path());
    let (st, _, r) = get_from(&base, "/search?q=diab", &[]);
    assert_eq!(st, 400, "{r}");
    let text = r["issue"][0]["details"]["text"].as_str().unwrap();
    assert!(
        text.contains("parameter 'system' is required") && text.len() < 600,
        "{text}"
    );
    assert_eq!(r["issue"][0]["expression"][0], "system", "{r}");
}
