//! SNOMED CT post-coordinated expressions in the compositional grammar (SCG 2.4): a pure parser
//! to a small tree, and the two ways Concord writes one back — without terms (the canonical
//! text used to compare expressions) and with each concept's term between bars (how an
//! expression is displayed). Whether the concepts exist and may stand where they stand is a
//! question for a code system version, so it is asked in `ops::expression`, not here.
//!
//! Grammar (whitespace allowed between tokens):
//! ```text
//! expression   = [ "===" | "<<<" ] subExpression
//! subExpression= focus [ ":" refinement ]
//! focus        = conceptRef *( "+" conceptRef )
//! conceptRef   = sctId [ "|" term "|" ]
//! refinement   = ( attributeSet | group ) *( [","] group )
//! group        = "{" attributeSet "}"
//! attributeSet = attribute *( "," attribute )
//! attribute    = conceptRef "=" value
//! value        = conceptRef | "(" subExpression ")" | "#" number | '"' string '"' | true | false
//! ```

use std::fmt::Write as _;

/// Definition status written before the focus concepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefinitionStatus {
    /// `===`: the expression is equivalent to its definition.
    Equivalent,
    /// `<<<`: the expression is subsumed by its definition.
    Subtype,
}

/// A concept as an expression names it: its id and the term written after it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConceptRef {
    /// The SCTID.
    pub id: String,
    /// The term between bars (not checked: terms are for people).
    pub term: Option<String>,
}

/// The value of an attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    /// A concept.
    Concept(ConceptRef),
    /// A nested expression in brackets.
    Nested(Box<SubExpression>),
    /// `#` and a number, kept as written.
    Number(String),
    /// A quoted string.
    String(String),
    /// `true` or `false`.
    Boolean(bool),
}

/// One `name = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// The attribute (a concept model attribute).
    pub name: ConceptRef,
    /// Its value.
    pub value: AttributeValue,
}

/// Focus concepts and their refinement.
#[derive(Debug, Clone, PartialEq)]
pub struct SubExpression {
    /// The focus concepts (`a + b`).
    pub focus: Vec<ConceptRef>,
    /// Attributes outside any group.
    pub ungrouped: Vec<Attribute>,
    /// Role groups (`{ … }`).
    pub groups: Vec<Vec<Attribute>>,
}

/// A whole expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    /// `===` / `<<<`, when written.
    pub status: Option<DefinitionStatus>,
    /// The rest.
    pub body: SubExpression,
}

/// Why a text is not an expression: what was expected, at which character (0-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Character offset.
    pub at: usize,
    /// What was expected there.
    pub expected: &'static str,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "expected {} at character {}", self.expected, self.at + 1)
    }
}

/// True when a SNOMED CT code is written as an expression rather than a single concept id: a
/// plain SCTID is digits only, so any grammar character makes it one.
pub fn is_expression(code: &str) -> bool {
    code.chars()
        .any(|c| matches!(c, ':' | '+' | '|' | '=' | '{' | '(') || c.is_whitespace())
}

/// Parses an expression.
pub fn parse(text: &str) -> Result<Expression, ParseError> {
    // The text below names the bound; this holds the two together.
    const _: () = assert!(super::nesting::MAX_NESTING == 50);
    if let Some(at) = super::nesting::too_deep(text) {
        return Err(ParseError {
            at,
            expected: "at most 50 levels of nested brackets",
        });
    }
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    p.ws();
    let status = if p.eat("===") {
        Some(DefinitionStatus::Equivalent)
    } else if p.eat("<<<") {
        Some(DefinitionStatus::Subtype)
    } else {
        None
    };
    let body = p.sub_expression()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.error("the end of the expression"));
    }
    Ok(Expression { status, body })
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn error(&self, expected: &'static str) -> ParseError {
        ParseError {
            at: self.i,
            expected,
        }
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, token: &str) -> bool {
        self.ws();
        if self.s[self.i..].starts_with(token.as_bytes()) {
            self.i += token.len();
            true
        } else {
            false
        }
    }

    fn sub_expression(&mut self) -> Result<SubExpression, ParseError> {
        let mut focus = vec![self.concept()?];
        while self.eat("+") {
            focus.push(self.concept()?);
        }
        let mut out = SubExpression {
            focus,
            ungrouped: vec![],
            groups: vec![],
        };
        if self.eat(":") {
            if self.peek() != Some(b'{') {
                out.ungrouped = self.attribute_set()?;
                if !self.eat(",") && self.peek() != Some(b'{') {
                    return Ok(out);
                }
            }
            loop {
                if !self.eat("{") {
                    return Err(self.error("'{'"));
                }
                out.groups.push(self.attribute_set()?);
                if !self.eat("}") {
                    return Err(self.error("'}'"));
                }
                // Groups may be separated by a comma, or only by white space.
                let comma = self.eat(",");
                if !comma && self.peek() != Some(b'{') {
                    break;
                }
            }
        }
        Ok(out)
    }

    fn attribute_set(&mut self) -> Result<Vec<Attribute>, ParseError> {
        let mut set = vec![self.attribute()?];
        loop {
            let save = self.i;
            if !self.eat(",") {
                break;
            }
            // A comma followed by a group ends the set (the group belongs to the refinement).
            if self.peek() == Some(b'{') {
                self.i = save;
                break;
            }
            set.push(self.attribute()?);
        }
        Ok(set)
    }

    fn attribute(&mut self) -> Result<Attribute, ParseError> {
        let name = self.concept()?;
        if !self.eat("=") {
            return Err(self.error("'='"));
        }
        let value = match self.peek() {
            Some(b'(') => {
                self.i += 1;
                let nested = self.sub_expression()?;
                if !self.eat(")") {
                    return Err(self.error("')'"));
                }
                AttributeValue::Nested(Box::new(nested))
            }
            Some(b'#') => {
                self.i += 1;
                let start = self.i;
                if matches!(self.s.get(self.i), Some(b'-' | b'+')) {
                    self.i += 1;
                }
                while self
                    .s
                    .get(self.i)
                    .is_some_and(|c| c.is_ascii_digit() || *c == b'.')
                {
                    self.i += 1;
                }
                let n = text(&self.s[start..self.i]);
                if n.is_empty() || n.parse::<f64>().is_err() {
                    self.i = start;
                    return Err(self.error("a number"));
                }
                AttributeValue::Number(n)
            }
            Some(b'"') => {
                self.i += 1;
                let start = self.i;
                while self.s.get(self.i).is_some_and(|c| *c != b'"') {
                    self.i += if self.s[self.i] == b'\\' { 2 } else { 1 };
                }
                if self.i >= self.s.len() {
                    return Err(self.error("a closing '\"'"));
                }
                let v = text(&self.s[start..self.i]);
                self.i += 1;
                AttributeValue::String(v)
            }
            _ if self.eat("true") => AttributeValue::Boolean(true),
            _ if self.eat("false") => AttributeValue::Boolean(false),
            _ => AttributeValue::Concept(self.concept()?),
        };
        Ok(Attribute { name, value })
    }

    fn concept(&mut self) -> Result<ConceptRef, ParseError> {
        self.ws();
        let start = self.i;
        while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        let id = text(&self.s[start..self.i]);
        // An SCTID: 6 to 18 digits, not starting with 0.
        if !(6..=18).contains(&id.len()) || id.starts_with('0') {
            self.i = start;
            return Err(self.error("a concept id"));
        }
        let term = if self.eat("|") {
            let from = self.i;
            while self.s.get(self.i).is_some_and(|c| *c != b'|') {
                self.i += 1;
            }
            if self.i >= self.s.len() {
                return Err(self.error("a closing '|'"));
            }
            let t = text(&self.s[from..self.i]).trim().to_string();
            self.i += 1;
            Some(t)
        } else {
            None
        };
        Ok(ConceptRef { id, term })
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl Expression {
    /// Every concept id the expression names, in order of writing (attribute names included).
    pub fn concepts(&self) -> Vec<&ConceptRef> {
        let mut out = Vec::new();
        self.body.walk(&mut |c, _| out.push(c));
        out
    }

    /// The expression written back: without terms when `term` answers `None` for every id (the
    /// canonical text two expressions are compared by), else `id|term|` for each concept.
    pub fn render(&self, term: &dyn Fn(&str) -> Option<String>) -> String {
        let mut s = String::new();
        match self.status {
            Some(DefinitionStatus::Equivalent) => s.push_str("=== "),
            Some(DefinitionStatus::Subtype) => s.push_str("<<< "),
            None => {}
        }
        self.body.render(&mut s, term);
        s
    }

    /// The canonical text: no terms, no white space.
    pub fn canonical(&self) -> String {
        self.render(&|_| None)
    }
}

impl SubExpression {
    /// Calls `f` with each concept and whether it stands as an attribute name.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a ConceptRef, bool)) {
        for c in &self.focus {
            f(c, false);
        }
        for a in self.ungrouped.iter().chain(self.groups.iter().flatten()) {
            f(&a.name, true);
            match &a.value {
                AttributeValue::Concept(c) => f(c, false),
                AttributeValue::Nested(n) => n.walk(f),
                _ => {}
            }
        }
    }

    /// Every attribute, grouped or not, with the group it is in (0: none).
    pub fn attributes(&self) -> impl Iterator<Item = (usize, &Attribute)> {
        self.ungrouped.iter().map(|a| (0, a)).chain(
            self.groups
                .iter()
                .enumerate()
                .flat_map(|(g, set)| set.iter().map(move |a| (g + 1, a))),
        )
    }

    fn render(&self, s: &mut String, term: &dyn Fn(&str) -> Option<String>) {
        let concept = |s: &mut String, c: &ConceptRef| {
            s.push_str(&c.id);
            if let Some(t) = term(&c.id) {
                let _ = write!(s, "|{t}|");
            }
        };
        for (i, c) in self.focus.iter().enumerate() {
            if i > 0 {
                s.push('+');
            }
            concept(s, c);
        }
        if self.ungrouped.is_empty() && self.groups.is_empty() {
            return;
        }
        s.push(':');
        let set = |s: &mut String, attrs: &[Attribute]| {
            for (i, a) in attrs.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                concept(s, &a.name);
                s.push('=');
                match &a.value {
                    AttributeValue::Concept(c) => concept(s, c),
                    AttributeValue::Nested(n) => {
                        s.push('(');
                        n.render(s, term);
                        s.push(')');
                    }
                    AttributeValue::Number(n) => {
                        let _ = write!(s, "#{n}");
                    }
                    AttributeValue::String(v) => {
                        let _ = write!(s, "\"{v}\"");
                    }
                    AttributeValue::Boolean(b) => {
                        let _ = write!(s, "{b}");
                    }
                }
            }
        };
        set(s, &self.ungrouped);
        for (i, g) in self.groups.iter().enumerate() {
            if i > 0 || !self.ungrouped.is_empty() {
                s.push(',');
            }
            s.push('{');
            set(s, g);
            s.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_bounded_so_no_request_can_exhaust_the_stack() {
        // Each level an attribute whose value is a bracketed expression of the next.
        let nested = |n: usize| {
            format!(
                "{}10200004{}",
                "64572001:363698007=(".repeat(n),
                ")".repeat(n)
            )
        };
        let e = parse(&nested(100_000)).unwrap_err();
        assert!(e.to_string().contains("at most 50 levels"), "{e}");
        assert_eq!(parse(&nested(3)).err(), None);
    }

    #[test]
    fn parses_focus_refinement_and_groups() {
        let e = parse(
            "367430006 |Repair of tendon of hand| : { 272741003 |Laterality| = 24028007 |Right| }",
        )
        .unwrap();
        assert_eq!(e.body.focus[0].id, "367430006");
        assert_eq!(
            e.body.focus[0].term.as_deref(),
            Some("Repair of tendon of hand")
        );
        assert_eq!(e.body.groups.len(), 1);
        assert_eq!(e.canonical(), "367430006:{272741003=24028007}");
        let with_terms = e.render(&|id| Some(format!("T{id}")));
        assert_eq!(
            with_terms,
            "367430006|T367430006|:{272741003|T272741003|=24028007|T24028007|}"
        );
    }

    #[test]
    fn parses_the_specification_forms() {
        for (text, canonical) in [
            ("73211009", "73211009"),
            ("=== 421720008 + 7946007", "=== 421720008+7946007"),
            (
                "83152002 : 405815000 = 122865005",
                "83152002:405815000=122865005",
            ),
            (
                "71388002:{260686004=129304002,405813007=15497006}{260686004=129304002,405813007=31676001}",
                "71388002:{260686004=129304002,405813007=15497006},{260686004=129304002,405813007=31676001}",
            ),
            (
                "397956004:363698007=(24136001:272741003=7771000)",
                "397956004:363698007=(24136001:272741003=7771000)",
            ),
            (
                "322236009:3311481000=#1000, 209999999104 = \"x\"",
                "322236009:3311481000=#1000,209999999104=\"x\"",
            ),
            (
                "71388002:405815000=122865005,{260686004=129304002}",
                "71388002:405815000=122865005,{260686004=129304002}",
            ),
        ] {
            let e = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(e.canonical(), canonical, "{text}");
            // Written back, it reads the same.
            assert_eq!(parse(&e.canonical()).unwrap(), e, "{text}");
        }
    }

    #[test]
    fn names_what_was_expected_and_where() {
        let e = parse("367430006:{272741003}").unwrap_err();
        assert_eq!((e.at, e.expected), (20, "'='"));
        assert_eq!(
            parse("12:1=2").unwrap_err().expected,
            "a concept id",
            "too short for an SCTID"
        );
        assert_eq!(
            parse("367430006 |open").unwrap_err().expected,
            "a closing '|'"
        );
        assert_eq!(
            parse("367430006:{272741003=24028007").unwrap_err().expected,
            "'}'"
        );
        assert_eq!(
            parse("367430006 x").unwrap_err().to_string(),
            "expected the end of the expression at character 11"
        );
    }

    #[test]
    fn tells_expressions_from_plain_ids() {
        assert!(!is_expression("367430006"));
        assert!(is_expression("367430006:{272741003=24028007}"));
        assert!(is_expression("421720008 + 7946007"));
    }

    #[test]
    fn walks_every_concept_with_its_role() {
        let e = parse("397956004:363698007=(24136001:272741003=7771000)").unwrap();
        let mut seen = Vec::new();
        e.body.walk(&mut |c, attr| seen.push((c.id.clone(), attr)));
        assert_eq!(
            seen,
            [
                ("397956004".to_string(), false),
                ("363698007".to_string(), true),
                ("24136001".to_string(), false),
                ("272741003".to_string(), true),
                ("7771000".to_string(), false),
            ]
        );
    }
}
