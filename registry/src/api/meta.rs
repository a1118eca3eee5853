//! Health (combined, live, ready), the template JSON Schema, the OpenAPI
//! document and the metrics.

use super::openapi::ApiDoc;
use crate::domain::{catalog, index};
use crate::error::{ErrorBody, Result};
use crate::state::AppState;
use actix_web::web::{Data, Json};
use actix_web::HttpResponse;
use souk_schema::wire::{Health, SearchStatus};
use std::sync::OnceLock;
use utoipa::OpenApi;

/// Liveness and readiness in one: the database and the package store are
/// reachable (the same check as `/api/v1/health/ready`).
#[utoipa::path(
    get,
    path = "/api/v1/health",
    operation_id = "health",
    tag = "meta",
    responses(
        (status = 200, body = Health),
        (status = 503, description = "`unavailable`", body = ErrorBody),
    )
)]
pub async fn health(state: Data<AppState>) -> Result<Json<Health>> {
    ready(state).await
}

/// Liveness: the process answers HTTP. Touches neither the database nor the
/// store, so that an outage of either does not get the process restarted.
#[utoipa::path(
    get,
    path = "/api/v1/health/live",
    operation_id = "health_live",
    tag = "meta",
    responses((status = 200, body = Health))
)]
pub async fn live() -> Json<Health> {
    ok()
}

/// Readiness: the database and the package store are reachable, so this
/// replica can serve requests.
#[utoipa::path(
    get,
    path = "/api/v1/health/ready",
    operation_id = "health_ready",
    tag = "meta",
    responses(
        (status = 200, body = Health),
        (status = 503, description = "`unavailable`", body = ErrorBody),
    )
)]
pub async fn ready(state: Data<AppState>) -> Result<Json<Health>> {
    catalog::health(&state).await?;
    Ok(ok())
}

fn ok() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
    })
}

/// The search index: its backend and whether it holds every committed event
/// (`ready`), is catching up (`indexing`) or failed its last attempt (`error`).
#[utoipa::path(
    get,
    path = "/api/v1/search/status",
    operation_id = "search_status",
    tag = "meta",
    responses((status = 200, body = SearchStatus))
)]
pub async fn search_status(state: Data<AppState>) -> Json<SearchStatus> {
    Json(index::status(&state).await)
}

/// The JSON Schema of `souk.yaml` (format v1), for editors.
#[utoipa::path(
    get,
    path = "/api/v1/schema/template-v1.json",
    operation_id = "template_schema",
    tag = "meta",
    responses((status = 200, description = "A JSON Schema", body = Object))
)]
pub async fn template_schema() -> HttpResponse {
    static SCHEMA: OnceLock<serde_json::Value> = OnceLock::new();
    HttpResponse::Ok().json(SCHEMA.get_or_init(souk_schema::schema::template_v1))
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "openapi",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object))
)]
pub async fn openapi() -> HttpResponse {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    HttpResponse::Ok().json(DOC.get_or_init(ApiDoc::openapi))
}

/// Prometheus metrics (text format).
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "meta",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String))
)]
pub async fn metrics(state: Data<AppState>) -> HttpResponse {
    let gauges = catalog::gauges(&state).await;
    let mut text = state.metrics.render();
    gauges.render(&mut text);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text)
}
