//! ClaML 2.0 (EN 14463 / ISO 13120) reader: `Class` with `SuperClass`/`SubClass`, every
//! `Rubric` kind with `Reference`s kept, `usage` (dagger/asterisk), and `Modifier` /
//! `ModifierClass` / `ModifiedBy` generating the modified codes (`excludeOnPrecedingModifier`
//! honoured, `ValidModifierClass` restricting `all="false"`).

use super::{ClassEntry, Classification, Rubric};
use crate::xml::{self, Node};
use crate::{Error, Result};
use std::collections::{HashMap, HashSet};

struct ModClass {
    code: String,
    label: String,
    /// (modifier, modifier class) pairs that exclude this class when chosen earlier.
    excluded_after: Vec<(String, String)>,
}

/// Parses ClaML text. `file` is used in error messages.
pub fn parse(file: &str, text: &str) -> Result<Classification> {
    let root = xml::parse(file, text)?;
    if root.name != "ClaML" {
        return Err(Error::line(
            file,
            root.line,
            format!("root element is <{}>, expected <ClaML>", root.name),
        ));
    }
    let mut out = Classification::default();
    if let Some(t) = root.child("Title") {
        out.name = t.attr("name").unwrap_or_default().to_string();
        out.version = t.attr("version").unwrap_or_default().to_string();
        out.date = t.attr("date").map(str::to_string);
        out.title = t.text();
    }

    // Modifiers: ordered subclass lists and their classes.
    let mut modifier_order: HashMap<String, Vec<String>> = HashMap::new();
    let mut modclasses: HashMap<(String, String), ModClass> = HashMap::new();
    for m in root.children_named("Modifier") {
        let code = req_attr(file, m, "code")?;
        modifier_order.insert(
            code.clone(),
            m.children_named("SubClass")
                .filter_map(|s| s.attr("code").map(str::to_string))
                .collect(),
        );
    }
    for mc in root.children_named("ModifierClass") {
        let code = req_attr(file, mc, "code")?;
        let modifier = req_attr(file, mc, "modifier")?;
        let label = mc
            .children_named("Rubric")
            .find(|r| r.attr("kind") == Some("preferred"))
            .map(label_text)
            .unwrap_or_default();
        let mut excluded_after = Vec::new();
        for meta in mc.children_named("Meta") {
            if meta.attr("name") == Some("excludeOnPrecedingModifier") {
                let v = meta.attr("value").unwrap_or_default();
                let mut parts = v.split_whitespace();
                match (parts.next(), parts.next()) {
                    (Some(m), Some(c)) => excluded_after.push((m.to_string(), c.to_string())),
                    _ => {
                        return Err(Error::line(
                            file,
                            meta.line,
                            format!(
                                "excludeOnPrecedingModifier value '{v}' is not 'MODIFIER CLASS'"
                            ),
                        ));
                    }
                }
            }
        }
        let order = modifier_order.entry(modifier.clone()).or_default();
        if !order.contains(&code) {
            order.push(code.clone());
        }
        modclasses.insert(
            (modifier, code.clone()),
            ModClass {
                code,
                label,
                excluded_after,
            },
        );
    }

    let mut seen = HashSet::new();
    let mut generated = Vec::new();
    for class in root.children_named("Class") {
        let code = req_attr(file, class, "code")?;
        let kind = class.attr("kind").unwrap_or("category").to_string();
        let mut display = String::new();
        let mut rubrics = Vec::new();
        for r in class.children_named("Rubric") {
            let rkind = r.attr("kind").unwrap_or_default().to_string();
            for label in r.children_named("Label") {
                let rub = Rubric {
                    kind: rkind.clone(),
                    language: label.attr("lang").map(str::to_string),
                    text: label.text(),
                    references: references(label),
                };
                if rkind == "preferred" && display.is_empty() {
                    display = rub.text.clone();
                } else {
                    rubrics.push(rub);
                }
            }
        }
        let parents = class
            .children_named("SuperClass")
            .filter_map(|s| s.attr("code").map(str::to_string))
            .collect();
        let entry = ClassEntry {
            code: code.clone(),
            kind,
            display,
            parents,
            rubrics,
            usage: class.attr("usage").map(str::to_string),
            generated: false,
        };
        // Modified codes: one level per ModifiedBy, in document order.
        let mods: Vec<(String, Option<Vec<String>>)> = class
            .children_named("ModifiedBy")
            .map(|m| {
                let all = m.attr("all").map(|v| v != "false").unwrap_or(true);
                let valid = (!all).then(|| {
                    m.children_named("ValidModifierClass")
                        .filter_map(|v| v.attr("code").map(str::to_string))
                        .collect()
                });
                (m.attr("code").unwrap_or_default().to_string(), valid)
            })
            .collect();
        for (m, _) in &mods {
            if !modifier_order.contains_key(m) {
                return Err(Error::line(
                    file,
                    class.line,
                    format!("class {code} is modified by unknown modifier '{m}'"),
                ));
            }
        }
        expand(
            &entry,
            &mods,
            0,
            &[],
            &modifier_order,
            &modclasses,
            &mut generated,
        );
        seen.insert(code);
        out.entries.push(entry);
    }
    // Listed classes win over generated ones with the same code.
    for g in generated {
        if seen.insert(g.code.clone()) {
            out.entries.push(g);
        }
    }
    Ok(out)
}

fn expand(
    base: &ClassEntry,
    mods: &[(String, Option<Vec<String>>)],
    level: usize,
    chosen: &[(String, String)],
    order: &HashMap<String, Vec<String>>,
    classes: &HashMap<(String, String), ModClass>,
    out: &mut Vec<ClassEntry>,
) {
    let Some((modifier, valid)) = mods.get(level) else {
        return;
    };
    for mc_code in order.get(modifier).into_iter().flatten() {
        if valid.as_ref().is_some_and(|v| !v.contains(mc_code)) {
            continue;
        }
        let Some(mc) = classes.get(&(modifier.clone(), mc_code.clone())) else {
            continue;
        };
        if mc.excluded_after.iter().any(|ex| chosen.contains(ex)) {
            continue;
        }
        let entry = ClassEntry {
            code: format!("{}{}", base.code, mc.code),
            kind: base.kind.clone(),
            display: if mc.label.is_empty() {
                base.display.clone()
            } else {
                format!("{}: {}", base.display, mc.label)
            },
            parents: vec![base.code.clone()],
            rubrics: Vec::new(),
            usage: base.usage.clone(),
            generated: true,
        };
        let mut next = chosen.to_vec();
        next.push((modifier.clone(), mc.code.clone()));
        expand(&entry, mods, level + 1, &next, order, classes, out);
        out.push(entry);
    }
}

fn req_attr(file: &str, n: &Node, name: &str) -> Result<String> {
    n.attr(name).map(str::to_string).ok_or_else(|| {
        Error::line(
            file,
            n.line,
            format!("<{}> lacks the required attribute '{name}'", n.name),
        )
    })
}

fn label_text(rubric: &Node) -> String {
    rubric.child("Label").map(Node::text).unwrap_or_default()
}

fn references(label: &Node) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(n: &Node, out: &mut Vec<String>) {
        for c in n.children() {
            if c.name == "Reference" {
                out.push(
                    c.attr("code")
                        .map(str::to_string)
                        .unwrap_or_else(|| c.text()),
                );
            }
            walk(c, out);
        }
    }
    walk(label, &mut out);
    out
}
