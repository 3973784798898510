//! `concord synth`: a synthetic SNOMED CT International-shaped release, for proving import and
//! serving numbers at full scale without the licensed content.
//!
//! What it writes (scale 1.0 ≈ the International edition): the official RF2 package layout and
//! file names; valid SCTIDs (partition + Verhoeff; namespaced ids in the extension); ≈370k
//! concepts (≈82% active) under the 19 real top-level hierarchies; one FSN with a semantic tag plus
//! synonyms per concept, drawn from a Zipf-distributed made-up vocabulary; en-GB and en-US
//! language refsets with exactly one preferred synonym per concept and dialect; ≈3M inferred
//! relationship rows (≈40% active) whose active is-a edges form a DAG (≈25% of concepts with
//! several parents), grouped attributes and concrete values; ≈190k ICD-10 extended map rows to
//! ICD-10 codes (three- and four-character codes that ICD-10-CM shares with WHO ICD-10's form,
//! taken from the embedded ICD-10-CM file) with the real map's rule mix (≈56% TRUE, 13% OTHERWISE
//! TRUE, 31% IFA: co-conditions, age at onset, sex); associations and inactivation indicators for
//! inactive concepts; optionally a Full release (older row versions) and an extension package.
//! Deterministic for a seed. `synth-manifest.json` records every file's row count.

pub mod rng;
pub mod words;
mod writer;

use anyhow::{Context, Result};
use concord_loaders::rf2::sctid::verhoeff_digit;
use rng::Rng;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use words::Vocabulary;
use writer::Rf2Writer;

/// Generator options.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    /// 1.0 ≈ International edition size.
    pub scale: f64,
    /// PRNG seed.
    pub seed: u64,
    /// Output folder.
    pub out: PathBuf,
    /// Also write Full files (Snapshot rows plus older versions).
    pub full: bool,
    /// Zip the International package.
    pub zip: bool,
    /// Also write two extension packages: a national clinical extension on the International
    /// release and a drug extension on that (the UK edition's shape).
    pub extension: bool,
}

/// What was written (also `synth-manifest.json`).
#[derive(Debug, Serialize, Default)]
pub struct SynthManifest {
    /// Options used.
    pub scale: f64,
    /// Seed used.
    pub seed: u64,
    /// The International package folder (or zip).
    pub package: String,
    /// The extension package folders, base first: each depends on the one before it (the
    /// first on the International release), per its module dependency refset.
    pub extension_packages: Vec<String>,
    /// Rows per file (relative path → rows, header excluded).
    pub files: BTreeMap<String, u64>,
    /// Summary counts of the Snapshot.
    pub summary: BTreeMap<String, u64>,
}

const DATE: &str = "20250131";
const EXT_DATE: &str = "20250401";
const EXT2_DATE: &str = "20250501";
const CORE: &str = "900000000000207008";
const MODEL: &str = "900000000000012004";
const MAP_MODULE: &str = "449080006";
const FSN: &str = "900000000000003001";
const SYN: &str = "900000000000013009";
const DEF: &str = "900000000000550004";
const PREF: &str = "900000000000548007";
const ACC: &str = "900000000000549004";
const GB: &str = "900000000000508004";
const US: &str = "900000000000509007";
const INFERRED: &str = "900000000000011006";
const EXISTENTIAL: &str = "900000000000451002";
const PRIMITIVE: &str = "900000000000074008";
const DEFINED: &str = "900000000000073002";
const CASE: &str = "900000000000448009";
const IS_A: &str = "116680003";
const ROOT: &str = "138875005";

/// The 19 top-level hierarchies: (id, preferred term, semantic tag, share of generated concepts).
const TOP: &[(&str, &str, &str, f64)] = &[
    ("123037004", "Body structure", "body structure", 0.10),
    ("404684003", "Clinical finding", "disorder", 0.30),
    (
        "308916002",
        "Environment or geographical location",
        "environment / location",
        0.005,
    ),
    ("272379006", "Event", "event", 0.01),
    ("363787002", "Observable entity", "observable entity", 0.03),
    ("410607006", "Organism", "organism", 0.09),
    (
        "373873005",
        "Pharmaceutical / biologic product",
        "product",
        0.08,
    ),
    ("78621006", "Physical force", "physical force", 0.002),
    ("260787004", "Physical object", "physical object", 0.03),
    ("71388002", "Procedure", "procedure", 0.15),
    ("362981000", "Qualifier value", "qualifier value", 0.03),
    ("419891008", "Record artifact", "record artifact", 0.003),
    (
        "243796009",
        "Situation with explicit context",
        "situation",
        0.01,
    ),
    (
        "900000000000441003",
        "SNOMED CT Model Component",
        "metadata",
        0.002,
    ),
    ("48176007", "Social context", "social concept", 0.01),
    ("370115009", "Special concept", "special concept", 0.001),
    ("123038009", "Specimen", "specimen", 0.005),
    ("254291000", "Staging and scales", "staging scale", 0.003),
    ("105590001", "Substance", "substance", 0.109),
];

/// Metadata and model concepts the release refers to, with real ids: (id, term, tag, top index).
const META: &[(&str, &str, &str, usize)] = &[
    (IS_A, "Is a", "attribute", 13),
    ("363698007", "Finding site", "attribute", 13),
    ("116676008", "Associated morphology", "attribute", 13),
    ("260686004", "Method", "attribute", 13),
    ("405813007", "Procedure site - Direct", "attribute", 13),
    ("127489000", "Has active ingredient", "attribute", 13),
    ("246075003", "Causative agent", "attribute", 13),
    ("272741003", "Laterality", "attribute", 13),
    ("738774007", "Is modification of", "attribute", 13),
    (
        "1142135004",
        "Has presentation strength numerator value",
        "attribute",
        13,
    ),
    (
        "1142136003",
        "Has presentation strength denominator value",
        "attribute",
        13,
    ),
    (FSN, "Fully specified name", "core metadata concept", 13),
    (SYN, "Synonym", "core metadata concept", 13),
    (DEF, "Definition", "core metadata concept", 13),
    (PREF, "Preferred", "foundation metadata concept", 13),
    (ACC, "Acceptable", "foundation metadata concept", 13),
    (
        GB,
        "Great Britain English language reference set",
        "foundation metadata concept",
        13,
    ),
    (
        US,
        "United States of America English language reference set",
        "foundation metadata concept",
        13,
    ),
    (
        "447562003",
        "ICD-10 complex map reference set",
        "foundation metadata concept",
        13,
    ),
    (
        "900000000000526001",
        "REPLACED BY association reference set",
        "foundation metadata concept",
        13,
    ),
    (
        "900000000000527005",
        "SAME AS association reference set",
        "foundation metadata concept",
        13,
    ),
    (
        "900000000000523009",
        "POSSIBLY EQUIVALENT TO association reference set",
        "foundation metadata concept",
        13,
    ),
    (
        "900000000000489007",
        "Concept inactivation indicator reference set",
        "foundation metadata concept",
        13,
    ),
    (
        "900000000000482003",
        "Duplicate component",
        "foundation metadata concept",
        13,
    ),
    (
        "900000000000483008",
        "Outdated component",
        "foundation metadata concept",
        13,
    ),
    (
        "900000000000484002",
        "Ambiguous component",
        "foundation metadata concept",
        13,
    ),
    (CORE, "SNOMED CT core module", "core metadata concept", 13),
    (
        MODEL,
        "SNOMED CT model component module",
        "core metadata concept",
        13,
    ),
    (
        MAP_MODULE,
        "SNOMED CT to ICD-10 rule-based mapping module",
        "core metadata concept",
        13,
    ),
    (
        "900000000000534007",
        "Module dependency reference set",
        "foundation metadata concept",
        13,
    ),
    (
        "445518008",
        "Age at onset of clinical finding",
        "observable entity",
        4,
    ),
    ("248152002", "Female", "finding", 1),
    ("248153007", "Male", "finding", 1),
];

/// (en-GB, en-US) acceptability of a description.
type Acceptability = (&'static str, &'static str);

struct Concept {
    id: String,
    top: usize,
    active: bool,
    defined: bool,
    parents: Vec<u32>,
    depth: u16,
}

/// A concept SCTID (short form, partition 00).
fn concept_id(item: u64) -> String {
    with_check(format!("{item}00"))
}

fn with_check(base: String) -> String {
    let d = verhoeff_digit(&base);
    format!("{base}{d}")
}

/// Generates the release.
pub fn generate(opts: &SynthOptions, icd_targets: &[String]) -> Result<SynthManifest> {
    let started = std::time::Instant::now();
    let mut rng = Rng::new(opts.seed);
    let vocab = Vocabulary::new(&mut rng, 20_000);
    let n_generated = ((370_000.0 * opts.scale) as usize).max(200);
    let package = format!("SnomedCT_ConcordSynth_INT_{DATE}T120000Z");
    let root_dir = opts.out.join(&package);
    std::fs::create_dir_all(&root_dir)
        .with_context(|| format!("creating {}", root_dir.display()))?;
    let mut w = Rf2Writer::new(&root_dir, "INT", DATE, opts.full)?;
    let mut summary: BTreeMap<String, u64> = BTreeMap::new();

    // --- concepts: root, top levels, metadata, then generated ones
    let mut concepts: Vec<Concept> = Vec::with_capacity(n_generated + 60);
    let mut terms: Vec<String> = Vec::with_capacity(n_generated + 60);
    concepts.push(Concept {
        id: ROOT.into(),
        top: usize::MAX,
        active: true,
        defined: false,
        parents: vec![],
        depth: 0,
    });
    terms.push("SNOMED CT Concept".into());
    let mut by_top: Vec<Vec<u32>> = vec![Vec::new(); TOP.len()];
    for (i, (id, term, _, _)) in TOP.iter().enumerate() {
        by_top[i].push(concepts.len() as u32);
        concepts.push(Concept {
            id: (*id).into(),
            top: i,
            active: true,
            defined: false,
            parents: vec![0],
            depth: 1,
        });
        terms.push((*term).into());
    }
    for (id, term, _, top) in META {
        let parent = by_top[*top][0];
        by_top[*top].push(concepts.len() as u32);
        concepts.push(Concept {
            id: (*id).into(),
            top: *top,
            active: true,
            defined: false,
            parents: vec![parent],
            depth: 2,
        });
        terms.push((*term).into());
    }
    let weights: Vec<f64> = TOP.iter().map(|t| t.3).collect();
    let total_w: f64 = weights.iter().sum();
    for i in 0..n_generated {
        let mut x = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total_w;
        let mut top = 0;
        while top + 1 < weights.len() && x >= weights[top] {
            x -= weights[top];
            top += 1;
        }
        let active = rng.chance(0.82);
        let pool = &by_top[top];
        let (parents, depth) = if active {
            let primary = pool[rng.below(pool.len())];
            let mut parents = vec![primary];
            if rng.chance(0.25) && pool.len() > 3 {
                for _ in 0..1 + usize::from(rng.chance(0.2)) {
                    let extra = pool[rng.below(pool.len())];
                    if !parents.contains(&extra) {
                        parents.push(extra);
                    }
                }
            }
            (parents, concepts[primary as usize].depth + 1)
        } else {
            (vec![], 0)
        };
        let idx = concepts.len() as u32;
        if active {
            by_top[top].push(idx);
        }
        let defined = active && matches!(top, 1 | 9) && rng.chance(0.3);
        concepts.push(Concept {
            id: concept_id(5_000_000 + i as u64),
            top,
            active,
            defined,
            parents,
            depth,
        });
        terms.push(vocab.term(&mut rng));
    }

    // --- concept rows
    let mut older_versions = 0u64;
    for c in &concepts {
        let date = if c.top == usize::MAX {
            DATE.to_string()
        } else {
            history_date(&mut rng)
        };
        let module = if c.id.len() > 15 || c.top == 13 && c.id.starts_with("9000") {
            MODEL
        } else {
            CORE
        };
        let ds = if c.defined { DEFINED } else { PRIMITIVE };
        if opts.full && rng.chance(0.05) {
            // An older version: the latest row must win when Full is loaded.
            w.full_only("concept", &[&c.id, "20200131", "1", module, PRIMITIVE])?;
            w.row(
                "concept",
                &[&c.id, DATE, if c.active { "1" } else { "0" }, module, ds],
            )?;
            older_versions += 1;
        } else {
            w.row(
                "concept",
                &[&c.id, &date, if c.active { "1" } else { "0" }, module, ds],
            )?;
        }
    }
    summary.insert("concepts".into(), concepts.len() as u64);
    summary.insert(
        "active_concepts".into(),
        concepts.iter().filter(|c| c.active).count() as u64,
    );

    // --- descriptions + language refsets
    let mut desc_item = 1_000_000u64;
    let (mut n_desc, mut n_lang) = (0u64, 0u64);
    for (i, c) in concepts.iter().enumerate() {
        let tag = if c.top == usize::MAX {
            "SNOMED RT+CTV3"
        } else if i <= TOP.len() + META.len() && i > TOP.len() {
            META[i - TOP.len() - 1].2
        } else {
            TOP[c.top].2
        };
        let pt = &terms[i];
        let mut synonyms = vec![pt.clone()];
        for _ in 0..rng.below(5) {
            synonyms.push(vocab.term(&mut rng));
        }
        // Dialects differ for a few concepts: en-GB prefers the second synonym.
        let gb_pt = if synonyms.len() > 1 && rng.chance(0.05) {
            1
        } else {
            0
        };
        let mut entries: Vec<(String, &str, Option<Acceptability>)> =
            vec![(format!("{pt} ({tag})"), FSN, Some((PREF, PREF)))];
        for (k, s) in synonyms.iter().enumerate() {
            let gb = if k == gb_pt { PREF } else { ACC };
            let us = if k == 0 { PREF } else { ACC };
            // Preferred terms stay active; some other synonyms are retired.
            let acc = if k == 0 || k == gb_pt || !rng.chance(0.07) {
                Some((gb, us))
            } else {
                None
            };
            entries.push((s.clone(), SYN, acc));
        }
        if c.active && rng.chance(0.01) {
            entries.push((
                format!("A made-up definition of {}", pt.to_lowercase()),
                DEF,
                None,
            ));
        }
        for (term, ty, acceptability) in entries {
            let id = with_check(format!("{desc_item}01"));
            desc_item += 1;
            let active = acceptability.is_some() || ty == DEF;
            let kind = if ty == DEF { "textdef" } else { "description" };
            let mut date = history_date(&mut rng);
            if opts.full && rng.chance(0.03) {
                // The current row must be newer than the older version it replaces.
                date = DATE.to_string();
                w.full_only(
                    kind,
                    &[
                        &id,
                        "20200131",
                        "1",
                        CORE,
                        &c.id,
                        "en",
                        ty,
                        &format!("{term} (old)"),
                        CASE,
                    ],
                )?;
                older_versions += 1;
            }
            w.row(
                kind,
                &[
                    &id,
                    &date,
                    if active { "1" } else { "0" },
                    CORE,
                    &c.id,
                    "en",
                    ty,
                    &term,
                    CASE,
                ],
            )?;
            n_desc += 1;
            if let Some((gb, us)) = acceptability {
                for (refset, a) in [(GB, gb), (US, us)] {
                    let uuid = rng.uuid();
                    w.row("language", &[&uuid, &date, "1", CORE, refset, &id, a])?;
                    n_lang += 1;
                }
            }
        }
    }
    summary.insert("descriptions".into(), n_desc);
    summary.insert("language_members".into(), n_lang);

    // --- relationships
    let mut rel = Rels {
        next: 1_000_000,
        rows: 0,
        active: 0,
    };
    let (mut multi, mut max_depth, mut concrete) = (0u64, 0u16, 0u64);
    let body = by_top[0].clone();
    let qualifiers = by_top[10].clone();
    let substances = by_top[18].clone();
    for c in &concepts {
        if c.active {
            if c.parents.len() > 1 {
                multi += 1;
            }
            max_depth = max_depth.max(c.depth);
            for p in &c.parents {
                rel.row(
                    &mut w,
                    &mut rng,
                    &c.id,
                    &concepts[*p as usize].id,
                    0,
                    IS_A,
                    true,
                )?;
            }
            let groups = match c.top {
                1 | 9 if c.depth > 1 => 1 + rng.below(3),
                0 | 6 | 18 if c.depth > 1 => 1,
                _ => 0,
            };
            for g in 1..=groups as u32 {
                let pick = |rng: &mut Rng, pool: &[u32]| {
                    concepts[pool[rng.below(pool.len())] as usize].id.clone()
                };
                match c.top {
                    1 => {
                        let site = pick(&mut rng, &body);
                        rel.row(&mut w, &mut rng, &c.id, &site, g, "363698007", true)?;
                        let morph = pick(&mut rng, &body);
                        rel.row(&mut w, &mut rng, &c.id, &morph, g, "116676008", true)?;
                        if rng.chance(0.5) {
                            let agent = pick(&mut rng, &substances);
                            rel.row(&mut w, &mut rng, &c.id, &agent, g, "246075003", true)?;
                        }
                    }
                    0 => {
                        let laterality = pick(&mut rng, &qualifiers);
                        rel.row(&mut w, &mut rng, &c.id, &laterality, g, "272741003", true)?;
                    }
                    18 => {
                        let base = pick(&mut rng, &substances);
                        rel.row(&mut w, &mut rng, &c.id, &base, g, "738774007", true)?;
                    }
                    9 => {
                        let method = pick(&mut rng, &qualifiers);
                        rel.row(&mut w, &mut rng, &c.id, &method, g, "260686004", true)?;
                        let site = pick(&mut rng, &body);
                        rel.row(&mut w, &mut rng, &c.id, &site, g, "405813007", true)?;
                    }
                    _ => {
                        let substance = pick(&mut rng, &substances);
                        rel.row(&mut w, &mut rng, &c.id, &substance, g, "127489000", true)?;
                        for (ty, value) in [
                            (
                                "1142135004",
                                format!("#{}", [5, 10, 20, 25, 50, 100, 250, 500][rng.below(8)]),
                            ),
                            ("1142136003", "#1".to_string()),
                        ] {
                            let id = rel.next_id();
                            w.row(
                                "concrete",
                                &[
                                    &id,
                                    DATE,
                                    "1",
                                    CORE,
                                    &c.id,
                                    &value,
                                    &g.to_string(),
                                    ty,
                                    INFERRED,
                                    EXISTENTIAL,
                                ],
                            )?;
                            concrete += 1;
                        }
                    }
                }
            }
        }
        // Retired rows: the history every real concept accumulates.
        let retired = if c.active {
            rng.below(11)
        } else {
            2 + rng.below(5)
        };
        for _ in 0..retired {
            let pool = &by_top[if c.top == usize::MAX { 0 } else { c.top }];
            let dst = concepts[pool[rng.below(pool.len())] as usize].id.clone();
            rel.row(&mut w, &mut rng, &c.id, &dst, 0, IS_A, false)?;
        }
    }
    summary.insert("relationships".into(), rel.rows);
    summary.insert("active_relationships".into(), rel.active);
    summary.insert("concrete_values".into(), concrete);
    summary.insert("multi_parent_concepts".into(), multi);
    summary.insert("max_depth".into(), u64::from(max_depth));

    // --- associations and inactivation indicators
    let (mut n_assoc, mut n_attr) = (0u64, 0u64);
    for c in concepts.iter().filter(|c| !c.active) {
        let pool = &by_top[c.top];
        let target = &concepts[pool[rng.below(pool.len())] as usize].id;
        let (refset, reason) = match rng.below(10) {
            0..=5 => ("900000000000526001", "900000000000483008"),
            6 | 7 => ("900000000000527005", "900000000000482003"),
            _ => ("900000000000523009", "900000000000484002"),
        };
        let uuid = rng.uuid();
        w.row(
            "association",
            &[&uuid, DATE, "1", CORE, refset, &c.id, target],
        )?;
        let uuid = rng.uuid();
        w.row(
            "attribute",
            &[&uuid, DATE, "1", CORE, "900000000000489007", &c.id, reason],
        )?;
        n_assoc += 1;
        n_attr += 1;
    }
    summary.insert("associations".into(), n_assoc);
    summary.insert("inactivation_indicators".into(), n_attr);

    // --- ICD-10 extended map
    let findings: Vec<u32> = by_top[1]
        .iter()
        .copied()
        .filter(|i| *i as usize > TOP.len() + META.len())
        .collect();
    let mut rule_counts: BTreeMap<&str, u64> = BTreeMap::new();
    let mut n_map = 0u64;
    let mapped: Vec<usize> = concepts
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            c.active
                && *i > TOP.len() + META.len()
                && (c.top == 1 || (matches!(c.top, 3 | 12) && rng.chance(0.3)))
        })
        .map(|(i, _)| i)
        .collect();
    for i in mapped {
        let c = &concepts[i];
        let groups = match rng.below(20) {
            0..=13 => 1,
            14..=18 => 2,
            _ => 3,
        };
        for g in 1..=groups {
            let mut rows: Vec<(String, String, String, &str)> = Vec::new();
            if rng.chance(0.81) {
                let t = icd_targets[rng.below(icd_targets.len())].clone();
                rows.push(("TRUE".into(), format!("ALWAYS {t}"), t, "447637006"));
            } else {
                for _ in 0..1 + rng.below(4) {
                    let t = icd_targets[rng.below(icd_targets.len())].clone();
                    let rule = match rng.below(20) {
                        0..=2 => format!(
                            "IFA 445518008 | Age at onset of clinical finding (observable entity) | {} {}.0 years",
                            ["<", ">=", "<="][rng.below(3)],
                            [1, 12, 15, 18, 19, 65][rng.below(6)]
                        ),
                        3 | 4 => {
                            if rng.chance(0.5) {
                                "IFA 248152002 | Female (finding) |".to_string()
                            } else {
                                "IFA 248153007 | Male (finding) |".to_string()
                            }
                        }
                        _ => {
                            let other = findings[rng.below(findings.len())] as usize;
                            format!(
                                "IFA {} | {} ({}) |",
                                concepts[other].id, terms[other], TOP[1].2
                            )
                        }
                    };
                    let advice = format!(
                        "IF {} CHOOSE {t} | MAP OF SOURCE CONCEPT IS CONTEXT DEPENDENT",
                        rule.trim_start_matches("IFA ").to_uppercase()
                    );
                    rows.push((rule, advice, t, "447639009"));
                }
                if rng.chance(0.1) {
                    rows.push((
                        "OTHERWISE TRUE".into(),
                        "MAP SOURCE CONCEPT CANNOT BE CLASSIFIED WITH AVAILABLE DATA".into(),
                        String::new(),
                        "447638001",
                    ));
                } else {
                    let t = icd_targets[rng.below(icd_targets.len())].clone();
                    rows.push((
                        "OTHERWISE TRUE".into(),
                        format!("OTHERWISE {t}"),
                        t,
                        "447637006",
                    ));
                }
            }
            for (priority, (rule, advice, target, category)) in rows.into_iter().enumerate() {
                let kind = if rule == "TRUE" {
                    "TRUE"
                } else if rule == "OTHERWISE TRUE" {
                    "OTHERWISE TRUE"
                } else {
                    "IFA"
                };
                *rule_counts.entry(kind).or_default() += 1;
                let uuid = rng.uuid();
                w.row(
                    "extended_map",
                    &[
                        &uuid,
                        DATE,
                        "1",
                        MAP_MODULE,
                        "447562003",
                        &c.id,
                        &g.to_string(),
                        &(priority + 1).to_string(),
                        &rule,
                        &advice,
                        &target,
                        "447561005",
                        category,
                    ],
                )?;
                n_map += 1;
            }
        }
    }
    summary.insert("map_rows".into(), n_map);
    for (k, v) in rule_counts {
        summary.insert(
            format!("map_rule_{}", k.to_lowercase().replace(' ', "_")),
            v,
        );
    }

    // --- module dependencies
    for (module, target) in [(CORE, MODEL), (MAP_MODULE, CORE), (MAP_MODULE, MODEL)] {
        let uuid = rng.uuid();
        w.row(
            "module_dependency",
            &[
                &uuid,
                DATE,
                "1",
                module,
                "900000000000534007",
                target,
                DATE,
                DATE,
            ],
        )?;
    }
    summary.insert("full_older_versions".into(), older_versions);
    let mut files = w.finish()?;

    let mut manifest = SynthManifest {
        scale: opts.scale,
        seed: opts.seed,
        package: package.clone(),
        ..Default::default()
    };
    if opts.extension {
        let parents: Vec<&str> = [1usize, 9, 6]
            .iter()
            .flat_map(|top| {
                by_top[*top]
                    .iter()
                    .map(|i| concepts[*i as usize].id.as_str())
            })
            .collect();
        let clinical = Extension {
            namespace: "1000000",
            date: EXT_DATE,
            title: "Concord synthetic clinical extension module",
            size: 20_000.0,
            depends_on: vec![(CORE.to_string(), DATE)],
        };
        let (name, ext_files, ext) = extension(opts, &clinical, &parents, &vocab, &mut rng)?;
        for (k, v) in ext_files {
            files.insert(format!("{name}/{k}"), v);
        }
        manifest.extension_packages.push(name);
        let drug = Extension {
            namespace: "1000001",
            date: EXT2_DATE,
            title: "Concord synthetic drug extension module",
            size: 5_000.0,
            depends_on: vec![(ext.module.clone(), EXT_DATE), (CORE.to_string(), DATE)],
        };
        let parents: Vec<&str> = ext.concepts.iter().map(String::as_str).collect();
        let (name, ext_files, _) = extension(opts, &drug, &parents, &vocab, &mut rng)?;
        for (k, v) in ext_files {
            files.insert(format!("{name}/{k}"), v);
        }
        manifest.extension_packages.push(name);
    }
    for (k, v) in files {
        manifest.files.insert(
            if k.contains('/') && !k.starts_with("Snapshot") && !k.starts_with("Full") {
                k
            } else {
                format!("{package}/{k}")
            },
            v,
        );
    }
    if opts.zip {
        let zip_path = opts.out.join(format!("{package}.zip"));
        writer::zip_dir(&root_dir, &package, &zip_path)?;
        std::fs::remove_dir_all(&root_dir)?;
        manifest.package = format!("{package}.zip");
    }
    summary.insert("generation_ms".into(), started.elapsed().as_millis() as u64);
    manifest.summary = summary;
    std::fs::write(
        opts.out.join("synth-manifest.json"),
        serde_json::to_string_pretty(&manifest)? + "\n",
    )?;
    Ok(manifest)
}

/// Relationship ids and counts.
struct Rels {
    next: u64,
    rows: u64,
    active: u64,
}

impl Rels {
    fn next_id(&mut self) -> String {
        self.next += 1;
        with_check(format!("{}02", self.next))
    }

    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        w: &mut Rf2Writer,
        rng: &mut Rng,
        src: &str,
        dst: &str,
        group: u32,
        ty: &str,
        active: bool,
    ) -> Result<()> {
        let id = self.next_id();
        let date = history_date(rng);
        w.row(
            "relationship",
            &[
                &id,
                &date,
                if active { "1" } else { "0" },
                CORE,
                src,
                dst,
                &group.to_string(),
                ty,
                INFERRED,
                EXISTENTIAL,
            ],
        )?;
        self.rows += 1;
        self.active += u64::from(active);
        Ok(())
    }
}

/// A date between 2002 and the release date, for row history.
fn history_date(rng: &mut Rng) -> String {
    if rng.chance(0.3) {
        return DATE.to_string();
    }
    let year = 2002 + rng.below(23);
    let month = ["0131", "0731"][rng.below(2)];
    format!("{year}{month}")
}

/// One extension package to write.
struct Extension {
    namespace: &'static str,
    date: &'static str,
    title: &'static str,
    /// Concepts at scale 1.0.
    size: f64,
    /// (module, version) it depends on.
    depends_on: Vec<(String, &'static str)>,
}

/// What an extension package holds, for the next one in the chain.
struct Written {
    module: String,
    concepts: Vec<String>,
}

/// An extension package whose concepts hang under `parents` (concepts of the editions it
/// depends on), with its module dependency refset.
fn extension(
    opts: &SynthOptions,
    e: &Extension,
    parents: &[&str],
    vocab: &Vocabulary,
    rng: &mut Rng,
) -> Result<(String, BTreeMap<String, u64>, Written)> {
    let (ns, date) = (e.namespace, e.date);
    let name = format!("SnomedCT_ConcordSynthExtension_XX{ns}_{date}T120000Z");
    let dir = opts.out.join(&name);
    std::fs::create_dir_all(&dir)?;
    let mut w = Rf2Writer::new(&dir, &format!("XX{ns}"), date, false)?;
    let ext_id = |item: u64, partition: &str| with_check(format!("{item}{ns}{partition}"));
    let module = ext_id(1, "10");
    let n = ((e.size * opts.scale) as usize).max(20);
    w.row("concept", &[&module, date, "1", &module, PRIMITIVE])?;
    let (mut d, mut r) = (1u64, 1u64);
    let mut describe =
        |w: &mut Rf2Writer, rng: &mut Rng, id: &str, term: &str, tag: &str| -> Result<()> {
            for (t, ty) in [(format!("{term} ({tag})"), FSN), (term.to_string(), SYN)] {
                let did = ext_id(d, "11");
                d += 1;
                w.row(
                    "description",
                    &[&did, date, "1", &module, id, "en", ty, &t, CASE],
                )?;
                for refset in [GB, US] {
                    let uuid = rng.uuid();
                    w.row("language", &[&uuid, date, "1", &module, refset, &did, PREF])?;
                }
            }
            Ok(())
        };
    describe(&mut w, rng, &module, e.title, "core metadata concept")?;
    let mut is_a = |w: &mut Rf2Writer, child: &str, parent: &str| -> Result<()> {
        let rid = ext_id(r, "12");
        r += 1;
        w.row(
            "relationship",
            &[
                &rid,
                date,
                "1",
                &module,
                child,
                parent,
                "0",
                IS_A,
                INFERRED,
                EXISTENTIAL,
            ],
        )
    };
    is_a(&mut w, &module, CORE)?;
    let mut concepts = Vec::with_capacity(n);
    for i in 0..n {
        let id = ext_id(100 + i as u64, "10");
        let parent = parents[rng.below(parents.len())];
        w.row("concept", &[&id, date, "1", &module, PRIMITIVE])?;
        let term = vocab.term(rng);
        describe(&mut w, rng, &id, &term, "disorder")?;
        is_a(&mut w, &id, parent)?;
        concepts.push(id);
    }
    for (target, target_date) in &e.depends_on {
        let uuid = rng.uuid();
        w.row(
            "module_dependency",
            &[
                &uuid,
                date,
                "1",
                &module,
                "900000000000534007",
                target,
                date,
                target_date,
            ],
        )?;
    }
    Ok((name, w.finish()?, Written { module, concepts }))
}

/// ICD-10 target codes: three-character categories and four-character subcategories of the
/// embedded ICD-10-CM release (the form WHO ICD-10 codes share).
pub fn icd10_targets() -> Result<Vec<String>> {
    let (_, bytes) = crate::default_data::FILES[0];
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2_decoder(bytes), &mut text)?;
    let c = concord_loaders::icd10::cm_tabular::parse("embedded ICD-10-CM", &text)?;
    let re = regex::Regex::new(r"^[A-Z][0-9]{2}(\.[0-9])?$")?;
    Ok(c.entries
        .into_iter()
        .filter(|e| re.is_match(&e.code))
        .map(|e| e.code)
        .collect())
}

fn flate2_decoder(bytes: &'static [u8]) -> impl std::io::Read {
    concord_loaders::source::gunzip(bytes)
}
