//! `TestApp`: the real registry on a free port with a fresh data folder and a
//! known admin token, and typed helpers to talk to it over HTTP.

use flate2::write::GzEncoder;
use flate2::Compression;
use reqwest::{Client, Response, StatusCode};
use secrecy::SecretString;
use serde_json::Value;
use souk_registry::{Application, Config};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The admin token every `TestApp` is configured with.
pub const ADMIN: &str = "souk_TestAdminToken0000000000000000000000";

pub struct TestApp {
    pub base: String,
    pub client: Client,
    /// Kept alive for as long as the app; removed afterwards.
    pub data_dir: TempDir,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

/// The configuration of a registry on `data_dir`, on the running test's
/// database (see [`crate::databases`]).
pub fn config_for(data_dir: &Path) -> Config {
    let mut config = Config::for_data_dir(data_dir);
    crate::databases::use_database(&mut config, data_dir);
    config
}

impl TestApp {
    /// A registry with a fresh data folder and the admin token [`ADMIN`].
    pub async fn spawn() -> TestApp {
        Self::spawn_in(tempfile::tempdir().expect("a temporary folder")).await
    }

    async fn spawn_in(data_dir: TempDir) -> TestApp {
        Self::spawn_with(data_dir, |_| {}).await
    }

    /// A registry on `data_dir` (kept from an earlier one, say) with the admin
    /// token [`ADMIN`], its configuration changed by `configure`.
    pub async fn spawn_with(data_dir: TempDir, configure: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = config_for(data_dir.path());
        config.admin_token = Some(SecretString::from(ADMIN));
        configure(&mut config);
        Self::start(config, data_dir).await
    }

    async fn start(config: Config, data_dir: TempDir) -> TestApp {
        let app = Application::build(config)
            .await
            .expect("the registry starts");
        let base = format!("http://127.0.0.1:{}", app.port());
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        TestApp {
            base,
            client: Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("an HTTP client"),
            data_dir,
            stop: Some(stop),
            server: Some(server),
        }
    }

    /// A second registry process on the same database and package store: a
    /// replica (PostgreSQL only; its own `data_dir` stays empty).
    pub async fn replica(&self) -> TestApp {
        let mut config = config_for(self.data_dir.path());
        config.admin_token = Some(SecretString::from(ADMIN));
        Self::start(config, tempfile::tempdir().expect("a temporary folder")).await
    }

    /// Stop this registry gracefully and start a new one on the same data folder.
    pub async fn restart(mut self) -> TestApp {
        self.stop().await;
        let dir = std::mem::replace(&mut self.data_dir, tempfile::tempdir().unwrap());
        Self::spawn_in(dir).await
    }

    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("the server task")
                .expect("the server stops cleanly");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// GET and parse the JSON body, whatever the status.
    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        json(self.get(path).await).await
    }

    /// Publish `tgz` with `token` (none: no `Authorization`) and a content type.
    pub async fn publish_raw(
        &self,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.post(self.url("/api/v1/templates")).body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(ct) = content_type {
            req = req.header("Content-Type", ct);
        }
        json(req.send().await.expect("POST")).await
    }

    /// Publish `tgz` as the admin.
    pub async fn publish(&self, tgz: Vec<u8>) -> (StatusCode, Value) {
        self.publish_raw(Some(ADMIN), Some("application/gzip"), tgz)
            .await
    }

    /// Publish a fixture as the admin and insist that it works.
    pub async fn published(&self, f: &Fixture) -> Value {
        let (status, body) = self.publish(f.tgz()).await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "publishing {}@{}: {body}",
            f.name,
            f.version
        );
        body
    }

    /// `PUT …/yank` with `body` (none: empty) as `token`.
    pub async fn yank_as(
        &self,
        token: Option<&str>,
        template: &str,
        version: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.put(self.url(&format!(
            "/api/v1/templates/{template}/versions/{version}/yank"
        )));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        json(req.send().await.expect("PUT")).await
    }

    pub async fn yank(&self, template: &str, version: &str, yanked: bool) -> Value {
        let (status, body) = self
            .yank_as(
                Some(ADMIN),
                template,
                version,
                Some(serde_json::json!({ "yanked": yanked })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// `POST /tokens` as `token`.
    pub async fn mint_as(&self, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        let mut req = self.client.post(self.url("/api/v1/tokens")).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        json(req.send().await.expect("POST")).await
    }

    /// A new token with `scopes`, minted by the admin.
    pub async fn token(&self, scopes: &[&str]) -> String {
        let (status, body) = self
            .mint_as(Some(ADMIN), serde_json::json!({ "scopes": scopes }))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["token"].as_str().unwrap().to_string()
    }

    /// `GET …/resolve?QUERY`.
    pub async fn resolve(&self, template: &str, query: &str) -> (StatusCode, Value) {
        self.get_json(&format!("/api/v1/templates/{template}/resolve?{query}"))
            .await
    }

    /// The feed from `since`, not waiting.
    pub async fn events(&self, since: i64) -> Value {
        let (status, body) = self
            .get_json(&format!("/api/v1/events?since={since}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// Every file under the package store, temporary files included.
    pub fn stored_files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else {
                    out.push(p);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.data_dir.path().join("packages"), &mut out);
        out
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The status and JSON body of a response.
pub async fn json(res: Response) -> (StatusCode, Value) {
    let status = res.status();
    let text = res.text().await.expect("a body");
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("a JSON body for {status}, got {text:?}"));
    (status, body)
}

/// Assert an error answer: status, `error.code`, and the body's shape.
#[track_caller]
pub fn assert_error(got: &(StatusCode, Value), status: StatusCode, code: &str) {
    let (s, body) = got;
    assert_eq!(*s, status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    assert!(body["error"]["details"].is_array(), "{body}");
}

/// A template version to publish, built as a reproducible `.tgz` with
/// `souk_schema::package::write_tgz`.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub name: String,
    pub version: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub tags: Vec<String>,
    pub upgrade_from: Option<String>,
    pub readme: Option<String>,
    pub icon: bool,
}

impl Fixture {
    /// `name@version` with a minimal valid manifest (category `iot`).
    pub fn new(name: &str, version: &str) -> Fixture {
        Fixture {
            name: name.into(),
            version: version.into(),
            title: name.split('/').nth(1).unwrap_or(name).into(),
            summary: "A template for tests.".into(),
            category: "iot".into(),
            tags: Vec::new(),
            upgrade_from: None,
            readme: None,
            icon: false,
        }
    }

    pub fn title(mut self, t: &str) -> Self {
        self.title = t.into();
        self
    }
    pub fn summary(mut self, s: &str) -> Self {
        self.summary = s.into();
        self
    }
    pub fn category(mut self, c: &str) -> Self {
        self.category = c.into();
        self
    }
    pub fn tags(mut self, tags: &[&str]) -> Self {
        self.tags = tags.iter().map(|t| t.to_string()).collect();
        self
    }
    pub fn upgrade_from(mut self, req: &str) -> Self {
        self.upgrade_from = Some(req.into());
        self
    }
    pub fn readme(mut self, text: &str) -> Self {
        self.readme = Some(text.into());
        self
    }
    pub fn icon(mut self) -> Self {
        self.icon = true;
        self
    }

    /// The manifest. Strings are written as JSON strings, which YAML reads as is.
    pub fn yaml(&self) -> String {
        let q = |s: &str| serde_json::to_string(s).unwrap();
        let mut y = format!(
            "apiVersion: souk/v1\nkind: Template\nname: {}\nversion: {}\ntitle: {}\nsummary: {}\ncategory: {}\n",
            q(&self.name),
            q(&self.version),
            q(&self.title),
            q(&self.summary),
            q(&self.category)
        );
        if !self.tags.is_empty() {
            y += &format!("tags: {}\n", serde_json::to_string(&self.tags).unwrap());
        }
        if let Some(r) = &self.upgrade_from {
            y += &format!("upgrade:\n  from: {}\n", q(r));
        }
        if self.readme.is_some() {
            y += "readme: README.md\nchangelog: CHANGELOG.md\n";
        }
        if self.icon {
            y += "icon: icon.svg\n";
        }
        y += "components:\n  - name: web\n    image: nginx:1.25\n    ports:\n      - {name: http, port: 80, protocol: http}\n";
        y
    }

    /// The package's files.
    pub fn files(&self) -> BTreeMap<String, Vec<u8>> {
        let mut files = BTreeMap::new();
        files.insert("souk.yaml".to_string(), self.yaml().into_bytes());
        if let Some(r) = &self.readme {
            files.insert("README.md".to_string(), r.clone().into_bytes());
            files.insert(
                "CHANGELOG.md".to_string(),
                format!("## {}\n- first\n", self.version).into_bytes(),
            );
        }
        if self.icon {
            files.insert("icon.svg".to_string(), ICON_SVG.as_bytes().to_vec());
        }
        files
    }

    /// The `.tgz`.
    pub fn tgz(&self) -> Vec<u8> {
        souk_schema::package::write_tgz(&self.files()).expect("a package")
    }
}

pub const ICON_SVG: &str =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 8 8\"><rect width=\"8\" height=\"8\"/></svg>";

/// A `.tgz` written with raw tar headers, so that it can hold what a well-behaved
/// writer refuses to: `..` and absolute paths, links.
pub fn raw_tgz(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (path, kind, data) in entries {
        let mut h = tar::Header::new_gnu();
        let name = &mut h.as_old_mut().name;
        name[..path.len()].copy_from_slice(path.as_bytes());
        h.set_entry_type(*kind);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        if kind.is_symlink() {
            h.set_link_name("/etc/passwd").unwrap();
        }
        h.set_cksum();
        tar.append(&h, *data).unwrap();
    }
    gzip(&tar.into_inner().unwrap())
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}
