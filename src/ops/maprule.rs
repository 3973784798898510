//! SNOMED CT map rules (the `mapRule` column of complex and extended map refsets) and their
//! evaluation against patient context.
//!
//! Forms, as they occur in the International ICD-10 map:
//! `TRUE`, `OTHERWISE TRUE`, `IFA 9859006 | Acanthosis nigricans (disorder) |` (a co-existing
//! condition), `IFA 248152002 | Female (finding) |` / `IFA 248153007 | Male (finding) |` (sex),
//! `IFA 445518008 | Age at onset of clinical finding (observable entity) | < 12.0 years` (age at
//! onset, with `<`, `<=`, `>`, `>=`, `=` and years/months/weeks/days), joined by `AND` / `OR`.
//! A rule that does not parse is reported as such, never guessed.

use regex::Regex;
use std::sync::OnceLock;

/// Female (finding).
pub const FEMALE: &str = "248152002";

/// The SNOMED CT sex concept for what callers write: `female`/`f`/`248152002`,
/// `male`/`m`/`248153007` (any case). The one normaliser for HTTP and the CLI.
pub fn sex(text: &str) -> Result<&'static str, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "female" | "f" | FEMALE => Ok(FEMALE),
        "male" | "m" | MALE => Ok(MALE),
        other => Err(format!(
            "sex '{other}' is not female, male, f, m, 248152002 or 248153007"
        )),
    }
}

/// An age in years from a value and a UCUM (or spelled-out) unit: `a`/`year(s)`,
/// `mo`/`month(s)`, `wk`/`week(s)`, `d`/`day(s)`; no unit means years. The one normaliser for
/// HTTP and the CLI.
pub fn age_years(value: f64, unit: &str) -> Result<f64, String> {
    Ok(match unit.trim().to_ascii_lowercase().as_str() {
        "" | "a" | "y" | "yr" | "year" | "years" => value,
        "mo" | "month" | "months" => value / 12.0,
        "wk" | "w" | "week" | "weeks" => value / 52.1775,
        "d" | "day" | "days" => value / 365.25,
        other => {
            return Err(format!(
                "age unit '{other}' is not a, mo, wk or d (or year, month, week, day)"
            ));
        }
    })
}

/// An age written as a number and a unit (`10a`, `6mo`, `3 weeks`, `20d`, `8`).
pub fn parse_age(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
    let value: f64 = t[..split]
        .trim()
        .parse()
        .map_err(|_| format!("age '{text}' is not a number with a unit (10a, 6mo, 3wk, 20d)"))?;
    age_years(value, &t[split..])
}
/// Male (finding).
pub const MALE: &str = "248153007";
/// Age at onset of clinical finding (observable entity).
pub const AGE_AT_ONSET: &str = "445518008";
/// Current chronological age (observable entity): appears in the real map; no dependency
/// element carries it, so such rules stay undecided.
pub const CURRENT_AGE: &str = "424144002";

/// One `IFA` clause.
#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    /// The patient's sex is this (248152002 female / 248153007 male).
    Sex(String),
    /// An age observable (445518008 age at onset, 424144002 current chronological age)
    /// compared with a value in years.
    Age {
        /// The observable concept.
        observable: String,
        /// Comparison operator.
        op: String,
        /// Threshold in years.
        years: f64,
    },
    /// A co-existing condition subsumed by this concept.
    Condition(String),
}

/// A parsed rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// `TRUE`: always applies.
    True,
    /// `OTHERWISE TRUE`: applies when no earlier rule of the group did.
    Otherwise,
    /// Clauses joined by one connector (`and` = true for AND).
    Clauses {
        /// The clauses.
        clauses: Vec<Clause>,
        /// AND (true) or OR (false).
        and: bool,
    },
}

/// Patient context for rule evaluation.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Sex as SNOMED CT 248152002 (female) / 248153007 (male).
    pub sex: Option<String>,
    /// Age at onset in years.
    pub age_years: Option<f64>,
    /// Co-existing conditions (SNOMED CT codes).
    pub conditions: Vec<String>,
    /// True when any context was given: then an unlisted co-condition is absent, not unknown.
    pub given: bool,
}

/// Three-valued truth: a rule may need context that was not supplied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    /// Holds.
    True,
    /// Does not hold.
    False,
    /// Cannot tell without more context.
    Unknown,
}

fn clause_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^IFA\s+(\d{6,18})\s*\|[^|]*\|\s*(?:(<=|>=|<|>|=)\s*([0-9]+(?:\.[0-9]+)?)\s*(years?|months?|weeks?|days?))?\s*$")
            .unwrap_or_else(|e| panic!("map rule grammar: {e}"))
    })
}

/// Parses a map rule; `Err` carries why it could not be read.
pub fn parse(rule: &str) -> Result<Rule, String> {
    let r = rule.trim();
    match r {
        "TRUE" => return Ok(Rule::True),
        "OTHERWISE TRUE" => return Ok(Rule::Otherwise),
        "" => return Err("empty map rule".into()),
        _ => {}
    }
    // Split on AND / OR outside of |term| segments.
    let (mut parts, mut connectors, mut cur, mut in_term) =
        (Vec::new(), Vec::new(), String::new(), false);
    let words: Vec<&str> = r.split(' ').collect();
    for w in words {
        let bars = w.matches('|').count();
        if !in_term && (w == "AND" || w == "OR") {
            parts.push(std::mem::take(&mut cur));
            connectors.push(w == "AND");
            continue;
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
        if bars % 2 == 1 {
            in_term = !in_term;
        }
    }
    parts.push(cur);
    if connectors.windows(2).any(|w| w[0] != w[1]) {
        return Err(format!(
            "map rule '{rule}' mixes AND and OR without brackets"
        ));
    }
    let mut clauses = Vec::new();
    for p in &parts {
        let caps = clause_re()
            .captures(p.trim())
            .ok_or_else(|| format!("cannot read map rule clause '{}'", p.trim()))?;
        let id = caps[1].to_string();
        let clause = match (caps.get(2), id.as_str()) {
            (Some(op), AGE_AT_ONSET | CURRENT_AGE) => {
                let value: f64 = caps[3].parse().map_err(|_| format!("bad age in '{p}'"))?;
                let unit = &caps[4];
                let years = match unit.trim_end_matches('s') {
                    "year" => value,
                    "month" => value / 12.0,
                    "week" => value / 52.1775,
                    _ => value / 365.25,
                };
                Clause::Age {
                    observable: id.clone(),
                    op: op.as_str().to_string(),
                    years,
                }
            }
            (Some(_), _) => {
                return Err(format!(
                    "a comparison on {id} in '{p}' is not an age rule this server knows"
                ));
            }
            (None, FEMALE | MALE) => Clause::Sex(id),
            (None, AGE_AT_ONSET) => {
                return Err(format!("age-at-onset rule '{p}' has no comparison"));
            }
            (None, _) => Clause::Condition(id),
        };
        clauses.push(clause);
    }
    Ok(Rule::Clauses {
        clauses,
        and: connectors.first().copied().unwrap_or(true),
    })
}

/// Evaluates one clause; `subsumes(a, b)` says whether SNOMED CT concept `a` subsumes `b`.
pub fn eval_clause(c: &Clause, ctx: &Context, subsumes: &dyn Fn(&str, &str) -> bool) -> Truth {
    let t = |b: bool| if b { Truth::True } else { Truth::False };
    match c {
        Clause::Sex(s) => ctx.sex.as_ref().map_or(Truth::Unknown, |x| t(x == s)),
        Clause::Age { observable, .. } if observable != AGE_AT_ONSET => Truth::Unknown,
        Clause::Age { op, years, .. } => ctx.age_years.map_or(Truth::Unknown, |a| {
            t(match op.as_str() {
                "<" => a < *years,
                "<=" => a <= *years,
                ">" => a > *years,
                ">=" => a >= *years,
                _ => (a - years).abs() < 1e-9,
            })
        }),
        Clause::Condition(id) => {
            if ctx.conditions.iter().any(|c| subsumes(id, c)) {
                Truth::True
            } else if ctx.given {
                Truth::False
            } else {
                Truth::Unknown
            }
        }
    }
}

/// Evaluates a rule (OTHERWISE TRUE is true: it is reached only when nothing before it held).
pub fn eval(rule: &Rule, ctx: &Context, subsumes: &dyn Fn(&str, &str) -> bool) -> Truth {
    match rule {
        Rule::True | Rule::Otherwise => Truth::True,
        Rule::Clauses { clauses, and } => {
            let values: Vec<Truth> = clauses
                .iter()
                .map(|c| eval_clause(c, ctx, subsumes))
                .collect();
            let (decisive, neutral) = if *and {
                (Truth::False, Truth::True)
            } else {
                (Truth::True, Truth::False)
            };
            if values.contains(&decisive) {
                decisive
            } else if values.iter().all(|v| *v == neutral) {
                neutral
            } else {
                Truth::Unknown
            }
        }
    }
}

/// The context a rule needs, in words, for "which context would decide" messages.
pub fn needs(rule: &Rule) -> Vec<&'static str> {
    let mut out = Vec::new();
    if let Rule::Clauses { clauses, .. } = rule {
        for c in clauses {
            let n = match c {
                Clause::Sex(_) => {
                    "sex (dependency element http://hl7.org/fhir/StructureDefinition/Patient#Patient.gender)"
                }
                Clause::Age { observable, .. } if observable == CURRENT_AGE => {
                    "current chronological age (424144002), which no dependency element carries"
                }
                Clause::Age { .. } => {
                    "age at onset (dependency element http://snomed.info/id/445518008 with a valueQuantity)"
                }
                Clause::Condition(_) => {
                    "co-existing conditions (dependency element http://snomed.info/id/404684003)"
                }
            };
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_rule_forms_of_the_real_map() {
        assert_eq!(parse("TRUE"), Ok(Rule::True));
        assert_eq!(parse("OTHERWISE TRUE"), Ok(Rule::Otherwise));
        assert_eq!(
            parse(
                "IFA 445518008 | Age at onset of clinical finding (observable entity) | < 12.0 years"
            ),
            Ok(Rule::Clauses {
                clauses: vec![Clause::Age {
                    observable: AGE_AT_ONSET.into(),
                    op: "<".into(),
                    years: 12.0
                }],
                and: true
            })
        );
        assert_eq!(
            parse("IFA 248152002 | Female (finding) |"),
            Ok(Rule::Clauses {
                clauses: vec![Clause::Sex(FEMALE.into())],
                and: true
            })
        );
        assert_eq!(
            parse("IFA 9859006 | Acanthosis nigricans (disorder) |"),
            Ok(Rule::Clauses {
                clauses: vec![Clause::Condition("9859006".into())],
                and: true
            })
        );
        let r = parse("IFA 445518008 | Age at onset of clinical finding (observable entity) | >= 15.0 years AND IFA 445518008 | Age at onset of clinical finding (observable entity) | < 19.0 years").unwrap();
        assert!(matches!(r, Rule::Clauses { ref clauses, and: true } if clauses.len() == 2));
        assert!(parse("IF SOMETHING").is_err());
        assert!(parse("IFA 445518008 | Age at onset |").is_err());
    }

    #[test]
    fn evaluation_is_three_valued() {
        let never = |_: &str, _: &str| false;
        let young = parse(
            "IFA 445518008 | Age at onset of clinical finding (observable entity) | < 12.0 years",
        )
        .unwrap();
        assert_eq!(eval(&young, &Context::default(), &never), Truth::Unknown);
        let ctx = Context {
            age_years: Some(8.0 / 12.0 * 12.0),
            given: true,
            ..Default::default()
        };
        assert_eq!(eval(&young, &ctx, &never), Truth::True);
        let ctx = Context {
            age_years: Some(40.0),
            given: true,
            ..Default::default()
        };
        assert_eq!(eval(&young, &ctx, &never), Truth::False);
        let female = parse("IFA 248152002 | Female (finding) |").unwrap();
        assert_eq!(
            eval(
                &female,
                &Context {
                    sex: Some(MALE.into()),
                    given: true,
                    ..Default::default()
                },
                &never
            ),
            Truth::False
        );
        let cond = parse("IFA 44054006 | Type 2 diabetes mellitus (disorder) |").unwrap();
        let sub = |a: &str, b: &str| a == b;
        assert_eq!(
            eval(
                &cond,
                &Context {
                    conditions: vec!["44054006".into()],
                    given: true,
                    ..Default::default()
                },
                &sub
            ),
            Truth::True
        );
        assert_eq!(
            eval(
                &cond,
                &Context {
                    given: true,
                    ..Default::default()
                },
                &sub
            ),
            Truth::False
        );
        assert_eq!(eval(&cond, &Context::default(), &sub), Truth::Unknown);
    }
}

#[cfg(test)]
mod normaliser_tests {
    #[test]
    fn one_normaliser_for_sex_and_age() {
        for s in ["female", "F", "f", super::FEMALE] {
            assert_eq!(super::sex(s), Ok(super::FEMALE));
        }
        assert_eq!(super::sex("M"), Ok(super::MALE));
        assert!(super::sex("x").is_err());
        assert_eq!(super::parse_age("10a"), Ok(10.0));
        assert_eq!(super::parse_age("10 years"), Ok(10.0));
        assert_eq!(super::parse_age("6mo"), Ok(0.5));
        assert_eq!(super::age_years(12.0, "months"), Ok(1.0));
        assert_eq!(super::parse_age("8"), Ok(8.0));
        assert!(super::parse_age("ten").is_err());
        assert!(super::age_years(1.0, "fortnight").is_err());
    }
}
