//! The typeahead term index of one code system version: every term (SNOMED CT descriptions,
//! ICD labels and inclusion terms, FHIR displays and designations) split into lower-case words;
//! an fst maps each distinct word to its postings (the terms holding it). A query word matches
//! a word exactly, as its prefix, or — from five letters, two from nine — within one edit
//! (two) of a prefix, so typos are forgiven while typing. Words may come in any order; every
//! query word must match some word of the term.
//!
//! Ranking, per concept (its best term wins): exact words before prefixes before typos; then
//! the term preferred in the requested dialect (or the concept's display), acceptable synonyms,
//! the fully specified name, other terms; then shorter terms; then index position, so ties
//! always break the same way. Concept positions are the [`super::Hierarchy`]'s, so callers can
//! scope a search with an ECL or value set bitset.

use fst::automaton::{Automaton, Levenshtein, Str};
use fst::{IntoStreamer, Map, MapBuilder, Streamer};

/// Term flags.
const ACTIVE: u8 = 1;
const DISPLAY: u8 = 2;
const FSN: u8 = 4;

/// One term to index.
#[derive(Debug, Clone)]
pub struct TermInput<'a> {
    /// Concept position in the version's hierarchy.
    pub concept: u32,
    /// The term.
    pub text: &'a str,
    /// The term is active.
    pub active: bool,
    /// The concept's own display (ICD label, FHIR display).
    pub display: bool,
    /// A SNOMED CT fully specified name.
    pub fsn: bool,
    /// SNOMED CT language refsets it is preferred in.
    pub preferred_in: Vec<&'a str>,
    /// SNOMED CT language refsets it is acceptable in.
    pub acceptable_in: Vec<&'a str>,
}

/// The index.
pub struct TermIndex {
    words: Map<Vec<u8>>,
    /// CSR postings: terms of word `w` are `postings[starts[w]..starts[w + 1]]`.
    starts: Vec<u32>,
    postings: Vec<u32>,
    concept: Vec<u32>,
    flags: Vec<u8>,
    /// Bit `i`: preferred in `dialects[i]`; bit `i + 8`: acceptable in it.
    dialect_bits: Vec<u16>,
    dialects: Vec<String>,
    text: String,
    text_starts: Vec<u32>,
}

/// One concept found.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit<'a> {
    /// Concept position.
    pub concept: u32,
    /// The term that matched best.
    pub term: &'a str,
    /// 0 exact, 1 prefix, 2 typo.
    pub tier: u8,
}

/// A page of hits and how many concepts matched in all.
#[derive(Debug, Clone, PartialEq)]
pub struct Found<'a> {
    /// Concepts matched (after scoping).
    pub total: usize,
    /// The requested page, best first.
    pub hits: Vec<Hit<'a>>,
}

/// Splits text into lower-case words (letters and digits).
pub fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

impl TermIndex {
    /// Builds the index of `terms`.
    pub fn build<'a>(terms: impl Iterator<Item = TermInput<'a>>) -> TermIndex {
        let mut by_word: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
        let mut ix = TermIndex {
            words: Map::default(),
            starts: vec![],
            postings: vec![],
            concept: vec![],
            flags: vec![],
            dialect_bits: vec![],
            dialects: vec![],
            text: String::new(),
            text_starts: vec![0],
        };
        for t in terms {
            let id = ix.concept.len() as u32;
            ix.concept.push(t.concept);
            let mut f = 0;
            if t.active {
                f |= ACTIVE;
            }
            if t.display {
                f |= DISPLAY;
            }
            if t.fsn {
                f |= FSN;
            }
            ix.flags.push(f);
            let mut bits = 0u16;
            for (refsets, shift) in [(&t.preferred_in, 0), (&t.acceptable_in, 8)] {
                for r in refsets.iter() {
                    let i = match ix.dialects.iter().position(|d| d == r) {
                        Some(i) => i,
                        None if ix.dialects.len() < 8 => {
                            ix.dialects.push(r.to_string());
                            ix.dialects.len() - 1
                        }
                        None => continue,
                    };
                    bits |= 1 << (i + shift);
                }
            }
            ix.dialect_bits.push(bits);
            ix.text.push_str(t.text);
            ix.text_starts.push(ix.text.len() as u32);
            let mut ws = words(t.text);
            ws.sort();
            ws.dedup();
            for w in ws {
                by_word.entry(w).or_default().push(id);
            }
        }
        let mut builder = MapBuilder::memory();
        ix.starts.push(0);
        for (i, (w, ids)) in by_word.into_iter().enumerate() {
            // Keys arrive sorted from the BTreeMap, as the builder requires.
            let _ = builder.insert(w.as_bytes(), i as u64);
            ix.postings.extend(ids);
            ix.starts.push(ix.postings.len() as u32);
        }
        ix.words = builder.into_map();
        ix
    }

    /// The text of a term.
    fn term(&self, id: u32) -> &str {
        let (a, b) = (
            self.text_starts[id as usize] as usize,
            self.text_starts[id as usize + 1] as usize,
        );
        &self.text[a..b]
    }

    /// Number of indexed terms.
    pub fn len(&self) -> usize {
        self.concept.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.concept.is_empty()
    }

    /// Terms matching query word `q`, each with how (0 exact, 1 prefix, 2 typo), sorted by id.
    fn matches(&self, q: &str) -> Vec<(u32, u8)> {
        let mut kind_of: Vec<(u64, u8)> = Vec::new();
        let mut prefix = self.words.search(Str::new(q).starts_with()).into_stream();
        while let Some((w, i)) = prefix.next() {
            kind_of.push((i, if w == q.as_bytes() { 0 } else { 1 }));
        }
        let n = q.chars().count();
        let distance = if n >= 9 {
            2
        } else if n >= 5 {
            1
        } else {
            0
        };
        if distance > 0
            && let Ok(lev) = Levenshtein::new(q, distance)
        {
            let mut fuzzy = self.words.search(lev.starts_with()).into_stream();
            while let Some((_, i)) = fuzzy.next() {
                kind_of.push((i, 2));
            }
        }
        kind_of.sort_unstable();
        kind_of.dedup_by_key(|(i, _)| *i);
        let mut out: Vec<(u32, u8)> = Vec::new();
        for (w, kind) in kind_of {
            let (a, b) = (
                self.starts[w as usize] as usize,
                self.starts[w as usize + 1] as usize,
            );
            out.extend(self.postings[a..b].iter().map(|t| (*t, kind)));
        }
        out.sort_unstable();
        // A term reached through several words keeps its best match.
        out.dedup_by(|b, a| {
            if a.0 == b.0 {
                a.1 = a.1.min(b.1);
                true
            } else {
                false
            }
        });
        out
    }

    /// Searches `query`; `accept(concept)` scopes the hits (active concepts, an ECL set, a value
    /// set); `dialect` is the language refset whose preferred terms rank first. Inactive terms
    /// are never matched.
    pub fn search(
        &self,
        query: &str,
        dialect: Option<&str>,
        accept: &dyn Fn(u32) -> bool,
        offset: usize,
        limit: usize,
    ) -> Found<'_> {
        let qwords = words(query);
        if qwords.is_empty() {
            return Found {
                total: 0,
                hits: vec![],
            };
        }
        // The rarest word first: every other word only filters its candidates.
        let mut lists: Vec<Vec<(u32, u8)>> = qwords.iter().map(|q| self.matches(q)).collect();
        lists.sort_by_key(Vec::len);
        let mut candidates: Vec<(u32, u8)> = lists[0].clone();
        for other in &lists[1..] {
            let mut next = Vec::with_capacity(candidates.len().min(other.len()));
            let (mut i, mut j) = (0, 0);
            while i < candidates.len() && j < other.len() {
                match candidates[i].0.cmp(&other[j].0) {
                    std::cmp::Ordering::Less => i += 1,
                    std::cmp::Ordering::Greater => j += 1,
                    std::cmp::Ordering::Equal => {
                        next.push((candidates[i].0, candidates[i].1.max(other[j].1)));
                        i += 1;
                        j += 1;
                    }
                }
            }
            candidates = next;
            if candidates.is_empty() {
                break;
            }
        }
        let bit = dialect.and_then(|d| self.dialects.iter().position(|x| x == d));
        let whole = qwords.join(" ");
        // Best key per concept: (tier, preference, length, term id).
        let mut best: rustc_hash::FxHashMap<u32, (u8, u8, u32, u32)> = Default::default();
        for (t, tier) in candidates {
            let f = self.flags[t as usize];
            if f & ACTIVE == 0 {
                continue;
            }
            let c = self.concept[t as usize];
            if !accept(c) {
                continue;
            }
            let text = self.term(t);
            // The whole term typed exactly ranks above every word-level match.
            let tier = if tier == 0 && words(text).join(" ") == whole {
                0
            } else {
                tier + 1
            };
            let bits = self.dialect_bits[t as usize];
            let preference = match bit {
                Some(b) if bits & (1 << b) != 0 => 0,
                Some(b) if bits & (1 << (b + 8)) != 0 => 1,
                None if f & DISPLAY != 0 => 0,
                None if bits & 0xff != 0 => 0,
                _ if f & FSN != 0 => 3,
                _ if f & DISPLAY != 0 => 1,
                _ => 2,
            };
            let key = (tier, preference, text.chars().count() as u32, t);
            best.entry(c)
                .and_modify(|k| {
                    if key < *k {
                        *k = key
                    }
                })
                .or_insert(key);
        }
        let mut ranked: Vec<(u8, u8, u32, u32, u32)> = best
            .into_iter()
            .map(|(c, (tier, p, len, t))| (tier, p, len, c, t))
            .collect();
        let total = ranked.len();
        let end = offset.saturating_add(limit).min(total);
        if offset < end {
            ranked.select_nth_unstable(end - 1);
            ranked.truncate(end);
        }
        ranked.sort_unstable();
        let hits = ranked
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|(tier, _, _, c, t)| Hit {
                concept: c,
                term: self.term(t),
                tier: tier.saturating_sub(1).min(2),
            })
            .collect();
        Found { total, hits }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(concept: u32, text: &str, display: bool) -> TermInput<'_> {
        TermInput {
            concept,
            text,
            active: true,
            display,
            fsn: false,
            preferred_in: vec![],
            acceptable_in: vec![],
        }
    }

    fn index() -> TermIndex {
        TermIndex::build(
            vec![
                term(0, "Type 2 diabetes mellitus", true),
                term(0, "Diabetes mellitus type II", false),
                term(1, "Type 1 diabetes mellitus", true),
                term(2, "Diabetes mellitus", true),
                term(3, "Diabetic retinopathy", true),
                term(4, "Myocardial infarction", true),
                term(4, "Heart attack", false),
                TermInput {
                    active: false,
                    ..term(5, "Diabetes old term", true)
                },
            ]
            .into_iter(),
        )
    }

    fn codes(f: &Found) -> Vec<u32> {
        f.hits.iter().map(|h| h.concept).collect()
    }

    #[test]
    fn words_match_as_prefixes_in_any_order() {
        let ix = index();
        let all = |_| true;
        let f = ix.search("diab mell typ 2", None, &all, 0, 10);
        assert_eq!(codes(&f), [0]);
        assert_eq!(f.hits[0].term, "Type 2 diabetes mellitus");
        let f = ix.search("mellitus diabetes", None, &all, 0, 10);
        assert_eq!(f.total, 3);
        assert_eq!(codes(&f)[0], 2, "the exact term first, then shorter: {f:?}");
        assert!(
            ix.search("old", None, &all, 0, 10).hits.is_empty(),
            "inactive terms"
        );
        let f = ix.search("heart", None, &all, 0, 10);
        assert_eq!(f.hits[0].term, "Heart attack");
    }

    #[test]
    fn typos_are_forgiven_by_length() {
        let ix = index();
        let all = |_| true;
        // five letters: one edit
        assert_eq!(codes(&ix.search("diabtes", None, &all, 0, 10)).len(), 3);
        assert_eq!(codes(&ix.search("myocrdial", None, &all, 0, 10)), [4]);
        // four letters: exact or prefix only
        assert!(ix.search("daib", None, &all, 0, 10).hits.is_empty());
        // nine letters: two edits
        assert_eq!(codes(&ix.search("infraction", None, &all, 0, 10)), [4]);
        // exact words rank above typos
        let f = ix.search("diabetic", None, &all, 0, 10);
        assert_eq!(f.hits[0].concept, 3);
        assert_eq!(f.hits[0].tier, 0);
        assert!(f.hits[1..].iter().all(|h| h.tier == 2), "{f:?}");
    }

    #[test]
    fn scoping_and_paging() {
        let ix = index();
        let f = ix.search("diab", None, &|c| c != 0, 0, 10);
        assert_eq!(f.total, 3);
        let page1 = ix.search("diab", None, &|_| true, 0, 2);
        let page2 = ix.search("diab", None, &|_| true, 2, 2);
        assert_eq!(page1.total, 4);
        let mut all = codes(&page1);
        all.extend(codes(&page2));
        assert_eq!(all, codes(&ix.search("diab", None, &|_| true, 0, 10)));
    }
}
