//! [`RegistryClient`]: the registry's HTTP API (`api.md`) as typed async calls.
//!
//! Every call returns a [`Reply`]: the typed answer, and the server's JSON as it
//! came, which `--output json` prints unchanged. Every failure becomes an
//! [`Error`] that names the request (`POST http://…/api/v1/templates`), the
//! status, and what the server said in its `{"error": {code, message, details}}`.
//!
//! The bodies are the wire types of `souk_schema::wire`, the same definitions
//! the registry serialises: they ignore fields they do not know (the API may
//! add fields; it never renames one).

use crate::error::{root_cause, Error};
use bytes::Bytes;
use futures_util::StreamExt;
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::{Method, RequestBuilder, Response, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use semver::{Version, VersionReq};
use serde::de::DeserializeOwned;
use serde_json::Value;
pub use souk_schema::wire::ApiError;
use souk_schema::wire::{
    AgentReport, Category, ErrorBody, EventsPage, Health, Resolution, SearchResults, TemplateView,
    VersionDetail, VersionView, YankRequest,
};
use souk_schema::TemplateName;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The registry `souk` talks to when neither `--registry` nor `SOUK_REGISTRY` says.
pub const DEFAULT_REGISTRY: &str = "http://127.0.0.1:8080";

/// How long to wait for a connection: a registry that is down answers at once,
/// one behind a black-holing firewall never does.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a whole request may take; a 20 MiB upload on a slow link fits.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);
/// Upload chunk size: small enough for a smooth progress bar.
const UPLOAD_CHUNK: usize = 64 * 1024;

/// A typed answer and the JSON it was read from.
#[derive(Debug, Clone)]
pub struct Reply<T> {
    pub data: T,
    pub json: Value,
}

/// `GET /templates?q=&category=&tag=&page=&per_page=`.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery<'a> {
    pub q: Option<&'a str>,
    pub category: Option<&'a str>,
    pub tag: Option<&'a str>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// A client of one registry, with or without a token.
#[derive(Debug, Clone)]
pub struct RegistryClient {
    base: Url,
    token: Option<SecretString>,
    http: reqwest::Client,
    /// The highest event id this client has read from the feed, sent with
    /// every request as `Souk-Seen-Event`: a registry replica that has not
    /// applied that event yet waits until it has, so what one replica showed
    /// is never missing on the next one asked. Shared by clones.
    seen_event: Arc<AtomicI64>,
}

impl RegistryClient {
    /// A client of the registry at `base` (`http://host:port`, or with a path
    /// prefix when the registry sits behind one).
    pub fn new(base: Url, token: Option<SecretString>) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("souk/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| Error::Client(root_cause(&e)))?;
        Ok(RegistryClient {
            base,
            token,
            http,
            seen_event: Arc::default(),
        })
    }

    /// The `--registry` URL.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// `{base}/api/v1/{segments…}`, each segment escaped.
    pub fn endpoint(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        url.set_query(None);
        url.set_fragment(None);
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(["api", "v1"]).extend(segments);
        }
        url
    }

    fn template_endpoint(&self, name: &TemplateName, rest: &[&str]) -> Url {
        let mut segments = vec!["templates", name.namespace().as_str(), name.name()];
        segments.extend_from_slice(rest);
        self.endpoint(&segments)
    }

    /// `GET /health`.
    pub async fn health(&self) -> Result<Reply<Health>, Error> {
        self.get(self.endpoint(&["health"])).await
    }

    /// `GET /categories`.
    pub async fn categories(&self) -> Result<Reply<Vec<Category>>, Error> {
        self.get(self.endpoint(&["categories"])).await
    }

    /// `POST /templates`: upload a package. The body is streamed in chunks;
    /// `on_progress` is told each chunk's size as it goes out.
    pub async fn publish(
        &self,
        package: Bytes,
        mut on_progress: impl FnMut(u64) + Send + 'static,
    ) -> Result<Reply<VersionView>, Error> {
        let url = self.endpoint(&["templates"]);
        let len = package.len();
        let chunks: Vec<Bytes> = (0..len)
            .step_by(UPLOAD_CHUNK)
            .map(|start| package.slice(start..len.min(start + UPLOAD_CHUNK)))
            .collect();
        let stream = futures_util::stream::iter(chunks).map(move |chunk| {
            on_progress(chunk.len() as u64);
            Ok::<_, std::io::Error>(chunk)
        });
        let request = self
            .request(Method::POST, url.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/gzip"))
            // A known length lets the server refuse an oversized package (413)
            // before reading it, and avoids chunked encoding.
            .header(CONTENT_LENGTH, len)
            .body(reqwest::Body::wrap_stream(stream));
        self.json(Method::POST, url, request).await
    }

    /// `GET /templates?…`.
    pub async fn search(&self, query: &SearchQuery<'_>) -> Result<Reply<SearchResults>, Error> {
        let mut url = self.endpoint(&["templates"]);
        {
            let mut pairs = url.query_pairs_mut();
            if let Some(q) = query.q {
                pairs.append_pair("q", q);
            }
            if let Some(c) = query.category {
                pairs.append_pair("category", c);
            }
            if let Some(t) = query.tag {
                pairs.append_pair("tag", t);
            }
            if let Some(p) = query.page {
                pairs.append_pair("page", &p.to_string());
            }
            if let Some(p) = query.per_page {
                pairs.append_pair("per_page", &p.to_string());
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        self.get(url).await
    }

    /// `GET /templates/{ns}/{name}`.
    pub async fn template(&self, name: &TemplateName) -> Result<Reply<TemplateView>, Error> {
        self.get(self.template_endpoint(name, &[])).await
    }

    /// `GET /templates/{ns}/{name}/versions/{version}`.
    pub async fn version(
        &self,
        name: &TemplateName,
        version: &Version,
    ) -> Result<Reply<VersionDetail>, Error> {
        let v = version.to_string();
        self.get(self.template_endpoint(name, &["versions", &v]))
            .await
    }

    /// `GET /templates/{ns}/{name}/versions/{version}/package`: the `.tgz` bytes.
    pub async fn package(&self, name: &TemplateName, version: &Version) -> Result<Bytes, Error> {
        let v = version.to_string();
        let url = self.template_endpoint(name, &["versions", &v, "package"]);
        let response = self
            .send(
                Method::GET,
                url.clone(),
                self.request(Method::GET, url.clone()),
            )
            .await?;
        response
            .bytes()
            .await
            .map_err(|e| transport(Method::GET, url, e, &self.base))
    }

    /// `GET /templates/{ns}/{name}/resolve?req=&from=&pre=`.
    pub async fn resolve(
        &self,
        name: &TemplateName,
        req: &VersionReq,
        from: Option<&Version>,
        pre: bool,
    ) -> Result<Reply<Resolution>, Error> {
        let mut url = self.template_endpoint(name, &["resolve"]);
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("req", &req.to_string());
            if let Some(from) = from {
                pairs.append_pair("from", &from.to_string());
            }
            if pre {
                pairs.append_pair("pre", "true");
            }
        }
        self.get(url).await
    }

    /// `PUT /templates/{ns}/{name}/versions/{version}/yank` with `{"yanked": …}`.
    /// The answer's JSON is returned as it came (`null` when the body is empty).
    pub async fn yank(
        &self,
        name: &TemplateName,
        version: &Version,
        yanked: bool,
    ) -> Result<Reply<Value>, Error> {
        let v = version.to_string();
        let url = self.template_endpoint(name, &["versions", &v, "yank"]);
        let request = self
            .request(Method::PUT, url.clone())
            .json(&YankRequest { yanked });
        self.json(Method::PUT, url, request).await
    }

    /// `GET /schema/template-v1.json`.
    pub async fn schema(&self) -> Result<Reply<Value>, Error> {
        self.get(self.endpoint(&["schema", "template-v1.json"]))
            .await
    }

    /// `GET /events?since=&wait=&templates=`: the feed, held up to `wait` seconds.
    pub async fn events(
        &self,
        since: i64,
        wait: u64,
        templates: &[String],
    ) -> Result<Reply<EventsPage>, Error> {
        let mut url = self.endpoint(&["events"]);
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("since", &since.to_string());
            pairs.append_pair("wait", &wait.to_string());
            if !templates.is_empty() {
                pairs.append_pair("templates", &templates.join(","));
            }
        }
        // A long poll outlasts the usual request timeout's purpose, not its value.
        let request = self
            .request(Method::GET, url.clone())
            .timeout(Duration::from_secs(wait + 30));
        let reply: Reply<EventsPage> = self.json(Method::GET, url, request).await?;
        self.seen_event
            .fetch_max(reply.data.cursor, Ordering::Relaxed);
        Ok(reply)
    }

    /// `POST /agents/{agent_id}/report`: an agent's releases and their state.
    pub async fn report(&self, agent_id: &str, report: &AgentReport) -> Result<(), Error> {
        let url = self.endpoint(&["agents", agent_id, "report"]);
        let request = self.request(Method::POST, url.clone()).json(report);
        self.send(Method::POST, url, request).await.map(drop)
    }

    fn request(&self, method: Method, url: Url) -> RequestBuilder {
        let mut request = self
            .http
            .request(method, url)
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        let seen = self.seen_event.load(Ordering::Relaxed);
        if seen > 0 {
            request = request.header("Souk-Seen-Event", seen);
        }
        match &self.token {
            Some(token) => request.bearer_auth(token.expose_secret()),
            None => request,
        }
    }

    async fn get<T: DeserializeOwned>(&self, url: Url) -> Result<Reply<T>, Error> {
        let request = self.request(Method::GET, url.clone());
        self.json(Method::GET, url, request).await
    }

    /// Send, check the status, read the JSON body into `T`.
    async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        request: RequestBuilder,
    ) -> Result<Reply<T>, Error> {
        let response = self.send(method.clone(), url.clone(), request).await?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| transport(method.clone(), url.clone(), e, &self.base))?;
        let unexpected = |reason: String| Error::UnexpectedResponse {
            method: method.clone(),
            url: url.to_string(),
            status,
            reason,
        };
        let json: Value = if body.iter().all(u8::is_ascii_whitespace) {
            Value::Null
        } else {
            serde_json::from_slice(&body).map_err(|e| {
                unexpected(format!("the body is not JSON ({e}): {}", snippet(&body)))
            })?
        };
        let data = T::deserialize(&json)
            .map_err(|e| unexpected(format!("the JSON is not what the API promises: {e}")))?;
        Ok(Reply { data, json })
    }

    /// Send a request; a status other than 2xx becomes [`Error::Api`] (or
    /// [`Error::UnexpectedResponse`] when the body is not the API's error shape).
    async fn send(
        &self,
        method: Method,
        url: Url,
        request: RequestBuilder,
    ) -> Result<Response, Error> {
        let response = request
            .send()
            .await
            .map_err(|e| transport(method.clone(), url.clone(), e, &self.base))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.bytes().await.unwrap_or_default();
        Err(status_error(
            method,
            url,
            status,
            &body,
            self.token.is_some(),
        ))
    }
}

/// A non-2xx answer as an error: the API's error body when it is one.
pub fn status_error(
    method: Method,
    url: Url,
    status: StatusCode,
    body: &[u8],
    authenticated: bool,
) -> Error {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(ErrorBody { error }) => Error::Api {
            method,
            url: url.to_string(),
            status,
            error: Box::new(error),
            authenticated,
        },
        Err(_) => Error::UnexpectedResponse {
            method,
            url: url.to_string(),
            status,
            reason: if body.is_empty() {
                "no error body".into()
            } else {
                format!("the error body is not the API's: {}", snippet(body))
            },
        },
    }
}

fn transport(method: Method, url: Url, e: reqwest::Error, registry: &Url) -> Error {
    if e.is_connect() {
        Error::Connect {
            registry: registry.to_string(),
            url: url.to_string(),
            cause: root_cause(&e),
        }
    } else if e.is_timeout() {
        Error::Timeout {
            method,
            url: url.to_string(),
        }
    } else {
        Error::Request {
            method,
            url: url.to_string(),
            cause: root_cause(&e),
        }
    }
}

/// The start of a body, for an error message.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use souk_schema::Problem;

    fn client(base: &str) -> RegistryClient {
        RegistryClient::new(base.parse().unwrap(), None).unwrap()
    }

    #[test]
    fn endpoints_join_the_api_prefix_to_the_registry_url() {
        let name = TemplateName::parse("acme/smart-warehouse").unwrap();
        let v = Version::parse("1.2.0-beta.1").unwrap();
        for (base, expected) in [
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080/api/v1/templates/acme/smart-warehouse/versions/1.2.0-beta.1"),
            ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/api/v1/templates/acme/smart-warehouse/versions/1.2.0-beta.1"),
            ("https://example.com/souk/", "https://example.com/souk/api/v1/templates/acme/smart-warehouse/versions/1.2.0-beta.1"),
        ] {
            let url = client(base).template_endpoint(&name, &["versions", &v.to_string()]);
            assert_eq!(url.as_str(), expected, "base {base}");
        }
    }

    #[test]
    fn requests_carry_the_highest_event_seen_once_there_is_one() {
        let c = client("http://127.0.0.1:8080");
        let seen = |c: &RegistryClient| {
            let url = c.endpoint(&["health"]);
            let req = c.request(Method::GET, url).build().unwrap();
            req.headers()
                .get("souk-seen-event")
                .map(|v| v.to_str().unwrap().to_string())
        };
        assert_eq!(seen(&c), None);
        c.seen_event.fetch_max(42, Ordering::Relaxed);
        let clone = c.clone();
        clone.seen_event.fetch_max(7, Ordering::Relaxed);
        assert_eq!(seen(&c).as_deref(), Some("42"));
        assert_eq!(seen(&clone).as_deref(), Some("42"));
    }

    #[test]
    fn an_api_error_body_is_parsed_with_its_details() {
        let body = br#"{"error":{"code":"invalid_template","message":"the template is invalid","details":[{"path":"components[0].image","message":"not an image reference"},{"path":"","message":"top"}]}}"#;
        let err = status_error(
            Method::POST,
            "http://r/api/v1/templates".parse().unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            body,
            true,
        );
        assert_eq!(err.code(), "invalid_template");
        assert_eq!(
            err.problems(),
            vec![
                Problem::new("components[0].image", "not an image reference"),
                Problem::new("", "top")
            ]
        );
        assert_eq!(
            err.to_string(),
            "the template is invalid (`POST http://r/api/v1/templates` answered 422 Unprocessable Entity)"
        );
    }

    #[test]
    fn a_body_that_is_not_an_api_error_is_reported_as_unexpected() {
        let err = status_error(
            Method::GET,
            "http://r/api/v1/health".parse().unwrap(),
            StatusCode::NOT_FOUND,
            b"<html>nginx</html>",
            false,
        );
        assert_eq!(err.code(), "unexpected_response");
        assert!(err.to_string().contains("<html>nginx</html>"), "{err}");
        assert!(!err.hints().is_empty());
    }

    #[test]
    fn the_401_hint_depends_on_whether_a_token_was_sent() {
        let hint = |authenticated| {
            status_error(
                Method::POST,
                "http://r/api/v1/templates".parse().unwrap(),
                StatusCode::UNAUTHORIZED,
                br#"{"error":{"code":"unauthorized","message":"a token is needed"}}"#,
                authenticated,
            )
            .hints()
            .join("\n")
        };
        assert!(hint(false).contains("--token TOKEN"));
        assert!(hint(true).contains("refused the token"));
    }
}
