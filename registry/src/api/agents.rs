//! `POST /agents/{agent_id}/report` and `GET /templates/{ns}/{name}/fleet`.

use super::TemplatePath;
use crate::auth::{authenticate, BearerToken};
use crate::domain::fleet;
use crate::error::{ErrorBody, Result};
use crate::state::AppState;
use actix_web::web::{Data, Json, Path};
use actix_web::HttpResponse;
use souk_schema::wire::{AgentReport, FleetView};

/// An agent reports its releases and their state; its previous report is replaced.
#[utoipa::path(
    post,
    path = "/api/v1/agents/{agent_id}/report",
    operation_id = "report_agent",
    tag = "agents",
    params(("agent_id" = String, Path, description = "The agent's id, `A-Z a-z 0-9 - _ .`")),
    request_body = AgentReport,
    security(("token" = [])),
    responses(
        (status = 204, description = "Kept as the agent's latest report"),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not an `agent` (or `admin`) token", body = ErrorBody),
    )
)]
pub async fn report(
    state: Data<AppState>,
    token: BearerToken,
    agent_id: Path<String>,
    body: Json<AgentReport>,
) -> Result<HttpResponse> {
    let who = authenticate(&state.db, &token).await?;
    fleet::report(&state, &who, &agent_id, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Per version and state, how many customer releases run the template.
#[utoipa::path(
    get,
    path = "/api/v1/templates/{ns}/{name}/fleet",
    operation_id = "get_fleet",
    tag = "agents",
    params(TemplatePath),
    security(("token" = [])),
    responses(
        (status = 200, body = FleetView),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not a `publish:NS` (or `admin`) token", body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn show(
    state: Data<AppState>,
    token: BearerToken,
    path: Path<TemplatePath>,
) -> Result<Json<FleetView>> {
    let name = path.parse()?;
    let who = authenticate(&state.db, &token).await?;
    Ok(Json(fleet::fleet(&state, &who, &name).await?))
}
