//! `/templates/{ns}/{name}/versions/{version}`: one version, its package, its
//! icon, and yanking.

use super::openapi::Binary;
use super::views::version_view;
use super::VersionPath;
use crate::auth::{authenticate, BearerToken};
use crate::domain::templates::{self, Download};
use crate::error::{Error, ErrorBody, Result};
use crate::state::AppState;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::web::{Bytes, Data, Json, Path};
use actix_web::{HttpRequest, HttpResponse};
use souk_schema::wire::{VersionDetail, VersionView, YankRequest};

/// Packages and icons of a version never change.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// One version: metadata, digest, the normalised manifest, readme and changelog.
#[utoipa::path(
    get,
    path = "/api/v1/templates/{ns}/{name}/versions/{version}",
    operation_id = "get_version",
    tag = "market",
    params(VersionPath),
    responses(
        (status = 200, body = VersionDetail),
        (status = 404, description = "`template_not_found` or `version_not_found`", body = ErrorBody),
    )
)]
pub async fn show(state: Data<AppState>, path: Path<VersionPath>) -> Result<Json<VersionDetail>> {
    let (name, version) = path.parse()?;
    Ok(Json(VersionDetail::from(
        &templates::version(&state, &name, &version).await?,
    )))
}

/// The package (`.tgz`). Yanked versions still download. The `ETag` is the
/// digest; `If-None-Match` with it answers 304.
#[utoipa::path(
    get,
    path = "/api/v1/templates/{ns}/{name}/versions/{version}/package",
    operation_id = "download_package",
    tag = "market",
    params(VersionPath),
    responses(
        (status = 200, description = "The package", content_type = "application/gzip", body = inline(Binary),
            headers(("ETag" = String, description = "`\"sha256:<hex>\"`"), ("Cache-Control" = String))),
        (status = 304, description = "`If-None-Match` names the digest"),
        (status = 404, description = "`template_not_found` or `version_not_found`", body = ErrorBody),
    )
)]
pub async fn package(
    state: Data<AppState>,
    path: Path<VersionPath>,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let (name, version) = path.parse()?;
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    let download = templates::package(&state, &name, &version, if_none_match).await?;
    Ok(match download {
        Download::NotModified { digest } => HttpResponse::NotModified()
            .insert_header((header::ETAG, format!("\"{digest}\"")))
            .insert_header((header::CACHE_CONTROL, IMMUTABLE))
            .finish(),
        Download::Package {
            digest,
            bytes,
            file_name,
        } => HttpResponse::Ok()
            .content_type("application/gzip")
            .insert_header((header::ETAG, format!("\"{digest}\"")))
            .insert_header((header::CACHE_CONTROL, IMMUTABLE))
            .insert_header(ContentDisposition {
                disposition: DispositionType::Attachment,
                parameters: vec![DispositionParam::Filename(file_name)],
            })
            .body(bytes),
    })
}

/// The version's icon (png or svg), for the market UI; 404 when it has none.
#[utoipa::path(
    get,
    path = "/api/v1/templates/{ns}/{name}/versions/{version}/icon",
    operation_id = "download_icon",
    tag = "market",
    params(VersionPath),
    responses(
        (status = 200, description = "The icon", content_type = "image/svg+xml", body = inline(Binary)),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn icon(state: Data<AppState>, path: Path<VersionPath>) -> Result<HttpResponse> {
    let (name, version) = path.parse()?;
    let (bytes, media_type) = templates::icon(&state, &name, &version).await?;
    Ok(HttpResponse::Ok()
        .content_type(media_type)
        .insert_header((header::CACHE_CONTROL, IMMUTABLE))
        // An SVG is a document that may hold scripts: never let it run any.
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(bytes))
}

/// Yank a version (`{"yanked": true}` or an empty body) or un-yank it
/// (`{"yanked": false}`). Yanked versions are never chosen by resolution but
/// still download.
#[utoipa::path(
    put,
    path = "/api/v1/templates/{ns}/{name}/versions/{version}/yank",
    operation_id = "yank_version",
    tag = "publishing",
    params(VersionPath),
    request_body(content = Option<YankRequest>, description = "Empty means yank"),
    security(("token" = [])),
    responses(
        (status = 200, body = VersionView),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn yank(
    state: Data<AppState>,
    path: Path<VersionPath>,
    token: BearerToken,
    body: Bytes,
) -> Result<Json<VersionView>> {
    let (name, version) = path.parse()?;
    let who = authenticate(&state.db, &token).await?;
    let yanked = if body.iter().all(u8::is_ascii_whitespace) {
        true
    } else {
        serde_json::from_slice::<YankRequest>(&body)
            .map_err(|e| Error::BadRequest(format!("expected `{{\"yanked\": true|false}}`: {e}")))?
            .yanked
    };
    let (t, v) = templates::yank(&state, &who, &name, &version, yanked).await?;
    Ok(Json(version_view(&t, &v)))
}
