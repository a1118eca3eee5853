//! Resolution semantics, yanking and the template view, over HTTP.

use crate::helpers::{assert_error, Fixture, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

const T: &str = "acme/smart-warehouse";

/// 1.0.0, 1.1.0, 1.2.0-beta.1, and 2.0.0 that only upgrades from >=1.1.0.
async fn catalog() -> (TestApp, Vec<Value>) {
    let app = TestApp::spawn().await;
    let mut published = Vec::new();
    for f in [
        Fixture::new(T, "1.0.0"),
        Fixture::new(T, "1.1.0"),
        Fixture::new(T, "1.2.0-beta.1"),
        Fixture::new(T, "2.0.0").upgrade_from(">=1.1.0"),
    ] {
        published.push(app.published(&f).await);
    }
    (app, published)
}

/// `resolve?query` answers `version` through `path`, or 404 `no_matching_version`.
async fn check(app: &TestApp, query: &str, want: Option<(&str, &[&str])>) {
    let got = app.resolve(T, query).await;
    match want {
        Some((version, path)) => {
            assert_eq!(got.0, StatusCode::OK, "{query}: {}", got.1);
            assert_eq!(got.1["version"], version, "{query}");
            assert_eq!(got.1["path"], json!(path), "{query}");
            assert_eq!(got.1["template"], T);
            assert!(got.1["digest"].as_str().unwrap().starts_with("sha256:"));
        }
        None => assert_error(&got, StatusCode::NOT_FOUND, "no_matching_version"),
    }
}

async fn resolution_follows_requirements_prereleases_upgrade_paths_and_yanks() {
    let (app, published) = catalog().await;
    check(&app, "req=^1", Some(("1.1.0", &["1.1.0"]))).await;
    check(
        &app,
        "req=%5E1.2.0-beta.1",
        Some(("1.2.0-beta.1", &["1.2.0-beta.1"])),
    )
    .await;
    check(&app, "req=*", Some(("2.0.0", &["2.0.0"]))).await;
    check(&app, "", Some(("2.0.0", &["2.0.0"]))).await;
    check(&app, "req=*&pre=true", Some(("2.0.0", &["2.0.0"]))).await;
    check(
        &app,
        "req=*&from=1.0.0",
        Some(("2.0.0", &["1.1.0", "2.0.0"])),
    )
    .await;
    check(&app, "req=*&from=2.0.0", None).await;

    // The digest answered is the published one.
    let (_, r) = app.resolve(T, "req=%3D1.1.0").await;
    assert_eq!(r["digest"], published[1]["digest"]);

    let yanked = app.yank(T, "1.1.0", true).await;
    assert_eq!(yanked["yanked"], true);
    assert_eq!(yanked["version"], "1.1.0");
    check(&app, "req=^1", Some(("1.0.0", &["1.0.0"]))).await;
    check(&app, "req=*&from=1.0.0", None).await;

    // Yanked versions still download, with the same digest.
    let res = app
        .get(&format!("/api/v1/templates/{T}/versions/1.1.0/package"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    assert_eq!(
        souk_schema::Digest::of(&bytes).to_string(),
        published[1]["digest"].as_str().unwrap()
    );

    // Un-yanking brings it back.
    assert_eq!(app.yank(T, "1.1.0", false).await["yanked"], false);
    check(&app, "req=^1", Some(("1.1.0", &["1.1.0"]))).await;
}

async fn bad_requirements_versions_and_templates_are_told_apart() {
    let (app, _) = catalog().await;
    assert_error(
        &app.resolve(T, "req=banana").await,
        StatusCode::BAD_REQUEST,
        "invalid_requirement",
    );
    assert_error(
        &app.resolve(T, "req=*&from=1.0").await,
        StatusCode::BAD_REQUEST,
        "invalid_version",
    );
    assert_error(
        &app.resolve(T, "pre=maybe").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    assert_error(
        &app.resolve("acme/nothing", "req=*").await,
        StatusCode::NOT_FOUND,
        "template_not_found",
    );
    assert_error(
        &app.resolve(T, "req=^3").await,
        StatusCode::NOT_FOUND,
        "no_matching_version",
    );
}

async fn the_template_shows_its_latest_stable_version_and_every_version_newest_first() {
    let (app, _) = catalog().await;
    let (status, t) = app.get_json(&format!("/api/v1/templates/{T}")).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["name"], T);
    assert_eq!(t["namespace"], "acme");
    assert_eq!(t["version"], "2.0.0");
    assert_eq!(t["upgrade_from"], ">=1.1.0");
    assert_eq!(t["manifest"]["version"], "2.0.0");
    let order: Vec<&str> = t["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["2.0.0", "1.2.0-beta.1", "1.1.0", "1.0.0"]);
    for v in t["versions"].as_array().unwrap() {
        assert!(v["digest"].as_str().unwrap().starts_with("sha256:"));
        assert!(v["published_at"].is_string());
        assert_eq!(v["yanked"], false);
    }

    // With 2.0.0 yanked the latest is 1.1.0, never the pre-release.
    app.yank(T, "2.0.0", true).await;
    let (_, t) = app.get_json(&format!("/api/v1/templates/{T}")).await;
    assert_eq!(t["version"], "1.1.0");
    assert_eq!(t["versions"][0]["version"], "2.0.0");
    assert_eq!(t["versions"][0]["yanked"], true);

    assert_error(
        &app.get_json("/api/v1/templates/acme/nothing").await,
        StatusCode::NOT_FOUND,
        "template_not_found",
    );
    assert_error(
        &app.get_json("/api/v1/templates/NOT_A/name").await,
        StatusCode::NOT_FOUND,
        "template_not_found",
    );
    assert_error(
        &app.get_json(&format!("/api/v1/templates/{T}/versions/9.9.9"))
            .await,
        StatusCode::NOT_FOUND,
        "version_not_found",
    );
    assert_error(
        &app.get_json(&format!("/api/v1/templates/{T}/versions/not-semver"))
            .await,
        StatusCode::NOT_FOUND,
        "version_not_found",
    );
}

async fn yanking_emits_events_only_when_the_flag_changes() {
    let (app, _) = catalog().await;
    let head = app.events(0).await["cursor"].as_i64().unwrap();
    assert_eq!(head, 4);

    // An empty body yanks.
    let (status, v) = app
        .yank_as(Some(crate::helpers::ADMIN), T, "1.0.0", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["yanked"], true);
    app.yank(T, "1.0.0", true).await; // already yanked: no event
    app.yank(T, "1.0.0", false).await;

    let feed = app.events(head).await;
    let kinds: Vec<(&str, &str)> = feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["type"].as_str().unwrap(), e["version"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("yanked", "1.0.0"), ("unyanked", "1.0.0")]);

    assert_error(
        &app.yank_as(
            Some(crate::helpers::ADMIN),
            T,
            "1.0.0",
            Some(json!({"yank": 1})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    assert_error(
        &app.yank_as(Some(crate::helpers::ADMIN), T, "7.0.0", None)
            .await,
        StatusCode::NOT_FOUND,
        "version_not_found",
    );
}

crate::databases::on_both_databases!(
    resolution_follows_requirements_prereleases_upgrade_paths_and_yanks,
    bad_requirements_versions_and_templates_are_told_apart,
    the_template_shows_its_latest_stable_version_and_every_version_newest_first,
    yanking_emits_events_only_when_the_flag_changes,
);
