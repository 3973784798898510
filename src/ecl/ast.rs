//! The ECL 2.2 syntax tree (brief syntax). Every node the grammar has is represented, so the
//! parser accepts the whole language; what the evaluator does not evaluate yet it reports by
//! name instead of returning a wrong set.

/// An expression constraint.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A single sub-expression.
    Sub(SubExpr),
    /// `sub : refinement`.
    Refined(Box<SubExpr>, Refinement),
    /// `a AND b AND …` (also `,`).
    And(Vec<SubExpr>),
    /// `a OR b OR …`.
    Or(Vec<SubExpr>),
    /// `a MINUS b`.
    Minus(Box<SubExpr>, Box<SubExpr>),
    /// `sub . attribute . attribute …`: the values of those attributes.
    Dotted(Box<SubExpr>, Vec<SubExpr>),
}

/// A sub-expression constraint: an optional constraint operator, an optional memberOf, a focus
/// and its filters.
#[derive(Debug, Clone, PartialEq)]
pub struct SubExpr {
    /// Constraint operator.
    pub op: Option<Op>,
    /// `^` (members of the focus refsets), with the fields asked for.
    pub member_of: Option<MemberOf>,
    /// What the operator applies to.
    pub focus: Focus,
    /// `{{ M … }}` member filters.
    pub member_filters: Vec<Vec<MemberFilter>>,
    /// `{{ D … }}` / `{{ C … }}` filter blocks.
    pub filters: Vec<FilterBlock>,
    /// `{{ +HISTORY… }}`.
    pub history: Option<History>,
}

/// Constraint operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `<`
    DescendantOf,
    /// `<<`
    DescendantOrSelfOf,
    /// `<!`
    ChildOf,
    /// `<<!`
    ChildOrSelfOf,
    /// `>`
    AncestorOf,
    /// `>>`
    AncestorOrSelfOf,
    /// `>!`
    ParentOf,
    /// `>>!`
    ParentOrSelfOf,
    /// `!!>` (the top concepts of the set)
    Top,
    /// `!!<` (the leaf concepts of the set)
    Bottom,
}

/// `^` and its optional field list.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberOf {
    /// `^ X`: the referenced components.
    Components,
    /// `^ [field, …] X` or `^ [*] X`: the concepts in those member columns.
    Fields(Vec<String>),
}

/// The focus of a sub-expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Focus {
    /// A concept id with an optional `|term|`.
    Concept(ConceptRef),
    /// `*`
    Any,
    /// `scheme#code`: an alternate identifier.
    AltId {
        /// Scheme alias.
        scheme: String,
        /// Code in that scheme.
        code: String,
    },
    /// `( expression )`
    Nested(Box<Expr>),
}

/// A concept reference.
#[derive(Debug, Clone, PartialEq)]
pub struct ConceptRef {
    /// The SCTID.
    pub id: String,
    /// The term between pipes, if written.
    pub term: Option<String>,
}

/// A refinement: attribute sets and groups joined by AND / OR.
#[derive(Debug, Clone, PartialEq)]
pub enum Refinement {
    /// Ungrouped attributes.
    Attributes(AttributeSet),
    /// `[card] { attributes }`.
    Group(Option<Cardinality>, AttributeSet),
    /// All hold.
    And(Vec<Refinement>),
    /// Any holds.
    Or(Vec<Refinement>),
}

/// Attributes joined by AND / OR.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeSet {
    /// One attribute.
    One(Box<Attribute>),
    /// All hold.
    And(Vec<AttributeSet>),
    /// Any holds.
    Or(Vec<AttributeSet>),
}

/// `[card] [R] name comparison`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// Cardinality.
    pub cardinality: Option<Cardinality>,
    /// `R`: the attribute points at the focus instead of from it.
    pub reverse: bool,
    /// The attribute name (any sub-expression: `*`, `<< 47429007`, …).
    pub name: SubExpr,
    /// How the value is compared.
    pub comparison: Comparison,
}

/// `[min..max]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cardinality {
    /// Minimum.
    pub min: u32,
    /// Maximum (`None`: `*`).
    pub max: Option<u32>,
}

/// An attribute's value test.
#[derive(Debug, Clone, PartialEq)]
pub enum Comparison {
    /// `= expr` / `!= expr`.
    Concept {
        /// `!=`
        negated: bool,
        /// The values.
        value: SubExpr,
    },
    /// `op #number`.
    Number {
        /// Comparison operator.
        op: NumOp,
        /// The number as written.
        value: String,
    },
    /// `= "text"` / `!= "text"`.
    Text {
        /// `!=`
        negated: bool,
        /// The search terms.
        terms: Vec<TypedTerm>,
    },
    /// `= true` / `!= false`.
    Boolean {
        /// `!=`
        negated: bool,
        /// The value.
        value: bool,
    },
}

/// Numeric and time comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A search term with its kind.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedTerm {
    /// `match:"…"` (or unqualified): every word must start a word of the term.
    Match(Vec<String>),
    /// `wild:"…"`: `*` matches any run of characters.
    Wild(String),
}

/// A `{{ … }}` filter block.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterBlock {
    /// `{{ D … }}` (or no letter).
    Description(Vec<DescriptionFilter>),
    /// `{{ C … }}`.
    Concept(Vec<ConceptFilter>),
}

/// Description filters.
#[derive(Debug, Clone, PartialEq)]
pub enum DescriptionFilter {
    /// `term = …`
    Term {
        /// `!=`
        negated: bool,
        /// Terms (any may match).
        terms: Vec<TypedTerm>,
    },
    /// `language = en`
    Language {
        /// `!=`
        negated: bool,
        /// Codes.
        codes: Vec<String>,
    },
    /// `typeId = …` / `type = syn`
    Type {
        /// `!=`
        negated: bool,
        /// Description type ids.
        types: IdSet,
    },
    /// `dialectId = …` / `dialect = en-gb`, optionally with acceptabilities.
    Dialect {
        /// `!=`
        negated: bool,
        /// Language refsets (ids, or aliases to resolve) each with acceptability ids.
        dialects: Vec<(IdOrAlias, Vec<String>)>,
    },
    /// `id = …`
    Id {
        /// `!=`
        negated: bool,
        /// Description ids.
        ids: Vec<String>,
    },
    /// `moduleId`, `effectiveTime` or `active`, which every filter kind has.
    Common(CommonFilter),
}

/// Concept filters.
#[derive(Debug, Clone, PartialEq)]
pub enum ConceptFilter {
    /// `definitionStatusId = …` / `definitionStatus = primitive`
    DefinitionStatus {
        /// `!=`
        negated: bool,
        /// Status ids.
        statuses: IdSet,
    },
    /// `moduleId`, `effectiveTime` or `active`, which every filter kind has.
    Common(CommonFilter),
}

/// Member filters (`{{ M … }}`).
#[derive(Debug, Clone, PartialEq)]
pub enum MemberFilter {
    /// `field op value`
    Field {
        /// Field name.
        name: String,
        /// Comparison.
        comparison: Comparison,
    },
    /// `moduleId`, `effectiveTime` or `active`, which every filter kind has.
    Common(CommonFilter),
}

/// The filters concept, description and member filters share.
#[derive(Debug, Clone, PartialEq)]
pub enum CommonFilter {
    /// `moduleId = …`
    Module {
        /// `!=`
        negated: bool,
        /// Modules.
        modules: IdSet,
    },
    /// `effectiveTime op "yyyymmdd"`
    EffectiveTime {
        /// Operator.
        op: NumOp,
        /// Dates.
        times: Vec<String>,
    },
    /// `active = true`
    Active(bool),
}

/// A set of concepts named in a filter: ids or a sub-expression.
#[derive(Debug, Clone, PartialEq)]
pub enum IdSet {
    /// `(id id …)` or tokens resolved to ids.
    Ids(Vec<String>),
    /// A sub-expression.
    Expr(Box<SubExpr>),
}

/// A dialect named by id or by alias (`en-gb`).
#[derive(Debug, Clone, PartialEq)]
pub enum IdOrAlias {
    /// A language refset id or sub-expression.
    Id(IdSet),
    /// An alias such as `en-gb`.
    Alias(String),
}

/// `{{ +HISTORY… }}` profiles.
#[derive(Debug, Clone, PartialEq)]
pub enum History {
    /// `+HISTORY` (= maximum).
    Default,
    /// `-MIN`: SAME AS only.
    Min,
    /// `-MOD`: SAME AS, REPLACED BY, WAS A, PARTIALLY EQUIVALENT TO.
    Mod,
    /// `-MAX`: every association.
    Max,
    /// `( expression )`: the associations in that set.
    Subset(Box<Expr>),
}
