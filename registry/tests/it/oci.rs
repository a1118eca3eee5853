//! The OCI package store against a real OCI registry: Debian's `docker-registry`
//! (CNCF distribution 2.8, what Harbor is built on) on a free loopback port with
//! its storage in a temporary folder. Skipped with a message when the binary is
//! missing outside CI (`apt-get install -y docker-registry`); CI fails instead.

use crate::helpers::{assert_error, Fixture, TestApp};
use reqwest::StatusCode;
use serde_json::Value;
use souk_registry::config::StoreConfig;
use souk_schema::Digest;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

const REGISTRY_BIN: &str = "docker-registry";

/// A `docker-registry serve` process; killed on drop.
struct OciRegistry {
    child: Child,
    /// `127.0.0.1:PORT`.
    addr: String,
    storage: TempDir,
}

impl OciRegistry {
    /// A fresh registry, or `None` (with a message) when `docker-registry` is
    /// not installed and this is not CI.
    async fn start() -> Option<OciRegistry> {
        let found = std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(REGISTRY_BIN).is_file()));
        if !found {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("`{REGISTRY_BIN}` is not installed; CI must install the `docker-registry` package");
            }
            eprintln!(
                "SKIPPED: `{REGISTRY_BIN}` is not installed (apt-get install -y docker-registry)"
            );
            return None;
        }
        let storage = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let config = storage.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n",
                storage.path().join("data").display()
            ),
        )
        .unwrap();
        let child = Command::new(REGISTRY_BIN)
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry starts");
        let registry = OciRegistry {
            child,
            addr,
            storage,
        };
        let started = Instant::now();
        let client = reqwest::Client::new();
        loop {
            let up = client.get(registry.url("/v2/")).send().await;
            if up.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "docker-registry did not answer on {}",
                registry.addr
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Some(registry)
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `SOUK_STORE` for repositories under `prefix`.
    fn store(&self, prefix: &str) -> String {
        format!("oci+http://{}/{prefix}", self.addr)
    }

    /// Where distribution keeps the blob `digest`.
    fn blob_path(&self, digest: &Digest) -> PathBuf {
        let hex = digest.hex();
        self.storage
            .path()
            .join("data/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }

    /// GET `path` of the OCI API as JSON, asking for OCI manifests.
    async fn get_json(&self, path: &str) -> Value {
        let res = reqwest::Client::new()
            .get(self.url(path))
            .header("Accept", "application/vnd.oci.image.manifest.v1+json")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "GET {path}");
        res.json().await.unwrap()
    }
}

impl Drop for OciRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A registry whose packages live under `store` (a `SOUK_STORE` value).
async fn app_on(data_dir: TempDir, store: &str) -> TestApp {
    let store = StoreConfig::parse(store, |_| None).unwrap();
    TestApp::spawn_with(data_dir, |c| c.store = store).await
}

async fn download(app: &TestApp, template: &str, version: &str) -> (StatusCode, Vec<u8>) {
    let res = app
        .get(&format!(
            "/api/v1/templates/{template}/versions/{version}/package"
        ))
        .await;
    (res.status(), res.bytes().await.unwrap().to_vec())
}

async fn publish_download_and_resolve_through_an_oci_registry() {
    let Some(oci) = OciRegistry::start().await else {
        return;
    };
    let app = app_on(tempfile::tempdir().unwrap(), &oci.store("souk")).await;
    let (status, body) = app.get_json("/api/v1/health").await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let v1 = Fixture::new("acme/oci-app", "1.0.0");
    let v2 = Fixture::new("acme/oci-app", "1.1.0")
        .upgrade_from("^1")
        .icon();
    app.published(&v1).await;
    let published = app.published(&v2).await;
    let d1 = Digest::of(&v1.tgz());
    let d2 = Digest::of(&v2.tgz());
    assert_eq!(published["digest"], d2.as_str());
    // Nothing went to the folder store.
    assert!(app.stored_files().is_empty(), "{:?}", app.stored_files());

    // Downloads come from the OCI registry, byte for byte, with the digest as ETag.
    let res = app
        .get("/api/v1/templates/acme/oci-app/versions/1.0.0/package")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["etag"], format!("\"{d1}\"").as_str());
    assert_eq!(res.bytes().await.unwrap().to_vec(), v1.tgz());
    assert_eq!(
        download(&app, "acme/oci-app", "1.1.0").await,
        (StatusCode::OK, v2.tgz())
    );
    // The icon is read from the stored package too.
    let res = app
        .get("/api/v1/templates/acme/oci-app/versions/1.1.0/icon")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (status, body) = app.resolve("acme/oci-app", "req=^1&from=1.0.0").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], "1.1.0");
    assert_eq!(body["digest"], d2.as_str());

    // What the OCI registry holds, asked over its own API: one repository per
    // template, a tag per version, artifacts of souk's own types.
    let tags = oci.get_json("/v2/souk/acme/oci-app/tags/list").await;
    let mut tags: Vec<&str> = tags["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    tags.sort();
    assert_eq!(tags, ["1.0.0", "1.1.0"]);
    for (tag, version, digest, size) in [
        ("1.0.0", "1.0.0", &d1, v1.tgz().len()),
        ("1.1.0", "1.1.0", &d2, v2.tgz().len()),
    ] {
        let m = oci
            .get_json(&format!("/v2/souk/acme/oci-app/manifests/{tag}"))
            .await;
        assert_eq!(m["mediaType"], "application/vnd.oci.image.manifest.v1+json");
        assert_eq!(m["artifactType"], "application/vnd.souk.template.v1");
        assert_eq!(
            m["config"]["mediaType"],
            "application/vnd.oci.empty.v1+json"
        );
        assert_eq!(m["config"]["size"], 2);
        let layers = m["layers"].as_array().unwrap();
        assert_eq!(layers.len(), 1, "{m}");
        assert_eq!(
            layers[0]["mediaType"],
            "application/vnd.souk.template.layer.v1.tar+gzip"
        );
        assert_eq!(layers[0]["digest"], digest.as_str());
        assert_eq!(layers[0]["size"], size);
        let a = &m["annotations"];
        assert_eq!(a["dev.souk.template.name"], "acme/oci-app");
        assert_eq!(a["dev.souk.template.version"], version);
        assert_eq!(a["dev.souk.template.digest"], digest.as_str());
        assert_eq!(
            a["org.opencontainers.image.title"],
            format!("oci-app-{version}.tgz").as_str()
        );
    }

    // Publishing the same version again is still 409, and nothing is pushed.
    let (status, body) = app.publish(v1.tgz()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // A blob corrupted in the OCI registry is never served: 500, nothing else.
    std::fs::write(oci.blob_path(&d1), b"not the package").unwrap();
    let got = app
        .get_json("/api/v1/templates/acme/oci-app/versions/1.0.0/package")
        .await;
    assert_error(&got, StatusCode::INTERNAL_SERVER_ERROR, "internal_error");
    assert!(!got.1.to_string().contains("not the package"));

    // The health check reports the store once the OCI registry is gone, and
    // a publish then fails whole: no version without its package.
    drop(oci);
    let (status, body) = app.get_json("/api/v1/health").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let (status, body) = app
        .publish(Fixture::new("acme/oci-app", "1.2.0").tgz())
        .await;
    assert_error(
        &(status, body),
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
    );
    let got = app
        .get_json("/api/v1/templates/acme/oci-app/versions/1.2.0")
        .await;
    assert_error(&got, StatusCode::NOT_FOUND, "version_not_found");
    assert_eq!(app.events(0).await["events"].as_array().unwrap().len(), 2);
}

/// `souk-registry migrate-store` with the real binary.
fn migrate_store(data_dir: &Path, to: &str) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_souk-registry"));
    for var in [
        "SOUK_LISTEN",
        "SOUK_DATA_DIR",
        "SOUK_DATABASE_URL",
        "SOUK_STORE",
        "SOUK_STORE_USERNAME",
        "SOUK_STORE_PASSWORD",
        "SOUK_ADMIN_TOKEN",
        "SOUK_CONFIG",
    ] {
        cmd.env_remove(var);
    }
    if let Some(url) = crate::databases::database_url(data_dir) {
        cmd.env("SOUK_DATABASE_URL", url);
    }
    cmd.env("SOUK_LOG", "warn")
        .arg("migrate-store")
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--from")
        .arg(data_dir)
        .args(["--to", to])
        .output()
        .unwrap()
}

async fn migrate_store_moves_a_folder_store_into_the_oci_registry() {
    let Some(oci) = OciRegistry::start().await else {
        return;
    };
    let fixtures = [
        Fixture::new("acme/moved", "1.0.0"),
        Fixture::new("acme/moved", "2.0.0"),
        Fixture::new("beta/other", "0.1.0-rc.1"),
    ];
    let mut app = TestApp::spawn().await;
    for f in &fixtures {
        app.published(f).await;
    }
    app.stop().await;
    let data_dir = std::mem::replace(&mut app.data_dir, tempfile::tempdir().unwrap());
    drop(app);

    // A corrupted package is refused (its digest is checked), reported, and
    // does not stop the others.
    let rotten = fixtures[1].tgz();
    let rotten_path = {
        let d = Digest::of(&rotten);
        data_dir
            .path()
            .join("packages/sha256")
            .join(&d.hex()[..2])
            .join(format!("{}.tgz", d.hex()))
    };
    std::fs::write(&rotten_path, b"rotten").unwrap();
    let out = migrate_store(data_dir.path(), &oci.store("moved"));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("`acme/moved@2.0.0`"), "{stderr}");
    assert!(stderr.contains("corrupt"), "{stderr}");
    assert!(stderr.contains("moved 2 package(s), 1 failed"), "{stderr}");
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    let tags = oci.get_json("/v2/moved/acme/moved/tags/list").await;
    assert_eq!(tags["tags"], serde_json::json!(["1.0.0"]));

    // Repaired, a second run moves everything (what was there already too).
    std::fs::write(&rotten_path, &rotten).unwrap();
    let out = migrate_store(data_dir.path(), &oci.store("moved"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    for f in &fixtures {
        let line = format!("{}@{} {}", f.name, f.version, Digest::of(&f.tgz()));
        assert!(stdout.lines().any(|l| l == line), "{line} in {stdout}");
    }

    // The registry, switched to the OCI store and without its folder, serves
    // every package from the OCI registry.
    std::fs::remove_dir_all(data_dir.path().join("packages")).unwrap();
    let app = app_on(data_dir, &oci.store("moved")).await;
    for f in &fixtures {
        assert_eq!(
            download(&app, &f.name, &f.version).await,
            (StatusCode::OK, f.tgz()),
            "{}@{}",
            f.name,
            f.version
        );
    }
    let (status, body) = app.resolve("acme/moved", "req=*").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], "2.0.0");
    // And new publishes go there too.
    let next = Fixture::new("acme/moved", "2.1.0");
    app.published(&next).await;
    let m = oci.get_json("/v2/moved/acme/moved/manifests/2.1.0").await;
    assert_eq!(m["layers"][0]["digest"], Digest::of(&next.tgz()).as_str());
}

crate::databases::on_both_databases!(
    publish_download_and_resolve_through_an_oci_registry,
    migrate_store_moves_a_folder_store_into_the_oci_registry,
);
