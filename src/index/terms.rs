//! The typeahead term index of one code system version: every active term (SNOMED CT
//! descriptions, ICD labels and inclusion terms, FHIR displays and designations) split into
//! lower-case words; an fst maps each distinct word to its postings (the terms holding it: a
//! list, or a bitset for a word more than 1/32 of the terms hold). A query word matches a word
//! exactly, as its prefix, or — from five letters, two from nine — within one edit (two) of a
//! prefix, a swap of two adjacent letters counting as one, so typos are forgiven while typing.
//! Words may come in any order; every query word must match some word of the term.
//!
//! Ranking, per concept (its best term wins): exact words before prefixes before typos; then
//! the term preferred in the requested dialect (or the concept's display), acceptable synonyms,
//! the fully specified name, other terms; then shorter terms; then index position, so ties
//! always break the same way. Concept positions are the [`super::Hierarchy`]'s, so callers can
//! scope a search with an ECL or value set bitset. Terms are stored grouped by concept, so one
//! pass in term order yields each concept's best term, the total and the page.

use super::file::{Damaged, Part, PartWriter, Writer};
use super::slab::{Csr, Slab};
use fst::{IntoStreamer, Map, MapBuilder, Streamer};
use levenshtein_automata::LevenshteinAutomatonBuilder;

/// Term bitsets a thread keeps between searches (three per query word at most).
const POOLED: usize = 12;

/// Survivors whose rows are loaded together.
const BATCH: usize = 128;

/// A vocabulary word no query word matches.
const NO_MATCH: u8 = u8::MAX;

/// Term flags.
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
    /// The terms holding each word (word ids are the fst's values, in sorted word order); empty
    /// for a dense word.
    postings: Csr<u32>,
    /// Words held by more than one term in [`DENSE`], ascending: their terms are a bitset, no
    /// larger than their postings would be and set into a query's bitset a word at a time.
    dense_words: Slab<u32>,
    /// The bitsets of the dense words, one after another (one bit per term each).
    dense_bits: Slab<u64>,
    /// How many terms hold each dense word.
    dense_counts: Slab<u32>,
    /// What a search reads of each term, in one record (one cache miss per candidate).
    rows: Slab<TermRow>,
    /// The text of each term.
    text: Csr<u8>,
    /// The word ids of each term, in term order.
    term_words: Csr<u32>,
    meta: TermMeta,
}

/// A word held by more than one term in this many is stored as a bitset.
const DENSE: usize = 32;

/// What ranking reads of a term: 8 bytes, so a candidate costs one cache line.
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct TermRow {
    /// Concept position (terms are grouped by concept, positions ascending).
    concept: u32,
    /// Bit `i`: preferred in `dialects[i]`; bit `i + 8`: acceptable in it.
    dialects: u16,
    /// Length in characters (at most [`MAX_LENGTH`]; shorter ranks first) << 3 | flags.
    shape: u16,
}

/// Longer terms rank as this long (their order is then by term id).
const MAX_LENGTH: usize = (1 << 13) - 1;

impl TermRow {
    fn flags(self) -> u8 {
        (self.shape & 7) as u8
    }

    fn length(self) -> u16 {
        self.shape >> 3
    }
}

/// The small part of a term index.
#[derive(Debug, Default)]
struct TermMeta {
    /// Language refsets of the dialect bits, in bit order.
    dialects: Vec<String>,
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

/// Per-thread term bitsets of a search, kept all zeros between searches (each is cleared over
/// the range it used), so a query does not allocate and zero megabytes.
#[derive(Default)]
struct Scratch {
    free: Vec<Vec<u64>>,
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
    /// Builds the index of `terms`, which come grouped by concept, positions ascending (the
    /// order a search streams concepts in).
    ///
    /// # Panics
    /// When a term's concept precedes the previous term's: a caller's bug, not bad data.
    pub fn build<'a>(terms: impl Iterator<Item = TermInput<'a>>) -> TermIndex {
        let mut meta = TermMeta::default();
        let mut rows: Vec<TermRow> = Vec::new();
        let (mut text, mut text_starts) = (Vec::<u8>::new(), vec![0u32]);
        let (mut term_words, mut word_starts) = (Vec::<u32>::new(), vec![0u32]);
        // Words are numbered in first-seen order while terms are read, then renumbered in
        // sorted order for the fst (which needs sorted keys).
        let mut seen: rustc_hash::FxHashMap<String, u32> = Default::default();
        let mut spelled: Vec<String> = Vec::new();
        for t in terms {
            assert!(
                rows.last().is_none_or(|r| r.concept <= t.concept),
                "terms must come grouped by concept position"
            );
            // Inactive terms are never matched, so they are not indexed.
            if !t.active {
                continue;
            }
            let mut f = 0;
            if t.display {
                f |= DISPLAY;
            }
            if t.fsn {
                f |= FSN;
            }
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
            let length = t.text.chars().count().min(MAX_LENGTH) as u16;
            rows.push(TermRow {
                concept: t.concept,
                dialects: bits,
                shape: length << 3 | u16::from(f),
            });
            text.extend_from_slice(t.text.as_bytes());
            text_starts.push(text.len() as u32);
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
        for t in 0..rows.len() {
            let mut ws = term_words.at(t).to_vec();
            ws.sort_unstable();
            ws.dedup();
            for w in ws {
                lists[w as usize].push(t as u32);
            }
        }
        // Common words become bitsets.
        let stride = rows.len().div_ceil(64);
        let (mut dense_words, mut dense_bits, mut dense_counts) = (vec![], vec![], vec![]);
        for (w, list) in lists.iter_mut().enumerate() {
            if list.len().saturating_mul(DENSE) > rows.len() {
                let mut b = vec![0u64; stride];
                for t in list.iter() {
                    b[*t as usize / 64] |= 1u64 << (t % 64);
                }
                dense_words.push(w as u32);
                dense_counts.push(list.len() as u32);
                dense_bits.extend(b);
                *list = Vec::new();
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
            dense_words: Slab::owned(dense_words),
            dense_bits: Slab::owned(dense_bits),
            dense_counts: Slab::owned(dense_counts),
            rows: Slab::owned(rows),
            text: Csr {
                starts: Slab::owned(text_starts),
                items: Slab::owned(text),
            },
            term_words,
            meta,
        }
    }

    /// Writes the index as part `name` of an index file.
    pub fn write(&self, w: &mut Writer, name: &str) -> std::io::Result<()> {
        let mut part = PartWriter::default();
        w.put(&mut part, "words", self.words.as_fst().as_bytes())?;
        w.put_csr(&mut part, "postings", &self.postings)?;
        w.put(&mut part, "dense_words", &self.dense_words)?;
        w.put(&mut part, "dense_bits", &self.dense_bits)?;
        w.put(&mut part, "dense_counts", &self.dense_counts)?;
        w.put(&mut part, "rows", &self.rows)?;
        w.put_csr(&mut part, "text", &self.text)?;
        w.put_csr(&mut part, "term_words", &self.term_words)?;
        w.put_strs(
            &mut part,
            "dialects",
            self.meta.dialects.iter().map(String::as_str),
        )?;
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
            dense_words: part.slab("dense_words")?,
            dense_bits: part.slab("dense_bits")?,
            dense_counts: part.slab("dense_counts")?,
            rows: part.slab("rows")?,
            text: part.csr("text")?,
            term_words: part.csr("term_words")?,
            meta: TermMeta {
                dialects: part.strs("dialects")?,
            },
        };
        let n = ix.rows.len();
        let dense = ix.dense_words.len();
        if ix.text.entries() != n
            || ix.term_words.entries() != n
            || ix.postings.entries() != ix.words.len()
            || ix.dense_counts.len() != dense
            || ix.dense_bits.len() != dense * n.div_ceil(64)
            || ix.dense_words.iter().any(|w| *w as usize >= ix.words.len())
        {
            return Err(damaged(format!("{n} terms but lists of other lengths")));
        }
        Ok(ix)
    }

    /// The terms holding word `w`.
    fn postings_of(&self, w: u32) -> Postings<'_> {
        match self.dense_words.binary_search(&w) {
            Ok(i) => {
                let stride = self.rows.len().div_ceil(64);
                Postings::Dense(
                    self.dense_bits
                        .get(i * stride..(i + 1) * stride)
                        .unwrap_or(&[]),
                    self.dense_counts[i] as usize,
                )
            }
            Err(_) => Postings::List(self.postings.at(w as usize)),
        }
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
        let kind = |w: &[u8]| {
            if w == q.as_bytes() {
                0
            } else if w.starts_with(q.as_bytes()) {
                1
            } else {
                2
            }
        };
        let n = q.chars().count();
        // Typos are forgiven up to a length no real word reaches: the automaton for a query
        // word of thousands of letters took a second to build, per request.
        let distance = if n > MAX_TYPO_WORD {
            0
        } else if n >= 9 {
            2
        } else if n >= 5 {
            1
        } else {
            0
        };
        let mut out: Vec<(u32, u8)> = Vec::new();
        // The typo automaton accepts every word the query is a prefix of (distance 0), so one
        // pass over the vocabulary finds all three kinds.
        if distance > 0 {
            let dfa = typo_automata()[distance - 1].build_prefix_dfa(q);
            let mut words = self.words.search(&dfa).into_stream();
            while let Some((w, i)) = words.next() {
                out.push((i as u32, kind(w)));
            }
        } else {
            // Word ids follow the words' order, so the words `q` begins are one run of ids:
            // from the first word not before `q` to the first word after all of them.
            let first = |from: &[u8]| -> Option<(bool, u32)> {
                let mut s = self.words.range().ge(from).into_stream();
                s.next().map(|(w, i)| (w == q.as_bytes(), i as u32))
            };
            if let Some((exact, start)) = first(q.as_bytes()) {
                let end = successor(q.as_bytes())
                    .and_then(|next| first(&next))
                    .map_or(self.postings.entries() as u32, |(_, i)| i);
                out.extend((start..end).map(|i| (i, if exact && i == start { 0 } else { 1 })));
            }
        }
        // The fst streams words in order, so ids come out sorted.
        out
    }

    /// Searches `query`; `accept(concept)` scopes the hits (active concepts, an ECL set, a value
    /// set); `dialect` is the language refset whose preferred terms rank first. Inactive terms
    /// are never matched.
    ///
    /// Each query word becomes term bitsets (terms holding a word it matches at all, as a
    /// prefix or better, exactly), built from the postings of its matching words. Their
    /// intersection is read once in term order; terms are grouped by concept in that order, so
    /// a concept's best term, the total and the page come out of one streaming pass that reads
    /// each survivor's 8-byte row (loaded in batches, so the misses overlap) and never its word
    /// list. Only a query word far more common than the rarest (whose postings would cost more
    /// to set than its few survivors cost to check) is checked per survivor, through the
    /// term's word list.
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
        // The whole query typed exactly (every word exact, in order) is the best tier.
        let exact_ids: Option<Vec<u32>> = matched
            .iter()
            .map(|m| m.iter().find(|(_, k)| *k == 0).map(|(w, _)| *w))
            .collect();
        let bit = dialect.and_then(|d| self.meta.dialects.iter().position(|x| x == d));
        SCRATCH.with(|cell| {
            let mut scratch = cell.borrow_mut();
            let words = self.rows.len().div_ceil(64);
            let query = Query {
                exact_ids: exact_ids.as_deref(),
                bit,
                accept,
            };
            let sets = self.word_sets(&matched, words, &mut scratch);
            let found = self.rank(&sets, &query, offset, limit);
            for set in sets {
                set.release(&mut scratch);
            }
            found
        })
    }

    /// The query words as term bitsets, or (for a word whose postings outnumber the rarest
    /// word's many times over) as a match-kind table to check survivors with.
    fn word_sets(
        &self,
        matched: &[Vec<(u32, u8)>],
        words: usize,
        scratch: &mut Scratch,
    ) -> Vec<WordSet> {
        let size =
            |m: &[(u32, u8)]| -> usize { m.iter().map(|(w, _)| self.postings_of(*w).len()).sum() };
        let rarest = matched.iter().map(|m| size(m)).min().unwrap_or(0);
        // A posting costs a bit set in a sequential pass; a survivor checked through its word
        // list costs cache misses: a word up to 64 times as common as the rarest is worth its
        // pass (8 left the candidates of queries like "gasc the" unfiltered by "the").
        let budget = rarest.saturating_mul(64).max(4096);
        let vocabulary = self.postings.entries();
        matched
            .iter()
            .map(|m| {
                if size(m) > budget {
                    let mut kinds = vec![NO_MATCH; vocabulary];
                    for (w, kind) in m {
                        kinds[*w as usize] = *kind;
                    }
                    return WordSet::Checked(kinds);
                }
                let fill = |keep: &dyn Fn(u8) -> bool, b: &mut Bits| {
                    for (w, kind) in m {
                        if keep(*kind) {
                            b.add(self.postings_of(*w));
                        }
                    }
                };
                // Exact and prefix matches first; with typos too, `any` is a copy of that plus
                // the typos' postings, so no posting is set twice.
                let mut closer = Bits::take(scratch, words);
                fill(&|k| k < 2, &mut closer);
                let (any, prefix) = if m.iter().any(|(_, k)| *k == 2) {
                    let mut any = Bits::take(scratch, words);
                    any.or(&closer);
                    fill(&|k| k == 2, &mut any);
                    (any, Some(closer))
                } else {
                    (closer, None)
                };
                let exact = m.iter().any(|(_, k)| *k == 0).then(|| {
                    let mut b = Bits::take(scratch, words);
                    fill(&|k| k == 0, &mut b);
                    b
                });
                WordSet::Bits { any, prefix, exact }
            })
            .collect()
    }

    /// The streaming pass over the terms every query word matches: per concept its best term's
    /// key, the count of accepted concepts, and the best `offset + limit` of them.
    fn rank<'s>(
        &'s self,
        sets: &[WordSet],
        q: &Query<'_>,
        offset: usize,
        limit: usize,
    ) -> Found<'s> {
        let bitsets: Vec<(&Bits, Option<&Bits>, Option<&Bits>)> = sets
            .iter()
            .filter_map(|s| match s {
                WordSet::Bits { any, prefix, exact } => {
                    Some((any, prefix.as_ref(), exact.as_ref()))
                }
                WordSet::Checked(_) => None,
            })
            .collect();
        let checked: Vec<&[u8]> = sets
            .iter()
            .filter_map(|s| match s {
                WordSet::Checked(kinds) => Some(kinds.as_slice()),
                WordSet::Bits { .. } => None,
            })
            .collect();
        let lo = bitsets.iter().map(|b| b.0.lo).max().unwrap_or(0);
        let hi = bitsets.iter().map(|b| b.0.hi).min().unwrap_or(0);
        let all_exact = bitsets.iter().all(|b| b.2.is_some());
        let wanted = offset.saturating_add(limit);
        let mut page: std::collections::BinaryHeap<(u64, u32)> =
            std::collections::BinaryHeap::with_capacity(wanted.min(1024) + 1);
        let mut total = 0usize;
        // The concept being read, whether it is in scope, and its best key so far.
        let (mut current, mut in_scope, mut best) = (u32::MAX, false, u64::MAX);
        let mut close = |concept: u32, best: u64, total: &mut usize| {
            if best == u64::MAX {
                return;
            }
            *total += 1;
            if page.len() < wanted {
                page.push((best, concept));
            } else if page.peek().is_some_and(|top| best < top.0) {
                page.pop();
                page.push((best, concept));
            }
        };
        // Survivors are gathered (with their match kind from the bitsets) in batches whose
        // rows are then loaded together: the loads are independent, so their cache misses
        // overlap (survivors are sparse, usually one per 64-bit word, so loading per word
        // left one miss in flight at a time).
        let mut batch: Vec<(u32, u8)> = Vec::with_capacity(BATCH);
        let mut rows: Vec<TermRow> = Vec::with_capacity(BATCH);
        let mut score = |batch: &mut Vec<(u32, u8)>, total: &mut usize| {
            rows.clear();
            rows.extend(batch.iter().map(|(t, _)| self.rows[*t as usize]));
            for (&(t, worst), row) in batch.iter().zip(&rows) {
                if row.concept != current {
                    close(current, best, total);
                    (current, in_scope, best) = (row.concept, (q.accept)(row.concept), u64::MAX);
                }
                if !in_scope {
                    continue;
                }
                let Some(worst) = self.check(t, &checked, worst) else {
                    continue;
                };
                let tier = if worst == 0 && q.exact_ids == Some(self.term_words_of(t)) {
                    0
                } else {
                    worst + 1
                };
                best = best.min(key(t, *row, tier, q.bit));
            }
            batch.clear();
        };
        for w in lo..=hi.max(lo) {
            if hi < lo {
                break;
            }
            let mut survivors = u64::MAX;
            for (any, _, _) in &bitsets {
                survivors &= any.words[w];
            }
            if survivors == 0 {
                continue;
            }
            let mut exact = if all_exact { u64::MAX } else { 0 };
            let mut prefix = u64::MAX;
            for (any, pre, ex) in &bitsets {
                prefix &= pre.unwrap_or(any).words[w];
                exact &= ex.map_or(0, |b| b.words[w]);
            }
            while survivors != 0 {
                let bit = survivors.trailing_zeros();
                survivors &= survivors - 1;
                let worst = if exact >> bit & 1 == 1 {
                    0
                } else if prefix >> bit & 1 == 1 {
                    1
                } else {
                    2
                };
                batch.push(((w * 64) as u32 + bit, worst));
                if batch.len() == BATCH {
                    score(&mut batch, &mut total);
                }
            }
        }
        score(&mut batch, &mut total);
        close(current, best, &mut total);
        let ranked = page.into_sorted_vec();
        let hits = ranked
            .iter()
            .skip(offset)
            .map(|(key, c)| Hit {
                concept: *c,
                term: self.term(*key as u32),
                tier: ((key >> 51) as u8).saturating_sub(1).min(2),
            })
            .collect();
        Found { total, hits }
    }

    /// The worst match kind of term `t` once the query words checked through its word list
    /// are counted (`None` when one of them matches no word of the term).
    fn check(&self, t: u32, checked: &[&[u8]], mut worst: u8) -> Option<u8> {
        if checked.is_empty() {
            return Some(worst);
        }
        let own = self.term_words_of(t);
        for kinds in checked {
            let found = own
                .iter()
                .map(|w| kinds[*w as usize])
                .min()
                .unwrap_or(NO_MATCH);
            if found == NO_MATCH {
                return None;
            }
            worst = worst.max(found);
        }
        Some(worst)
    }
}

/// The ranking key of term `t` (smaller first): tier (3 bits) | preference (3) | length (16)
/// | term id (32), so equal keys cannot happen and the order is total.
fn key(t: u32, row: TermRow, tier: u8, bit: Option<usize>) -> u64 {
    let (f, bits) = (row.flags(), row.dialects);
    let preference: u64 = match bit {
        Some(b) if bits & (1 << b) != 0 => 0,
        Some(b) if bits & (1 << (b + 8)) != 0 => 1,
        None if f & DISPLAY != 0 => 0,
        None if bits & 0xff != 0 => 0,
        _ if f & FSN != 0 => 3,
        _ if f & DISPLAY != 0 => 1,
        _ => 2,
    };
    (u64::from(tier) << 51) | (preference << 48) | (u64::from(row.length()) << 32) | u64::from(t)
}

/// The terms holding a word.
enum Postings<'a> {
    /// Term ids, ascending.
    List(&'a [u32]),
    /// A bit per term, and how many are set.
    Dense(&'a [u64], usize),
}

impl Postings<'_> {
    fn len(&self) -> usize {
        match self {
            Postings::List(l) => l.len(),
            Postings::Dense(_, n) => *n,
        }
    }
}

/// What a search asks besides its words.
struct Query<'a> {
    /// The query's words when each is in the vocabulary (the exact-term tier).
    exact_ids: Option<&'a [u32]>,
    /// The dialect bit whose preferred terms rank first.
    bit: Option<usize>,
    /// The scope.
    accept: &'a dyn Fn(u32) -> bool,
}

/// One query word, ready for the pass over the terms.
enum WordSet {
    /// Terms holding a word it matches (any way, as a prefix or exactly, exactly).
    Bits {
        any: Bits,
        prefix: Option<Bits>,
        exact: Option<Bits>,
    },
    /// How it matches each vocabulary word, to check a term's word list with.
    Checked(Vec<u8>),
}

impl WordSet {
    fn release(self, scratch: &mut Scratch) {
        if let WordSet::Bits { any, prefix, exact } = self {
            for b in [Some(any), prefix, exact].into_iter().flatten() {
                b.release(scratch);
            }
        }
    }
}

/// A term bitset from the per-thread pool, with the range of its 64-bit words that may be
/// non-zero (`lo > hi` when empty), so clearing it costs only that range.
struct Bits {
    words: Vec<u64>,
    lo: usize,
    hi: usize,
}

impl Bits {
    fn take(scratch: &mut Scratch, words: usize) -> Bits {
        let mut b = scratch.free.pop().unwrap_or_default();
        // Every pooled buffer is all zeros, so growing keeps it so.
        b.resize(words, 0);
        Bits {
            words: b,
            lo: usize::MAX,
            hi: 0,
        }
    }

    /// Sets the bits of `terms`.
    fn add(&mut self, terms: Postings<'_>) {
        match terms {
            Postings::List(list) => {
                let (Some(first), Some(last)) = (list.first(), list.last()) else {
                    return;
                };
                self.lo = self.lo.min(*first as usize / 64);
                self.hi = self.hi.max(*last as usize / 64);
                for &t in list {
                    self.words[t as usize / 64] |= 1u64 << (t % 64);
                }
            }
            Postings::Dense(bits, _) => {
                let Some(first) = bits.iter().position(|b| *b != 0) else {
                    return;
                };
                let last = bits.iter().rposition(|b| *b != 0).unwrap_or(first);
                self.lo = self.lo.min(first);
                self.hi = self.hi.max(last);
                for (into, from) in self.words[first..=last].iter_mut().zip(&bits[first..=last]) {
                    *into |= *from;
                }
            }
        }
    }

    /// Sets the bits set in `other`.
    fn or(&mut self, other: &Bits) {
        if other.lo > other.hi {
            return;
        }
        self.lo = self.lo.min(other.lo);
        self.hi = self.hi.max(other.hi);
        let range = other.lo..=other.hi;
        for (into, from) in self.words[range.clone()]
            .iter_mut()
            .zip(&other.words[range])
        {
            *into |= *from;
        }
    }

    fn release(mut self, scratch: &mut Scratch) {
        // A query of many words takes many bitsets; a thread keeps only as many as a query of
        // a few words needs, so one long query does not hold megabytes for good.
        if scratch.free.len() >= POOLED {
            return;
        }
        if self.lo <= self.hi {
            self.words[self.lo..=self.hi].fill(0);
        }
        scratch.free.push(self.words);
    }
}

/// The first byte string after every string that begins with `prefix` (`None` when there is
/// none: the prefix is all 0xff bytes).
fn successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut next = prefix.to_vec();
    while let Some(last) = next.pop() {
        if last < u8::MAX {
            next.push(last + 1);
            return Some(next);
        }
    }
    None
}

/// The longest query word typos are forgiven in (longer ones match exactly or as a prefix).
const MAX_TYPO_WORD: usize = 64;

/// Builders of the typo automata for one and two edits (a swap of two adjacent letters
/// counting as one), made once: a query's automaton is then built in microseconds.
fn typo_automata() -> &'static [LevenshteinAutomatonBuilder; 2] {
    static BUILDERS: std::sync::OnceLock<[LevenshteinAutomatonBuilder; 2]> =
        std::sync::OnceLock::new();
    BUILDERS.get_or_init(|| {
        [
            LevenshteinAutomatonBuilder::new(1, true),
            LevenshteinAutomatonBuilder::new(2, true),
        ]
    })
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
        // two letters swapped count as one edit
        assert_eq!(codes(&ix.search("daibetes", None, &all, 0, 10)).len(), 3);
        // four letters: exact or prefix only
        assert!(ix.search("daib", None, &all, 0, 10).hits.is_empty());
        // nine letters: two edits
        assert_eq!(codes(&ix.search("infraction", None, &all, 0, 10)), [4]);
        // exact words rank above typos
        let f = ix.search("diabetic", None, &all, 0, 10);
        assert_eq!(f.hits[0].concept, 3);
        assert_eq!(f.hits[0].tier, 0);
        assert!(f.hits[1..].iter().all(|h| h.tier == 2), "{f:?}");
        // a word longer than any real one takes no typos: nothing matches, and no automaton
        // is built for it
        let long = "diabetes".repeat(2_500);
        assert!(ix.search(&long, None, &all, 0, 10).hits.is_empty());
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
    fn common_words_as_bitsets_and_rare_words_as_lists_agree() {
        // 200 terms: "common" is in every one (a bitset), "rN" in one each (a list); words of
        // under five letters take no typos, so the counts are plain.
        let texts: Vec<String> = (0..200).map(|i| format!("common r{i} term")).collect();
        let ix = TermIndex::build(
            texts
                .iter()
                .enumerate()
                .map(|(i, t)| TermInput::plain(i as u32, t, true)),
        );
        assert!(!ix.dense_words.is_empty() && ix.postings.items.len() > 100);
        let all = |_| true;
        let f = ix.search("comm r17", None, &all, 0, 3);
        assert_eq!(
            (f.total, codes(&f)),
            (11, vec![17, 170, 171]),
            "r17, r170..r179"
        );
        let f = ix.search("commn", None, &all, 0, 5);
        assert_eq!(f.total, 200, "a typo of a dense word");
        assert_eq!(codes(&f), [0, 1, 2, 3, 4], "shorter first, then term order");
        let f = ix.search("r1", None, &|c| c % 2 == 0, 0, 100);
        assert_eq!(f.total, 5 + 50, "r10..r18 and r100..r198, even: {f:?}");
        assert_eq!(f.hits[0].concept, 10);
    }

    #[test]
    fn a_prefix_ends_at_its_successor() {
        assert_eq!(successor(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(successor(b"a\xff"), Some(b"b".to_vec()));
        assert_eq!(successor(b"\xff\xff"), None);
        // The last words of the vocabulary, and a prefix past every word.
        let ix = index();
        let all = |_| true;
        assert_eq!(codes(&ix.search("type", None, &all, 0, 10)), [0, 1]);
        assert!(ix.search("zz", None, &all, 0, 10).hits.is_empty());
        assert_eq!(
            ix.search("ii", None, &all, 0, 10).total,
            1,
            "'ii' of 'type ii'"
        );
    }

    #[test]
    fn a_long_query_leaves_a_bounded_pool() {
        let ix = index();
        let long = "type diabetes mellitus ".repeat(8);
        assert_eq!(ix.search(&long, None, &|_| true, 0, 10).total, 2);
        assert!(SCRATCH.with(|s| s.borrow().free.len()) <= POOLED);
    }

    #[test]
    #[should_panic(expected = "grouped by concept")]
    fn terms_must_come_grouped_by_concept() {
        TermIndex::build([term(1, "b", true), term(0, "a", true)].into_iter());
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
