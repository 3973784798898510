//! FHIR terminology operations in domain terms: `$lookup`, `$validate-code`, `$subsumes`, value
//! set membership, code system resolution and display language choice.
//!
//! Results are plain Rust values; turning them into FHIR JSON is `fhir`'s job and choosing HTTP
//! statuses is `http`'s. A business "no" (`$validate-code` result=false) is a result, not an
//! [`Error`]. May use: `store`, `model`. Never uses `fhir` or `http`.

mod coding_version;
pub mod ecl;
pub mod engine;
pub mod expand;
pub mod expression;
pub mod language;
pub mod lookup;
pub mod maprule;
pub mod memory;
pub mod messages;
pub mod normalize;
pub mod resolve;
pub mod search;
pub mod source;
pub mod status;
pub mod subsumes;
pub mod translate;
pub mod validate;
pub mod valueset;

pub use engine::{RequestContext, Terminology};

/// What went wrong, in the words FHIR's issue types use. The `http` layer owns the one table
/// from these kinds to status codes.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A resource, code system, version or code that is not there (404).
    #[error("{0}")]
    NotFound(String),
    /// A request parameter is missing or wrong (400); `param` names it.
    #[error("{message}")]
    Invalid {
        /// The parameter at fault.
        param: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A value set definition that cannot be evaluated (400, `invalid`, tx-issue-type
    /// `vs-invalid`); `element` is the FHIRPath of the faulty part.
    #[error("{message}")]
    InvalidValueSet {
        /// `ValueSet.compose.include[0].filter[0]`, …
        element: String,
        /// What is wrong.
        message: String,
    },
    /// Valid, but not something Concord does (yet).
    #[error("{0}")]
    NotSupported(String),
    /// Answering would take more than the configured size or time budget (`too-costly`); the
    /// message says how to page or narrow the request.
    #[error("{0}")]
    TooCostly(String),
    /// A request that cannot be processed as given (IssueType `processing`), with its
    /// terminology-ecosystem issue type and message id.
    #[error("{message}")]
    Processing {
        /// `tx-issue-type` code.
        tx_code: &'static str,
        /// tx.fhir.org's message id.
        message_id: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A finding with its IssueType (`code`), `tx-issue-type` code and tx.fhir.org message id:
    /// 404 when it is `not-found`, else 400.
    #[error("{message}")]
    Issue {
        /// IssueType code (`not-found`, `exception`, …).
        code: &'static str,
        /// `tx-issue-type` code.
        tx_code: &'static str,
        /// tx.fhir.org's message id.
        message_id: &'static str,
        /// What is wrong.
        message: String,
    },
    /// An ECL expression that is not valid (syntax, or a concept id the release does not
    /// have): 400, `invalid`, tx-issue-type `vs-invalid`, message id `INVALID_ECL`; `param`
    /// names where it was given.
    #[error("{message}")]
    InvalidEcl {
        /// The parameter (or value set element) holding the expression.
        param: String,
        /// What is wrong, with the expression.
        message: String,
    },
    /// A value set that includes or excludes itself, directly or through others.
    #[error("{0}")]
    CircularValueSet(String),
    /// An internal failure; logged with its chain, reported generically.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(param: &str, message: impl Into<String>) -> Self {
        Error::Invalid {
            param: param.into(),
            message: message.into(),
        }
    }
}

impl From<crate::store::Error> for Error {
    fn from(e: crate::store::Error) -> Self {
        Error::Internal(e.to_string())
    }
}

impl From<crate::index::file::Damaged> for Error {
    fn from(e: crate::index::file::Damaged) -> Self {
        Error::Internal(e.to_string())
    }
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A coding as the operations see it (no FHIR JSON).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Coding {
    /// Code system URL.
    pub system: Option<String>,
    /// Code system version.
    pub version: Option<String>,
    /// Code.
    pub code: Option<String>,
    /// Display.
    pub display: Option<String>,
}
