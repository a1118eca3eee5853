//! API tokens and scopes: how a token is made and recognised, and what each scope
//! allows.
//!
//! A token is `souk_` and 40 random base62 characters, shown once when it is
//! made; only its sha256 is stored, so a copy of the database holds no usable
//! token. Tokens stay in [`SecretString`] everywhere and are never logged.

use crate::db::Db;
use crate::error::{Error, Result};
use actix_web::{dev::Payload, http::header, FromRequest, HttpRequest};
use rand::distributions::Alphanumeric;
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest as _, Sha256};
use souk_schema::Namespace;
use std::fmt;
use std::future::{ready, Ready};
use std::str::FromStr;

/// Every generated token starts with this, so that secret scanners can spot one.
pub const TOKEN_PREFIX: &str = "souk_";
const TOKEN_RANDOM_CHARS: usize = 40;
/// A token given by the operator (`SOUK_ADMIN_TOKEN`) must be at least this long.
const MIN_TOKEN_LEN: usize = 20;

/// A new random token.
pub fn generate_token() -> SecretString {
    let random: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(TOKEN_RANDOM_CHARS)
        .map(char::from)
        .collect();
    SecretString::from(format!("{TOKEN_PREFIX}{random}"))
}

/// The hex sha256 of a token: what the database stores and looks up.
pub fn hash_token(token: &SecretString) -> String {
    hex::encode(Sha256::digest(token.expose_secret().as_bytes()))
}

/// Is an operator-chosen admin token acceptable? (Long enough, printable.)
pub fn check_admin_token(token: &SecretString) -> Result<(), String> {
    let t = token.expose_secret();
    if t.len() < MIN_TOKEN_LEN {
        return Err(format!(
            "the admin token must be at least {MIN_TOKEN_LEN} characters"
        ));
    }
    if !t.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("the admin token must be printable ASCII without spaces".into());
    }
    Ok(())
}

/// What a token may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everything, including minting tokens.
    Admin,
    /// Publish and yank in one namespace (`publish:acme`), or in all (`publish:*`,
    /// held as `None`).
    Publish(Option<Namespace>),
    /// Read private templates the token's customer is entitled to.
    Read,
    /// Follow events and report status (agents).
    Agent,
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "admin" => Ok(Scope::Admin),
            "read" => Ok(Scope::Read),
            "agent" => Ok(Scope::Agent),
            "publish:*" => Ok(Scope::Publish(None)),
            _ => match s.strip_prefix("publish:") {
                Some(ns) => Namespace::parse(ns)
                    .map(|ns| Scope::Publish(Some(ns)))
                    .map_err(|e| format!("scope `{s}`: {e}")),
                None => Err(format!(
                    "unknown scope `{s}`; scopes are `admin`, `publish:<namespace>`, `publish:*`, `read` and `agent`"
                )),
            },
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Admin => f.write_str("admin"),
            Scope::Publish(None) => f.write_str("publish:*"),
            Scope::Publish(Some(ns)) => write!(f, "publish:{ns}"),
            Scope::Read => f.write_str("read"),
            Scope::Agent => f.write_str("agent"),
        }
    }
}

/// Scopes as stored: space-separated.
pub fn join_scopes(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(Scope::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Stored scopes back; unknown ones (from a newer version) are skipped.
pub fn split_scopes(stored: &str) -> Vec<Scope> {
    stored
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// Who is making a request: a known token and its scopes.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The token's id; `None` for the registry itself (the demo catalog).
    pub token_id: Option<i64>,
    pub scopes: Vec<Scope>,
}

impl Principal {
    /// The registry acting on its own behalf, such as when loading the demo catalog.
    pub fn system() -> Principal {
        Principal {
            token_id: None,
            scopes: vec![Scope::Admin],
        }
    }

    pub fn is_admin(&self) -> bool {
        self.scopes.contains(&Scope::Admin)
    }

    /// 403 unless the token is an admin token.
    pub fn require_admin(&self) -> Result<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Error::Forbidden(
                "this needs a token with the `admin` scope".into(),
            ))
        }
    }

    /// 403 unless the token is an agent's (or an admin's).
    pub fn require_agent(&self) -> Result<()> {
        if self
            .scopes
            .iter()
            .any(|s| matches!(s, Scope::Agent | Scope::Admin))
        {
            Ok(())
        } else {
            Err(Error::Forbidden(
                "this needs a token with the `agent` scope".into(),
            ))
        }
    }

    /// 403 unless the token may publish and yank in `ns`.
    pub fn require_publish(&self, ns: &Namespace) -> Result<()> {
        let allowed = self.scopes.iter().any(|s| match s {
            Scope::Admin | Scope::Publish(None) => true,
            Scope::Publish(Some(n)) => n == ns,
            Scope::Read | Scope::Agent => false,
        });
        if allowed {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "this token may not publish in `{ns}`: it needs `publish:{ns}`, `publish:*` or `admin`"
            )))
        }
    }
}

/// The bearer token of a request, if it has one. Extracting never touches the
/// database; [`authenticate`] does.
pub struct BearerToken(pub(crate) Option<SecretString>);

impl FromRequest for BearerToken {
    type Error = Error;
    type Future = Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(bearer(req).map(BearerToken))
    }
}

fn bearer(req: &HttpRequest) -> Result<Option<SecretString>> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || Error::Unauthorized("expected `Authorization: Bearer <token>`".into());
    let value = value.to_str().map_err(|_| malformed())?;
    let (scheme, token) = value.split_once(' ').ok_or_else(malformed)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(malformed());
    }
    Ok(Some(SecretString::from(token.to_string())))
}

/// Who holds `token`: 401 without a token or with one the registry does not know.
pub async fn authenticate(db: &Db, token: &BearerToken) -> Result<Principal> {
    let Some(token) = &token.0 else {
        return Err(Error::Unauthorized(
            "this needs a token: send `Authorization: Bearer <token>`".into(),
        ));
    };
    let row = db
        .token_by_hash(hash_token(token))
        .await?
        .ok_or_else(|| Error::Unauthorized("unknown or revoked token".into()))?;
    Ok(Principal {
        token_id: Some(row.id),
        scopes: split_scopes(&row.scopes),
    })
}

/// Make sure an admin token exists at start. With `configured`, its hash is
/// stored as an admin token. Otherwise, when no admin token exists yet, one is
/// generated and stored, and returned so that it can be shown once.
pub async fn bootstrap_admin(
    db: &Db,
    configured: Option<&SecretString>,
) -> Result<Option<SecretString>> {
    let admin = join_scopes(&[Scope::Admin]);
    if let Some(token) = configured {
        db.ensure_token(
            hash_token(token),
            admin,
            "admin token from the configuration".into(),
        )
        .await?;
        return Ok(None);
    }
    let has_admin = db
        .all_token_scopes()
        .await?
        .iter()
        .any(|s| split_scopes(s).contains(&Scope::Admin));
    if has_admin {
        return Ok(None);
    }
    let token = generate_token();
    db.insert_token(
        hash_token(&token),
        admin,
        "admin token generated at first start".into(),
    )
    .await?;
    Ok(Some(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_base62_and_hash_to_hex() {
        let t = generate_token();
        let s = t.expose_secret();
        assert!(s.starts_with(TOKEN_PREFIX));
        assert_eq!(s.len(), TOKEN_PREFIX.len() + TOKEN_RANDOM_CHARS);
        assert!(s[TOKEN_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(s, generate_token().expose_secret());
        let h = hash_token(&t);
        assert_eq!(h.len(), 64);
        assert!(!h.contains(s));
    }

    #[test]
    fn scopes_round_trip_and_reject_unknowns() {
        for s in ["admin", "read", "agent", "publish:*", "publish:acme"] {
            assert_eq!(s.parse::<Scope>().unwrap().to_string(), s);
        }
        for bad in ["root", "publish:", "publish:Acme", "publish"] {
            assert!(bad.parse::<Scope>().is_err(), "{bad}");
        }
    }

    #[test]
    fn publish_scopes() {
        let acme = Namespace::parse("acme").unwrap();
        let other = Namespace::parse("other").unwrap();
        let p = |scopes: &str| Principal {
            token_id: Some(1),
            scopes: split_scopes(scopes),
        };
        assert!(p("publish:acme").require_publish(&acme).is_ok());
        assert!(p("publish:acme").require_publish(&other).is_err());
        assert!(p("publish:*").require_publish(&other).is_ok());
        assert!(p("admin").require_publish(&other).is_ok());
        assert!(p("read agent").require_publish(&acme).is_err());
        assert!(p("publish:*").require_admin().is_err());
    }
}
