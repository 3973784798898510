//! ECL on real SNOMED CT content, checked against sets computed here straight from the RF2
//! files (no Concord code involved in the expected side): the 2025 International subontology
//! the HL7 terminology ecosystem tests run on, and the Snow Owl 2021 International sample.
//! The expressions are built from what each release holds (its most used attribute, a
//! destination that has many sources, a concrete value, a reference set), following the ECL
//! specification's examples: self, descendants, ancestors, children, refinements, cardinality
//! `[0..0]`, reverse attributes, dotted attributes, concrete values, memberOf, filters.

use crate::common::*;
use crate::server::{get_from, start};
use std::collections::{BTreeMap, BTreeSet, HashMap};

const IS_A: &str = "116680003";
const INFERRED: &str = "900000000000011006";

/// The rows of every Snapshot file of a package whose base name starts with `prefix`.
fn rows(package: &std::path::Path, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for m in concord_loaders::source::members(package).unwrap() {
        let base = m.base_name().to_string();
        if !base.starts_with(prefix) || !base.contains("Snapshot") {
            continue;
        }
        for line in m.read_to_string().unwrap().lines().skip(1) {
            let line = line.trim_end_matches('\r');
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            out.push(line.split('\t').map(str::to_string).collect());
        }
    }
    out
}

struct Raw {
    active: BTreeSet<String>,
    all: BTreeSet<String>,
    defined: BTreeSet<String>,
    parents: HashMap<String, Vec<String>>,
    children: HashMap<String, Vec<String>>,
    /// (source, type, destination, group) of active inferred non-is-a relationships.
    attrs: Vec<(String, String, String, String)>,
    /// (source, type, value) of active concrete values.
    concrete: Vec<(String, String, String)>,
    /// concept → active description terms.
    terms: HashMap<String, Vec<String>>,
    /// refset → active members.
    refsets: BTreeMap<String, BTreeSet<String>>,
    /// Association rows: (refset, component, target, active).
    associations: Vec<(String, String, String, bool)>,
}

fn raw(package: &std::path::Path) -> Raw {
    let mut r = Raw {
        active: BTreeSet::new(),
        all: BTreeSet::new(),
        defined: BTreeSet::new(),
        parents: HashMap::new(),
        children: HashMap::new(),
        attrs: Vec::new(),
        concrete: Vec::new(),
        terms: HashMap::new(),
        refsets: BTreeMap::new(),
        associations: Vec::new(),
    };
    for c in rows(package, "sct2_Concept_") {
        r.all.insert(c[0].clone());
        if c[2] == "1" {
            r.active.insert(c[0].clone());
        }
        if c[4] == "900000000000073002" {
            r.defined.insert(c[0].clone());
        }
    }
    for c in rows(package, "sct2_Relationship_") {
        if c[2] != "1" || c[8] != INFERRED {
            continue;
        }
        if c[7] == IS_A {
            r.parents
                .entry(c[4].clone())
                .or_default()
                .push(c[5].clone());
            r.children
                .entry(c[5].clone())
                .or_default()
                .push(c[4].clone());
        } else {
            r.attrs
                .push((c[4].clone(), c[7].clone(), c[5].clone(), c[6].clone()));
        }
    }
    for c in rows(package, "sct2_RelationshipConcreteValues_") {
        if c[2] == "1" && c[8] == INFERRED {
            r.concrete.push((c[4].clone(), c[7].clone(), c[5].clone()));
        }
    }
    for c in rows(package, "sct2_Description_")
        .into_iter()
        .chain(rows(package, "sct2_TextDefinition_"))
    {
        if c[2] == "1" {
            r.terms.entry(c[4].clone()).or_default().push(c[7].clone());
        }
    }
    for c in rows(package, "der2_cRefset_Association") {
        r.associations
            .push((c[4].clone(), c[5].clone(), c[6].clone(), c[2] == "1"));
    }
    for prefix in ["der2_Refset_", "der2_cRefset_Association"] {
        for c in rows(package, prefix) {
            if c[2] == "1" {
                r.refsets
                    .entry(c[4].clone())
                    .or_default()
                    .insert(c[5].clone());
            }
        }
    }
    r
}

impl Raw {
    fn walk(&self, start: &str, up: bool, include_self: bool) -> BTreeSet<String> {
        let next = if up { &self.parents } else { &self.children };
        let mut out = BTreeSet::new();
        if include_self && self.all.contains(start) {
            out.insert(start.to_string());
        }
        let mut stack = vec![start.to_string()];
        let mut seen = BTreeSet::new();
        while let Some(x) = stack.pop() {
            for n in next.get(&x).into_iter().flatten() {
                if seen.insert(n.clone()) {
                    out.insert(n.clone());
                    stack.push(n.clone());
                }
            }
        }
        out
    }
}

/// The codes of an ECL implicit value set, every page of it.
fn expand_all(base: &str, ecl: &str) -> BTreeSet<String> {
    let enc: String = form_urlencoded::byte_serialize(ecl.as_bytes()).collect();
    let mut out = BTreeSet::new();
    let mut offset = 0;
    loop {
        let (st, _, body) = get_from(
            base,
            &format!(
                "/ValueSet/$expand?url=http://snomed.info/sct?fhir_vs=ecl/{enc}&count=1000&offset={offset}"
            ),
            &[],
        );
        assert_eq!(st, 200, "{ecl}: {body}");
        let page: Vec<String> = body["expansion"]["contains"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|c| c["code"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default();
        let total = body["expansion"]["total"].as_u64().unwrap() as usize;
        out.extend(page.iter().cloned());
        offset += 1000;
        if offset >= total {
            assert_eq!(out.len(), total, "{ecl}");
            return out;
        }
    }
}

fn check(package: &std::path::Path) {
    let r = raw(package);
    let d = tmp();
    import_ok(d.path(), &[package.to_str().unwrap()]);
    let base = start(d.path());
    let ecl = |e: &str| expand_all(&base, e);
    let finding = "404684003";
    assert!(r.all.contains(finding));

    // Hierarchy operators.
    assert_eq!(ecl(&format!("<< {finding}")), r.walk(finding, false, true));
    assert_eq!(ecl(&format!("< {finding}")), r.walk(finding, false, false));
    let child = r.children[finding][0].clone();
    let deep = r
        .walk(finding, false, false)
        .into_iter()
        .max_by_key(|c| (r.walk(c, true, false).len(), c.clone()))
        .unwrap();
    assert_eq!(ecl(&format!(">> {deep}")), r.walk(&deep, true, true));
    assert_eq!(ecl(&format!("> {deep}")), r.walk(&deep, true, false));
    let kids: BTreeSet<String> = r.children[finding].iter().cloned().collect();
    assert_eq!(ecl(&format!("<! {finding}")), kids);
    let parents: BTreeSet<String> = r.parents[&deep].iter().cloned().collect();
    assert_eq!(ecl(&format!(">! {deep}")), parents);
    assert_eq!(ecl(&child), BTreeSet::from([child.clone()]));
    assert_eq!(ecl("*"), r.all);

    // The most used attribute and the destination with the most sources under it.
    let under = r.walk(finding, false, false);
    let mut by_type: HashMap<&str, usize> = HashMap::new();
    for (s, t, _, _) in &r.attrs {
        if under.contains(s) {
            *by_type.entry(t.as_str()).or_default() += 1;
        }
    }
    let (ty, _) = by_type.iter().max_by_key(|(t, n)| (**n, **t)).unwrap();
    let ty = ty.to_string();
    let mut by_dest: HashMap<&str, usize> = HashMap::new();
    for (s, t, dst, _) in &r.attrs {
        if *t == ty && under.contains(s) {
            *by_dest.entry(dst.as_str()).or_default() += 1;
        }
    }
    let (dest, _) = by_dest.iter().max_by_key(|(d, n)| (**n, **d)).unwrap();
    let dest = dest.to_string();
    // Refinement with a value hierarchy: < finding : ty = << ancestor-of-dest
    let value_root = r
        .parents
        .get(&dest)
        .map(|p| p[0].clone())
        .unwrap_or(dest.clone());
    let values = r.walk(&value_root, false, true);
    let expected: BTreeSet<String> = r
        .attrs
        .iter()
        .filter(|(s, t, d, _)| *t == ty && values.contains(d) && under.contains(s))
        .map(|(s, _, _, _)| s.clone())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(
        ecl(&format!("< {finding} : {ty} = << {value_root}")),
        expected
    );
    // The same in a group.
    assert_eq!(
        ecl(&format!("< {finding} : {{ {ty} = << {value_root} }}")),
        expected
    );
    // [0..0]: the findings without that attribute.
    let with: BTreeSet<String> = r
        .attrs
        .iter()
        .filter(|(_, t, _, _)| *t == ty)
        .map(|(s, _, _, _)| s.clone())
        .collect();
    let without: BTreeSet<String> = r
        .walk(finding, false, true)
        .into_iter()
        .filter(|c| !with.contains(c))
        .collect();
    assert_eq!(ecl(&format!("<< {finding} : [0..0] {ty} = *")), without);
    // Reverse and dotted: the values of that attribute.
    let sources: BTreeSet<String> = r
        .attrs
        .iter()
        .filter(|(_, t, d, _)| *t == ty && *d == dest)
        .map(|(s, _, _, _)| s.clone())
        .collect();
    let some_source = sources.iter().next().unwrap().clone();
    let dests_of: BTreeSet<String> = r
        .attrs
        .iter()
        .filter(|(s, t, _, _)| *t == ty && *s == some_source)
        .map(|(_, _, d, _)| d.clone())
        .collect();
    assert_eq!(ecl(&format!("* : R {ty} = {some_source}")), dests_of);
    assert_eq!(ecl(&format!("{some_source} . {ty}")), dests_of);
    // Several distinct values of one attribute: [2..*].
    let mut per_source: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for (s, t, d, _) in &r.attrs {
        if *t == ty {
            per_source.entry(s).or_default().insert(d);
        }
    }
    let counts: HashMap<&str, usize> = r.attrs.iter().filter(|(_, t, _, _)| *t == ty).fold(
        HashMap::new(),
        |mut m, (s, _, _, _)| {
            *m.entry(s.as_str()).or_default() += 1;
            m
        },
    );
    let two: BTreeSet<String> = counts
        .iter()
        .filter(|(_, n)| **n >= 2)
        .map(|(s, _)| s.to_string())
        .collect();
    assert_eq!(ecl(&format!("* : [2..*] {ty} = *")), two);

    // Concrete values, where the release has them.
    if let Some((s, t, v)) = r.concrete.first().cloned() {
        let number: f64 = v.trim_start_matches('#').parse().unwrap_or(0.0);
        let expected: BTreeSet<String> = r
            .concrete
            .iter()
            .filter(|(_, t2, v2)| {
                *t2 == t
                    && v2
                        .trim_start_matches('#')
                        .parse::<f64>()
                        .is_ok_and(|x| x >= number)
            })
            .map(|(s, _, _)| s.clone())
            .collect();
        assert!(expected.contains(&s));
        assert_eq!(
            ecl(&format!("* : {t} >= #{v}", v = v.trim_start_matches('#'))),
            expected
        );
    }

    // memberOf: the largest simple or association refset.
    if let Some((refset, members)) = r.refsets.iter().max_by_key(|(_, m)| m.len()) {
        let expected: BTreeSet<String> = members
            .iter()
            .filter(|m| r.all.contains(*m))
            .cloned()
            .collect();
        assert_eq!(ecl(&format!("^ {refset}")), expected, "^ {refset}");
    }

    // Member filters and member columns, on the association refset with most rows.
    let mut by_refset: BTreeMap<&str, usize> = BTreeMap::new();
    for (refset, ..) in &r.associations {
        *by_refset.entry(refset).or_default() += 1;
    }
    if let Some((refset, _)) = by_refset.iter().max_by_key(|(_, n)| **n) {
        let rows: Vec<_> = r
            .associations
            .iter()
            .filter(|(s, ..)| s == refset)
            .collect();
        let concepts = |it: &mut dyn Iterator<Item = &String>| -> BTreeSet<String> {
            it.filter(|c| r.all.contains(*c)).cloned().collect()
        };
        let targets = concepts(&mut rows.iter().filter(|x| x.3).map(|x| &x.2));
        assert_eq!(ecl(&format!("^ [targetComponentId] {refset}")), targets);
        let inactive = concepts(&mut rows.iter().filter(|x| !x.3).map(|x| &x.1));
        assert_eq!(ecl(&format!("^ {refset} {{{{ M active = 0 }}}}")), inactive);
        if let Some(target) = rows.iter().find(|x| x.3).map(|x| x.2.clone()) {
            let pointing =
                concepts(&mut rows.iter().filter(|x| x.3 && x.2 == target).map(|x| &x.1));
            assert_eq!(
                ecl(&format!(
                    "^ {refset} {{{{ M targetComponentId = {target} }}}}"
                )),
                pointing
            );
        }
    }

    // Concept and description filters.
    let defined: BTreeSet<String> = r
        .walk(finding, false, true)
        .intersection(&r.defined)
        .cloned()
        .collect();
    assert_eq!(
        ecl(&format!(
            "<< {finding} {{{{ C definitionStatus = defined }}}}"
        )),
        defined
    );
    let inactive: BTreeSet<String> = r.all.difference(&r.active).cloned().collect();
    assert_eq!(ecl("* {{ C active = false }}"), inactive);
    let word = "chronic";
    let with_word: BTreeSet<String> = r
        .walk(finding, false, true)
        .into_iter()
        .filter(|c| {
            r.terms.get(c).into_iter().flatten().any(|t| {
                t.to_lowercase()
                    .split(|ch: char| !ch.is_alphanumeric())
                    .any(|w| w.starts_with(word))
            })
        })
        .collect();
    assert_eq!(
        ecl(&format!("<< {finding} {{{{ term = \"{word}\" }}}}")),
        with_word
    );
    // Compound: AND / MINUS.
    let a = r.walk(finding, false, true);
    let b = r.walk(&child, false, true);
    assert_eq!(
        ecl(&format!("<< {finding} MINUS << {child}")),
        a.difference(&b).cloned().collect()
    );
    assert_eq!(ecl(&format!("<< {finding} AND << {child}")), b);
}

#[test]
#[ignore = "needs ../shared/tx-ecosystem"]
fn shared_ecl_on_the_2025_subontology_matches_the_rf2_files() {
    let p = root().join("../shared/tx-ecosystem/tx-source/snomed");
    assert!(p.exists(), "missing {}", p.display());
    check(&p);
}

#[test]
#[ignore = "needs ../shared/data"]
fn shared_ecl_on_the_snow_owl_2021_sample_matches_the_rf2_files() {
    check(&shared(
        "snomed-sample-snowowl/SnomedCT_InternationalRF2_PRODUCTION_20210731T120000Z-minified.zip",
    ));
}
