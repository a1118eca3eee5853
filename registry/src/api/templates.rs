//! `/templates`: search and browse, publish, and one template.

use super::openapi::Binary;
use super::views::{template_json, version_view};
use super::TemplatePath;
use crate::auth::{authenticate, BearerToken};
use crate::domain::{catalog, publish as publishing, templates};
use crate::error::{Error, Result};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::web::{Data, Json, Path, Payload, Query};
use actix_web::{HttpRequest, HttpResponse};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use serde::Deserialize;
use souk_schema::package::MAX_PACKAGE_BYTES;
use souk_schema::wire::{
    ErrorBody, SearchResults, Suggestion, Suggestions, TemplateView, VersionView, PREFIX,
};
use utoipa::IntoParams;

/// The query of `GET /templates`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Free text; empty or absent browses, most recently updated first.
    q: Option<String>,
    /// A category slug.
    category: Option<String>,
    /// A tag.
    tag: Option<String>,
    /// From 1 (default 1).
    page: Option<usize>,
    /// 1 to 100 (default 20).
    per_page: Option<usize>,
    /// `relevance` (the default: best match first; without `q`, most recently
    /// updated first), `recent`, `name` or `popular` (most installed). Yanked-only
    /// templates come last.
    sort: Option<String>,
}

/// The query of `GET /templates/suggest`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestParams {
    /// What the user has typed so far; the last word is a prefix.
    q: Option<String>,
}

/// Search and browse templates.
#[utoipa::path(
    get,
    path = "/api/v1/templates",
    operation_id = "search_templates",
    tag = "market",
    params(SearchParams),
    responses(
        (status = 200, body = SearchResults),
        (status = 400, body = ErrorBody),
    )
)]
pub async fn search(
    state: Data<AppState>,
    params: Query<SearchParams>,
) -> Result<Json<SearchResults>> {
    let p = params.into_inner();
    let sort = match p.sort.as_deref().filter(|s| !s.is_empty()) {
        None => crate::search::Sort::Relevance,
        Some(s) => crate::search::Sort::parse(s).ok_or_else(|| {
            Error::BadRequest(format!(
                "`sort` is `relevance`, `recent`, `name` or `popular`, not `{s}`"
            ))
        })?,
    };
    let search = catalog::Search {
        text: p.q.unwrap_or_default(),
        category: p.category.filter(|c| !c.is_empty()),
        tag: p.tag.filter(|t| !t.is_empty()),
        sort,
        page: p.page.unwrap_or(1),
        per_page: p.per_page.unwrap_or(catalog::DEFAULT_PER_PAGE),
    };
    Ok(Json(catalog::search(&state, search).await?.into()))
}

/// Names and titles for the search box, as the user types (at most 8).
#[utoipa::path(
    get,
    path = "/api/v1/templates/suggest",
    operation_id = "suggest_templates",
    tag = "market",
    params(SuggestParams),
    responses((status = 200, body = Suggestions))
)]
pub async fn suggest(
    state: Data<AppState>,
    params: Query<SuggestParams>,
) -> Result<Json<Suggestions>> {
    let q = params.into_inner().q.unwrap_or_default();
    let items = catalog::suggest(&state, &q).await?;
    Ok(Json(Suggestions {
        items: items.into_iter().map(Suggestion::from).collect(),
    }))
}

/// The media types a package may be sent as.
const PACKAGE_TYPES: [&str; 2] = ["application/gzip", "application/x-gzip"];

/// 415 unless the body is declared as a gzip'd package.
fn require_gzip(req: &HttpRequest) -> Result<()> {
    let essence = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    match essence {
        Some(t) if PACKAGE_TYPES.contains(&t.as_str()) => Ok(()),
        other => Err(Error::UnsupportedMediaType(format!(
            "a package is sent as `Content-Type: application/gzip`, not `{}`",
            other.as_deref().unwrap_or("(none)")
        ))),
    }
}

fn too_large() -> Error {
    Error::PackageTooLarge(format!(
        "a package may be at most {MAX_PACKAGE_BYTES} bytes (20 MiB)"
    ))
}

/// The body, refused as soon as it is known to exceed `limit` bytes.
async fn read_body(req: &HttpRequest, mut payload: Payload, limit: u64) -> Result<Bytes> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = BytesMut::with_capacity(declared.unwrap_or(0) as usize);
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| Error::BadRequest(format!("could not read the body: {e}")))?;
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Publish a version. The body is the `.tgz`. Headers and the token are checked
/// before the body is read, so that nobody can make the registry buffer 20 MiB
/// without a token.
#[utoipa::path(
    post,
    path = "/api/v1/templates",
    operation_id = "publish_template",
    tag = "publishing",
    request_body(content = inline(Binary), content_type = "application/gzip", description = "The package (`.tgz`)"),
    security(("token" = [])),
    responses(
        (status = 201, description = "Published", body = VersionView),
        (status = 400, description = "Not a readable .tgz", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "The token may not publish in this namespace", body = ErrorBody),
        (status = 409, description = "`version_exists`", body = ErrorBody),
        (status = 413, description = "`package_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_template` (one detail per problem) or `unsafe_package`", body = ErrorBody),
    )
)]
pub async fn publish(
    state: Data<AppState>,
    req: HttpRequest,
    token: BearerToken,
    body: Payload,
) -> Result<HttpResponse> {
    require_gzip(&req)?;
    let who = authenticate(&state.db, &token).await?;
    let bytes = read_body(&req, body, MAX_PACKAGE_BYTES).await?;
    let published = publishing::publish(&state, &who, bytes).await?;
    let version = version_view(&published.template, &published.version);
    let location = format!(
        "{PREFIX}/templates/{}/versions/{}",
        version.name, version.version
    );
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(version))
}

/// A template: its latest version (highest stable not yanked) in full, and every
/// version, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/templates/{ns}/{name}",
    operation_id = "get_template",
    tag = "market",
    params(TemplatePath),
    responses(
        (status = 200, body = TemplateView),
        (status = 404, description = "`template_not_found`", body = ErrorBody),
    )
)]
pub async fn show(state: Data<AppState>, path: Path<TemplatePath>) -> Result<HttpResponse> {
    let name = path.parse()?;
    Ok(HttpResponse::Ok()
        .insert_header(header::ContentType::json())
        .body(template_json(&*templates::show(&state, &name).await?)?))
}
