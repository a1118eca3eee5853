//! `POST /tokens`: minting API tokens (admins only).

use crate::auth::{authenticate, BearerToken};
use crate::domain::tokens;
use crate::error::{ErrorBody, Result};
use crate::state::AppState;
use actix_web::web::{Data, Json};
use actix_web::HttpResponse;
use souk_schema::wire::{NewToken, TokenRequest};

/// Make a token. The answer holds the token, shown this once; the registry
/// keeps only its hash.
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    operation_id = "create_token",
    tag = "admin",
    request_body = TokenRequest,
    security(("token" = [])),
    responses(
        (status = 201, body = NewToken),
        (status = 400, description = "An unknown scope", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not an admin token", body = ErrorBody),
    )
)]
pub async fn create(
    state: Data<AppState>,
    token: BearerToken,
    body: Json<TokenRequest>,
) -> Result<HttpResponse> {
    let who = authenticate(&state.db, &token).await?;
    let minted = tokens::mint(&state, &who, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(minted))
}
