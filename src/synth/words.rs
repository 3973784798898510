//! A made-up clinical-sounding vocabulary with a Zipf-like frequency, so term search over a
//! synthetic release sees realistic skew (a few very common words, a long tail).

use super::rng::Rng;

const ONSETS: &[&str] = &[
    "b", "c", "d", "f", "g", "h", "l", "m", "n", "p", "r", "s", "t", "v", "st", "tr", "pl", "cr",
    "gl", "th", "ph", "ch",
];
const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ae", "io", "ia", "y"];
const CODAS: &[&str] = &["", "n", "r", "s", "l", "x", "m", "t", "st", "nt"];
const SUFFIXES: &[&str] = &[
    "itis", "osis", "oma", "ectomy", "otomy", "algia", "emia", "pathy", "plasty", "scopy", "al",
    "ic", "ous", "ine", "ase",
];

/// The vocabulary and its cumulative Zipf weights.
pub struct Vocabulary {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Vocabulary {
    /// `n` distinct words; word k has weight 1/(k+1).
    pub fn new(rng: &mut Rng, n: usize) -> Self {
        let mut seen = std::collections::HashSet::new();
        let mut words = Vec::with_capacity(n);
        while words.len() < n {
            let syllables = 1 + rng.below(3);
            let mut w = String::new();
            for _ in 0..syllables {
                w.push_str(ONSETS[rng.below(ONSETS.len())]);
                w.push_str(VOWELS[rng.below(VOWELS.len())]);
                w.push_str(CODAS[rng.below(CODAS.len())]);
            }
            if rng.chance(0.3) {
                w.push_str(SUFFIXES[rng.below(SUFFIXES.len())]);
            }
            if seen.insert(w.clone()) {
                words.push(w);
            }
        }
        let mut total = 0.0;
        let cumulative = (0..n)
            .map(|k| {
                total += 1.0 / (k as f64 + 1.0);
                total
            })
            .collect();
        Vocabulary { words, cumulative }
    }

    /// One word drawn by Zipf frequency.
    pub fn word(&self, rng: &mut Rng) -> &str {
        let total = *self.cumulative.last().unwrap_or(&1.0);
        let x = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
        let i = self
            .cumulative
            .partition_point(|c| *c < x)
            .min(self.words.len() - 1);
        &self.words[i]
    }

    /// A term of 2–5 words, capitalised.
    pub fn term(&self, rng: &mut Rng) -> String {
        let n = 2 + rng.below(4);
        let mut t: Vec<String> = (0..n).map(|_| self.word(rng).to_string()).collect();
        if let Some(first) = t.first_mut() {
            let mut c = first.chars();
            *first = c
                .next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default();
        }
        t.join(" ")
    }
}
