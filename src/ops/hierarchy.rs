//! An in-memory index of one code system version: codes interned to `u32`, parent and child
//! adjacency lists, and each concept's default display. Subsumption walks up from the more
//! specific code, so its cost is bounded by depth × fan-in (SNOMED CT: depth ≤ ~30) rather than
//! by the size of the hierarchy; parents, children and the displays `$lookup` shows for them are
//! answered without touching the store (at International scale those were most of a lookup's
//! random page reads).

use std::collections::HashMap;

/// Adjacency and displays of one code system version.
#[derive(Debug, Default)]
pub struct Hierarchy {
    index: HashMap<Box<str>, u32>,
    codes: Vec<Box<str>>,
    displays: Vec<Option<Box<str>>>,
    parents: Vec<Vec<u32>>,
    children: Vec<Vec<u32>>,
}

impl Hierarchy {
    /// Builds from (child, parent) edges.
    pub fn from_edges<'a>(edges: impl Iterator<Item = (&'a str, &'a str)>) -> Self {
        Self::build(edges, std::iter::empty())
    }

    /// Builds from (child, parent) edges and (code, display) pairs.
    pub fn build<'a>(
        edges: impl Iterator<Item = (&'a str, &'a str)>,
        displays: impl Iterator<Item = (&'a str, Option<&'a str>)>,
    ) -> Self {
        let mut h = Hierarchy::default();
        for (code, display) in displays {
            let i = h.intern(code);
            h.displays[i as usize] = display.map(Box::from);
        }
        for (c, p) in edges {
            let (c, p) = (h.intern(c), h.intern(p));
            h.parents[c as usize].push(p);
            h.children[p as usize].push(c);
        }
        for list in h.parents.iter_mut().chain(h.children.iter_mut()) {
            list.shrink_to_fit();
        }
        h
    }

    fn intern(&mut self, code: &str) -> u32 {
        if let Some(i) = self.index.get(code) {
            return *i;
        }
        let i = self.codes.len() as u32;
        self.index.insert(Box::from(code), i);
        self.codes.push(Box::from(code));
        self.displays.push(None);
        self.parents.push(Vec::new());
        self.children.push(Vec::new());
        i
    }

    /// True when the code is known (has a display or an edge).
    pub fn contains(&self, code: &str) -> bool {
        self.index.contains_key(code)
    }

    /// The default display of a code.
    pub fn display(&self, code: &str) -> Option<&str> {
        self.index
            .get(code)
            .and_then(|i| self.displays[*i as usize].as_deref())
    }

    /// Direct parents, sorted.
    pub fn parents_of(&self, code: &str) -> Vec<&str> {
        self.neighbours(code, &self.parents)
    }

    /// Direct children, sorted.
    pub fn children_of(&self, code: &str) -> Vec<&str> {
        self.neighbours(code, &self.children)
    }

    fn neighbours<'a>(&'a self, code: &str, lists: &'a [Vec<u32>]) -> Vec<&'a str> {
        let mut v: Vec<&str> = self
            .index
            .get(code)
            .map(|i| {
                lists[*i as usize]
                    .iter()
                    .map(|j| &*self.codes[*j as usize])
                    .collect()
            })
            .unwrap_or_default();
        v.sort_unstable();
        v
    }

    /// True when `ancestor` is `code` or one of its ancestors.
    pub fn subsumes(&self, ancestor: &str, code: &str) -> bool {
        if ancestor == code {
            return true;
        }
        let (Some(&a), Some(&c)) = (self.index.get(ancestor), self.index.get(code)) else {
            return false;
        };
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![c];
        while let Some(x) = stack.pop() {
            for &p in &self.parents[x as usize] {
                if p == a {
                    return true;
                }
                if seen.insert(p) {
                    stack.push(p);
                }
            }
        }
        false
    }

    /// Every descendant of `code` (not including it).
    pub fn descendants(&self, code: &str) -> Vec<&str> {
        let Some(&start) = self.index.get(code) else {
            return Vec::new();
        };
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![start];
        let mut out = Vec::new();
        while let Some(x) = stack.pop() {
            for &c in &self.children[x as usize] {
                if seen.insert(c) {
                    out.push(&*self.codes[c as usize]);
                    stack.push(c);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Hierarchy;

    #[test]
    fn subsumption_follows_every_parent() {
        let h = Hierarchy::build(
            [("b", "a"), ("c", "b"), ("c", "x"), ("d", "c")].into_iter(),
            [("a", Some("A"))].into_iter(),
        );
        assert!(h.subsumes("a", "d"));
        assert!(h.subsumes("x", "d"));
        assert!(h.subsumes("d", "d"));
        assert!(!h.subsumes("d", "a"));
        assert!(!h.subsumes("q", "a"));
        let mut desc = h.descendants("b");
        desc.sort();
        assert_eq!(desc, ["c", "d"]);
        assert_eq!(h.parents_of("c"), ["b", "x"]);
        assert_eq!(h.children_of("b"), ["c"]);
        assert_eq!(h.display("a"), Some("A"));
        assert_eq!(h.display("b"), None);
    }
}
