//! ICD-10 family readers. Both produce a [`Classification`]: a flat list of classes with their
//! kind, preferred display, parents and every rubric (inclusions, exclusions, notes, …) kept with
//! its kind, so nothing the source says about a code is lost.
//!
//! - [`claml`]: ClaML 2.0 (WHO ICD-10 and other classifications), incl. modifiers.
//! - [`cm_tabular`]: the CDC ICD-10-CM tabular XML, incl. 7th-character code generation.
//! - [`cm_flat`]: the CMS ICD-10-CM "codes" flat file (code + long description).

pub mod claml;
pub mod cm_flat;
pub mod cm_tabular;

/// A rubric (label) of a class: its kind (`preferred`, `inclusion`, `exclusion`, `note`,
/// `excludes1`, `codeFirst`, …) and text.
#[derive(Debug, Clone, PartialEq)]
pub struct Rubric {
    /// Rubric kind as named by the source format.
    pub kind: String,
    /// Language of the label, when given.
    pub language: Option<String>,
    /// Label text with references kept inline.
    pub text: String,
    /// Codes referenced from inside the label (ClaML `<Reference>`).
    pub references: Vec<String>,
}

/// One class (chapter, block, category, or generated code).
#[derive(Debug, Clone, PartialEq)]
pub struct ClassEntry {
    /// The code as written (`A00.0`, `A00-A09`, `I`).
    pub code: String,
    /// `chapter`, `block`, `category`, …
    pub kind: String,
    /// Preferred label.
    pub display: String,
    /// Parent codes (SuperClass / enclosing element).
    pub parents: Vec<String>,
    /// Every rubric except the preferred one.
    pub rubrics: Vec<Rubric>,
    /// Dagger/asterisk usage (`dagger`, `aster`) when marked.
    pub usage: Option<String>,
    /// True when generated from modifiers or 7th-character rules rather than listed.
    pub generated: bool,
}

/// A whole classification release.
#[derive(Debug, Clone, Default)]
pub struct Classification {
    /// Short name (`ICD-10`, `ICD-10-CM`).
    pub name: String,
    /// Human title.
    pub title: String,
    /// Version label (`2019`, `2026`).
    pub version: String,
    /// Release date if given.
    pub date: Option<String>,
    /// Classes in source order.
    pub entries: Vec<ClassEntry>,
}
