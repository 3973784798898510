//! Which SNOMED CT edition and version an RF2 package makes, and which loaded version it must be
//! layered on. Pure decisions over what the package says about itself ([`PackageFacts`]) and
//! what is loaded ([`LoadedEdition`]); `snomed.rs` carries them out. May use: `store` types,
//! `model`.
//!
//! The rules follow the SNOMED CT extension model: an *edition* is an extension plus every
//! module it depends on, and every edition ultimately depends on the International core module.
//! - A package holding concepts of the International core module is a whole edition and stands
//!   alone (the International release, a national "edition" package, a subontology).
//! - Any other package is an extension (or an add-on) and is layered on a loaded edition: the
//!   one its module dependency refset names (module and targetEffectiveTime), else — packages
//!   without that refset — the latest International edition, with a warning. `--base` names
//!   the base explicitly.
//! - The edition module is the module, among those owning the package's concepts, that depends
//!   (transitively, per the refset) on the most others; without the refset, the namespaced
//!   (extension) module with the most concepts, else the International core module.
//! - The version is that module's sourceEffectiveTime in the refset, else the latest effective
//!   time of the package's concept, description and relationship rows (never of a map refset
//!   alone), else the file names' date.

use crate::model::{sct, uri};
use crate::store::write::LoadedEdition;
use anyhow::{Result, bail};
use std::collections::{HashMap, HashSet};

/// What a staged RF2 package says about itself, gathered while its rows are staged: which modules own
/// its content, what its module dependency refset declares, and how recent its rows are.
#[derive(Debug, Default, Clone)]
pub struct PackageFacts {
    /// Modules owning staged concepts, with their number of concepts.
    pub concept_modules: Vec<(String, i64)>,
    /// Every module owning a staged row of any kind.
    pub content_modules: Vec<String>,
    /// Active module dependency rows.
    pub dependencies: Vec<ModuleDependency>,
    /// Latest effective time of the staged concept, description and relationship rows.
    pub core_max_time: Option<String>,
    /// Latest effective time of any staged row.
    pub max_time: Option<String>,
    /// Module ids already in `content_modules` (a number compare per row, not a string).
    seen: HashSet<u64>,
}

impl PackageFacts {
    /// Takes note of one row as it is staged (a hash insert or two; no second pass over the
    /// staged tables, which cost seconds at International scale).
    pub fn note(&mut self, row: &concord_loaders::rf2::Row, file_kind: Option<&str>) {
        use concord_loaders::rf2::Row;
        let (module, time, core) = match row {
            Row::Concept(r) => {
                let m = r.module_id.to_string();
                match self.concept_modules.iter_mut().find(|(x, _)| *x == m) {
                    Some((_, n)) => *n += 1,
                    None => self.concept_modules.push((m, 1)),
                }
                (r.module_id, &r.effective_time, true)
            }
            Row::Description(r) => (r.module_id, &r.effective_time, true),
            Row::Relationship(r) => (r.module_id, &r.effective_time, true),
            Row::Refset(r) => {
                if file_kind == Some("ModuleDependency") && r.active {
                    let mut times = r.fields.iter();
                    self.dependencies.push(ModuleDependency {
                        module: r.module_id.to_string(),
                        target: r.referenced_component_id.clone(),
                        source_time: times.next().cloned().unwrap_or_default(),
                        target_time: times.next().cloned().unwrap_or_default(),
                    });
                }
                (r.module_id, &r.effective_time, false)
            }
        };
        if self.seen.insert(module) {
            self.content_modules.push(module.to_string());
        }
        if !time.is_empty() {
            let newer = |max: &Option<String>| max.as_ref().is_none_or(|x| time > x);
            if core && newer(&self.core_max_time) {
                self.core_max_time = Some(time.clone());
            }
            if newer(&self.max_time) {
                self.max_time = Some(time.clone());
            }
        }
    }
}

/// One module dependency refset row: `module` (at `source_time`) depends on `target` (at
/// `target_time`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleDependency {
    /// The dependent module.
    pub module: String,
    /// The module it depends on.
    pub target: String,
    /// Version of `module` (sourceEffectiveTime).
    pub source_time: String,
    /// Version of `target` required (targetEffectiveTime).
    pub target_time: String,
}

/// What the import of one package will do.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The loaded version to copy first, if any.
    pub base: Option<LoadedEdition>,
    /// Edition module of the new version.
    pub edition: String,
    /// Version date of the new version.
    pub date: String,
    /// What the user should know about the choice (printed as notes).
    pub notes: Vec<String>,
    /// What the user must know (printed as warnings).
    pub warnings: Vec<String>,
}

/// What the user asked for on the command line.
#[derive(Debug, Clone, Default)]
pub struct Overrides<'a> {
    /// `--edition URI`: the edition (and optionally the version) to name the result.
    pub edition: Option<&'a str>,
    /// `--base URI`: the loaded version to layer on.
    pub base: Option<&'a str>,
    /// The package is a Delta (always applied to a loaded version).
    pub delta: bool,
    /// The date in the package's file names (last resort for the version).
    pub file_date: &'a str,
}

/// True for an id in the long (namespaced) format: an extension's own component.
fn namespaced(id: &str) -> bool {
    id.len() >= 3 && id.as_bytes()[id.len() - 3] == b'1'
}

/// Decides edition, version and base. `has_module(version, module)` says whether a loaded
/// version holds a module.
pub fn plan(
    facts: &PackageFacts,
    loaded: &[LoadedEdition],
    o: &Overrides,
    has_module: impl Fn(i64, &str) -> Result<bool>,
) -> Result<Plan> {
    let mut p = Plan {
        base: None,
        edition: String::new(),
        date: String::new(),
        notes: vec![],
        warnings: vec![],
    };
    let (edition, date, why) = package_edition(facts, o.file_date);
    p.edition = edition;
    p.date = date;
    if let Some(b) = o.base {
        p.base = Some(find_loaded(loaded, b)?);
        p.notes.push(format!(
            "layered on {} (--base)",
            version_uri(p.base.as_ref())
        ));
    } else if o.delta {
        let base = loaded
            .iter()
            .find(|l| l.module == p.edition)
            .or_else(|| loaded.first());
        let Some(base) = base else {
            bail!(
                "this is a Delta, but no SNOMED CT release is loaded to apply it to; import a Snapshot or Full release first"
            );
        };
        p.base = Some(base.clone());
        p.notes.push(format!(
            "Delta applied to the loaded {}",
            version_uri(p.base.as_ref())
        ));
    } else if facts
        .concept_modules
        .iter()
        .any(|(m, _)| m == sct::CORE_MODULE)
    {
        // A whole edition: it carries the International core itself.
    } else {
        p.base = declared_base(facts, loaded, &mut p, &has_module)?;
    }
    // Named after the edition it makes: the package's own edition, unless it only adds to
    // its base's modules (an add-on refset package), which then stays that edition.
    if let Some(base) = &p.base
        && !facts
            .content_modules
            .iter()
            .chain(facts.concept_modules.iter().map(|(m, _)| m))
            .any(|m| *m == p.edition)
    {
        p.edition = base.module.clone();
    }
    // A Delta or an add-on continues its base's edition: the result is never older than the
    // base (an old map Delta applied to a newer release updates that release).
    if let Some(base) = &p.base
        && base.module == p.edition
        && base.date > p.date
    {
        p.date = base.date.clone();
    }
    if let Some(e) = o.edition {
        let v = parse_flag("--edition", e)?;
        p.notes.push(format!(
            "edition {} chosen by --edition (the package says {} {})",
            e, p.edition, p.date
        ));
        p.edition = v.module;
        if let Some(d) = v.date {
            p.date = d;
        }
    } else {
        p.notes.push(format!(
            "edition {} ({why})",
            uri::snomed_version(&p.edition, &p.date)
        ));
    }
    Ok(p)
}

/// An edition or version URI given with `flag`.
fn parse_flag(flag: &str, value: &str) -> Result<uri::SnomedVersion> {
    uri::parse_snomed_version(value).ok_or_else(|| {
        anyhow::anyhow!(
            "{flag} {value}: expected http://snomed.info/sct/{{module}} or http://snomed.info/sct/{{module}}/version/{{yyyymmdd}}"
        )
    })
}

fn version_uri(l: Option<&LoadedEdition>) -> String {
    l.map(|l| uri::snomed_version(&l.module, &l.date))
        .unwrap_or_default()
}

/// The loaded version a `--base` URI names (module only: its latest version).
fn find_loaded(loaded: &[LoadedEdition], base: &str) -> Result<LoadedEdition> {
    let v = parse_flag("--base", base)?;
    loaded
        .iter()
        .find(|l| l.module == v.module && v.date.as_ref().is_none_or(|d| *d == l.date))
        .cloned()
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--base {base} is not loaded (loaded SNOMED CT versions: {})",
                list(loaded)
            )
        })
}

fn list(loaded: &[LoadedEdition]) -> String {
    if loaded.is_empty() {
        return "none".into();
    }
    loaded
        .iter()
        .map(|l| uri::snomed_version(&l.module, &l.date))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The base an extension declares in its module dependency refset (or the latest International
/// edition when it declares none).
fn declared_base(
    facts: &PackageFacts,
    loaded: &[LoadedEdition],
    p: &mut Plan,
    has_module: &impl Fn(i64, &str) -> Result<bool>,
) -> Result<Option<LoadedEdition>> {
    let own: HashSet<&str> = facts.content_modules.iter().map(String::as_str).collect();
    // What the package needs from outside: (module, version), first-declared first.
    let mut required: Vec<(&str, &str)> = Vec::new();
    for d in &facts.dependencies {
        if own.contains(d.module.as_str())
            && !own.contains(d.target.as_str())
            && !required.iter().any(|(m, _)| *m == d.target)
        {
            required.push((&d.target, &d.target_time));
        }
    }
    if required.is_empty() {
        let international = loaded.iter().find(|l| l.module == sct::CORE_MODULE);
        match international {
            Some(b) => p.warnings.push(format!(
                "the package has no module dependency refset naming its base; layered on the latest loaded International edition {} (choose another with --base)",
                version_uri(Some(b))
            )),
            None => p.warnings.push(
                "the package holds no International core content and names no base, and no International edition is loaded: imported on its own, so concepts of other modules it refers to are unknown".into(),
            ),
        }
        return Ok(international.cloned());
    }
    // The base is the loaded edition matching a declared dependency exactly; where several
    // do (International and a national edition built on it), the one holding more.
    let base = loaded
        .iter()
        .filter(|l| required.iter().any(|(m, t)| *m == l.module && *t == l.date))
        .max_by_key(|l| l.concepts)
        .cloned();
    let Some(base) = base else {
        let (m, t) = required
            .iter()
            .find(|(m, _)| loaded.iter().any(|l| l.module == *m))
            .or_else(|| required.iter().find(|(m, _)| *m == sct::CORE_MODULE))
            .unwrap_or(&required[0]);
        bail!(
            "this extension depends on {} (module {m} version {t}, per its module dependency refset), which is not loaded; loaded SNOMED CT versions: {}. Import that release first, or name a base with --base",
            uri::snomed_version(m, t),
            list(loaded)
        );
    };
    let mut missing = Vec::new();
    for (m, t) in &required {
        if *m != base.module && !has_module(base.id, m)? {
            missing.push(format!("module {m} version {t}"));
        }
    }
    if !missing.is_empty() {
        bail!(
            "this extension depends on {}, which {} not in the loaded {}; import the edition that holds {} first, or name a base with --base",
            missing.join(" and "),
            if missing.len() == 1 { "is" } else { "are" },
            version_uri(Some(&base)),
            if missing.len() == 1 { "it" } else { "them" }
        );
    }
    p.notes.push(format!(
        "layered on the loaded edition {} (declared by the module dependency refset)",
        version_uri(Some(&base))
    ));
    Ok(Some(base))
}

/// The edition module and version date the package names itself by, and why.
fn package_edition(facts: &PackageFacts, file_date: &str) -> (String, String, &'static str) {
    let mut graph: HashMap<&str, Vec<&str>> = HashMap::new();
    for d in &facts.dependencies {
        if d.module != d.target {
            graph
                .entry(d.module.as_str())
                .or_default()
                .push(d.target.as_str());
        }
    }
    let reach = |m: &str| {
        let mut seen = HashSet::new();
        let mut stack = vec![m];
        while let Some(x) = stack.pop() {
            for y in graph.get(x).into_iter().flatten() {
                if seen.insert(*y) {
                    stack.push(y);
                }
            }
        }
        seen.len()
    };
    let owners: Vec<(&str, i64)> = if facts.concept_modules.is_empty() {
        facts
            .content_modules
            .iter()
            .map(|m| (m.as_str(), 0))
            .collect()
    } else {
        facts
            .concept_modules
            .iter()
            .map(|(m, n)| (m.as_str(), *n))
            .collect()
    };
    let (edition, why) = if graph.is_empty() {
        let ext = owners
            .iter()
            .filter(|(m, _)| namespaced(m))
            .max_by_key(|(m, n)| (*n, std::cmp::Reverse(*m)));
        match ext {
            Some((m, _)) => (
                m.to_string(),
                "no module dependency refset: the extension module with the most concepts",
            ),
            None => (
                sct::CORE_MODULE.to_string(),
                "no module dependency refset and no extension module: the International edition",
            ),
        }
    } else {
        let best = owners
            .iter()
            .filter(|(m, _)| !m.is_empty())
            .max_by_key(|(m, n)| (reach(m), *n, std::cmp::Reverse(*m)));
        match best {
            Some((m, _)) => (
                m.to_string(),
                "the module that depends on the others, per the module dependency refset",
            ),
            None => (
                sct::CORE_MODULE.to_string(),
                "nothing to tell the edition from: the International edition",
            ),
        }
    };
    let declared = facts
        .dependencies
        .iter()
        .filter(|d| d.module == edition && !d.source_time.is_empty())
        .map(|d| d.source_time.clone())
        .max();
    let date = declared
        .or_else(|| facts.core_max_time.clone())
        .or_else(|| facts.max_time.clone())
        .unwrap_or_else(|| file_date.to_string());
    (edition, date, why)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = sct::MODEL_MODULE;
    const CORE: &str = sct::CORE_MODULE;
    const UK: &str = "999000011000000103";
    const DRUG: &str = "999000021000001108";

    fn dep(m: &str, t: &str, st: &str, tt: &str) -> ModuleDependency {
        ModuleDependency {
            module: m.into(),
            target: t.into(),
            source_time: st.into(),
            target_time: tt.into(),
        }
    }

    fn facts(concepts: &[(&str, i64)], deps: Vec<ModuleDependency>) -> PackageFacts {
        PackageFacts {
            concept_modules: concepts.iter().map(|(m, n)| (m.to_string(), *n)).collect(),
            content_modules: concepts.iter().map(|(m, _)| m.to_string()).collect(),
            dependencies: deps,
            core_max_time: Some("20250101".into()),
            max_time: Some("20250301".into()),
            ..Default::default()
        }
    }

    fn loaded(id: i64, m: &str, d: &str, n: i64) -> LoadedEdition {
        LoadedEdition {
            id,
            module: m.into(),
            date: d.into(),
            concepts: n,
        }
    }

    fn no_modules(_: i64, _: &str) -> Result<bool> {
        Ok(false)
    }

    fn overrides() -> Overrides<'static> {
        Overrides {
            file_date: "20250401",
            ..Default::default()
        }
    }

    #[test]
    fn a_base_mostly_in_the_model_module_is_the_international_edition() {
        // No refset: the core module names the edition, not the module with most concepts.
        let f = facts(&[(MODEL, 1500), (CORE, 150)], vec![]);
        let p = plan(&f, &[], &overrides(), no_modules).unwrap();
        assert_eq!((p.edition.as_str(), p.base), (CORE, None));
        let f = facts(
            &[(MODEL, 1500), (CORE, 150)],
            vec![dep(CORE, MODEL, "20250131", "20250131")],
        );
        let p = plan(&f, &[], &overrides(), no_modules).unwrap();
        assert_eq!(p.edition, CORE);
        assert_eq!(p.date, "20250131", "the refset's sourceEffectiveTime");
    }

    #[test]
    fn the_version_is_not_taken_from_a_later_map_file() {
        let f = facts(&[(CORE, 10)], vec![]);
        let p = plan(&f, &[], &overrides(), no_modules).unwrap();
        assert_eq!(p.date, "20250101", "core rows, not the later refset rows");
    }

    #[test]
    fn an_extension_layers_on_the_edition_its_refset_names() {
        let f = facts(
            &[(UK, 20)],
            vec![
                dep(UK, CORE, "20250401", "20250131"),
                dep(UK, MODEL, "20250401", "20250131"),
            ],
        );
        let int = loaded(1, CORE, "20250131", 1000);
        let old = loaded(2, CORE, "20240731", 990);
        let p = plan(&f, &[old.clone(), int.clone()], &overrides(), |_, m| {
            Ok(m == MODEL)
        })
        .unwrap();
        assert_eq!(p.base, Some(int.clone()));
        assert_eq!((p.edition.as_str(), p.date.as_str()), (UK, "20250401"));
        // The declared version is not loaded: refused, naming module and date.
        let e = plan(&f, &[old], &overrides(), no_modules).unwrap_err();
        assert!(
            e.to_string()
                .contains("module 900000000000207008 version 20250131"),
            "{e}"
        );
        // The drug extension needs the UK clinical edition, not just International.
        let drug = facts(
            &[(DRUG, 5)],
            vec![
                dep(DRUG, UK, "20250501", "20250401"),
                dep(DRUG, CORE, "20250501", "20250131"),
            ],
        );
        let e = plan(&drug, std::slice::from_ref(&int), &overrides(), no_modules).unwrap_err();
        assert!(
            e.to_string()
                .contains("module 999000011000000103 version 20250401"),
            "{e}"
        );
        let uk = loaded(3, UK, "20250401", 1020);
        let p = plan(
            &drug,
            &[uk.clone(), int],
            &overrides(),
            |_, m| Ok(m == CORE),
        )
        .unwrap();
        assert_eq!(p.base, Some(uk));
        assert_eq!(p.edition, DRUG);
    }

    #[test]
    fn without_a_refset_an_extension_takes_the_latest_international_with_a_warning() {
        let f = facts(&[(UK, 20)], vec![]);
        let int = loaded(1, CORE, "20250131", 1000);
        let p = plan(&f, std::slice::from_ref(&int), &overrides(), no_modules).unwrap();
        assert_eq!(p.base, Some(int));
        assert_eq!(p.edition, UK);
        assert!(p.warnings[0].contains("900000000000207008/version/20250131"));
        // --base picks another; --edition renames the result.
        let other = loaded(4, UK, "20241001", 1010);
        let o = Overrides {
            base: Some("http://snomed.info/sct/999000011000000103"),
            edition: Some("http://snomed.info/sct/999000011000000103/version/20250402"),
            ..overrides()
        };
        let p = plan(&f, std::slice::from_ref(&other), &o, no_modules).unwrap();
        assert_eq!(p.base, Some(other));
        assert_eq!(p.date, "20250402");
        let o = Overrides {
            base: Some("http://snomed.info/sct/1"),
            ..overrides()
        };
        assert!(plan(&f, &[], &o, no_modules).is_err());
    }
}
