//! An RF2 package: the RF2 files found in a zip, folder or single file, grouped by release type,
//! plus an explicit list of the members that were skipped and why (nothing is ignored silently).

use super::filename::{self, ContentKind, ReleaseType, Rf2FileName};
use crate::source::{self, Member};
use crate::{Error, Result};
use std::path::Path;

/// One RF2 file inside a package.
#[derive(Debug, Clone)]
pub struct Rf2File {
    /// Where to read it.
    pub member: Member,
    /// Its parsed name.
    pub name: Rf2FileName,
}

/// A member that is not loaded, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Member name.
    pub name: String,
    /// Why it is not loaded.
    pub reason: String,
}

/// The RF2 content of one source path.
#[derive(Debug, Clone)]
pub struct Rf2Package {
    /// Every file that follows the RF2 grammar, in member order.
    pub files: Vec<Rf2File>,
    /// Members not loaded (documentation, manifests, unknown names).
    pub skipped: Vec<Skipped>,
}

impl Rf2Package {
    /// Lists and classifies the members of `path`. Fails if nothing in it is RF2.
    pub fn open(path: &Path) -> Result<Self> {
        let mut files = Vec::new();
        let mut skipped = Vec::new();
        for member in source::members(path)? {
            let base = member.base_name().to_string();
            match filename::parse(&base) {
                Some(name) => files.push(Rf2File { member, name }),
                None => {
                    let reason = if base.to_ascii_lowercase().starts_with("readme")
                        || base.ends_with(".json")
                        || base.ends_with(".pdf")
                        || base.ends_with(".html")
                    {
                        "release documentation, not RF2 content"
                    } else {
                        "file name does not follow the RF2 grammar FileType_ContentType_ContentSubType_Namespace_Date.txt"
                    };
                    skipped.push(Skipped {
                        name: member.name.clone(),
                        reason: reason.into(),
                    });
                }
            }
        }
        if files.is_empty() {
            return Err(Error::file(
                path.display().to_string(),
                "no RF2 files (sct2_*/der2_*.txt) found",
            ));
        }
        Ok(Rf2Package { files, skipped })
    }

    /// Release types present, in Full < Snapshot < Delta order.
    pub fn release_types(&self) -> Vec<ReleaseType> {
        let mut v: Vec<ReleaseType> = self.files.iter().map(|f| f.name.release_type).collect();
        v.sort();
        v.dedup();
        v
    }

    /// The release type to load when the caller has no preference: Snapshot if present, else
    /// Full, else Delta.
    pub fn default_release_type(&self) -> ReleaseType {
        let types = self.release_types();
        if types.contains(&ReleaseType::Snapshot) {
            ReleaseType::Snapshot
        } else if types.contains(&ReleaseType::Full) {
            ReleaseType::Full
        } else {
            ReleaseType::Delta
        }
    }

    /// Files of one release type, ordered so that concepts load before descriptions,
    /// relationships and refsets (the order a reader of the spec expects in progress output).
    pub fn files_of(&self, rt: ReleaseType) -> Vec<&Rf2File> {
        let mut v: Vec<&Rf2File> = self
            .files
            .iter()
            .filter(|f| f.name.release_type == rt)
            .collect();
        v.sort_by_key(|f| {
            let rank = match f.name.kind {
                ContentKind::Concept => 0,
                ContentKind::Description => 1,
                ContentKind::TextDefinition => 2,
                ContentKind::Relationship => 3,
                ContentKind::StatedRelationship => 4,
                ContentKind::RelationshipConcreteValues => 5,
                ContentKind::Identifier => 6,
                ContentKind::Refset { .. } => 7,
            };
            (rank, f.member.name.clone())
        });
        v
    }

    /// The latest version date in any file name.
    pub fn release_date(&self) -> String {
        self.files
            .iter()
            .map(|f| f.name.date.clone())
            .max()
            .unwrap_or_default()
    }
}
