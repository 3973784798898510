//! Which grants each operation needs. Operations are named by the resource type they read
//! (`CodeSystem`, `ValueSet`, `ConceptMap`), `search` (the plain JSON search) and `admin`
//! (reloading releases). By default a SMART backend-services read scope of the type, or of every
//! type, will do; `--require-scope OPERATION=GRANT[,GRANT…]` replaces that per operation (or
//! for every one with `*`), e.g. an Entra ID app role: `*=Terminology.Read`.

use super::AuthError;

/// Grants per operation: the overrides given, else the defaults.
#[derive(Debug, Clone, Default)]
pub struct ScopeRules {
    overrides: Vec<(String, Vec<String>)>,
    /// What [`ScopeRules::needed`] says for each of [`OPERATIONS`], worked out once: every
    /// authenticated request is checked against it.
    table: Vec<(&'static str, Vec<String>)>,
}

/// The operations a grant can be required for.
pub const OPERATIONS: [&str; 5] = ["CodeSystem", "ValueSet", "ConceptMap", "search", "admin"];

impl ScopeRules {
    /// Parses `OPERATION=GRANT[,GRANT…]` rules.
    pub fn parse(rules: &[String]) -> anyhow::Result<Self> {
        let mut overrides = Vec::new();
        for r in rules {
            let (op, grants) = r.split_once('=').ok_or_else(|| {
                anyhow::anyhow!("--require-scope '{r}' is not OPERATION=GRANT[,GRANT…]")
            })?;
            let op = op.trim();
            anyhow::ensure!(
                op == "*" || OPERATIONS.contains(&op),
                "--require-scope '{r}': the operation is one of {} or *",
                OPERATIONS.join(", ")
            );
            let grants: Vec<String> = grants
                .split(',')
                .map(|g| g.trim().to_string())
                .filter(|g| !g.is_empty())
                .collect();
            anyhow::ensure!(!grants.is_empty(), "--require-scope '{r}' names no grant");
            overrides.push((op.to_string(), grants));
        }
        let mut rules = ScopeRules {
            overrides,
            table: Vec::new(),
        };
        rules.table = OPERATIONS
            .iter()
            .map(|op| (*op, rules.needed(op)))
            .collect();
        Ok(rules)
    }

    /// The grants any one of which lets a caller run `operation`.
    pub fn needed(&self, operation: &str) -> Vec<String> {
        let given = |op: &str| {
            self.overrides
                .iter()
                .find(|(o, _)| o == op)
                .map(|(_, g)| g.clone())
        };
        if let Some(g) = given(operation).or_else(|| given("*")) {
            return g;
        }
        match operation {
            "admin" => vec!["system/*.write".into(), "Concord.Admin".into()],
            op => {
                let ty = if op == "search" { "CodeSystem" } else { op };
                // SMART v1 `.read` and v2 `.rs` (read + search), for the type or all types.
                vec![
                    format!("system/{ty}.read"),
                    format!("system/{ty}.rs"),
                    "system/*.read".into(),
                    "system/*.rs".into(),
                ]
            }
        }
    }

    /// Ok when one of `grants` is needed for `operation`.
    pub fn check(&self, grants: &[String], operation: &str) -> Result<(), AuthError> {
        let needed = match self.table.iter().find(|(op, _)| *op == operation) {
            Some((_, n)) => std::borrow::Cow::Borrowed(n),
            None => std::borrow::Cow::Owned(self.needed(operation)),
        };
        if grants.iter().any(|g| needed.contains(g)) {
            Ok(())
        } else {
            Err(AuthError::Forbidden {
                operation: operation.to_string(),
                needed: needed.join(", "),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn smart_scopes_grant_their_type_or_every_type() {
        let r = ScopeRules::default();
        assert!(
            r.check(&g(&["system/CodeSystem.read"]), "CodeSystem")
                .is_ok()
        );
        assert!(r.check(&g(&["system/*.rs"]), "ConceptMap").is_ok());
        assert!(
            r.check(&g(&["system/ValueSet.read"]), "CodeSystem")
                .is_err()
        );
        assert!(r.check(&g(&["system/*.read"]), "admin").is_err());
    }

    #[test]
    fn overrides_replace_the_defaults() {
        let r = ScopeRules::parse(&["*=Terminology.Read".into(), "admin=Ops".into()]).unwrap();
        assert!(r.check(&g(&["Terminology.Read"]), "ValueSet").is_ok());
        assert!(r.check(&g(&["system/*.read"]), "ValueSet").is_err());
        assert!(r.check(&g(&["Ops"]), "admin").is_ok());
        assert!(ScopeRules::parse(&["lookup=x".into()]).is_err());
        assert!(ScopeRules::parse(&["CodeSystem".into()]).is_err());
    }
}
