//! `GET /events`: the feed agents follow, with long polling.

use crate::domain::feed;
use crate::error::{Error, ErrorBody, Result};
use crate::state::AppState;
use actix_web::web::{Data, Json, Query};
use serde::Deserialize;
use souk_schema::wire::EventsPage;
use souk_schema::TemplateName;
use std::time::Duration;
use utoipa::IntoParams;

/// The query of `GET /events`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventParams {
    /// The cursor of the last event seen (default 0: from the start).
    since: Option<i64>,
    /// Seconds to hold the request until an event arrives, at most 60 (default 0).
    wait: Option<u64>,
    /// Only the events of these templates: `ns/a,ns/b`.
    templates: Option<String>,
}

/// The events after a cursor, oldest first, at most 100.
#[utoipa::path(
    get,
    path = "/api/v1/events",
    operation_id = "list_events",
    tag = "agents",
    params(EventParams),
    responses(
        (status = 200, body = EventsPage),
        (status = 400, body = ErrorBody),
    )
)]
pub async fn list(state: Data<AppState>, params: Query<EventParams>) -> Result<Json<EventsPage>> {
    let p = params.into_inner();
    let since = p.since.unwrap_or(0);
    if since < 0 {
        return Err(Error::BadRequest("`since` is a cursor, 0 or more".into()));
    }
    let wait = Duration::from_secs(p.wait.unwrap_or(0));
    if wait > feed::MAX_WAIT {
        return Err(Error::BadRequest(format!(
            "`wait` is at most {} seconds",
            feed::MAX_WAIT.as_secs()
        )));
    }
    let templates = p
        .templates
        .as_deref()
        .map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    TemplateName::parse(s)
                        .map(|n| n.to_string())
                        .map_err(|e| Error::BadRequest(format!("`templates`: {e}")))
                })
                .collect::<Result<Vec<_>>>()
        })
        .transpose()?
        .filter(|names| !names.is_empty());
    Ok(Json(
        feed::events(&state, since, wait, templates).await?.into(),
    ))
}
