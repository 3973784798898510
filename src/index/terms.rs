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

use super::file::{Damaged, Part, PartWriter, Writer};
use super::slab::{Csr, Slab};
use fst::automaton::{Automaton, Levenshtein, Str};
use fst::{IntoStreamer, Map, MapBuilder, Streamer};

/// A vocabulary word no query word matches.
const NO_MATCH: u8 = u8::MAX;
/// Candidate terms scored together (their memory loads overlap).
const BATCH: usize = 32;

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

impl<'a> TermInput<'a> {
    /// An active term with no SNOMED CT dialect data (ICD labels, FHIR displays and
    /// designations); `display` marks the concept's own display.
    pub fn plain(concept: u32, text: &'a str, display: bool) -> Self {
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
}

/// The index (arrays owned after a build, mapped from the index file in the server).
pub struct TermIndex {
    words: Map<Slab<u8>>,
    /// The terms holding each word (word ids are the fst's values, in sorted word order).
    postings: Csr<u32>,
    concept: Slab<u32>,
    flags: Slab<u8>,
    /// Bit `i`: preferred in `dialects[i]`; bit `i + 8`: acceptable in it.
    dialect_bits: Slab<u16>,
    /// The text of each term.
    text: Csr<u8>,
    /// The word ids of each term, in term order.
    term_words: Csr<u32>,
    /// Length of each term in characters (shorter ranks first).
    length: Slab<u16>,
    meta: TermMeta,
}

/// The small part of a term index.
#[derive(Debug, Default)]
struct TermMeta {
    /// Language refsets of the dialect bits, in bit order.
    dialects: Vec<String>,
    /// One more than the highest concept position.
    concepts: usize,
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

/// Per-thread buffers of a search (a bit per term, a key per concept), kept between searches
/// and cleaned after each, so a query does not allocate and zero megabytes.
#[derive(Default)]
struct Scratch {
    visited: Vec<u64>,
    best: Vec<u64>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
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
        let mut meta = TermMeta::default();
        let (mut concept, mut flags, mut dialect_bits, mut length) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut text, mut text_starts) = (Vec::<u8>::new(), vec![0u32]);
        let (mut term_words, mut word_starts) = (Vec::<u32>::new(), vec![0u32]);
        // Words are numbered in first-seen order while terms are read, then renumbered in
        // sorted order for the fst (which needs sorted keys).
        let mut seen: rustc_hash::FxHashMap<String, u32> = Default::default();
        let mut spelled: Vec<String> = Vec::new();
        for t in terms {
            concept.push(t.concept);
            meta.concepts = meta.concepts.max(t.concept as usize + 1);
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
            flags.push(f);
            let mut bits = 0u16;
            for (refsets, shift) in [(&t.preferred_in, 0), (&t.acceptable_in, 8)] {
                for r in refsets.iter() {
                    let i = match meta.dialects.iter().position(|d| d == r) {
                        Some(i) => i,
                        None if meta.dialects.len() < 8 => {
                            meta.dialects.push(r.to_string());
                            meta.dialects.len() - 1
                        }
                        None => continue,
                    };
                    bits |= 1 << (i + shift);
                }
            }
            dialect_bits.push(bits);
            text.extend_from_slice(t.text.as_bytes());
            text_starts.push(text.len() as u32);
            length.push(u16::try_from(t.text.chars().count()).unwrap_or(u16::MAX));
            for w in words(t.text) {
                let id = match seen.get(&w) {
                    Some(id) => *id,
                    None => {
                        let id = spelled.len() as u32;
                        seen.insert(w.clone(), id);
                        spelled.push(w);
                        id
                    }
                };
                term_words.push(id);
            }
            word_starts.push(term_words.len() as u32);
        }
        let mut order: Vec<u32> = (0..spelled.len() as u32).collect();
        order.sort_unstable_by(|a, b| spelled[*a as usize].cmp(&spelled[*b as usize]));
        let mut renumber = vec![0u32; spelled.len()];
        for (new, old) in order.iter().enumerate() {
            renumber[*old as usize] = new as u32;
        }
        for w in term_words.iter_mut() {
            *w = renumber[*w as usize];
        }
        let term_words = Csr {
            starts: Slab::owned(word_starts),
            items: Slab::owned(term_words),
        };
        // Postings: each term once per word, in term order.
        let mut lists: Vec<Vec<u32>> = vec![Vec::new(); spelled.len()];
        for t in 0..concept.len() {
            let mut ws = term_words.at(t).to_vec();
            ws.sort_unstable();
            ws.dedup();
            for w in ws {
                lists[w as usize].push(t as u32);
            }
        }
        let mut builder = MapBuilder::memory();
        for (new, old) in order.iter().enumerate() {
            let _ = builder.insert(spelled[*old as usize].as_bytes(), new as u64);
        }
        let bytes = builder.into_inner().unwrap_or_default();
        TermIndex {
            words: Map::new(Slab::owned(bytes)).unwrap_or_else(|_| empty_words()),
            postings: Csr::pack(lists.into_iter()),
            concept: Slab::owned(concept),
            flags: Slab::owned(flags),
            dialect_bits: Slab::owned(dialect_bits),
            text: Csr {
                starts: Slab::owned(text_starts),
                items: Slab::owned(text),
            },
            term_words,
            length: Slab::owned(length),
            meta,
        }
    }

    /// Writes the index as part `name` of an index file.
    pub fn write(&self, w: &mut Writer, name: &str) -> std::io::Result<()> {
        let mut part = PartWriter::default();
        w.put(&mut part, "words", self.words.as_fst().as_bytes())?;
        w.put_csr(&mut part, "postings", &self.postings)?;
        w.put(&mut part, "concept", &self.concept)?;
        w.put(&mut part, "flags", &self.flags)?;
        w.put(&mut part, "dialect_bits", &self.dialect_bits)?;
        w.put_csr(&mut part, "text", &self.text)?;
        w.put_csr(&mut part, "term_words", &self.term_words)?;
        w.put(&mut part, "length", &self.length)?;
        w.put_strs(
            &mut part,
            "dialects",
            self.meta.dialects.iter().map(String::as_str),
        )?;
        w.put(&mut part, "concepts", &[self.meta.concepts as u64])?;
        w.finish_part(name, part);
        Ok(())
    }

    /// Opens a part written by [`Self::write`], reading in place.
    pub fn open(part: &Part<'_>) -> Result<Self, Damaged> {
        let damaged = |message: String| part.damaged(message);
        let ix = TermIndex {
            words: Map::new(part.slab::<u8>("words")?)
                .map_err(|e| damaged(format!("word map: {e}")))?,
            postings: part.csr("postings")?,
            concept: part.slab("concept")?,
            flags: part.slab("flags")?,
            dialect_bits: part.slab("dialect_bits")?,
            text: part.csr("text")?,
            term_words: part.csr("term_words")?,
            length: part.slab("length")?,
            meta: TermMeta {
                dialects: part.strs("dialects")?,
                concepts: part.number("concepts")? as usize,
            },
        };
        let n = ix.concept.len();
        let lengths = [
            ix.flags.len(),
            ix.dialect_bits.len(),
            ix.text.entries(),
            ix.term_words.entries(),
            ix.length.len(),
        ];
        if lengths.iter().any(|l| *l != n) || ix.postings.entries() != ix.words.len() {
            return Err(damaged(format!("{n} terms but lists of other lengths")));
        }
        Ok(ix)
    }

    fn term_words_of(&self, t: u32) -> &[u32] {
        self.term_words.at(t as usize)
    }

    /// The text of a term.
    fn term(&self, id: u32) -> &str {
        std::str::from_utf8(self.text.at(id as usize)).unwrap_or_default()
    }

    /// The words query word `q` matches, sorted by word id, each with how: 0 exact, 1 prefix,
    /// 2 within the typo distance its length allows (of a word's prefix).
    fn matching_words(&self, q: &str) -> Vec<(u32, u8)> {
        let mut out: Vec<(u32, u8)> = Vec::new();
        let mut prefix = self.words.search(Str::new(q).starts_with()).into_stream();
        while let Some((w, i)) = prefix.next() {
            out.push((i as u32, if w == q.as_bytes() { 0 } else { 1 }));
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
                out.push((i as u32, 2));
            }
        }
        out.sort_unstable();
        out.dedup_by_key(|(w, _)| *w);
        out
    }

    /// Searches `query`; `accept(concept)` scopes the hits (active concepts, an ECL set, a value
    /// set); `dialect` is the language refset whose preferred terms rank first. Inactive terms
    /// are never matched.
    ///
    /// The query word whose matching words have the fewest postings drives: only its terms are
    /// visited, and each is checked against the other query words through its own word list
    /// (binary searches in their small matching-word lists), without building the other
    /// words' postings at all.
    pub fn search(
        &self,
        query: &str,
        dialect: Option<&str>,
        accept: &dyn Fn(u32) -> bool,
        offset: usize,
        limit: usize,
    ) -> Found<'_> {
        let qwords = words(query);
        let empty = Found {
            total: 0,
            hits: vec![],
        };
        if qwords.is_empty() {
            return empty;
        }
        let matched: Vec<Vec<(u32, u8)>> = qwords.iter().map(|q| self.matching_words(q)).collect();
        if matched.iter().any(Vec::is_empty) {
            return empty;
        }
        let postings_of = |w: u32| self.postings.at(w as usize);
        let driver = (0..matched.len())
            .min_by_key(|i| {
                matched[*i]
                    .iter()
                    .map(|(w, _)| postings_of(*w).len())
                    .sum::<usize>()
            })
            .unwrap_or(0);
        // The whole query typed exactly (every word exact, in order) is the best tier.
        let exact_ids: Option<Vec<u32>> = matched
            .iter()
            .map(|m| m.iter().find(|(_, k)| *k == 0).map(|(w, _)| *w))
            .collect();
        let bit = dialect.and_then(|d| self.meta.dialects.iter().position(|x| x == d));
        SCRATCH.with(|cell| {
            let mut scratch = cell.borrow_mut();
            let Scratch { visited, best } = &mut *scratch;
            visited.resize(self.concept.len().div_ceil(64), 0);
            best.resize(best.len().max(self.meta.concepts), u64::MAX);
            self.rank(
                &matched,
                driver,
                exact_ids.as_deref(),
                bit,
                accept,
                visited,
                best,
                offset,
                limit,
            )
        })
    }

    /// Scores the driver word's terms against every query word and returns the page.
    #[allow(clippy::too_many_arguments)]
    fn rank<'s>(
        &'s self,
        matched: &[Vec<(u32, u8)>],
        driver: usize,
        exact_ids: Option<&[u32]>,
        bit: Option<usize>,
        accept: &dyn Fn(u32) -> bool,
        visited: &mut [u64],
        best: &mut [u64],
        offset: usize,
        limit: usize,
    ) -> Found<'s> {
        let postings_of = |w: u32| self.postings.at(w as usize);
        // How each query word matches every word of the vocabulary: one byte lookup per word
        // of a candidate term instead of a search.
        let vocabulary = self.postings.entries();
        let kind_of: Vec<Vec<u8>> = matched
            .iter()
            .map(|m| {
                let mut k = vec![NO_MATCH; vocabulary];
                for (w, kind) in m {
                    k[*w as usize] = *kind;
                }
                k
            })
            .collect();
        // The terms of every other query word as a bitset (a sequential pass over their
        // postings): a driver term missing from one is dropped before any of its data is read.
        // A word far more common than the driver is not worth a pass over its postings: the
        // per-term check below catches terms without it anyway. A posting is read in order and
        // costs a bit set, a candidate costs cache misses: the bound is generous (64; 8 left
        // the candidates of queries like "gasc the" unfiltered by their common word).
        let size =
            |i: usize| -> usize { matched[i].iter().map(|(w, _)| postings_of(*w).len()).sum() };
        let budget = size(driver).saturating_mul(64).max(4096);
        let others: Vec<Vec<u64>> = (0..matched.len())
            .filter(|i| *i != driver && size(*i) <= budget)
            .map(|i| {
                let mut b = vec![0u64; visited.len()];
                for (w, _) in &matched[i] {
                    for &t in postings_of(*w) {
                        b[t as usize / 64] |= 1u64 << (t % 64);
                    }
                }
                b
            })
            .collect();
        let mut touched: Vec<u32> = Vec::new();
        // The driver's terms as a bitset, narrowed by the other words' bitsets, then read in
        // term order: the arrays indexed by term (flags, word lists, concepts) are read front
        // to back instead of jumping between the postings of each matching word (those jumps
        // were half the time of a search, stalled on memory).
        let (mut lo, mut hi) = (usize::MAX, 0usize);
        for (w, _) in &matched[driver] {
            for &t in postings_of(*w) {
                let word = t as usize / 64;
                visited[word] |= 1u64 << (t % 64);
                lo = lo.min(word);
                hi = hi.max(word);
            }
        }
        if lo > hi {
            lo = 0;
            hi = 0;
        }
        for b in &others {
            for (v, o) in visited[lo..=hi].iter_mut().zip(&b[lo..=hi]) {
                *v &= *o;
            }
        }
        // Candidates are scored in batches: first every batch member's word list is touched
        // with independent loads, so their cache misses overlap, then each is scored from
        // cache (one miss at a time on the word lists was half of a search).
        let mut batch: Vec<u32> = Vec::with_capacity(BATCH);
        let score = |t: u32, touched: &mut Vec<u32>, best: &mut [u64]| {
            let f = self.flags[t as usize];
            let c = self.concept[t as usize];
            let own = self.term_words_of(t);
            // Every query word must match some word of the term; the term's tier is its
            // worst query word's best match.
            let mut worst = 0u8;
            for kinds in &kind_of {
                let mut found = NO_MATCH;
                for tw in own {
                    found = found.min(kinds[*tw as usize]);
                }
                if found == NO_MATCH {
                    return;
                }
                worst = worst.max(found);
            }
            if !accept(c) {
                return;
            }
            let tier = if exact_ids == Some(own) { 0 } else { worst + 1 };
            let bits = self.dialect_bits[t as usize];
            let preference: u64 = match bit {
                Some(b) if bits & (1 << b) != 0 => 0,
                Some(b) if bits & (1 << (b + 8)) != 0 => 1,
                None if f & DISPLAY != 0 => 0,
                None if bits & 0xff != 0 => 0,
                _ if f & FSN != 0 => 3,
                _ if f & DISPLAY != 0 => 1,
                _ => 2,
            };
            // tier (3 bits) | preference (3) | length (16) | term id (32)
            let key = (u64::from(tier) << 51)
                | (preference << 48)
                | (u64::from(self.length[t as usize]) << 32)
                | u64::from(t);
            let slot = &mut best[c as usize];
            if *slot == u64::MAX {
                touched.push(c);
            }
            if key < *slot {
                *slot = key;
            }
        };
        let run = |batch: &mut Vec<u32>, touched: &mut Vec<u32>, best: &mut [u64]| {
            let mut sum = 0u32;
            for &t in batch.iter() {
                sum = sum.wrapping_add(self.term_words_of(t).first().copied().unwrap_or(0));
            }
            std::hint::black_box(sum);
            for &t in batch.iter() {
                score(t, touched, best);
            }
            batch.clear();
        };
        for (word, bits) in visited.iter().enumerate().take(hi + 1).skip(lo) {
            let mut pending = *bits;
            while pending != 0 {
                let t = (word * 64 + pending.trailing_zeros() as usize) as u32;
                pending &= pending - 1;
                if self.flags[t as usize] & ACTIVE == 0 {
                    continue;
                }
                batch.push(t);
                if batch.len() == BATCH {
                    run(&mut batch, &mut touched, best);
                }
            }
        }
        run(&mut batch, &mut touched, best);
        let total = touched.len();
        let mut ranked: Vec<(u64, u32)> = touched.iter().map(|c| (best[*c as usize], *c)).collect();
        // Leave the buffers clean for the next search on this thread.
        for c in &touched {
            best[*c as usize] = u64::MAX;
        }
        visited[lo..=hi].fill(0);
        // (key, concept): equal keys cannot happen (the term id is in the key), so the order
        // is total and deterministic.
        let end = offset.saturating_add(limit).min(total);
        if offset >= end {
            return Found {
                total,
                hits: vec![],
            };
        }
        ranked.select_nth_unstable(end - 1);
        ranked.truncate(end);
        ranked.sort_unstable();
        let hits = ranked[offset..]
            .iter()
            .map(|(key, c)| Hit {
                concept: *c,
                term: self.term(*key as u32),
                tier: ((key >> 51) as u8).saturating_sub(1).min(2),
            })
            .collect();
        Found { total, hits }
    }
}

/// An fst map with no words.
fn empty_words() -> Map<Slab<u8>> {
    let bytes = MapBuilder::memory().into_inner().unwrap_or_default();
    Map::new(Slab::owned(bytes)).expect("an empty fst is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(concept: u32, text: &str, display: bool) -> TermInput<'_> {
        TermInput::plain(concept, text, display)
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

    #[test]
    fn a_written_index_finds_the_same() {
        let built = index();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.bin");
        let mut w = Writer::create(&path).unwrap();
        built.write(&mut w, "cs/1/terms").unwrap();
        w.finish().unwrap();
        let file = super::super::file::IndexFile::open(&path).unwrap();
        let mapped = TermIndex::open(&file.part("cs/1/terms").unwrap()).unwrap();
        for q in ["diab mell typ 2", "diabtes", "heart", "infraction"] {
            assert_eq!(
                built.search(q, None, &|_| true, 0, 10),
                mapped.search(q, None, &|_| true, 0, 10)
            );
        }
    }
}
