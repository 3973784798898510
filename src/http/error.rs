//! `ApiError`: every failure answered as an OperationOutcome, with the one table from
//! operation error kinds to HTTP status codes.

use crate::fhir::{FHIR_JSON, outcome};
use crate::ops;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

/// An error on its way to the client.
#[derive(Debug)]
pub enum ApiError {
    /// From an operation.
    Op(ops::Error),
    /// From the HTTP layer itself (route, method, media type, body).
    Http {
        /// Status.
        status: StatusCode,
        /// FHIR IssueType code.
        code: &'static str,
        /// Message.
        text: String,
    },
}

impl ApiError {
    /// An HTTP-level error.
    pub fn http(status: StatusCode, code: &'static str, text: impl Into<String>) -> Self {
        ApiError::Http {
            status,
            code,
            text: text.into(),
        }
    }
}

impl From<ops::Error> for ApiError {
    fn from(e: ops::Error) -> Self {
        ApiError::Op(e)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Op(e) => write!(f, "{e}"),
            ApiError::Http { text, .. } => f.write_str(text),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Op(ops::Error::NotFound(_)) => StatusCode::NOT_FOUND,
            ApiError::Op(ops::Error::Invalid { .. }) => StatusCode::BAD_REQUEST,
            ApiError::Op(ops::Error::InvalidValueSet { .. }) => StatusCode::BAD_REQUEST,
            ApiError::Op(ops::Error::NotSupported(_)) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Op(ops::Error::TooCostly(_)) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Op(ops::Error::CircularValueSet(_)) => StatusCode::BAD_REQUEST,
            ApiError::Op(ops::Error::Processing { .. }) => StatusCode::BAD_REQUEST,
            ApiError::Op(ops::Error::Issue { code, .. }) if *code == "not-found" => {
                StatusCode::NOT_FOUND
            }
            ApiError::Op(ops::Error::Issue { .. }) => StatusCode::BAD_REQUEST,
            ApiError::Op(ops::Error::InvalidEcl { .. }) => StatusCode::BAD_REQUEST,
            ApiError::Op(ops::Error::Internal(_)) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Http { status, .. } => *status,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let body = match self {
            ApiError::Op(e) => op_outcome(e),
            ApiError::Http { code, text, .. } => outcome::error(code, text, None),
        };
        HttpResponse::build(self.status_code())
            .content_type(FHIR_JSON)
            .json(body)
    }
}

/// The OperationOutcome of an operation's error (also what `$batch-validate-code` puts in
/// place of the one entry that failed).
pub fn op_outcome(e: &ops::Error) -> serde_json::Value {
    {
        match e {
            ops::Error::NotFound(m) => outcome::error("not-found", m, None),
            ops::Error::Invalid { param, message } => outcome::error(
                "invalid",
                message,
                Some(param.as_str()).filter(|p| !p.is_empty()),
            ),
            ops::Error::NotSupported(m) => outcome::error("not-supported", m, None),
            ops::Error::InvalidValueSet { element, message } => {
                outcome::invalid_value_set(message, element)
            }
            ops::Error::TooCostly(m) => {
                // First line: the finding; the whole text (with the way forward) diagnoses.
                let mut o = outcome::error("too-costly", m.lines().next().unwrap_or(m), None);
                o["issue"][0]["diagnostics"] = serde_json::json!(m.replace('\n', "; "));
                o
            }
            ops::Error::CircularValueSet(m) => outcome::circular_value_set(m),
            ops::Error::Processing {
                tx_code,
                message_id,
                message,
            } => outcome::processing(tx_code, message_id, message),
            ops::Error::Issue {
                code,
                tx_code,
                message_id,
                message,
            } => outcome::issue(code, tx_code, message_id, message),
            ops::Error::InvalidEcl { param, message } => outcome::invalid_ecl(message, param),
            ops::Error::Internal(m) => {
                tracing::error!(error = %m, "internal error");
                outcome::error(
                    "exception",
                    "internal server error; the server log has the details",
                    None,
                )
            }
        }
    }
}
