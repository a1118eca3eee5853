//! Minting API tokens (admins only).

use crate::auth::{generate_token, hash_token, join_scopes, Principal, Scope};
use crate::error::{Error, Result};
use crate::state::AppState;
use secrecy::ExposeSecret;
use souk_schema::wire::{NewToken, TokenRequest};

/// Make a token with the requested scopes. The token is in the answer, once;
/// the database keeps its hash.
pub async fn mint(state: &AppState, who: &Principal, req: TokenRequest) -> Result<NewToken> {
    who.require_admin()?;
    if req.scopes.is_empty() {
        return Err(Error::BadRequest(
            "`scopes` must name at least one scope".into(),
        ));
    }
    let scopes = req
        .scopes
        .iter()
        .map(|s| s.parse::<Scope>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(Error::BadRequest)?;
    let token = generate_token();
    let id = state
        .db
        .insert_token(
            hash_token(&token),
            join_scopes(&scopes),
            req.description.clone(),
        )
        .await?;
    tracing::info!(token.id = id, scopes = %join_scopes(&scopes), "token minted");
    Ok(NewToken {
        id,
        token: token.expose_secret().to_string(),
        scopes: scopes.iter().map(Scope::to_string).collect(),
        description: req.description,
    })
}
