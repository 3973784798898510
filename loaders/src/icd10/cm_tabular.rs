//! CDC ICD-10-CM tabular XML reader (`<ICD10CM.tabular>`): chapters, sections (blocks) and
//! `diag` codes at every depth with their notes (`includes`, `inclusionTerm`, `excludes1`,
//! `excludes2`, `codeFirst`, `useAdditionalCode`, `codeAlso`, `notes`, `sevenChrNote`).
//!
//! 7th characters: a `sevenChrDef` applies to its `diag` and everything below it (the nearest
//! definition wins). Every leaf code under a definition gets one code per 7th character; codes
//! shorter than six characters are first padded with the placeholder `X`
//! (`S00.00` + `A` → `S00.00XA`).
//!
//! Exceptions the tabular states only in prose are honoured when they follow its one sentence
//! form, "7th characters D and S do not apply to codes in category S06 with 6th character 7 - …,
//! or 8 - …" (see [`SeventhRule`]).
//!
//! A section whose id equals its only category (`B10`) is the same code as that category: the
//! category is kept and hangs directly under the chapter.

use super::{ClassEntry, Classification, Rubric};
use crate::xml::{self, Node};
use crate::{Error, Result};

const NOTE_KINDS: &[&str] = &[
    "includes",
    "inclusionTerm",
    "excludes1",
    "excludes2",
    "codeFirst",
    "useAdditionalCode",
    "codeAlso",
    "notes",
    "sevenChrNote",
];

/// Parses the tabular XML text.
pub fn parse(file: &str, text: &str) -> Result<Classification> {
    let root = xml::parse(file, text)?;
    if root.name != "ICD10CM.tabular" {
        return Err(Error::line(
            file,
            root.line,
            format!(
                "root element is <{}>, expected <ICD10CM.tabular>",
                root.name
            ),
        ));
    }
    let version = root.child("version").map(Node::text).unwrap_or_default();
    let mut out = Classification {
        name: "ICD-10-CM".into(),
        title: "International Classification of Diseases, Tenth Revision, Clinical Modification"
            .into(),
        version,
        ..Default::default()
    };
    for chapter in root.children_named("chapter") {
        let code = need_text(file, chapter, "name")?;
        out.entries.push(entry(
            &code,
            "chapter",
            &need_text(file, chapter, "desc")?,
            vec![],
            chapter,
            false,
        ));
        for section in chapter.children_named("section") {
            let id = section
                .attr("id")
                .ok_or_else(|| Error::line(file, section.line, "<section> lacks its id attribute"))?
                .to_string();
            let diags: Vec<&Node> = section.children_named("diag").collect();
            let merged = diags.len() == 1
                && diags[0].child("name").map(Node::text).as_deref() == Some(id.as_str());
            let parent_of_diags = if merged {
                code.clone()
            } else {
                let desc = section.child("desc").map(Node::text).unwrap_or_default();
                out.entries.push(entry(
                    &id,
                    "block",
                    &desc,
                    vec![code.clone()],
                    section,
                    false,
                ));
                id.clone()
            };
            for d in diags {
                walk_diag(file, d, &parent_of_diags, None, &mut out.entries)?;
            }
        }
    }
    Ok(out)
}

/// The 7th characters in force for a subtree, and the characters a stated exception removes for
/// codes with given 6th characters.
#[derive(Debug, Clone, Default)]
pub struct SeventhRule {
    /// (character, label) in source order.
    pub chars: Vec<(String, String)>,
    /// 7th characters that do not apply when the 6th character is one of `when_sixth`.
    pub excluded: Vec<String>,
    /// 6th characters that trigger the exclusion.
    pub when_sixth: Vec<char>,
}

impl SeventhRule {
    fn allows(&self, base: &str, c: &str) -> bool {
        let sixth = base.replace('.', "").chars().nth(5);
        !(sixth.is_some_and(|s| self.when_sixth.contains(&s))
            && self.excluded.iter().any(|e| e == c))
    }
}

/// Reads "7th characters D and S do not apply to codes in category S06 with 6th character 7 - …,
/// or 8 - …" from a note.
fn exception(note: &str) -> Option<(Vec<String>, Vec<char>)> {
    let re = regex::Regex::new(
        r"^7th characters? (.+?) do(?:es)? not apply to codes in .*? with 6th characters? (.+)$",
    )
    .ok()?;
    let caps = re.captures(note)?;
    let excluded: Vec<String> = caps[1]
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() == 1)
        .map(str::to_string)
        .collect();
    let sixth_re = regex::Regex::new(r"(?:^|, or |, )([0-9A-Z]) -").ok()?;
    let when: Vec<char> = sixth_re
        .captures_iter(&caps[2])
        .filter_map(|c| c[1].chars().next())
        .collect();
    (!excluded.is_empty() && !when.is_empty()).then_some((excluded, when))
}

fn walk_diag(
    file: &str,
    d: &Node,
    parent: &str,
    inherited: Option<&SeventhRule>,
    out: &mut Vec<ClassEntry>,
) -> Result<()> {
    let code = need_text(file, d, "name")?;
    let desc = need_text(file, d, "desc")?;
    let own: Option<SeventhRule> = d.child("sevenChrDef").map(|def| {
        let mut rule = SeventhRule {
            chars: def
                .children_named("extension")
                .map(|e| (e.attr("char").unwrap_or_default().to_string(), e.text()))
                .collect(),
            ..Default::default()
        };
        for note in d
            .children_named("notes")
            .flat_map(|n| n.children_named("note"))
        {
            if let Some((excluded, when)) = exception(&note.text()) {
                rule.excluded = excluded;
                rule.when_sixth = when;
            }
        }
        rule
    });
    let seventh = own.as_ref().or(inherited);
    out.push(entry(
        &code,
        "category",
        &desc,
        vec![parent.to_string()],
        d,
        false,
    ));
    let children: Vec<&Node> = d.children_named("diag").collect();
    if children.is_empty()
        && let Some(rule) = seventh
    {
        let mut base = code.clone();
        while base.replace('.', "").len() < 6 {
            if !base.contains('.') {
                base.push('.');
            }
            base.push('X');
        }
        for (c, label) in &rule.chars {
            if !rule.allows(&base, c) {
                continue;
            }
            if c.len() != 1 {
                return Err(Error::line(
                    file,
                    d.line,
                    format!("7th character '{c}' is not one character"),
                ));
            }
            out.push(ClassEntry {
                code: format!("{base}{c}"),
                kind: "category".into(),
                display: format!("{desc}, {label}"),
                parents: vec![code.clone()],
                rubrics: vec![],
                usage: None,
                generated: true,
            });
        }
    }
    for child in children {
        walk_diag(file, child, &code, seventh, out)?;
    }
    Ok(())
}

fn need_text(file: &str, n: &Node, child: &str) -> Result<String> {
    n.child(child)
        .map(Node::text)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::line(file, n.line, format!("<{}> lacks <{child}>", n.name)))
}

fn entry(
    code: &str,
    kind: &str,
    display: &str,
    parents: Vec<String>,
    n: &Node,
    generated: bool,
) -> ClassEntry {
    let mut rubrics = Vec::new();
    for kind in NOTE_KINDS {
        for block in n.children_named(kind) {
            for note in block.children_named("note") {
                rubrics.push(Rubric {
                    kind: kind.to_string(),
                    language: Some("en".into()),
                    text: note.text(),
                    references: vec![],
                });
            }
        }
    }
    ClassEntry {
        code: code.to_string(),
        kind: kind.to_string(),
        display: display.to_string(),
        parents,
        rubrics,
        usage: None,
        generated,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_stated_seventh_character_exception() {
        let (ex, when) = super::exception("7th characters D and S do not apply to codes in category S06 with 6th character 7 - death due to brain injury prior to regaining consciousness, or 8 - death due to other cause prior to regaining consciousness.").unwrap();
        assert_eq!(ex, vec!["D", "S"]);
        assert_eq!(when, vec!['7', '8']);
        assert!(super::exception("Use additional code").is_none());
    }
}
