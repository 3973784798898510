//! An in-memory is-a graph: codes interned to `u32`, parent and child adjacency lists.
//! Subsumption walks up from the more specific code, so its cost is bounded by depth × fan-in
//! (SNOMED CT: depth ≤ ~30) rather than by the size of the hierarchy.

use std::collections::HashMap;

/// Adjacency of one code system version.
#[derive(Debug, Default)]
pub struct Hierarchy {
    index: HashMap<String, u32>,
    codes: Vec<String>,
    parents: Vec<Vec<u32>>,
    children: Vec<Vec<u32>>,
}

impl Hierarchy {
    /// Builds from (child, parent) edges.
    pub fn from_edges<'a>(edges: impl Iterator<Item = (&'a str, &'a str)>) -> Self {
        let mut h = Hierarchy::default();
        for (c, p) in edges {
            let (c, p) = (h.intern(c), h.intern(p));
            h.parents[c as usize].push(p);
            h.children[p as usize].push(c);
        }
        h
    }

    fn intern(&mut self, code: &str) -> u32 {
        if let Some(i) = self.index.get(code) {
            return *i;
        }
        let i = self.codes.len() as u32;
        self.index.insert(code.to_string(), i);
        self.codes.push(code.to_string());
        self.parents.push(Vec::new());
        self.children.push(Vec::new());
        i
    }

    /// True when `ancestor` is `code` or one of its ancestors.
    pub fn subsumes(&self, ancestor: &str, code: &str) -> bool {
        if ancestor == code {
            return true;
        }
        let (Some(&a), Some(&c)) = (self.index.get(ancestor), self.index.get(code)) else {
            return false;
        };
        let mut seen = vec![c];
        let mut stack = vec![c];
        while let Some(x) = stack.pop() {
            for &p in &self.parents[x as usize] {
                if p == a {
                    return true;
                }
                if !seen.contains(&p) {
                    seen.push(p);
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
                    out.push(self.codes[c as usize].as_str());
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
        let h = Hierarchy::from_edges([("b", "a"), ("c", "b"), ("c", "x"), ("d", "c")].into_iter());
        assert!(h.subsumes("a", "d"));
        assert!(h.subsumes("x", "d"));
        assert!(h.subsumes("d", "d"));
        assert!(!h.subsumes("d", "a"));
        assert!(!h.subsumes("q", "a"));
        let mut desc = h.descendants("b");
        desc.sort();
        assert_eq!(desc, ["c", "d"]);
    }
}
