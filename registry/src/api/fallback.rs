//! JSON errors for everything that does not reach a handler: unknown routes,
//! malformed paths, queries and JSON bodies, and actix's own error responses.

use crate::error::{error_body, Error};
use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{web, HttpRequest, HttpResponse};

/// The default service: 404 `not_found` for any path no route knows.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, Error> {
    Err(Error::NotFound(format!(
        "no route for `{} {}`",
        req.method(),
        req.path()
    )))
}

/// Malformed JSON bodies: 400 (415 when the body is not declared as JSON).
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default().error_handler(|e, _| {
        match e {
            JsonPayloadError::ContentType => Error::UnsupportedMediaType(
                "the body must be JSON (`Content-Type: application/json`)".into(),
            ),
            other => Error::BadRequest(format!("invalid JSON body: {other}")),
        }
        .into()
    })
}

/// Malformed query strings: 400.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|e: QueryPayloadError, _| {
        Error::BadRequest(format!("invalid query: {e}")).into()
    })
}

/// Malformed path segments: 400.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|e: PathError, _| Error::BadRequest(format!("invalid path: {e}")).into())
}

/// Rewrites an error response that is not JSON (a 405 from a resource, a
/// payload error from an extractor) into the JSON error body, keeping its status.
pub fn json_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // JSON errors are already right; HTML ones are the market UI's error pages.
    let is_json_or_page = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(b"application/json") || v.as_bytes().starts_with(b"text/html")
    });
    if is_json_or_page {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (code, message) = match status {
        StatusCode::NOT_FOUND => ("not_found", "not found".to_string()),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            format!(
                "`{}` is not allowed on `{}`",
                res.request().method(),
                res.request().path()
            ),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "the body is too large".into()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("unsupported_media_type", "unsupported media type".into())
        }
        s if s.is_server_error() => ("internal_error", "internal server error".into()),
        s => (
            "bad_request",
            s.canonical_reason().unwrap_or("bad request").to_lowercase(),
        ),
    };
    let (req, res) = res.into_parts();
    let mut out = HttpResponse::build(status);
    if let Some(allow) = res.headers().get(header::ALLOW) {
        out.insert_header((header::ALLOW, allow.clone()));
    }
    let out = out.json(error_body(code, message));
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, out).map_into_right_body(),
    ))
}
