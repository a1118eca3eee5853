//! The dev console: sign in with a token, upload a package and see every
//! problem with its field path, publish, yank and un-yank, mint publish tokens.
//!
//! The session is the API token itself, in a `Secure`, `HttpOnly`,
//! `SameSite=Strict` cookie: the registry keeps no session state, and every
//! request is authenticated exactly as an API call with that token. Every form
//! carries a CSRF token that must equal the `souk_csrf` cookie (double submit;
//! a cross-site page can neither read the cookie nor, with `SameSite=Strict`,
//! send the session along).

use super::{render, render_with, Ctx, PageResult};
use crate::auth::{authenticate, BearerToken, Principal, Scope};
use crate::domain::{publish as publishing, templates, tokens};
use crate::error::Error;
use crate::state::AppState;
use actix_multipart::Multipart;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::web::{Data, Form};
use actix_web::{HttpRequest, HttpResponse};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use rand::Rng;
use secrecy::SecretString;
use serde::Deserialize;
use souk_schema::package::{pack_archive, MAX_PACKAGE_BYTES};
use souk_schema::wire::TokenRequest;
use souk_schema::{Namespace, TemplateName};
use souk_web::pages::*;

/// The session cookie: the API token.
pub const SESSION_COOKIE: &str = "souk_session";
/// The CSRF cookie, echoed by every form.
pub const CSRF_COOKIE: &str = "souk_csrf";
/// Validated packages up to this size are carried in the page so that one
/// click publishes them; larger ones are chosen again.
const MAX_CARRIED_BYTES: usize = 1024 * 1024;

/// The signed-in principal, if the session cookie holds a known token.
async fn session(state: &AppState, req: &HttpRequest) -> Option<Principal> {
    let token = req.cookie(SESSION_COOKIE)?.value().to_string();
    authenticate(&state.db, &BearerToken(Some(SecretString::from(token))))
        .await
        .ok()
}

/// This request's CSRF token, and the cookie to set when it is new.
fn csrf(req: &HttpRequest, ctx: &Ctx) -> (String, Option<Cookie<'static>>) {
    match req.cookie(CSRF_COOKIE) {
        Some(c) if c.value().len() == 32 => (c.value().to_string(), None),
        _ => {
            let value = hex::encode(rand::thread_rng().gen::<[u8; 16]>());
            let cookie = ctx.cookie(CSRF_COOKIE, value.clone(), SameSite::Strict);
            (value, Some(cookie))
        }
    }
}

/// 403 unless `sent` is this browser's CSRF token.
fn check_csrf(req: &HttpRequest, ctx: &Ctx, sent: &str) -> Result<(), super::PageError> {
    let expected = req.cookie(CSRF_COOKIE).map(|c| c.value().to_string());
    let ok = expected.is_some_and(|e| {
        e.len() == sent.len()
            && !e.is_empty()
            && e.bytes()
                .zip(sent.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    });
    if ok {
        Ok(())
    } else {
        Err(ctx.fail(Error::Forbidden(
            "the form expired or came from another site; reload the page and try again".into(),
        )))
    }
}

fn with_cookie(mut res: HttpResponse, cookie: Option<Cookie<'static>>) -> HttpResponse {
    if let Some(c) = cookie {
        let _ = res.add_cookie(&c);
    }
    res
}

fn see_other(to: &str) -> actix_web::HttpResponseBuilder {
    let mut b = HttpResponse::SeeOther();
    b.insert_header((header::LOCATION, to.to_string()));
    b
}

/// Yank buttons for the template page, when the visitor's session may publish
/// in `ns`.
pub async fn publisher_controls(
    state: &AppState,
    req: &HttpRequest,
    ctx: &Ctx,
    ns: &Namespace,
) -> Option<YankControls> {
    let who = session(state, req).await?;
    who.require_publish(ns).ok()?;
    // The page that shows the forms also had the cookie set by the console.
    let (csrf, cookie) = csrf(req, ctx);
    cookie.is_none().then_some(YankControls { csrf })
}

fn scopes_of(who: &Principal) -> String {
    who.scopes
        .iter()
        .map(Scope::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn console_page(ctx: &Ctx, csrf: String, who: &Principal) -> ConsolePage {
    let mut l = ctx.layout(ctx.lang.texts().console_title, "console");
    l.signed_in = true;
    ConsolePage {
        l,
        csrf,
        scopes: scopes_of(who),
        is_admin: who.is_admin(),
        upload: None,
        minted: None,
        mint_error: None,
    }
}

/// `GET /console`: the sign-in form, or the console.
pub async fn index(state: Data<AppState>, ctx: Ctx, req: HttpRequest) -> PageResult {
    let (csrf, cookie) = csrf(&req, &ctx);
    let res = match session(&state, &req).await {
        Some(who) => render(&ctx, &console_page(&ctx, csrf, &who))?,
        None => {
            let page = ConsoleLoginPage {
                l: ctx.layout(ctx.lang.texts().sign_in, "console"),
                csrf,
                error: None,
            };
            render(&ctx, &page)?
        }
    };
    Ok(with_cookie(res, cookie))
}

#[derive(Deserialize)]
pub struct LoginForm {
    csrf: String,
    token: String,
}

/// `POST /console/login`.
pub async fn login(
    state: Data<AppState>,
    ctx: Ctx,
    req: HttpRequest,
    form: Form<LoginForm>,
) -> PageResult {
    check_csrf(&req, &ctx, &form.csrf)?;
    let token = form.token.trim().to_string();
    let known = authenticate(
        &state.db,
        &BearerToken(Some(SecretString::from(token.clone()))),
    )
    .await;
    match known {
        Ok(_) => {
            let session = ctx.cookie(SESSION_COOKIE, token, SameSite::Strict);
            Ok(see_other("/console").cookie(session).finish())
        }
        Err(e @ Error::Unauthorized(_)) => {
            let page = ConsoleLoginPage {
                l: ctx.layout(ctx.lang.texts().sign_in, "console"),
                csrf: form.csrf.clone(),
                error: Some(e.to_string()),
            };
            render_with(&ctx, StatusCode::UNAUTHORIZED, &page)
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /console/logout`.
pub async fn logout(ctx: Ctx, req: HttpRequest, form: Form<CsrfForm>) -> PageResult {
    check_csrf(&req, &ctx, &form.csrf)?;
    let mut gone = ctx.cookie(SESSION_COOKIE, String::new(), SameSite::Strict);
    gone.make_removal();
    Ok(see_other("/").cookie(gone).finish())
}

/// The signed-in principal, or 401 (rendered as the error page).
async fn require_session(
    state: &AppState,
    req: &HttpRequest,
    ctx: &Ctx,
) -> Result<Principal, super::PageError> {
    session(state, req).await.ok_or_else(|| {
        ctx.fail(Error::Unauthorized(
            "sign in to the dev console first".into(),
        ))
    })
}

/// The fields of the upload form.
#[derive(Default)]
struct Upload {
    csrf: String,
    action: String,
    package: Option<Bytes>,
}

async fn read_upload(mut form: Multipart) -> crate::error::Result<Upload> {
    let mut up = Upload::default();
    // The hex copy of a validated package is twice its size.
    let limit = 2 * MAX_PACKAGE_BYTES as usize + 64 * 1024;
    let mut read = 0usize;
    while let Some(field) = form.next().await {
        let mut field =
            field.map_err(|e| Error::BadRequest(format!("could not read the form: {e}")))?;
        let name = field.name().unwrap_or_default().to_string();
        let mut value = BytesMut::new();
        while let Some(chunk) = field.next().await {
            let chunk =
                chunk.map_err(|e| Error::BadRequest(format!("could not read the form: {e}")))?;
            read += chunk.len();
            if read > limit {
                return Err(Error::PackageTooLarge(format!(
                    "a package may be at most {MAX_PACKAGE_BYTES} bytes (20 MiB)"
                )));
            }
            value.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "csrf" => up.csrf = String::from_utf8_lossy(&value).into_owned(),
            "action" => up.action = String::from_utf8_lossy(&value).into_owned(),
            "package" if !value.is_empty() => up.package = Some(value.freeze()),
            "package_hex" if !value.is_empty() => {
                let bytes = hex::decode(value.trim_ascii())
                    .map_err(|_| Error::BadRequest("the carried package is corrupt".into()))?;
                up.package = Some(Bytes::from(bytes));
            }
            _ => {}
        }
    }
    Ok(up)
}

/// What a failed check or publish shows: the problems, or one message.
fn outcome_of(e: Error) -> Result<UploadOutcome, Error> {
    let mut out = UploadOutcome::default();
    match e {
        Error::InvalidTemplate(problems) => {
            out.problems = problems
                .iter()
                .map(|p| ProblemItem {
                    path: p.path.clone(),
                    message: p.message.clone(),
                })
                .collect();
        }
        e @ Error::Internal { .. } => return Err(e),
        e => out.error = Some(e.to_string()),
    }
    Ok(out)
}

/// `POST /console/upload` (multipart): `action=check` validates only;
/// `action=publish` validates and publishes.
pub async fn upload(
    state: Data<AppState>,
    ctx: Ctx,
    req: HttpRequest,
    form: Multipart,
) -> PageResult {
    let up = read_upload(form).await.map_err(|e| ctx.fail(e))?;
    check_csrf(&req, &ctx, &up.csrf)?;
    let who = require_session(&state, &req, &ctx).await?;
    let Some(upload) = up.package else {
        return Err(ctx.fail(Error::BadRequest("choose a package file first".into())));
    };
    // A template folder archived by hand becomes the package `souk package`
    // would make of it; a package made by `souk package` stays byte for byte.
    let packed = actix_web::web::block(move || pack_archive(&upload))
        .await
        .map_err(|e| ctx.fail(Error::internal("packing an uploaded archive", e)))?;
    let bytes = match packed {
        Ok(packed) => Bytes::from(packed.bytes),
        Err(e) => {
            let outcome = outcome_of(Error::from(e)).map_err(|e| ctx.fail(e))?;
            let mut page = console_page(&ctx, up.csrf, &who);
            page.upload = Some(outcome);
            return render_with(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let outcome = if up.action == "publish" {
        match publishing::publish(&state, &who, bytes).await {
            Ok(p) => UploadOutcome {
                published: Some((
                    format!("{}@{}", p.template.full_name(), p.version.version),
                    format!("/t/{}", p.template.full_name()),
                )),
                ..Default::default()
            },
            Err(e) => outcome_of(e).map_err(|e| ctx.fail(e))?,
        }
    } else {
        let size = bytes.len();
        match publishing::check(&state, &who, bytes.clone()).await {
            Ok(package) => UploadOutcome {
                valid: Some((
                    format!("{}@{}", package.template.name(), package.template.version()),
                    package.digest.to_string(),
                )),
                package_hex: (size <= MAX_CARRIED_BYTES).then(|| hex::encode(&bytes)),
                ..Default::default()
            },
            Err(e) => outcome_of(e).map_err(|e| ctx.fail(e))?,
        }
    };
    let failed = !outcome.problems.is_empty() || outcome.error.is_some();
    let mut page = console_page(&ctx, up.csrf, &who);
    page.upload = Some(outcome);
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_with(&ctx, status, &page)
}

#[derive(Deserialize)]
pub struct YankForm {
    csrf: String,
    template: String,
    version: String,
    yanked: bool,
}

/// `POST /console/yank`: yank or un-yank, then back to the template page.
pub async fn yank(
    state: Data<AppState>,
    ctx: Ctx,
    req: HttpRequest,
    form: Form<YankForm>,
) -> PageResult {
    check_csrf(&req, &ctx, &form.csrf)?;
    let who = require_session(&state, &req, &ctx).await?;
    let name = TemplateName::parse(&form.template)
        .map_err(|_| ctx.fail(Error::TemplateNotFound(form.template.clone())))?;
    let version = semver::Version::parse(&form.version).map_err(|_| {
        ctx.fail(Error::VersionNotFound {
            template: form.template.clone(),
            version: form.version.clone(),
        })
    })?;
    templates::yank(&state, &who, &name, &version, form.yanked)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(see_other(&format!("/t/{name}")).finish())
}

#[derive(Deserialize)]
pub struct MintForm {
    csrf: String,
    namespace: String,
    #[serde(default)]
    description: String,
}

/// `POST /console/tokens` (admins): a `publish:<namespace>` token, shown once.
pub async fn mint(
    state: Data<AppState>,
    ctx: Ctx,
    req: HttpRequest,
    form: Form<MintForm>,
) -> PageResult {
    check_csrf(&req, &ctx, &form.csrf)?;
    let who = require_session(&state, &req, &ctx).await?;
    let request = TokenRequest {
        scopes: vec![format!("publish:{}", form.namespace.trim())],
        description: form.description.clone(),
    };
    let mut page = console_page(&ctx, form.csrf.clone(), &who);
    let status = match tokens::mint(&state, &who, request).await {
        Ok(t) => {
            page.minted = Some(MintedToken {
                token: t.token,
                scopes: t.scopes.join(" "),
            });
            StatusCode::OK
        }
        Err(e @ (Error::BadRequest(_) | Error::Forbidden(_))) => {
            let status = actix_web::ResponseError::status_code(&e);
            page.mint_error = Some(e.to_string());
            status
        }
        Err(e) => return Err(ctx.fail(e)),
    };
    render_with(&ctx, status, &page)
}
