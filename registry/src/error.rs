//! The registry's one error type, and how it becomes an HTTP response.
//!
//! Policy:
//! - Every failure a handler can meet is a variant of [`Error`]; the variant
//!   decides the status and the stable `code` of the JSON body
//!   `{"error": {"code", "message", "details"}}` of api.md.
//! - Client errors (4xx) carry a message written for the caller and are not
//!   logged: they are the caller's business, and the access log already has them.
//! - [`Error::Internal`] is the only arm that logs, once, when the response is
//!   built, with its whole cause chain. The caller sees `internal_error` and a
//!   fixed message: never a cause, a path, a stack trace or a secret.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use souk_schema::wire::ApiError;
pub use souk_schema::wire::ErrorBody;
use souk_schema::{Problem, Problems};
use std::fmt::Write as _;

/// A boxed cause of an internal error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong while serving a request.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is malformed: a bad query, path or JSON body.
    #[error("{0}")]
    BadRequest(String),
    /// `req` is not a semver requirement.
    #[error("{0}")]
    InvalidRequirement(String),
    /// A version given by the caller (such as `from`) is not a semver version.
    #[error("{0}")]
    InvalidVersion(String),
    /// The body is not a readable `.tgz`.
    #[error("{0}")]
    InvalidPackage(String),
    /// No token, or a token the registry does not know.
    #[error("{0}")]
    Unauthorized(String),
    /// The token is valid but lacks the scope.
    #[error("{0}")]
    Forbidden(String),
    #[error("template `{0}` not found")]
    TemplateNotFound(String),
    #[error("version `{version}` of `{template}` not found")]
    VersionNotFound { template: String, version: String },
    #[error("no version of `{template}` matches `{req}`{}", from_suffix(.from))]
    NoMatchingVersion {
        template: String,
        req: String,
        from: Option<String>,
    },
    /// Any other missing thing: a route, an icon.
    #[error("{0}")]
    NotFound(String),
    #[error("`{template}@{version}` is already published; versions are immutable, publish a new version")]
    VersionExists { template: String, version: String },
    #[error("{0}")]
    PackageTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The manifest breaks the format; one problem per field.
    #[error("invalid template ({} problem{})", .0.len(), if .0.len() == 1 { "" } else { "s" })]
    InvalidTemplate(Problems),
    /// The package holds an unsafe entry (`..`, absolute path, link, device).
    #[error("{0}")]
    UnsafePackage(String),
    /// A dependency (database, store) is unreachable; used by the health check.
    #[error("{0}")]
    Unavailable(String),
    /// The registry's own fault. `context` says what it was doing.
    #[error("{context}")]
    Internal {
        context: String,
        #[source]
        source: BoxError,
    },
}

fn from_suffix(from: &Option<String>) -> String {
    from.as_ref()
        .map(|f| format!(" and can be reached from `{f}`"))
        .unwrap_or_default()
}

impl Error {
    /// An internal error: what the registry was doing, and why it failed.
    pub fn internal(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Internal {
            context: context.into(),
            source: source.into(),
        }
    }

    /// The stable machine-readable code of the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            Error::BadRequest(_) => "bad_request",
            Error::InvalidRequirement(_) => "invalid_requirement",
            Error::InvalidVersion(_) => "invalid_version",
            Error::InvalidPackage(_) => "invalid_package",
            Error::Unauthorized(_) => "unauthorized",
            Error::Forbidden(_) => "forbidden",
            Error::TemplateNotFound(_) => "template_not_found",
            Error::VersionNotFound { .. } => "version_not_found",
            Error::NoMatchingVersion { .. } => "no_matching_version",
            Error::NotFound(_) => "not_found",
            Error::VersionExists { .. } => "version_exists",
            Error::PackageTooLarge(_) => "package_too_large",
            Error::UnsupportedMediaType(_) => "unsupported_media_type",
            Error::InvalidTemplate(_) => "invalid_template",
            Error::UnsafePackage(_) => "unsafe_package",
            Error::Unavailable(_) => "unavailable",
            Error::Internal { .. } => "internal_error",
        }
    }

    /// The full cause chain, for the log.
    pub(crate) fn chain(&self) -> String {
        let mut out = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            let _ = write!(out, ": {c}");
            cause = c.source();
        }
        out
    }
}

impl From<souk_schema::Error> for Error {
    fn from(e: souk_schema::Error) -> Self {
        use souk_schema::Error as S;
        match e {
            S::Invalid(problems) => Error::InvalidTemplate(problems),
            S::NoManifest(_) => Error::InvalidTemplate(Problems(vec![Problem::new(
                "",
                "the package has no `souk.yaml` at its root",
            )])),
            S::UnsafePackage(m) => Error::UnsafePackage(m),
            S::TooLarge(m) => Error::PackageTooLarge(m),
            S::Corrupt(m) => Error::InvalidPackage(format!("not a readable .tgz package: {m}")),
            e @ S::Io { .. } => Error::internal("reading a package", e),
        }
    }
}

/// The JSON error body of every failed request (one definition, in
/// `souk_schema::wire`), with what the error says.
fn body(code: &str, message: String, details: Vec<Problem>) -> ErrorBody {
    ErrorBody {
        error: ApiError {
            code: code.to_string(),
            message,
            details,
        },
    }
}

/// The body of an error answered outside [`Error`] (what never reached a handler).
pub fn error_body(code: &str, message: impl Into<String>) -> ErrorBody {
    body(code, message.into(), Vec::new())
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Error::BadRequest(_)
            | Error::InvalidRequirement(_)
            | Error::InvalidVersion(_)
            | Error::InvalidPackage(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::TemplateNotFound(_)
            | Error::VersionNotFound { .. }
            | Error::NoMatchingVersion { .. }
            | Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::VersionExists { .. } => StatusCode::CONFLICT,
            Error::PackageTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::InvalidTemplate(_) | Error::UnsafePackage(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            Error::Internal { .. } => {
                tracing::error!(error = %self.chain(), "internal error");
                "internal server error; the registry logged the cause".to_string()
            }
            other => other.to_string(),
        };
        let details = match self {
            Error::InvalidTemplate(problems) => problems.iter().cloned().collect(),
            _ => Vec::new(),
        };
        let body = body(self.code(), message, details);
        let mut res = HttpResponse::build(self.status_code());
        if let Error::Unauthorized(_) = self {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        res.json(body)
    }
}

/// Shorthand for handlers and domain functions.
pub type Result<T, E = Error> = std::result::Result<T, E>;
