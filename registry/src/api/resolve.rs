//! `GET /templates/{ns}/{name}/resolve`.

use super::TemplatePath;
use crate::domain::resolve;
use crate::error::{Error, ErrorBody, Result};
use crate::state::AppState;
use actix_web::web::{Data, Json, Path, Query};
use semver::{Version, VersionReq};
use serde::Deserialize;
use souk_schema::wire::Resolution;
use utoipa::IntoParams;

/// The query of `resolve`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResolveParams {
    /// A semver requirement in Cargo's syntax (`^1.2`, `~1.4`, `>=1, <3`); default `*`.
    req: Option<String>,
    /// The installed version: only versions reachable from it by allowed upgrades.
    from: Option<String>,
    /// Admit pre-releases.
    pre: Option<bool>,
}

/// Pick a version for a requirement, and the path of upgrades to it.
#[utoipa::path(
    get,
    path = "/api/v1/templates/{ns}/{name}/resolve",
    operation_id = "resolve_version",
    tag = "market",
    params(TemplatePath, ResolveParams),
    responses(
        (status = 200, body = Resolution),
        (status = 400, description = "`invalid_requirement` or `invalid_version`", body = ErrorBody),
        (status = 404, description = "`template_not_found` or `no_matching_version`", body = ErrorBody),
    )
)]
pub async fn resolve(
    state: Data<AppState>,
    path: Path<TemplatePath>,
    params: Query<ResolveParams>,
) -> Result<Json<Resolution>> {
    let name = path.parse()?;
    let req_text = params.req.as_deref().unwrap_or("*");
    let req = VersionReq::parse(req_text).map_err(|e| {
        Error::InvalidRequirement(format!("`{req_text}` is not a semver requirement: {e}"))
    })?;
    let from = params
        .from
        .as_deref()
        .map(|f| {
            Version::parse(f)
                .map_err(|e| Error::InvalidVersion(format!("`{f}` is not a semver version: {e}")))
        })
        .transpose()?;
    let pre = params.pre.unwrap_or(false);
    Ok(Json(
        resolve::resolve(&state, &name, &req, from.as_ref(), pre).await?,
    ))
}
