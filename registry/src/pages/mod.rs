//! The market UI and the dev console: HTML pages, rendered by `souk-web`.
//!
//! Handlers here are as thin as the API's: extract, call a function of
//! [`crate::domain`], fill a page struct of `souk_web::pages`, render. Errors
//! become [`PageError`], rendered as the HTML error page in the visitor's
//! language (never a cause or a stack trace). Only `souk-web` writes HTML.

pub mod console;
pub mod market;

use crate::error::Error;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{dev::Payload, FromRequest, HttpRequest, HttpResponse, ResponseError};
use souk_web::i18n::LANG_COOKIE;
use souk_web::pages::{ErrorPage, Layout};
use souk_web::{Lang, Template};
use std::fmt;
use std::future::{ready, Ready};

/// Defence in depth for every page: only same-origin resources, no inline
/// script, no framing. The README is sanitised already; this makes a miss inert.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// What every page handler knows about its request.
pub struct Ctx {
    pub lang: Lang,
    /// Path and query, where the language switch comes back to.
    pub current: String,
    req: HttpRequest,
}

impl FromRequest for Ctx {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Ctx::of(req)))
    }
}

impl Ctx {
    pub fn of(req: &HttpRequest) -> Ctx {
        let cookie = req.cookie(LANG_COOKIE);
        let accept = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        let current = match req.query_string() {
            "" => req.path().to_string(),
            q => format!("{}?{q}", req.path()),
        };
        Ctx {
            lang: Lang::negotiate(cookie.as_ref().map(|c| c.value()), accept),
            current,
            req: req.clone(),
        }
    }

    /// The frame of a page titled `title` in `section`.
    pub fn layout(&self, title: impl Into<String>, section: &'static str) -> Layout {
        let mut l = Layout::new(self.lang, title, &self.current, section);
        l.signed_in = self.req.cookie(console::SESSION_COOKIE).is_some();
        l
    }

    /// Attach this request's language to an error, for its error page.
    pub fn fail(&self, error: Error) -> PageError {
        PageError {
            error,
            lang: self.lang,
            current: self.current.clone(),
        }
    }

    /// Should cookies be `Secure`? Over HTTPS, and on loopback, where browsers
    /// accept secure cookies over plain HTTP; a plain-HTTP registry on a LAN
    /// address would otherwise have a console nobody can sign in to.
    fn secure_cookies(&self) -> bool {
        let info = self.req.connection_info();
        if info.scheme() == "https" {
            return true;
        }
        let host = info.host();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.split_once(']'))
            .map(|(h, _)| h)
            .unwrap_or_else(|| host.rsplit_once(':').map_or(host, |(h, _)| h));
        host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// A cookie of ours: HttpOnly, SameSite, path `/`, Secure when it can be.
    fn cookie(&self, name: &'static str, value: String, same_site: SameSite) -> Cookie<'static> {
        Cookie::build(name, value)
            .path("/")
            .http_only(true)
            .secure(self.secure_cookies())
            .same_site(same_site)
            .finish()
    }
}

/// A page's error: rendered as the HTML error page in the visitor's language.
pub struct PageError {
    error: Error,
    lang: Lang,
    current: String,
}

impl fmt::Debug for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.error, f)
    }
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.error.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let t = self.lang.texts();
        let (heading, lead, detail) = match &self.error {
            Error::Internal { .. } => {
                tracing::error!(error = %self.error.chain(), "internal error");
                (t.server_error_title, t.server_error_lead, None)
            }
            e if status == StatusCode::NOT_FOUND => {
                (t.not_found_title, t.not_found_lead, Some(e.to_string()))
            }
            e if status.is_server_error() => (
                t.server_error_title,
                t.server_error_lead,
                Some(e.to_string()),
            ),
            e => (t.error_title, "", Some(e.to_string())),
        };
        let page = ErrorPage {
            l: Layout::new(self.lang, heading, &self.current, "market"),
            status: status.as_u16(),
            heading: heading.to_string(),
            lead: lead.to_string(),
            detail,
        };
        match page.render() {
            Ok(body) => html(status, body),
            Err(e) => {
                tracing::error!(error = %e, "rendering the error page");
                HttpResponse::InternalServerError().finish()
            }
        }
    }
}

/// A page, or the error page.
pub type PageResult = Result<HttpResponse, PageError>;

/// An HTML response with the headers every page carries.
pub fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

/// Render `page` with status 200.
pub fn render(ctx: &Ctx, page: &impl Template) -> PageResult {
    render_with(ctx, StatusCode::OK, page)
}

/// Render `page` with `status`.
pub fn render_with(ctx: &Ctx, status: StatusCode, page: &impl Template) -> PageResult {
    page.render()
        .map(|body| html(status, body))
        .map_err(|e| ctx.fail(Error::internal("rendering a page", e)))
}

/// The default service: unknown API paths stay JSON 404s; anything else is
/// the HTML 404 page.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, actix_web::Error> {
    let path = req.path();
    if path == "/api" || path.starts_with("/api/") || path == "/metrics" {
        return Ok(crate::api::fallback::not_found(req).await?);
    }
    let ctx = Ctx::of(&req);
    Err(ctx
        .fail(Error::NotFound(format!("no page at `{path}`")))
        .into())
}

/// `GET /static/{path}`: the embedded CSS, icons and script.
pub async fn asset(req: HttpRequest, path: actix_web::web::Path<String>) -> PageResult {
    let ctx = Ctx::of(&req);
    let (bytes, media) = souk_web::assets::get(&path)
        .ok_or_else(|| ctx.fail(Error::NotFound(format!("no asset `{path}`"))))?;
    Ok(HttpResponse::Ok()
        .content_type(media)
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(bytes))
}

/// `GET /lang/{code}?back=PATH`: remember the language and go back.
pub async fn switch_lang(
    req: HttpRequest,
    code: actix_web::web::Path<String>,
    query: actix_web::web::Query<BackQuery>,
) -> HttpResponse {
    let ctx = Ctx::of(&req);
    let lang = Lang::parse(&code).unwrap_or(ctx.lang);
    let mut cookie = ctx.cookie(LANG_COOKIE, lang.code().to_string(), SameSite::Lax);
    // Readable by nothing but the server is fine: the page is rendered there.
    cookie.set_max_age(actix_web::cookie::time::Duration::days(365));
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, local_path(query.back.as_deref())))
        .cookie(cookie)
        .finish()
}

#[derive(serde::Deserialize)]
pub struct BackQuery {
    back: Option<String>,
}

/// A redirect target that stays on this site: a path, never `//host` or a URL.
fn local_path(back: Option<&str>) -> String {
    match back {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.starts_with("/\\") => {
            p.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn redirects_stay_local() {
        assert_eq!(local_path(Some("/templates?q=a")), "/templates?q=a");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "evil"] {
            assert_eq!(local_path(Some(bad)), "/", "{bad}");
        }
        assert_eq!(local_path(None), "/");
    }
}
