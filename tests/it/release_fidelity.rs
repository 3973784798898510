//! Regression tests for the release-fidelity faults found on real samples (issue 9), one per
//! fault, each on a small RF2 package built here for it (hand-written rows, valid SCTIDs) or on
//! the hand-written fixtures, driven through the CLI and HTTP as a user would.

use crate::common::*;
use crate::server::{get, get_from, param, params, part, start};
use concord_loaders::rf2::sctid::verhoeff_digit;
use serde_json::Value;
use std::path::{Path, PathBuf};

const CORE: &str = "900000000000207008";
const MODEL: &str = "900000000000012004";
const FSN: &str = "900000000000003001";
const SYN: &str = "900000000000013009";
const PREF: &str = "900000000000548007";
const ACC: &str = "900000000000549004";
const GB: &str = "900000000000508004";
const US: &str = "900000000000509007";
const INSENSITIVE: &str = "900000000000448009";
const SENSITIVE: &str = "900000000000017005";
const INITIAL: &str = "900000000000020002";
const IS_A: &str = "116680003";
const ROOT: &str = "138875005";

/// A valid SCTID: item, optional namespace, partition, Verhoeff check digit.
fn sctid(item: u64, namespace: &str, partition: &str) -> String {
    let base = format!("{item}{namespace}{partition}");
    format!("{base}{}", verhoeff_digit(&base))
}

/// An RF2 Snapshot package written file by file.
struct Package {
    dir: PathBuf,
    ns: String,
    date: String,
}

impl Package {
    fn new(root: &Path, name: &str, ns: &str, date: &str) -> Package {
        let dir = root.join(name);
        std::fs::create_dir_all(dir.join("Snapshot/Terminology")).unwrap();
        std::fs::create_dir_all(dir.join("Snapshot/Refset")).unwrap();
        Package {
            dir,
            ns: ns.into(),
            date: date.into(),
        }
    }

    fn file(&self, folder: &str, stem: &str, header: &str, rows: &[Vec<String>]) {
        let mut text = format!("{header}\r\n");
        for r in rows {
            text.push_str(&r.join("\t"));
            text.push_str("\r\n");
        }
        let name = format!("{stem}_{}_{}.txt", self.ns, self.date);
        std::fs::write(self.dir.join("Snapshot").join(folder).join(name), text).unwrap();
    }

    fn concepts(&self, rows: &[(&str, &str, &str)]) {
        self.file(
            "Terminology",
            "sct2_Concept_Snapshot",
            "id\teffectiveTime\tactive\tmoduleId\tdefinitionStatusId",
            &rows
                .iter()
                .map(|(id, time, module)| {
                    vec![
                        id.to_string(),
                        time.to_string(),
                        "1".into(),
                        module.to_string(),
                        "900000000000074008".into(),
                    ]
                })
                .collect::<Vec<_>>(),
        );
    }

    /// (id, time, module, concept, language, type, term, case significance)
    fn descriptions(&self, lang: &str, rows: &[[&str; 8]]) {
        self.file(
            "Terminology",
            &format!("sct2_Description_Snapshot-{lang}"),
            "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId",
            &rows
                .iter()
                .map(|r| {
                    let mut v: Vec<String> = r.iter().map(|s| s.to_string()).collect();
                    v.insert(2, "1".into());
                    v
                })
                .collect::<Vec<_>>(),
        );
    }

    /// (source, destination, module)
    fn is_a(&self, rows: &[(&str, &str, &str)]) {
        self.file(
            "Terminology",
            "sct2_Relationship_Snapshot",
            "id\teffectiveTime\tactive\tmoduleId\tsourceId\tdestinationId\trelationshipGroup\ttypeId\tcharacteristicTypeId\tmodifierId",
            &rows
                .iter()
                .enumerate()
                .map(|(i, (s, d, m))| {
                    vec![
                        sctid(9000 + i as u64, "", "02"),
                        self.date.clone(),
                        "1".into(),
                        m.to_string(),
                        s.to_string(),
                        d.to_string(),
                        "0".into(),
                        IS_A.into(),
                        "900000000000011006".into(),
                        "900000000000451002".into(),
                    ]
                })
                .collect::<Vec<_>>(),
        );
    }

    /// A refset file: `kind` is e.g. `cRefset_Language` + `-en`; rows are the columns after
    /// `referencedComponentId` preceded by (time, module, refset, component).
    fn refset(&self, pattern: &str, summary: &str, extra: &[&str], rows: &[Vec<String>]) {
        let mut header =
            "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId".to_string();
        for e in extra {
            header.push('\t');
            header.push_str(e);
        }
        // Member ids unique across packages and files (a shared id would be one member).
        let file_key = format!("{}{}{summary}", self.ns, self.date)
            .bytes()
            .fold(0x811c_9dc5u32, |h, b| {
                (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
            });
        let rows: Vec<Vec<String>> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut v = vec![format!("{file_key:08x}-0000-4000-8000-{:012}", i + 1)];
                v.push(r[0].clone());
                v.push("1".into());
                v.extend(r[1..].iter().cloned());
                v
            })
            .collect();
        self.file(
            "Refset",
            &format!("der2_{pattern}Refset_{summary}Snapshot"),
            &header,
            &rows,
        );
    }

    fn path(&self) -> &str {
        self.dir.to_str().unwrap()
    }
}

fn row(cols: &[&str]) -> Vec<String> {
    cols.iter().map(|s| s.to_string()).collect()
}

/// A base package: root and three concepts, mostly in the model component module, with a
/// map refset file dated later than any core file.
fn base_package(root: &Path) -> (Package, Vec<String>) {
    let p = Package::new(root, "SnomedCT_Base_INT_20250131", "INT", "20250131");
    let a = sctid(3100, "", "00");
    let b = sctid(3101, "", "00");
    let m = sctid(3102, "", "00");
    p.concepts(&[
        (ROOT, "20020131", CORE),
        (&a, "20250131", CORE),
        (&b, "20250131", MODEL),
        (&m, "20250131", MODEL),
        (MODEL, "20020131", MODEL),
    ]);
    let d = |i: u64| sctid(5100 + i, "", "11");
    let ids: Vec<String> = (0..9).map(d).collect();
    let rows: Vec<[&str; 8]> = vec![
        [
            &ids[0],
            "20020131",
            CORE,
            ROOT,
            "en",
            FSN,
            "SNOMED CT Concept (SNOMED RT+CTV3)",
            INSENSITIVE,
        ],
        [
            &ids[1],
            "20250131",
            CORE,
            &a,
            "en",
            FSN,
            "Haemoglobin A1c level (observable entity)",
            INSENSITIVE,
        ],
        [
            &ids[2],
            "20250131",
            CORE,
            &a,
            "en",
            SYN,
            "Hb A1c level",
            SENSITIVE,
        ],
        [&ids[3], "20250131", CORE, &a, "en", SYN, "HbA1c", SENSITIVE],
        [
            &ids[4],
            "20250131",
            MODEL,
            &b,
            "en",
            FSN,
            "Down syndrome (disorder)",
            INITIAL,
        ],
        [
            &ids[5],
            "20250131",
            MODEL,
            &b,
            "en",
            SYN,
            "Down syndrome",
            INITIAL,
        ],
        [
            &ids[6],
            "20250131",
            MODEL,
            &b,
            "en",
            SYN,
            "Trisomy 21",
            INSENSITIVE,
        ],
        [
            &ids[7],
            "20250131",
            MODEL,
            MODEL,
            "en",
            FSN,
            "Model component module (core metadata concept)",
            INSENSITIVE,
        ],
        [
            &ids[8],
            "20250131",
            MODEL,
            &b,
            "en",
            SYN,
            "Down syndrome",
            INITIAL,
        ],
    ];
    p.descriptions("en", &rows);
    p.is_a(&[(&a, ROOT, CORE), (&b, ROOT, MODEL), (&m, ROOT, MODEL)]);
    let mut lang = Vec::new();
    for (desc, acc) in [
        (&ids[2], PREF),
        (&ids[3], ACC),
        (&ids[5], PREF),
        (&ids[6], ACC),
        (&ids[8], ACC),
    ] {
        for refset in [GB, US] {
            lang.push(row(&["20250131", CORE, refset, desc, acc]));
        }
    }
    p.refset("c", "Language", &["acceptabilityId"], &lang);
    // A simple map to ICD-O (a known scheme) and one to an unknown scheme, dated later.
    let unknown = sctid(3190, "", "00");
    let p2 = Package {
        date: "20250731".into(),
        dir: p.dir.clone(),
        ns: p.ns.clone(),
    };
    p2.refset(
        "s",
        "SimpleMap",
        &["mapTarget"],
        &[
            row(&["20250731", CORE, "446608001", &b, "8000/3"]),
            row(&["20250731", CORE, &unknown, &b, "Q90.9"]),
        ],
    );
    (p, vec![a, b, m])
}

/// The base package imported and served once, for the tests that only read it: (server
/// base URL, the codes of `base_package`).
fn served_base() -> &'static (String, Vec<String>) {
    struct Served {
        answer: (String, Vec<String>),
        _dirs: (tempfile::TempDir, tempfile::TempDir),
    }
    static SERVED: std::sync::OnceLock<Served> = std::sync::OnceLock::new();
    &SERVED
        .get_or_init(|| {
            let root = tmp();
            let (p, codes) = base_package(root.path());
            let d = tmp();
            import_ok(d.path(), &[p.path()]);
            Served {
                answer: (start(d.path()), codes),
                _dirs: (root, d),
            }
        })
        .answer
}

/// GET from the served base package.
fn get_base(path: &str) -> Value {
    let (st, _, body) = get_from(&served_base().0, path, &[]);
    assert_eq!(st, 200, "{path}: {body}");
    body
}

#[test]
fn edition_uri_is_the_international_edition_not_the_model_module_or_the_map_date() {
    let root = tmp();
    let (p, _) = base_package(root.path());
    let d = tmp();
    let out = import_ok(d.path(), &[p.path()]);
    assert!(
        out.contains("code system http://snomed.info/sct|http://snomed.info/sct/900000000000207008/version/20250131"),
        "{out}"
    );
    assert!(
        out.contains("note: edition http://snomed.info/sct/900000000000207008/version/20250131 ("),
        "the summary says what was chosen and why: {out}"
    );
    // --edition overrides it.
    let d = tmp();
    let out = import_ok(
        d.path(),
        &[
            "--edition",
            "http://snomed.info/sct/900000000000207008/version/20250201",
            p.path(),
        ],
    );
    assert!(
        out.contains("|http://snomed.info/sct/900000000000207008/version/20250201:"),
        "{out}"
    );
    assert!(out.contains("chosen by --edition"), "{out}");
}

#[test]
fn simple_maps_name_the_target_scheme_system() {
    let codes = &served_base().1;
    let body = get_base(&format!(
        "/ConceptMap/$translate?system=http://snomed.info/sct&code={}&url=http://snomed.info/sct?fhir_cm=446608001",
        codes[1]
    ));
    let m = params(&body, "match");
    let concept = &part(m[0], "concept").unwrap()["valueCoding"];
    assert_eq!(
        concept["system"], "http://terminology.hl7.org/CodeSystem/icd-o-3",
        "{body}"
    );
    assert_eq!(concept["code"], "8000/3");
    // A map refset whose scheme is unknown: no made-up system, and the message says why.
    let unknown = sctid(3190, "", "00");
    let body = get_base(&format!(
        "/ConceptMap/$translate?system=http://snomed.info/sct&code={}&url=http://snomed.info/sct?fhir_cm={unknown}",
        codes[1]
    ));
    let concept = &part(params(&body, "match")[0], "concept").unwrap()["valueCoding"];
    assert_eq!(concept["code"], "Q90.9");
    assert!(concept.get("system").is_none(), "{body}");
    assert!(
        param(&body, "message").unwrap()["valueString"]
            .as_str()
            .unwrap()
            .contains("not known to this server"),
        "{body}"
    );
}

#[test]
fn display_validation_respects_case_significance() {
    let codes = &served_base().1;
    let check = |code: &str, display: &str| -> bool {
        let body = get_base(&format!(
            "/CodeSystem/$validate-code?url=http://snomed.info/sct&code={code}&display={}",
            display.replace(' ', "%20")
        ));
        param(&body, "result").unwrap()["valueBoolean"]
            .as_bool()
            .unwrap()
    };
    // Case sensitive: exactly as written (white space runs still count as one).
    assert!(check(&codes[0], "Hb A1c level"));
    assert!(!check(&codes[0], "hb a1c level"));
    assert!(!check(&codes[0], "HBA1C"));
    // Initial character case insensitive: the rest as written.
    assert!(check(&codes[1], "down syndrome"));
    assert!(!check(&codes[1], "down Syndrome"));
    // Case insensitive.
    assert!(check(&codes[1], "TRISOMY 21"));
}

#[test]
fn wrong_display_message_lists_each_choice_once() {
    let codes = &served_base().1;
    let body = get_base(&format!(
        "/CodeSystem/$validate-code?url=http://snomed.info/sct&code={}&display=Mongolism",
        codes[1]
    ));
    let msg = param(&body, "message").unwrap()["valueString"]
        .as_str()
        .unwrap()
        .to_string();
    // "Down syndrome" is two descriptions, the FSN and "Trisomy 21" one each: three choices.
    assert!(msg.contains("one of 3 choices"), "{msg}");
    assert_eq!(msg.matches("'Down syndrome'").count(), 1, "{msg}");
}

#[test]
fn concept_without_descriptions_has_a_display_and_an_issue() {
    let root = tmp();
    let (p, codes) = base_package(root.path());
    let d = tmp();
    import_ok(d.path(), &[p.path()]);
    let base = start(d.path());
    let (st, _, body) = get_from(
        &base,
        &format!(
            "/CodeSystem/$lookup?system=http://snomed.info/sct&code={}",
            codes[2]
        ),
        &[],
    );
    assert_eq!(st, 200, "{body}");
    assert_eq!(
        param(&body, "display").unwrap()["valueString"],
        codes[2].as_str()
    );
    let issues = &param(&body, "issues").unwrap()["resource"];
    assert!(issues.to_string().contains("has no descriptions"), "{body}");
    // The CLI says so too.
    let o = concord(&[
        "lookup",
        "--data",
        d.path().to_str().unwrap(),
        "sct",
        &codes[2],
    ]);
    assert!(text(&o.stdout).contains("note: "), "{}", text(&o.stdout));
}

/// An extension package (namespace 1000099) with one concept under `parent`, a Swedish
/// description in a Swedish language refset, and optionally a module dependency row.
fn extension_package(root: &Path, parent: &str, with_mdrs: bool) -> (Package, String, String) {
    let ns = "1000099";
    let p = Package::new(
        root,
        "SnomedCT_SE_SE1000099_20250601",
        "SE1000099",
        "20250601",
    );
    let module = sctid(1, ns, "10");
    let c = sctid(100, ns, "10");
    let swedish = sctid(1, ns, "11");
    let refset = sctid(2, ns, "10");
    p.concepts(&[(&module, "20250601", &module), (&c, "20250601", &module)]);
    let d1 = sctid(2, ns, "11");
    let d2 = sctid(3, ns, "11");
    p.descriptions(
        "en",
        &[
            [
                &d1,
                "20250601",
                &module,
                &c,
                "en",
                FSN,
                "Fika-associated palpitations (disorder)",
                INSENSITIVE,
            ],
            [
                &d2,
                "20250601",
                &module,
                &c,
                "en",
                SYN,
                "Fika-associated palpitations",
                INSENSITIVE,
            ],
        ],
    );
    p.file(
        "Terminology",
        "sct2_Description_Snapshot-sv",
        "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId",
        &[row(&[&swedish, "20250601", "1", &module, &c, "sv", SYN, "Fikarelaterad hjärtklappning", INSENSITIVE])],
    );
    p.is_a(&[(&c, parent, &module)]);
    let mut lang = vec![row(&["20250601", &module, &refset, &swedish, PREF])];
    for r in [GB, US] {
        lang.push(row(&["20250601", &module, r, &d2, PREF]));
        lang.push(row(&["20250601", &module, r, &d1, PREF]));
    }
    p.refset("c", "Language", &["acceptabilityId"], &lang);
    if with_mdrs {
        p.refset(
            "ss",
            "ModuleDependency",
            &["sourceEffectiveTime", "targetEffectiveTime"],
            &[row(&[
                "20250601",
                &module,
                "900000000000534007",
                CORE,
                "20250601",
                "20250131",
            ])],
        );
    }
    (p, module, c)
}

#[test]
fn extension_without_module_dependency_layers_on_the_latest_international() {
    let root = tmp();
    let (base, codes) = base_package(root.path());
    let (ext, module, concept) = extension_package(root.path(), &codes[0], false);
    let d = tmp();
    import_ok(d.path(), &[base.path()]);
    let out = import_ok(d.path(), &[ext.path()]);
    assert!(
        out.contains("warning: the package has no module dependency refset naming its base; layered on the latest loaded International edition http://snomed.info/sct/900000000000207008/version/20250131"),
        "{out}"
    );
    let s = status(d.path());
    let versions = code_systems(&s);
    assert!(
        versions.iter().any(
            |v| v.1 == format!("http://snomed.info/sct/{module}/version/20250601") && v.2 == 7
        ),
        "the base's 5 concepts + the extension's 2: {versions:?}"
    );
    let b = start(d.path());
    let (st, _, body) = get_from(
        &b,
        &format!(
            "/CodeSystem/$subsumes?system=http://snomed.info/sct&version=http://snomed.info/sct/{module}&codeA={}&codeB={concept}",
            codes[0]
        ),
        &[],
    );
    assert_eq!(st, 200, "{body}");
    assert_eq!(param(&body, "outcome").unwrap()["valueCode"], "subsumes");
    // A base the extension does not name is refused when it declares one that is not loaded.
    let (ext2, _, _) = extension_package(&root.path().join("with"), &codes[0], true);
    let other = tmp();
    let o = import(other.path(), &[ext2.path()]);
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("module 900000000000207008 version 20250131"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn designations_carry_their_dialect_and_plain_language_tags_find_it() {
    let root = tmp();
    let (base, codes) = base_package(root.path());
    let (ext, module, concept) = extension_package(root.path(), &codes[0], true);
    let d = tmp();
    import_ok(d.path(), &[base.path(), ext.path()]);
    let b = start(d.path());
    let lookup = |lang: &str| {
        let (st, _, body) = get_from(
            &b,
            &format!(
                "/CodeSystem/$lookup?system=http://snomed.info/sct&version=http://snomed.info/sct/{module}&code={concept}&displayLanguage={lang}&property=*"
            ),
            &[],
        );
        assert_eq!(st, 200, "{body}");
        body
    };
    for tag in ["sv", "sv-SE"] {
        let body = lookup(tag);
        assert_eq!(
            param(&body, "display").unwrap()["valueString"],
            "Fikarelaterad hjärtklappning",
            "{tag}: {body}"
        );
    }
    let body = lookup("en-GB");
    assert_eq!(
        param(&body, "display").unwrap()["valueString"],
        "Fika-associated palpitations"
    );
    // Each designation says which language refsets it is in, and how (one of the `*` extras).
    let synonym = params(&body, "designation")
        .into_iter()
        .find(|d| part(d, "value").unwrap()["valueString"] == "Fika-associated palpitations")
        .unwrap();
    let ext: &Vec<Value> = synonym["extension"].as_array().unwrap();
    let contexts: Vec<(&str, &str, &str)> = ext
        .iter()
        .map(|e| {
            assert_eq!(
                e["url"],
                "http://snomed.info/fhir/StructureDefinition/designation-use-context"
            );
            let sub = |n: &str| {
                e["extension"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|x| x["url"] == n)
                    .unwrap()["valueCoding"]["code"]
                    .as_str()
                    .unwrap()
            };
            (sub("context"), sub("role"), sub("type"))
        })
        .collect();
    assert_eq!(
        contexts,
        vec![(GB, PREF, SYN), (US, PREF, SYN)],
        "{synonym}"
    );
}

#[test]
fn historical_associations_are_implicit_concept_maps() {
    // rf2-mini: 3000001009 SAME AS 73211009, 3000002002 REPLACED BY 44054006.
    for (refset, code, target, equivalence) in [
        ("900000000000527005", "3000001009", "73211009", "equal"),
        ("900000000000526001", "3000002002", "44054006", "equivalent"),
    ] {
        let (st, _, body) = get(&format!(
            "/ConceptMap/$translate?system=http://snomed.info/sct&code={code}&url=http://snomed.info/sct?fhir_cm={refset}"
        ));
        assert_eq!(st, 200, "{body}");
        assert_eq!(
            param(&body, "result").unwrap()["valueBoolean"],
            true,
            "{body}"
        );
        let m = params(&body, "match");
        assert_eq!(m.len(), 1, "{body}");
        assert_eq!(part(m[0], "equivalence").unwrap()["valueCode"], equivalence);
        let c = &part(m[0], "concept").unwrap()["valueCoding"];
        assert_eq!(c["system"], "http://snomed.info/sct");
        assert_eq!(c["code"], target);
    }
    // A concept with no row of that association: no match, said plainly.
    let (st, _, body) = get(
        "/ConceptMap/$translate?system=http://snomed.info/sct&code=3000001009&url=http://snomed.info/sct?fhir_cm=900000000000526001",
    );
    assert_eq!(st, 200);
    assert_eq!(
        param(&body, "result").unwrap()["valueBoolean"],
        false,
        "{body}"
    );
}

#[test]
fn lenient_ids_accepts_an_unknown_partition_and_warns() {
    let root = tmp();
    let p = Package::new(root.path(), "SnomedCT_Odd_INT_20250131", "INT", "20250131");
    let odd = "3000000051"; // partition 05: not a concept, description or relationship
    p.concepts(&[(ROOT, "20020131", CORE), (odd, "20250131", CORE)]);
    let d = tmp();
    let o = import(d.path(), &[p.path()]);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(
        err.contains("sct2_Concept_Snapshot_INT_20250131.txt:3") && err.contains("partition"),
        "{err}"
    );
    let out = import_ok(d.path(), &["--lenient-ids", p.path()]);
    assert!(
        out.contains("warning: 1 SCTIDs fail the check digit or partition check and were accepted (--lenient-ids); the first: ")
            && out.contains("sct2_Concept_Snapshot_INT_20250131.txt:3"),
        "{out}"
    );
    assert_eq!(count(&status(d.path()), "concept"), 2);
}

#[test]
fn folder_with_nothing_recognisable_is_refused() {
    let junk = tmp();
    std::fs::write(junk.path().join("README.md"), "notes\n").unwrap();
    std::fs::write(junk.path().join("codes.csv"), "system,code\n").unwrap();
    std::fs::write(
        junk.path().join("stray.json"),
        r#"{"resourceType":"Patient","id":"p1"}"#,
    )
    .unwrap();
    let d = tmp();
    import_ok(d.path(), &[fixture("fhir").to_str().unwrap()]);
    let before = status(d.path());
    let o = import(d.path(), &[junk.path().to_str().unwrap()]);
    assert!(!o.status.success(), "{}", text(&o.stdout));
    let err = text(&o.stderr);
    for want in [
        "nothing to import",
        "README.md",
        "codes.csv",
        "stray.json",
        "1 × Patient",
        "Concord imports SNOMED CT RF2",
    ] {
        assert!(err.contains(want), "{want}: {err}");
    }
    assert_eq!(status(d.path()), before, "the release is unchanged");
}

#[test]
fn status_into_a_closed_pipe_exits_quietly() {
    let d = tmp();
    import_ok(d.path(), &[fixture("fhir").to_str().unwrap()]);
    for args in [
        vec!["status", "--data", d.path().to_str().unwrap()],
        vec!["status", "--json", "--data", d.path().to_str().unwrap()],
        vec!["--help"],
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_concord"))
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before the first line is written, as `| head -0` would.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = text(&out.stderr);
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn undotted_icd10_codes_get_a_hint_and_the_cli_reads_them() {
    let (st, _, body) =
        get("/CodeSystem/$validate-code?url=http://hl7.org/fhir/sid/icd-10-cm&code=E119");
    assert_eq!(st, 200);
    assert_eq!(
        param(&body, "result").unwrap()["valueBoolean"],
        false,
        "the dotted form is the code"
    );
    assert!(
        param(&body, "message").unwrap()["valueString"]
            .as_str()
            .unwrap()
            .contains("did you mean 'E11.9'?"),
        "{body}"
    );
    let (st, _, body) =
        get("/CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icd-10-cm&code=E119");
    assert_eq!(st, 404);
    assert!(body.to_string().contains("did you mean 'E11.9'?"), "{body}");
    // The CLI reads the undotted form and says what it did.
    let d = tmp();
    import_ok(
        d.path(),
        &[fixture("icd/icd10cm-mini.xml").to_str().unwrap()],
    );
    let o = concord(&[
        "lookup",
        "--data",
        d.path().to_str().unwrap(),
        "icd10cm",
        "E119",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("'E119' read as 'E11.9'"),
        "{}",
        text(&o.stderr)
    );
    let csv = d.path().join("codes.csv");
    std::fs::write(&csv, "system,code\nicd10cm,E119\n").unwrap();
    let o = concord(&[
        "validate",
        "--data",
        d.path().to_str().unwrap(),
        csv.to_str().unwrap(),
    ]);
    let line: Value = serde_json::from_str(text(&o.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(line["valid"], true, "{line}");
    assert_eq!(line["checked"], "E11.9", "{line}");
}
