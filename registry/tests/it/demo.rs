//! `--demo`: the example catalog is published on first start, through the same
//! publish as the HTTP API, and only once.

use crate::helpers::{assert_error, ADMIN};
use reqwest::StatusCode;
use secrecy::SecretString;
use souk_registry::Application;
use std::path::Path;

/// How many version folders (`<ns>/<name>/<version>/souk.yaml`) `examples/` has.
fn example_versions() -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let dirs = |p: &Path| -> Vec<std::path::PathBuf> {
        std::fs::read_dir(p)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut n = 0;
    for ns in dirs(&root) {
        for name in dirs(&ns) {
            n += dirs(&name)
                .iter()
                .filter(|v| v.join("souk.yaml").is_file())
                .count();
        }
    }
    n
}

async fn start(dir: &Path) -> (u16, tokio::sync::oneshot::Sender<()>) {
    let mut config = crate::helpers::config_for(dir);
    config.admin_token = Some(SecretString::from(ADMIN));
    config.demo = true;
    let app = Application::build(config)
        .await
        .expect("the registry starts");
    let port = app.port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    (port, stop)
}

async fn get(port: u16, path: &str) -> (StatusCode, serde_json::Value) {
    let res = reqwest::get(format!("http://127.0.0.1:{port}{path}"))
        .await
        .unwrap();
    crate::helpers::json(res).await
}

async fn the_demo_catalog_is_published_on_first_start_only() {
    let expected = example_versions();
    let dir = tempfile::tempdir().unwrap();
    let (port, stop) = start(dir.path()).await;
    let (_, feed) = get(port, "/api/v1/events?since=0").await;
    let events = feed["events"].as_array().unwrap();
    // Every example version packs, validates and is published.
    assert_eq!(events.len(), expected.min(100), "{feed}");
    assert_eq!(feed["cursor"].as_u64().unwrap() as usize, expected.min(100));
    if expected > 0 {
        let (status, found) = get(port, "/api/v1/templates").await;
        assert_eq!(status, StatusCode::OK);
        assert!(found["total"].as_u64().unwrap() > 0);
        // Versions of one template come in semver order.
        let first = &events[0]["template"];
        let versions: Vec<semver::Version> = events
            .iter()
            .filter(|e| e["template"] == *first)
            .map(|e| e["version"].as_str().unwrap().parse().unwrap())
            .collect();
        assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    }
    stop.send(()).unwrap();

    // A second start publishes nothing more.
    let (port, _stop) = start(dir.path()).await;
    let (_, feed) = get(port, &format!("/api/v1/events?since={expected}")).await;
    assert_eq!(feed["events"], serde_json::json!([]));
    assert_error(
        &get(port, "/api/v1/templates/acme/not-a-demo").await,
        StatusCode::NOT_FOUND,
        "template_not_found",
    );
}

crate::databases::on_both_databases!(the_demo_catalog_is_published_on_first_start_only,);
