//! A set of concepts as a bitset over the index's positions: AND / OR / MINUS of
//! International-scale sets are a few thousand word operations, and membership is one bit.
//! ECL evaluates to these; the hierarchy keeps its has-row and active sets as these. May use:
//! nothing else of Concord.

/// Concepts by position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConceptSet {
    bits: Vec<u64>,
}

impl ConceptSet {
    /// The empty set over `n` positions.
    pub fn empty(n: usize) -> Self {
        ConceptSet {
            bits: vec![0; n.div_ceil(64)],
        }
    }

    /// Adds a position; true when it was not there.
    pub fn insert(&mut self, i: u32) -> bool {
        let (w, b) = (i as usize / 64, i % 64);
        let had = self.bits[w] & (1 << b) != 0;
        self.bits[w] |= 1 << b;
        !had
    }

    /// Removes a position.
    pub fn remove(&mut self, i: u32) {
        self.bits[i as usize / 64] &= !(1 << (i % 64));
    }

    /// Membership.
    pub fn contains(&self, i: u32) -> bool {
        self.bits
            .get(i as usize / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// Keeps what is also in `other`.
    pub fn and(&mut self, other: &ConceptSet) {
        for (a, b) in self.bits.iter_mut().zip(&other.bits) {
            *a &= b;
        }
    }

    /// Adds what is in `other`.
    pub fn or(&mut self, other: &ConceptSet) {
        for (a, b) in self.bits.iter_mut().zip(&other.bits) {
            *a |= b;
        }
    }

    /// Removes what is in `other`.
    pub fn minus(&mut self, other: &ConceptSet) {
        for (a, b) in self.bits.iter_mut().zip(&other.bits) {
            *a &= !b;
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|w| *w == 0)
    }

    /// Members in position order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.bits.iter().enumerate().flat_map(|(w, &word)| {
            let mut word = word;
            std::iter::from_fn(move || {
                if word == 0 {
                    return None;
                }
                let b = word.trailing_zeros();
                word &= word - 1;
                Some(w as u32 * 64 + b)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::ConceptSet;

    #[test]
    fn set_operations() {
        let mut a = ConceptSet::empty(200);
        for i in [1, 64, 130, 199] {
            assert!(a.insert(i));
        }
        assert!(!a.insert(64));
        let mut b = ConceptSet::empty(200);
        b.insert(64);
        b.insert(5);
        let mut and = a.clone();
        and.and(&b);
        assert_eq!(and.iter().collect::<Vec<_>>(), [64]);
        let mut or = a.clone();
        or.or(&b);
        assert_eq!(or.len(), 5);
        a.minus(&b);
        assert_eq!(a.iter().collect::<Vec<_>>(), [1, 130, 199]);
        assert!(a.contains(199) && !a.contains(64) && !a.contains(10_000));
    }
}
