//! A recursive-descent parser for the ECL 2.2 brief syntax (the normative ABNF): every rule of
//! the grammar, comments anywhere white space may stand, keywords in any case. Binary operators
//! follow the specification's rule that different ones are never mixed without parentheses;
//! doing so is a syntax error that says so. Errors carry the character position (0-based) and
//! what was expected there.

use super::ast::*;
use crate::model::nesting::{MAX_NESTING, too_deep};

/// A syntax error.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    /// Character offset (0-based) where parsing stopped.
    pub position: usize,
    /// What the grammar allows there.
    pub expected: String,
    /// What was found (a short excerpt, or "end of input").
    pub found: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ECL syntax error at position {}: expected {}, found {}",
            self.position, self.expected, self.found
        )
    }
}

impl std::error::Error for ParseError {}

type R<T> = Result<T, ParseError>;

/// Parses a whole expression constraint.
pub fn parse(text: &str) -> R<Expr> {
    if let Some(position) = too_deep(text) {
        return Err(ParseError {
            position,
            expected: format!("at most {MAX_NESTING} levels of nested brackets"),
            found: "deeper nesting".into(),
        });
    }
    let mut p = Parser {
        chars: text.chars().collect(),
        pos: 0,
    };
    p.ws()?;
    let e = p.expression()?;
    p.ws()?;
    if p.pos < p.chars.len() {
        return Err(
            p.error("an operator (AND, OR, MINUS, ':' or '.') or the end of the expression")
        );
    }
    Ok(e)
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn error(&self, expected: &str) -> ParseError {
        let found = if self.pos >= self.chars.len() {
            "end of input".to_string()
        } else {
            let s: String = self.chars[self.pos..].iter().take(12).collect();
            format!("'{s}'")
        };
        ParseError {
            position: self.pos,
            expected: expected.to_string(),
            found,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, k: usize) -> Option<char> {
        self.chars.get(self.pos + k).copied()
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(i, c)| self.peek_at(i) == Some(c))
    }

    /// Case-insensitive keyword at the cursor, not followed by a letter.
    fn keyword_here(&self, kw: &str) -> bool {
        kw.chars()
            .enumerate()
            .all(|(i, c)| self.peek_at(i).is_some_and(|x| x.eq_ignore_ascii_case(&c)))
            && !self
                .peek_at(kw.chars().count())
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.starts_with(s) {
            self.pos += s.chars().count();
            true
        } else {
            false
        }
    }

    fn eat_keyword(&mut self, kw: &str) -> bool {
        if self.keyword_here(kw) {
            self.pos += kw.chars().count();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, s: &str, what: &str) -> R<()> {
        if self.eat(s) {
            Ok(())
        } else {
            Err(self.error(what))
        }
    }

    /// Optional white space and comments.
    fn ws(&mut self) -> R<()> {
        loop {
            match self.peek() {
                Some(' ' | '\t' | '\r' | '\n') => self.pos += 1,
                Some('/') if self.peek_at(1) == Some('*') => {
                    let start = self.pos;
                    self.pos += 2;
                    loop {
                        if self.pos >= self.chars.len() {
                            self.pos = start;
                            return Err(self.error("the end of a comment ('*/')"));
                        }
                        if self.eat("*/") {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// Mandatory white space (after AND / OR / MINUS).
    fn mws(&mut self) -> R<()> {
        let before = self.pos;
        self.ws()?;
        if self.pos == before {
            return Err(self.error("white space"));
        }
        Ok(())
    }

    fn expression(&mut self) -> R<Expr> {
        let first = self.sub_expression()?;
        self.ws()?;
        if self.eat(":") {
            self.ws()?;
            let r = self.refinement()?;
            return Ok(Expr::Refined(Box::new(first), r));
        }
        if self.peek() == Some('.') {
            let mut attrs = Vec::new();
            while self.peek() == Some('.') {
                self.pos += 1;
                self.ws()?;
                attrs.push(self.sub_expression()?);
                self.ws()?;
            }
            return Ok(Expr::Dotted(Box::new(first), attrs));
        }
        let Some(op) = self.binary_operator()? else {
            return Ok(Expr::Sub(first));
        };
        let mut items = vec![first];
        loop {
            self.ws()?;
            items.push(self.sub_expression()?);
            self.ws()?;
            let at = self.pos;
            match self.binary_operator()? {
                None => break,
                Some(next) if next == op && op != Binary::Minus => continue,
                Some(_) => {
                    self.pos = at;
                    return Err(self.error(
                        "parentheses: AND, OR and MINUS cannot be mixed (or MINUS repeated) without them",
                    ));
                }
            }
        }
        Ok(match op {
            Binary::And => Expr::And(items),
            Binary::Or => Expr::Or(items),
            Binary::Minus => {
                let b = items.pop().expect("two items");
                let a = items.pop().expect("two items");
                Expr::Minus(Box::new(a), Box::new(b))
            }
        })
    }

    /// AND (or `,`), OR, MINUS at the cursor, consumed with the white space they need.
    fn binary_operator(&mut self) -> R<Option<Binary>> {
        if self.eat(",") {
            return Ok(Some(Binary::And));
        }
        for (kw, op) in [
            ("AND", Binary::And),
            ("OR", Binary::Or),
            ("MINUS", Binary::Minus),
        ] {
            if self.eat_keyword(kw) {
                self.mws()?;
                return Ok(Some(op));
            }
        }
        Ok(None)
    }

    /// The first token of `table` at the cursor (longest first in the table), consumed.
    fn eat_one<T: Copy>(&mut self, table: &[(&str, T)]) -> Option<T> {
        let found = table.iter().find(|(s, _)| self.starts_with(s))?;
        self.pos += found.0.chars().count();
        Some(found.1)
    }

    fn constraint_operator(&mut self) -> Option<Op> {
        self.eat_one(&[
            ("<<!", Op::ChildOrSelfOf),
            ("<<", Op::DescendantOrSelfOf),
            ("<!", Op::ChildOf),
            ("<", Op::DescendantOf),
            (">>!", Op::ParentOrSelfOf),
            (">>", Op::AncestorOrSelfOf),
            (">!", Op::ParentOf),
            (">", Op::AncestorOf),
            ("!!>", Op::Top),
            ("!!<", Op::Bottom),
        ])
    }

    fn sub_expression(&mut self) -> R<SubExpr> {
        let op = self.constraint_operator();
        if op.is_some() {
            self.ws()?;
        }
        let member_of = if self.eat("^") {
            self.ws()?;
            if self.eat("[") {
                self.ws()?;
                let fields = if self.eat("*") {
                    vec!["*".to_string()]
                } else {
                    let mut v = vec![self.word("a refset field name")?];
                    loop {
                        self.ws()?;
                        if !self.eat(",") {
                            break;
                        }
                        self.ws()?;
                        v.push(self.word("a refset field name")?);
                    }
                    v
                };
                self.ws()?;
                self.expect("]", "']' after the refset field names")?;
                self.ws()?;
                Some(MemberOf::Fields(fields))
            } else {
                Some(MemberOf::Components)
            }
        } else {
            None
        };
        let focus = self.focus()?;
        let mut sub = SubExpr {
            op,
            member_of,
            focus,
            member_filters: vec![],
            filters: vec![],
            history: None,
        };
        loop {
            let save = self.pos;
            self.ws()?;
            if !self.starts_with("{{") {
                self.pos = save;
                break;
            }
            self.pos += 2;
            self.ws()?;
            if self.eat("+") {
                self.ws()?;
                sub.history = Some(self.history()?);
                continue;
            }
            match self.peek() {
                Some('m' | 'M') if self.next_is_filter_letter() => {
                    self.pos += 1;
                    self.ws()?;
                    let f = self.list(|p| p.member_filter())?;
                    sub.member_filters.push(f);
                }
                Some('c' | 'C') if self.next_is_filter_letter() => {
                    self.pos += 1;
                    self.ws()?;
                    let f = self.list(|p| p.concept_filter())?;
                    sub.filters.push(FilterBlock::Concept(f));
                }
                Some('d' | 'D') if self.next_is_filter_letter() => {
                    self.pos += 1;
                    self.ws()?;
                    let f = self.list(|p| p.description_filter())?;
                    sub.filters.push(FilterBlock::Description(f));
                }
                _ => {
                    let f = self.list(|p| p.description_filter())?;
                    sub.filters.push(FilterBlock::Description(f));
                }
            }
        }
        Ok(sub)
    }

    /// A filter-kind letter (`D`, `C`, `M`) stands alone, not as the start of a keyword.
    fn next_is_filter_letter(&self) -> bool {
        !self
            .peek_at(1)
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    }

    /// `filter (, filter)* }}`
    fn list<T>(&mut self, mut one: impl FnMut(&mut Self) -> R<T>) -> R<Vec<T>> {
        let mut v = vec![one(self)?];
        loop {
            self.ws()?;
            if self.eat(",") {
                self.ws()?;
                v.push(one(self)?);
                continue;
            }
            self.expect("}}", "',' or '}}' to close the filter")?;
            return Ok(v);
        }
    }

    fn history(&mut self) -> R<History> {
        if !self.eat_keyword_prefix("HISTORY") {
            return Err(self.error("HISTORY after '{{ +'"));
        }
        let h = if self.eat("-") || self.eat("_") {
            if self.eat_keyword("MIN") {
                History::Min
            } else if self.eat_keyword("MOD") {
                History::Mod
            } else if self.eat_keyword("MAX") {
                History::Max
            } else {
                return Err(self.error("MIN, MOD or MAX"));
            }
        } else {
            self.ws()?;
            if self.eat("(") {
                self.ws()?;
                let e = self.expression()?;
                self.ws()?;
                self.expect(")", "')' to close the history subset")?;
                History::Subset(Box::new(e))
            } else {
                History::Default
            }
        };
        self.ws()?;
        self.expect("}}", "'}}' to close the history supplement")?;
        Ok(h)
    }

    /// A keyword that may be followed directly by `-`/`_` (HISTORY-MIN).
    fn eat_keyword_prefix(&mut self, kw: &str) -> bool {
        if kw
            .chars()
            .enumerate()
            .all(|(i, c)| self.peek_at(i).is_some_and(|x| x.eq_ignore_ascii_case(&c)))
            && !self
                .peek_at(kw.len())
                .is_some_and(|c| c.is_ascii_alphanumeric())
        {
            self.pos += kw.len();
            true
        } else {
            false
        }
    }

    fn focus(&mut self) -> R<Focus> {
        match self.peek() {
            Some('*') => {
                self.pos += 1;
                Ok(Focus::Any)
            }
            Some('(') => {
                self.pos += 1;
                self.ws()?;
                let e = self.expression()?;
                self.ws()?;
                self.expect(")", "')' to close the nested expression")?;
                Ok(Focus::Nested(Box::new(e)))
            }
            Some(c) if c.is_ascii_digit() => Ok(Focus::Concept(self.concept_ref()?)),
            Some('"') => {
                self.pos += 1;
                let scheme = self.alias()?;
                self.expect("#", "'#' after the identifier scheme")?;
                let mut code = String::new();
                while let Some(c) = self.peek() {
                    if c == '"' {
                        break;
                    }
                    if c == '\\' {
                        self.pos += 1;
                    }
                    if let Some(c) = self.peek() {
                        code.push(c);
                        self.pos += 1;
                    }
                }
                self.expect("\"", "'\"' to close the alternate identifier")?;
                self.optional_term()?;
                Ok(Focus::AltId { scheme, code })
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let start = self.pos;
                let scheme = self.alias()?;
                if !self.eat("#") {
                    self.pos = start;
                    return Err(self
                        .error("a concept id, '*', '(' or an alternate identifier (scheme#code)"));
                }
                let mut code = String::new();
                while let Some(c) = self.peek() {
                    if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
                        code.push(c);
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                if code.is_empty() {
                    return Err(self.error("the code of the alternate identifier"));
                }
                self.optional_term()?;
                Ok(Focus::AltId { scheme, code })
            }
            _ => Err(self.error("a concept id, '*', '(' or an alternate identifier")),
        }
    }

    fn alias(&mut self) -> R<String> {
        let mut s = String::new();
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == '-' {
                s.push(c);
                self.pos += 1;
            } else {
                break;
            }
        }
        if s.is_empty() || !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err(self.error("a scheme or alias name"));
        }
        Ok(s)
    }

    fn sctid(&mut self) -> R<String> {
        let start = self.pos;
        let mut s = String::new();
        while let Some(c) = self.peek().filter(char::is_ascii_digit) {
            s.push(c);
            self.pos += 1;
        }
        if s.len() < 6 || s.len() > 18 || s.starts_with('0') {
            self.pos = start;
            return Err(self.error("an SCTID (6-18 digits, no leading zero)"));
        }
        Ok(s)
    }

    fn concept_ref(&mut self) -> R<ConceptRef> {
        let id = self.sctid()?;
        let term = self.optional_term()?;
        Ok(ConceptRef { id, term })
    }

    /// `| term |` after a concept id.
    fn optional_term(&mut self) -> R<Option<String>> {
        let save = self.pos;
        self.ws()?;
        if !self.eat("|") {
            self.pos = save;
            return Ok(None);
        }
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c == '|' {
                break;
            }
            self.pos += 1;
        }
        if self.peek() != Some('|') {
            self.pos = start;
            return Err(self.error("'|' to close the term"));
        }
        let term: String = self.chars[start..self.pos].iter().collect();
        self.pos += 1;
        Ok(Some(term.trim().to_string()))
    }

    fn word(&mut self, what: &str) -> R<String> {
        let mut s = String::new();
        while let Some(c) = self.peek().filter(char::is_ascii_alphabetic) {
            s.push(c);
            self.pos += 1;
        }
        if s.is_empty() {
            return Err(self.error(what));
        }
        Ok(s)
    }

    fn refinement(&mut self) -> R<Refinement> {
        let first = self.sub_refinement()?;
        self.join(first, Self::sub_refinement, Refinement::And, Refinement::Or)
    }

    fn sub_refinement(&mut self) -> R<Refinement> {
        if self.peek() == Some('(') {
            // `( refinement )` (which covers `( attribute set )`), else an attribute whose
            // name is a nested expression: `(<< 47429007) = *`.
            return self.nested_or_attribute(Self::refinement, "refinement", |a| {
                Refinement::Attributes(AttributeSet::One(Box::new(a)))
            });
        }
        let save = self.pos;
        let card = self.cardinality()?;
        self.ws()?;
        if self.eat("{") {
            self.ws()?;
            let set = self.attribute_set()?;
            self.ws()?;
            self.expect("}", "'}' to close the attribute group")?;
            return Ok(Refinement::Group(card, set));
        }
        self.pos = save;
        Ok(Refinement::Attributes(self.sub_attribute_set()?))
    }

    /// At `(`: `( inner )`, else an attribute whose name is itself parenthesised; of two
    /// failures, the error of the one that got further.
    fn nested_or_attribute<T>(
        &mut self,
        inner: fn(&mut Self) -> R<T>,
        what: &str,
        attribute: fn(Attribute) -> T,
    ) -> R<T> {
        let save = self.pos;
        let nested = (|| {
            self.pos += 1;
            self.ws()?;
            let r = inner(self)?;
            self.ws()?;
            self.expect(")", &format!("')' to close the {what}"))?;
            Ok(r)
        })();
        match nested {
            Ok(r) => Ok(r),
            Err(first) => {
                self.pos = save;
                self.attribute()
                    .map(attribute)
                    .map_err(|second| further(first, second))
            }
        }
    }

    fn attribute_set(&mut self) -> R<AttributeSet> {
        let first = self.sub_attribute_set()?;
        self.join(
            first,
            Self::sub_attribute_set,
            AttributeSet::And,
            AttributeSet::Or,
        )
    }

    fn sub_attribute_set(&mut self) -> R<AttributeSet> {
        if self.peek() == Some('(') {
            return self.nested_or_attribute(Self::attribute_set, "attribute set", |a| {
                AttributeSet::One(Box::new(a))
            });
        }
        Ok(AttributeSet::One(Box::new(self.attribute()?)))
    }

    /// `first (op next)*` with one kind of operator, as the grammar requires.
    fn join<T>(
        &mut self,
        first: T,
        next: fn(&mut Self) -> R<T>,
        and: fn(Vec<T>) -> T,
        or: fn(Vec<T>) -> T,
    ) -> R<T> {
        let save = self.pos;
        self.ws()?;
        let op = match self.binary_operator()? {
            Some(Binary::Minus) | None => {
                self.pos = save;
                return Ok(first);
            }
            Some(op) => op,
        };
        let mut items = vec![first];
        loop {
            self.ws()?;
            items.push(next(self)?);
            let save = self.pos;
            self.ws()?;
            let at = self.pos;
            match self.binary_operator()? {
                None => {
                    self.pos = save;
                    break;
                }
                Some(o) if o == op => {}
                Some(_) => {
                    self.pos = at;
                    return Err(self.error(
                        "parentheses: AND and OR cannot be mixed in a refinement without them",
                    ));
                }
            }
        }
        Ok(if op == Binary::And {
            and(items)
        } else {
            or(items)
        })
    }

    fn cardinality(&mut self) -> R<Option<Cardinality>> {
        if !self.eat("[") {
            return Ok(None);
        }
        self.ws()?;
        let min = self.integer("the minimum cardinality")?;
        self.ws()?;
        self.expect("..", "'..' in the cardinality")?;
        self.ws()?;
        let max = if self.eat("*") {
            None
        } else {
            Some(self.integer("the maximum cardinality or '*'")?)
        };
        self.ws()?;
        self.expect("]", "']' to close the cardinality")?;
        Ok(Some(Cardinality { min, max }))
    }

    fn integer(&mut self, what: &str) -> R<u32> {
        let start = self.pos;
        let mut s = String::new();
        while let Some(c) = self.peek().filter(char::is_ascii_digit) {
            s.push(c);
            self.pos += 1;
        }
        s.parse().map_err(|_| {
            self.pos = start;
            self.error(what)
        })
    }

    fn attribute(&mut self) -> R<Attribute> {
        let cardinality = self.cardinality()?;
        self.ws()?;
        let reverse = if matches!(self.peek(), Some('R')) && self.next_is_filter_letter() {
            self.pos += 1;
            self.ws()?;
            true
        } else {
            false
        };
        let name = self.sub_expression()?;
        self.ws()?;
        let comparison = self.comparison(true)?;
        Ok(Attribute {
            cardinality,
            reverse,
            name,
            comparison,
        })
    }

    /// `= expr`, `op #number`, `= "text"`, `= true`.
    fn comparison(&mut self, allow_expr: bool) -> R<Comparison> {
        let op = self
            .num_op()
            .ok_or_else(|| self.error("a comparison operator (=, !=, <, <=, >, >=)"))?;
        self.ws()?;
        if self.eat("#") {
            return Ok(Comparison::Number {
                op,
                value: self.number()?,
            });
        }
        let negated = match op {
            NumOp::Eq => false,
            NumOp::Ne => true,
            _ => return Err(self.error("'#' and a number after <, <=, > or >=")),
        };
        if self.peek() == Some('"')
            || self.keyword_here("match")
            || self.keyword_here("wild")
            || (self.peek() == Some('(') && self.looks_like_term_set())
        {
            return Ok(Comparison::Text {
                negated,
                terms: self.typed_terms()?,
            });
        }
        if self.eat_keyword("true") {
            return Ok(Comparison::Boolean {
                negated,
                value: true,
            });
        }
        if self.eat_keyword("false") {
            return Ok(Comparison::Boolean {
                negated,
                value: false,
            });
        }
        if !allow_expr {
            return Err(self.error("a value"));
        }
        Ok(Comparison::Concept {
            negated,
            value: self.sub_expression()?,
        })
    }

    fn looks_like_term_set(&self) -> bool {
        let mut k = 1;
        while matches!(self.peek_at(k), Some(' ' | '\t' | '\r' | '\n')) {
            k += 1;
        }
        matches!(self.peek_at(k), Some('"' | 'm' | 'M' | 'w' | 'W'))
    }

    fn num_op(&mut self) -> Option<NumOp> {
        self.eat_one(&[
            ("!=", NumOp::Ne),
            ("<=", NumOp::Le),
            (">=", NumOp::Ge),
            ("=", NumOp::Eq),
            ("<", NumOp::Lt),
            (">", NumOp::Gt),
        ])
    }

    fn number(&mut self) -> R<String> {
        let start = self.pos;
        let mut s = String::new();
        if let Some(c @ ('-' | '+')) = self.peek() {
            s.push(c);
            self.pos += 1;
        }
        let mut digits = 0;
        while let Some(c) = self.peek().filter(|c| c.is_ascii_digit() || *c == '.') {
            s.push(c);
            self.pos += 1;
            digits += 1;
        }
        if digits == 0 || s.parse::<f64>().is_err() {
            self.pos = start;
            return Err(self.error("a number after '#'"));
        }
        Ok(s)
    }

    /// One item, or `( item item … )` (white space between items; an empty list is refused).
    fn one_or_set<T>(&mut self, what: &str, mut one: impl FnMut(&mut Self) -> R<T>) -> R<Vec<T>> {
        if !self.eat("(") {
            return Ok(vec![one(self)?]);
        }
        let mut v = Vec::new();
        loop {
            self.ws()?;
            if self.eat(")") {
                break;
            }
            v.push(one(self)?);
        }
        if v.is_empty() {
            return Err(self.error(what));
        }
        Ok(v)
    }

    fn typed_terms(&mut self) -> R<Vec<TypedTerm>> {
        self.one_or_set("a search term", Self::typed_term)
    }

    fn typed_term(&mut self) -> R<TypedTerm> {
        if self.eat_keyword("wild") {
            self.ws()?;
            self.expect(":", "':' after wild")?;
            self.ws()?;
            return Ok(TypedTerm::Wild(self.quoted()?));
        }
        if self.eat_keyword("match") {
            self.ws()?;
            self.expect(":", "':' after match")?;
            self.ws()?;
        }
        let text = self.quoted()?;
        let words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
        if words.is_empty() {
            return Err(self.error("a non-empty search term"));
        }
        Ok(TypedTerm::Match(words))
    }

    fn quoted(&mut self) -> R<String> {
        self.expect("\"", "'\"' to start a quoted value")?;
        let mut s = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error("'\"' to close the quoted value")),
                Some('"') => {
                    self.pos += 1;
                    return Ok(s);
                }
                Some('\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c @ ('"' | '\\')) => {
                            s.push(c);
                            self.pos += 1;
                        }
                        // `\*` in a wild term stands for a literal star; keep the escape.
                        Some('*') => {
                            s.push_str("\\*");
                            self.pos += 1;
                        }
                        _ => return Err(self.error("an escaped '\"', '\\' or '*'")),
                    }
                }
                Some(c) => {
                    s.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn boolean_op(&mut self) -> R<bool> {
        if self.eat("!=") {
            return Ok(true);
        }
        if self.eat("=") {
            return Ok(false);
        }
        Err(self.error("'=' or '!='"))
    }

    /// `subExpression` or `(id id …)` after a filter keyword.
    fn id_set(&mut self) -> R<IdSet> {
        if self.peek() == Some('(') {
            let save = self.pos;
            self.pos += 1;
            self.ws()?;
            if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                let mut ids = Vec::new();
                let mut ok = true;
                loop {
                    self.ws()?;
                    if self.eat(")") {
                        break;
                    }
                    match self.concept_ref() {
                        Ok(c) => ids.push(c.id),
                        Err(_) => {
                            ok = false;
                            break;
                        }
                    }
                }
                if ok && !ids.is_empty() {
                    return Ok(IdSet::Ids(ids));
                }
            }
            self.pos = save;
        }
        Ok(IdSet::Expr(Box::new(self.sub_expression()?)))
    }

    fn time_values(&mut self) -> R<Vec<String>> {
        let one = |p: &mut Self| -> R<String> {
            let start = p.pos;
            let t = p.quoted()?;
            if !(t.is_empty() || (t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()))) {
                p.pos = start;
                return Err(p.error("a date as \"yyyymmdd\""));
            }
            Ok(t)
        };
        self.one_or_set("a date", one)
    }

    fn active_value(&mut self) -> R<bool> {
        if self.eat_keyword("true") || self.eat("1") {
            return Ok(true);
        }
        if self.eat_keyword("false") || self.eat("0") {
            return Ok(false);
        }
        Err(self.error("true, false, 1 or 0"))
    }

    fn description_filter(&mut self) -> R<DescriptionFilter> {
        if self.eat_keyword("term") {
            self.ws()?;
            let negated = self.boolean_op()?;
            self.ws()?;
            return Ok(DescriptionFilter::Term {
                negated,
                terms: self.typed_terms()?,
            });
        }
        if self.eat_keyword("language") {
            self.ws()?;
            let negated = self.boolean_op()?;
            self.ws()?;
            let codes = self.one_or_set("a language code", |p| p.word("a language code"))?;
            return Ok(DescriptionFilter::Language { negated, codes });
        }
        if self.eat_keyword("typeId") {
            self.ws()?;
            let negated = self.boolean_op()?;
            self.ws()?;
            return Ok(DescriptionFilter::Type {
                negated,
                types: self.id_set()?,
            });
        }
        if self.eat_keyword("type") {
            self.ws()?;
            let negated = self.boolean_op()?;
            self.ws()?;
            let token = |p: &mut Self| -> R<String> {
                for (kw, id) in [
                    ("syn", "900000000000013009"),
                    ("fsn", "900000000000003001"),
                    ("def", "900000000000550004"),
                ] {
                    if p.eat_keyword(kw) {
                        return Ok(id.to_string());
                    }
                }
                Err(p.error("syn, fsn or def"))
            };
            let ids = self.one_or_set("a token", token)?;
            return Ok(DescriptionFilter::Type {
                negated,
                types: IdSet::Ids(ids),
            });
        }
        if self.eat_keyword("dialectId") {
            self.ws()?;
            let negated = self.boolean_op()?;
            self.ws()?;
            let mut dialects = Vec::new();
            if self.peek() == Some('(') && self.peek_is_id_list() {
                self.pos += 1;
                loop {
                    self.ws()?;
                    if self.eat(")") {
                        break;
                    }
                    let c = self.concept_ref()?;
                    self.ws()?;
                    let acc = self.acceptability_set()?;
                    dialects.push((IdOrAlias::Id(IdSet::Ids(vec![c.id])), acc));
                }
            } else {
                let set = IdSet::Expr(Box::new(self.sub_expression()?));
                self.ws()?;
                let acc = self.acceptability_set()?;
                dialects.push((IdOrAlias::Id(set), acc));
            }
            return Ok(DescriptionFilter::Dialect { negated, dialects });
        }
        if self.eat_keyword("dialect") {
            self.ws()?;
            let negated = self.boolean_op()?;
            self.ws()?;
            let dialects = self.one_or_set("a dialect alias", |p| {
                let a = p.alias()?;
                p.ws()?;
                Ok((IdOrAlias::Alias(a), p.acceptability_set()?))
            })?;
            return Ok(DescriptionFilter::Dialect { negated, dialects });
        }
        if let Some(c) = self.common_filter()? {
            return Ok(DescriptionFilter::Common(c));
        }
        if self.eat_keyword("id") {
            self.ws()?;
            let negated = self.boolean_op()?;
            self.ws()?;
            let ids = match self.id_set()? {
                IdSet::Ids(v) => v,
                IdSet::Expr(e) => match e.focus {
                    Focus::Concept(c) if e.op.is_none() && e.member_of.is_none() => vec![c.id],
                    _ => return Err(self.error("description ids")),
                },
            };
            return Ok(DescriptionFilter::Id { negated, ids });
        }
        Err(self.error(
            "a description filter (term, language, type, typeId, dialect, dialectId, moduleId, effectiveTime, active, id)",
        ))
    }

    fn peek_is_id_list(&self) -> bool {
        let mut k = 1;
        while matches!(self.peek_at(k), Some(' ' | '\t' | '\r' | '\n')) {
            k += 1;
        }
        self.peek_at(k).is_some_and(|c| c.is_ascii_digit())
    }

    /// `(prefer accept)` or `(id id)` after a dialect; empty when absent.
    fn acceptability_set(&mut self) -> R<Vec<String>> {
        let save = self.pos;
        if !self.eat("(") {
            return Ok(vec![]);
        }
        let mut v = Vec::new();
        loop {
            self.ws()?;
            if self.eat(")") {
                break;
            }
            if self.eat_keyword("prefer") {
                v.push("900000000000548007".to_string());
            } else if self.eat_keyword("accept") {
                v.push("900000000000549004".to_string());
            } else if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                v.push(self.concept_ref()?.id);
            } else {
                self.pos = save;
                return Ok(vec![]);
            }
        }
        Ok(v)
    }

    /// `moduleId`, `effectiveTime` or `active`: the filters every filter block has.
    fn common_filter(&mut self) -> R<Option<CommonFilter>> {
        if self.eat_keyword("moduleId") {
            self.ws()?;
            let negated = self.boolean_op()?;
            self.ws()?;
            return Ok(Some(CommonFilter::Module {
                negated,
                modules: self.id_set()?,
            }));
        }
        if self.eat_keyword("effectiveTime") {
            self.ws()?;
            let op = self
                .num_op()
                .ok_or_else(|| self.error("a comparison operator"))?;
            self.ws()?;
            return Ok(Some(CommonFilter::EffectiveTime {
                op,
                times: self.time_values()?,
            }));
        }
        if self.eat_keyword("active") {
            self.ws()?;
            let negated = self.boolean_op()?;
            self.ws()?;
            return Ok(Some(CommonFilter::Active(self.active_value()? != negated)));
        }
        Ok(None)
    }

    fn concept_filter(&mut self) -> R<ConceptFilter> {
        if self.eat_keyword("definitionStatusId") {
            self.ws()?;
            let negated = self.boolean_op()?;
            self.ws()?;
            return Ok(ConceptFilter::DefinitionStatus {
                negated,
                statuses: self.id_set()?,
            });
        }
        if self.eat_keyword("definitionStatus") {
            self.ws()?;
            let negated = self.boolean_op()?;
            self.ws()?;
            let token = |p: &mut Self| -> R<String> {
                if p.eat_keyword("primitive") {
                    Ok("900000000000074008".into())
                } else if p.eat_keyword("defined") {
                    Ok("900000000000073002".into())
                } else {
                    Err(p.error("primitive or defined"))
                }
            };
            let ids = self.one_or_set("a token", token)?;
            return Ok(ConceptFilter::DefinitionStatus {
                negated,
                statuses: IdSet::Ids(ids),
            });
        }
        if let Some(c) = self.common_filter()? {
            return Ok(ConceptFilter::Common(c));
        }
        Err(self.error(
            "a concept filter (definitionStatus, definitionStatusId, moduleId, effectiveTime, active)",
        ))
    }

    fn member_filter(&mut self) -> R<MemberFilter> {
        if let Some(c) = self.common_filter()? {
            return Ok(MemberFilter::Common(c));
        }
        let name =
            self.word("a member filter (moduleId, effectiveTime, active or a field name)")?;
        self.ws()?;
        Ok(MemberFilter::Field {
            name,
            comparison: self.comparison(true)?,
        })
    }
}

/// Of two failed alternatives, the error of the one that got further.
fn further(a: ParseError, b: ParseError) -> ParseError {
    if b.position > a.position { b } else { a }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Binary {
    And,
    Or,
    Minus,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Expr {
        parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn err(s: &str) -> ParseError {
        parse(s).expect_err(s)
    }

    #[test]
    fn simple_constraints() {
        let e = ok("<< 73211009 |Diabetes mellitus|");
        let Expr::Sub(s) = e else { panic!() };
        assert_eq!(s.op, Some(Op::DescendantOrSelfOf));
        assert_eq!(
            s.focus,
            Focus::Concept(ConceptRef {
                id: "73211009".into(),
                term: Some("Diabetes mellitus".into())
            })
        );
        for (text, op) in [
            ("<404684003", Op::DescendantOf),
            ("<!404684003", Op::ChildOf),
            ("<<!404684003", Op::ChildOrSelfOf),
            (">404684003", Op::AncestorOf),
            (">>404684003", Op::AncestorOrSelfOf),
            (">!404684003", Op::ParentOf),
            (">>!404684003", Op::ParentOrSelfOf),
            ("!!> 404684003", Op::Top),
            ("!!< 404684003", Op::Bottom),
        ] {
            let Expr::Sub(s) = ok(text) else { panic!() };
            assert_eq!(s.op, Some(op), "{text}");
        }
        let Expr::Sub(s) = ok("^ 700043003 |Example problem list concepts reference set|") else {
            panic!()
        };
        assert_eq!(s.member_of, Some(MemberOf::Components));
        let Expr::Sub(s) = ok("^ [referencedComponentId, mapTarget] 447562003") else {
            panic!()
        };
        assert_eq!(
            s.member_of,
            Some(MemberOf::Fields(vec![
                "referencedComponentId".into(),
                "mapTarget".into()
            ]))
        );
        assert!(matches!(
            ok("*"),
            Expr::Sub(SubExpr {
                focus: Focus::Any,
                ..
            })
        ));
        assert!(matches!(
            ok("LOINC#54486-6"),
            Expr::Sub(SubExpr {
                focus: Focus::AltId { .. },
                ..
            })
        ));
    }

    #[test]
    fn nesting_is_bounded_so_no_request_can_exhaust_the_stack() {
        let nested = |n: usize| format!("{}<< 10200004{}", "(".repeat(n), ")".repeat(n));
        assert!(parse(&nested(MAX_NESTING)).is_ok());
        let e = parse(&nested(100_000)).unwrap_err();
        assert_eq!(e.position, MAX_NESTING);
        assert!(e.to_string().contains("at most 50 levels"), "{e}");
    }

    #[test]
    fn compound_and_precedence() {
        assert!(matches!(ok("< 19829001 AND < 301867009"), Expr::And(v) if v.len() == 2));
        assert!(matches!(ok("< 19829001 , < 301867009"), Expr::And(v) if v.len() == 2));
        assert!(matches!(ok("< 19829001 or < 301867009 OR 1234567"), Expr::Or(v) if v.len() == 3));
        assert!(matches!(
            ok("< 19829001 MINUS < 301867009"),
            Expr::Minus(..)
        ));
        assert!(matches!(
            ok("(< 19829001 OR < 301867009) AND ^ 700043003"),
            Expr::And(v) if v.len() == 2
        ));
        let e = err("< 19829001 OR ^ 900000000000538005 MINUS ^ 447562003");
        assert!(e.expected.contains("parentheses"), "{e}");
        assert_eq!(e.position, 35);
        let e = err("< 1982900 MINUS < 3018670 MINUS < 3018670");
        assert!(e.expected.contains("parentheses"), "{e}");
    }

    #[test]
    fn refinements() {
        let e = ok(
            "< 404684003 |Clinical finding|: 363698007 |Finding site| = << 39057004 |Pulmonary valve structure|",
        );
        let Expr::Refined(_, Refinement::Attributes(AttributeSet::One(a))) = e else {
            panic!("{e:?}")
        };
        assert!(!a.reverse);
        assert!(matches!(
            a.comparison,
            Comparison::Concept { negated: false, .. }
        ));
        let e = ok(
            "< 404684003 : { 363698007 = << 39057004, 116676008 = << 415582006 }, { 363698007 = << 53085002 , 116676008 = << 56208002 }",
        );
        assert!(
            matches!(e, Expr::Refined(_, Refinement::And(ref v)) if v.len() == 2),
            "{e:?}"
        );
        let e = ok("< 373873005 : [1..3] 127489000 = < 105590001");
        assert!(matches!(e, Expr::Refined(..)));
        let e = ok("< 373873005 : [1..*] { 127489000 = < 105590001 }");
        assert!(matches!(
            e,
            Expr::Refined(
                _,
                Refinement::Group(Some(Cardinality { min: 1, max: None }), _)
            )
        ));
        let e = ok("< 105590001 : R 127489000 = < 111115");
        let Expr::Refined(_, Refinement::Attributes(AttributeSet::One(a))) = e else {
            panic!()
        };
        assert!(a.reverse);
        let e = ok("< 27658006 : 3311486008 >= #250, 1142135004 = #1");
        assert!(matches!(e, Expr::Refined(_, Refinement::And(_))), "{e:?}");
        let e = ok("< 404684003 : (363698007 = *) OR (116676008 = *)");
        assert!(matches!(e, Expr::Refined(_, Refinement::Or(_))), "{e:?}");
        let e = ok("< 404684003 : * = 79654002");
        assert!(matches!(e, Expr::Refined(..)));
        let e = ok("< 1234567 : 1142139005 = \"Tablet\"");
        let Expr::Refined(_, Refinement::Attributes(AttributeSet::One(a))) = e else {
            panic!("{e:?}")
        };
        assert!(matches!(a.comparison, Comparison::Text { .. }));
        assert!(matches!(ok("< 19829001 . 363698007"), Expr::Dotted(_, v) if v.len() == 1));
        assert!(matches!(
            ok("<< 404684003 . < 47429007 . 363698007"),
            Expr::Dotted(_, v) if v.len() == 2
        ));
    }

    #[test]
    fn filters_history_and_comments() {
        let Expr::Sub(s) = ok("< 64572001 {{ term = \"heart att\" }}") else {
            panic!()
        };
        assert!(matches!(
            &s.filters[0],
            FilterBlock::Description(f) if matches!(&f[0], DescriptionFilter::Term { terms, .. } if terms == &vec![TypedTerm::Match(vec!["heart".into(), "att".into()])])
        ));
        ok("< 64572001 {{ D term = wild:\"cardi*opathy\", type = syn, dialect = en-gb (prefer) }}");
        ok(
            "< 64572001 {{ term = (\"heart\" wild:\"card*\") }} {{ C active = 1, definitionStatus = primitive }}",
        );
        ok(
            "< 64572001 {{ d language = (en sv), typeId = (900000000000013009 900000000000003001) }}",
        );
        ok("< 64572001 {{ C moduleId = < 900000000000443000, effectiveTime >= \"20200131\" }}");
        ok("^ 447562003 {{ M mapTarget = \"J45.9\", active = true }}");
        let Expr::Sub(s) = ok("<< 195967001 {{ +HISTORY-MIN }}") else {
            panic!()
        };
        assert_eq!(s.history, Some(History::Min));
        ok("<< 195967001 {{ +HISTORY ( ^ 900000000000527005 ) }}");
        ok("/* asthma */ << 195967001 /* and its subtypes */");
        ok("< 404684003 {{ dialectId = 900000000000509007 (prefer) }}");
    }

    #[test]
    fn errors_say_where_and_what() {
        let e = err("<< 73211009 |Diabetes");
        assert_eq!(e.position, 13);
        assert!(e.expected.contains("'|'"), "{e}");
        let e = err("<< ");
        assert_eq!(e.position, 3);
        assert!(e.to_string().contains("expected a concept id"), "{e}");
        let e = err("<< 12345");
        assert!(e.expected.contains("SCTID"), "{e}");
        let e = err("< 404684003 : 363698007");
        assert!(e.expected.contains("comparison operator"), "{e}");
        let e = err("< 404684003 AND");
        assert!(e.expected.contains("white space"), "{e}");
        let e = err("(< 404684003");
        assert!(e.expected.contains("')'"), "{e}");
        let e = err("< 404684003 xyz");
        assert_eq!(e.position, 12);
        let e = err("< 404684003 {{ term = \"a\" ");
        assert!(e.expected.contains("}}"), "{e}");
    }
}
