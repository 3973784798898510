//! The bound on bracket nesting shared by the two SNOMED CT grammars read from requests (ECL
//! and the compositional grammar). Both parsers recurse once per bracket level, as does the
//! evaluation of what they build, so without a bound one request of a few thousand `(` would
//! exhaust a worker's stack and abort the whole server. Uses nothing.

/// The deepest bracket nesting accepted; real constraints and expressions nest a handful of
/// levels.
pub const MAX_NESTING: usize = 50;

/// The character position where bracket nesting (`(`, `{`) first goes deeper than
/// [`MAX_NESTING`], if it does. Brackets inside terms count too: a term holding fifty nested
/// brackets is not a term anyone writes.
pub fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.chars().enumerate() {
        match c {
            '(' | '{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            ')' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_where_nesting_goes_too_deep() {
        assert_eq!(too_deep(&"(".repeat(MAX_NESTING)), None);
        assert_eq!(too_deep(&"({".repeat(MAX_NESTING)), Some(MAX_NESTING));
        assert_eq!(too_deep(&"()".repeat(10_000)), None);
    }
}
