//! API tokens, stored as sha256 hashes only.

use super::models::TokenRow;
use super::schema::api_tokens;
use super::{now, on, Db};
use crate::error::Error;
use diesel::prelude::*;

impl Db {
    /// The token whose hash is `hash`, if any.
    pub async fn token_by_hash(&self, hash: String) -> Result<Option<TokenRow>, Error> {
        self.run("looking up a token", move |conn| {
            on!(conn, |conn| {
                Ok(api_tokens::table
                    .filter(api_tokens::token_hash.eq(&hash))
                    .select(TokenRow::as_select())
                    .first(conn)
                    .optional()?)
            })
        })
        .await
    }

    /// Store a new token's hash with its scopes (space-separated); returns its id.
    pub async fn insert_token(
        &self,
        hash: String,
        scopes: String,
        description: String,
    ) -> Result<i64, Error> {
        self.run("storing a token", move |conn| {
            on!(conn, |conn| {
                Ok(diesel::insert_into(api_tokens::table)
                    .values((
                        api_tokens::token_hash.eq(&hash),
                        api_tokens::scopes.eq(&scopes),
                        api_tokens::description.eq(&description),
                        api_tokens::created_at.eq(now()),
                    ))
                    .returning(api_tokens::id)
                    .get_result(conn)?)
            })
        })
        .await
    }

    /// Make sure the token with hash `hash` exists and has exactly `scopes`.
    pub async fn ensure_token(
        &self,
        hash: String,
        scopes: String,
        description: String,
    ) -> Result<(), Error> {
        self.run("ensuring a token", move |conn| {
            on!(conn, |conn| {
                diesel::insert_into(api_tokens::table)
                    .values((
                        api_tokens::token_hash.eq(&hash),
                        api_tokens::scopes.eq(&scopes),
                        api_tokens::description.eq(&description),
                        api_tokens::created_at.eq(now()),
                    ))
                    .on_conflict(api_tokens::token_hash)
                    .do_update()
                    .set(api_tokens::scopes.eq(&scopes))
                    .execute(conn)?;
                Ok(())
            })
        })
        .await
    }

    /// The scopes of every stored token (space-separated), to find an admin.
    pub async fn all_token_scopes(&self) -> Result<Vec<String>, Error> {
        self.run("reading token scopes", |conn| {
            on!(conn, |conn| {
                Ok(api_tokens::table.select(api_tokens::scopes).load(conn)?)
            })
        })
        .await
    }
}
