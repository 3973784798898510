//! Display language: `displayLanguage` or `Accept-Language` choose the display. For SNOMED CT a
//! language tag picks a language reference set (en-GB 900000000000508004, en-US
//! 900000000000509007, or `xx-x-<refsetId>`), and the display is the synonym preferred in it;
//! for other code systems a designation in that language, else the concept's display.

use super::Result;
use super::source::Source;
use crate::model::{Concept, DesignationView, Family, sct};
use std::borrow::Cow;

/// True for a language list as `displayLanguage` and `Accept-Language` carry one: tags of
/// letters and digits in parts of 1–8 (BCP 47 shape) or `*`, each with an optional `;q=`.
pub fn is_language_list(s: &str) -> bool {
    // Parts of 1–8 letters or digits; after the private-use `x`, longer ones too (this
    // server's `en-x-{refsetId}` names a language refset by its SCTID).
    let tag_ok = |t: &str| {
        let mut private = false;
        t == "*"
            || (!t.is_empty()
                && t.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && t.split('-').all(|p| {
                    let ok = !p.is_empty()
                        && (private || p.len() <= 8)
                        && p.chars().all(|c| c.is_ascii_alphanumeric());
                    private |= p.eq_ignore_ascii_case("x");
                    ok
                }))
    };
    s.split(',').all(|part| {
        let mut it = part.trim().split(';');
        it.next().is_some_and(|t| tag_ok(t.trim())) && it.all(|q| q.trim().starts_with("q="))
    })
}

/// True when a language list refuses every language it does not name (`*; q=0`).
pub fn excludes_others(list: &str) -> bool {
    list.split(',').any(|part| {
        let mut it = part.trim().split(';');
        it.next().is_some_and(|t| t.trim() == "*")
            && it.any(|q| {
                q.trim()
                    .strip_prefix("q=")
                    .and_then(|v| v.trim().parse::<f32>().ok())
                    == Some(0.0)
            })
    })
}

/// Parses an `Accept-Language` header into tags by descending quality.
pub fn parse_accept_language(header: &str) -> Vec<String> {
    let mut tags: Vec<(f32, usize, String)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut it = part.trim().split(';');
            let tag = it.next()?.trim();
            if tag.is_empty() || tag == "*" {
                return None;
            }
            let q = it
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            (q > 0.0).then(|| (q, i, tag.to_string()))
        })
        .collect();
    tags.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    tags.into_iter().map(|t| t.2).collect()
}

/// True when language `l` is one the request asks for (no tags asks for every language): the
/// same tag, or one is the other's primary language (`en` and `en-AU`).
pub fn in_any(l: &str, tags: &[String]) -> bool {
    let primary = |t: &str| t.split('-').next().unwrap_or(t).to_ascii_lowercase();
    tags.is_empty()
        || tags.iter().any(|t| {
            t == "*"
                || t.eq_ignore_ascii_case(l)
                || primary(t) == l.to_ascii_lowercase()
                || primary(l) == t.to_ascii_lowercase()
        })
}

/// Chooses the display of `concept` for the requested language tags (then `default`).
pub fn display(
    source: &dyn Source,
    concept: &Concept,
    designations: &[DesignationView],
    tags: &[String],
    default: &str,
) -> Result<Option<String>> {
    let mut all: Vec<&str> = tags.iter().map(String::as_str).collect();
    // The server's default language picks a SNOMED CT dialect; other code systems answer
    // with their own display unless the request asks for a language.
    if source.meta().family == Family::Snomed {
        all.push(default);
    }
    for tag in all {
        if source.meta().family == Family::Snomed {
            for refset in refsets_for(source, tag)? {
                if let Some(d) = designations.iter().find(|d| preferred_in(d, &refset)) {
                    return Ok(Some(d.term.to_string()));
                }
            }
        } else {
            // The code system's own language: its display is the display.
            if source
                .meta()
                .language
                .as_deref()
                .is_some_and(|l| in_any(l, std::slice::from_ref(&tag.to_string())))
                && concept.display.is_some()
            {
                return Ok(concept.display.clone());
            }
            let primary = tag.split('-').next().unwrap_or(tag);
            if let Some(d) = designations.iter().find(|d| {
                d.active
                    && d.language.as_deref().is_some_and(|l| {
                        l.eq_ignore_ascii_case(tag)
                            || (!tag.contains("-x-")
                                && in_any(l, std::slice::from_ref(&tag.to_string())))
                    })
                    && d.use_code
                        .as_deref()
                        .is_none_or(|u| matches!(u, "display" | "preferred" | "900000000000013009"))
            }) {
                // A designation exactly in the concept's own display language is the display.
                if primary.eq_ignore_ascii_case("en")
                    && concept.display.is_some()
                    && source.meta().family != Family::Fhir
                {
                    return Ok(concept.display.clone());
                }
                return Ok(Some(d.term.to_string()));
            }
        }
    }
    Ok(concept.display.clone())
}

/// The SNOMED CT language refsets a BCP-47 tag asks for: en-GB, en-US and `xx-x-<refsetId>`
/// name one; any other tag (`sv`, `sv-SE`, `nl-BE`) the refsets whose members are descriptions
/// in its primary language.
fn refsets_for(source: &dyn Source, tag: &str) -> Result<Vec<String>> {
    if let Some(r) = sct::language_refset(tag) {
        return Ok(vec![r]);
    }
    let primary = tag.split('-').next().unwrap_or(tag);
    source.language_refsets(primary)
}

/// The first SNOMED CT language refset the request's tags (then the default) name: the dialect
/// whose preferred terms rank first in search.
pub fn first_refset(source: &dyn Source, tags: &[String], default: &str) -> Result<Option<String>> {
    for tag in tags.iter().map(String::as_str).chain([default]) {
        if let Some(r) = refsets_for(source, tag)?.into_iter().next() {
            return Ok(Some(r));
        }
    }
    Ok(None)
}

/// The display of a concept that has none (no preferred term in any dialect, as a concept
/// whose descriptions are missing from a partial release): its fully specified name, else any
/// active term, else the code itself, with a sentence saying which (FHIR `$lookup` requires a
/// display).
pub fn fallback_display(code: &str, designations: &[DesignationView]) -> (String, String) {
    let active = || designations.iter().filter(|d| d.active);
    if let Some(d) = active().find(|d| d.use_code.as_deref() == Some(sct::FSN)) {
        return (
            d.term.to_string(),
            format!("'{code}' has no preferred term; its fully specified name is the display"),
        );
    }
    if let Some(d) = active().next() {
        return (
            d.term.to_string(),
            format!("'{code}' has no preferred term; one of its other terms is the display"),
        );
    }
    (
        code.to_string(),
        format!("'{code}' has no descriptions in this release; the code is the display"),
    )
}

/// The term of the active synonym preferred in SNOMED CT language refset `refset`, if any.
pub fn preferred_term<'a>(
    designations: Vec<DesignationView<'a>>,
    refset: &str,
) -> Option<Cow<'a, str>> {
    designations
        .into_iter()
        .find(|d| preferred_in(d, refset))
        .map(|d| d.term)
}

/// True when `d` is the active synonym preferred in the SNOMED CT language refset `refset`.
fn preferred_in(d: &DesignationView, refset: &str) -> bool {
    d.active
        && d.use_code.as_deref() == Some(sct::SYNONYM)
        && d.acceptability
            .iter()
            .any(|(r, a)| r == refset && a == sct::PREFERRED)
}

/// The SNOMED CT dialect of a request, for the terms shown next to related codes (parents,
/// children, attribute values, normal forms): the language refsets of the requested tags, then
/// of the server default, in order. Stored displays are the en-US preferred terms, so a request
/// whose first dialect is en-US needs no work and `refsets` stays empty.
pub struct Dialect {
    refsets: Vec<String>,
}

impl Dialect {
    /// The dialect of a request for `source`.
    pub fn new(source: &dyn Source, tags: &[String], default: &str) -> Result<Self> {
        let mut refsets: Vec<String> = Vec::new();
        if source.meta().family == Family::Snomed {
            for tag in tags.iter().map(String::as_str).chain([default]) {
                for r in refsets_for(source, tag)? {
                    if !refsets.contains(&r) {
                        refsets.push(r);
                    }
                }
            }
        }
        if refsets.first().is_none_or(|r| r == sct::LANG_US) {
            refsets.clear();
        }
        Ok(Dialect { refsets })
    }

    /// The term to show for `code`: its synonym preferred in the first of the request's
    /// dialects that has one, else `stored` (the code's stored display).
    pub fn term<'s>(
        &self,
        source: &'s dyn Source,
        code: &str,
        stored: Option<Cow<'s, str>>,
    ) -> Result<Option<Cow<'s, str>>> {
        if self.refsets.is_empty() {
            return Ok(stored);
        }
        for refset in &self.refsets {
            if let Some(term) = source.preferred_term(code, refset)? {
                return Ok(Some(term));
            }
        }
        Ok(stored)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn accept_language_orders_by_quality() {
        assert_eq!(
            super::parse_accept_language("en-US;q=0.5, en-GB, fr;q=0"),
            ["en-GB", "en-US"]
        );
    }
}

#[cfg(test)]
mod list_tests {
    #[test]
    fn language_lists_are_tags_with_qualities() {
        for ok in [
            "en",
            "en-GB",
            "de, *; q=0",
            "en, en-AU; q=0.4",
            "en-x-900000000000508004",
        ] {
            assert!(super::is_language_list(ok), "{ok}");
        }
        for bad in ["-", "", "en--GB", "1en", "en;x=1"] {
            assert!(!super::is_language_list(bad), "{bad}");
        }
    }
}

#[cfg(test)]
mod exclusive_tests {
    #[test]
    fn a_zero_wildcard_refuses_other_languages() {
        assert!(super::excludes_others("de,*; q=0"));
        assert!(super::excludes_others("de, *;q=0.0"));
        assert!(!super::excludes_others("de,*"));
        assert!(!super::excludes_others("de, en; q=0"));
    }
}
