//! The middleware every request goes through: metrics and logging, and the
//! wait for an event the client has already seen.

use crate::events::{SEEN_EVENT_HEADER, SEEN_EVENT_WAIT};
use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use std::time::Instant;

/// Middleware: count and time every request, and log it.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let start = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().to_string();
    let res = next.call(req).await?;
    let took = start.elapsed();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let status = res.status().as_u16();
    if let Some(state) = state {
        state.metrics.request(&route, &method, status, took);
    }
    tracing::info!(
        http.method = %method,
        http.route = %route,
        http.status = status,
        duration_ms = took.as_millis() as u64,
        "request"
    );
    Ok(res)
}

/// Middleware: hold a request that says it has seen event `n` until this
/// replica has applied it (see `crate::events`).
pub async fn wait_for_seen_event(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let seen = req
        .headers()
        .get(SEEN_EVENT_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    if let (Some(seen), Some(state)) = (seen, req.app_data::<web::Data<AppState>>()) {
        if !state.events.reached(seen, SEEN_EVENT_WAIT).await {
            tracing::debug!(
                event.id = seen,
                "answering before catching up with the event the client has seen"
            );
        }
    }
    next.call(req).await
}
