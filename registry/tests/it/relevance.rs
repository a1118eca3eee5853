//! The relevance table: query → expected top result, in English and Chinese,
//! with misspellings and prefixes, over the demo catalog plus fixtures of our
//! own. It runs against the embedded index, and against Meilisearch too when
//! `SOUK_TEST_MEILI_URL` (and `SOUK_TEST_MEILI_KEY`, if it needs one) is set.
//! The embedded index runs it twice: with its default CJK bigrams, which must
//! pass every row, and with jieba's words (`CjkMode::Jieba`), whose pass rate
//! is printed for comparison.

use crate::helpers::{Fixture, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use souk_registry::config::SearchConfig;
use souk_registry::search::tokenize::CjkMode;
use std::time::{Duration, Instant};

#[path = "relevance_table.rs"]
mod relevance_table;
use relevance_table::TABLE;

/// The Meilisearch backend to test too, when the environment names one.
fn meilisearch() -> Option<SearchConfig> {
    let url = std::env::var("SOUK_TEST_MEILI_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    Some(SearchConfig::Meilisearch {
        url,
        key: std::env::var("SOUK_TEST_MEILI_KEY")
            .ok()
            .filter(|k| !k.is_empty())
            .map(Into::into),
        index: format!("souk-test-{}-{}", std::process::id(), rand_suffix()),
    })
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// Percent-encode every byte that is not unreserved.
fn esc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn names(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

async fn search(app: &TestApp, query: &str) -> Value {
    let (status, body) = app.get_json(&format!("/api/v1/templates?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body
}

/// Wait until the index holds every committed event (at once when embedded).
async fn indexed(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, s) = app.get_json("/api/v1/search/status").await;
        if s["state"] == "ready" {
            return;
        }
        assert!(Instant::now() < deadline, "the index is not ready: {s}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The demo catalog and our fixtures.
async fn market(search: SearchConfig) -> TestApp {
    let app = TestApp::spawn_with(tempfile::tempdir().unwrap(), |c| {
        c.demo = true;
        c.search = search;
    })
    .await;
    for f in [
        Fixture::new("acme/wms-lite", "1.0.0")
            .title("WMS")
            .summary("A small warehouse management system for one site.")
            .category("logistics")
            .tags(&["wms", "inventory"]),
        Fixture::new("oldco/warehouse-classic", "1.0.0")
            .title("Warehouse Classic 经典仓库")
            .summary("The warehouse system of old.")
            .category("logistics")
            .tags(&["warehouse"]),
        Fixture::new("acme/opc-ua-bridge", "1.0.0")
            .title("OPC UA Bridge 协议转换")
            .summary("Bridges OPC UA servers to MQTT topics.")
            .category("industrial-iot")
            .tags(&["opc-ua", "protocol"]),
        Fixture::new("acme/rfid-tracker", "1.0.0")
            .title("RFID Asset Tracker 资产追踪")
            .summary("Finds tagged assets across the plant.")
            .category("logistics")
            .tags(&["rfid", "assets"]),
    ] {
        app.published(&f).await;
    }
    // Yanked-only: still found, after every live template.
    app.yank("oldco/warehouse-classic", "1.0.0", true).await;
    indexed(&app).await;
    app
}

/// Run the table, print the pass rate and the rows that fail; the failures.
async fn table(app: &TestApp, backend: &str) -> Vec<String> {
    let mut failures = Vec::new();
    for (query, expected) in TABLE {
        let found = names(&search(app, &format!("q={}", esc(query))).await);
        if found.first().map(String::as_str) != Some(*expected) {
            failures.push(format!("  {query:?}: expected {expected}, got {found:?}"));
        }
    }
    let passed = TABLE.len() - failures.len();
    eprintln!(
        "relevance ({backend}): {passed}/{} queries rank the expected template first",
        TABLE.len()
    );
    if !failures.is_empty() {
        eprintln!("{}", failures.join("\n"));
    }
    failures
}

async fn run_table(app: &TestApp, backend: &str) {
    let failures = table(app, backend).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Yanked-only templates are found, but last.
    let all = names(&search(app, "q=warehouse").await);
    assert_eq!(
        all.last().map(String::as_str),
        Some("oldco/warehouse-classic")
    );
    let browse = search(app, "per_page=100").await;
    assert_eq!(
        names(&browse).last().map(String::as_str),
        Some("oldco/warehouse-classic")
    );
    assert_eq!(
        browse["items"].as_array().unwrap().last().unwrap()["yanked"],
        true
    );
    assert_eq!(
        names(&search(app, &format!("q={}", esc("经典仓库"))).await),
        ["oldco/warehouse-classic"]
    );
}

async fn relevance_table_embedded() {
    let app = market(SearchConfig::default()).await;
    run_table(&app, "embedded").await;
}

/// Jieba's words instead of bigrams: measured, not required (see `tokenize`).
async fn relevance_table_embedded_jieba() {
    let app = market(SearchConfig::Embedded {
        cjk: CjkMode::Jieba,
    })
    .await;
    table(&app, "embedded, jieba").await;
}

async fn relevance_table_meilisearch() {
    let Some(config) = meilisearch() else {
        eprintln!(
            "skipped: the Meilisearch relevance table needs SOUK_TEST_MEILI_URL \
             (Meilisearch cannot be installed on these machines)"
        );
        return;
    };
    let app = market(config).await;
    run_table(&app, "meilisearch").await;
    let (_, status) = app.get_json("/api/v1/search/status").await;
    assert_eq!(status["backend"], "meilisearch");
}

async fn sort_facets_and_suggest_answer_alike_on_both_backends() {
    let mut backends = vec![("embedded", SearchConfig::default())];
    backends.extend(meilisearch().map(|c| ("meilisearch", c)));
    let mut answers = Vec::new();
    for (backend, config) in backends {
        let app = market(config).await;
        let by_name = search(&app, "sort=name&per_page=100").await;
        let titles: Vec<String> = by_name["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["yanked"] == false)
            .map(|i| i["title"].as_str().unwrap().to_lowercase())
            .collect();
        let mut sorted = titles.clone();
        sorted.sort();
        assert_eq!(titles, sorted, "{backend}");
        let recent = names(&search(&app, "q=warehouse&sort=recent").await);
        assert_eq!(recent[0], "acme/wms-lite", "{backend}");
        let facets = search(&app, "q=rfid").await["facets"].clone();
        assert_eq!(facets["category"]["logistics"], 2, "{backend}: {facets}");
        assert_eq!(facets["tags"]["rfid"], 2, "{backend}: {facets}");
        let filtered = search(&app, "q=rfid&category=logistics&tag=assets").await;
        assert_eq!(names(&filtered), ["acme/rfid-tracker"], "{backend}");

        let (status, sug) = app
            .get_json(&format!("/api/v1/templates/suggest?q={}", esc("wareh")))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(sug["items"][0]["name"], "acme/smart-warehouse", "{sug}");
        assert!(sug["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["name"] != "oldco/warehouse-classic"));
        let (_, zh) = app
            .get_json(&format!("/api/v1/templates/suggest?q={}", esc("仓储")))
            .await;
        assert_eq!(
            zh["items"][0],
            json!({"name": "acme/smart-warehouse", "title": "智慧物流与仓储解决方案"})
        );
        let (_, empty) = app.get_json("/api/v1/templates/suggest?q=").await;
        assert_eq!(empty, json!({"items": []}));
        answers.push(names(&search(&app, &format!("q={}", esc("网关"))).await));
    }
    answers.dedup();
    assert_eq!(answers.len(), 1, "the backends disagree: {answers:?}");
}

async fn installs_break_ties_and_bad_sorts_are_refused() {
    let app = TestApp::spawn().await;
    for name in ["twin/alpha-metrics", "twin/beta-metrics"] {
        app.published(
            &Fixture::new(name, "1.0.0")
                .title("Metrics Stack")
                .summary("Same words, same fields.")
                .category("data-analytics"),
        )
        .await;
    }
    // Equal relevance: the most recently updated first, until installs differ.
    assert_eq!(
        names(&search(&app, "q=metrics+stack").await),
        ["twin/beta-metrics", "twin/alpha-metrics"]
    );
    let agent = app.token(&["agent"]).await;
    let releases: Vec<Value> = (0..3)
        .map(|i| json!({"release": format!("m{i}"), "template": "twin/alpha-metrics", "version": "1.0.0", "revision": 1, "state": "healthy", "message": ""}))
        .collect();
    let res = app
        .client
        .post(app.url("/api/v1/agents/site-1/report"))
        .bearer_auth(&agent)
        .json(&json!({"agent_version": "0.1.0", "runtime": "docker 28", "releases": releases}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    // A report refreshes the installs of the templates it names at once…
    let found = search(&app, "q=metrics+stack").await;
    assert_eq!(names(&found), ["twin/alpha-metrics", "twin/beta-metrics"]);
    assert_eq!(found["items"][0]["installs"], 3);
    let popular = search(&app, "sort=popular&per_page=1").await;
    assert_eq!(names(&popular), ["twin/alpha-metrics"]);
    // …and they survive a restart (the index is rebuilt from the database).
    let app = app.restart().await;
    let found = search(&app, "q=metrics+stack").await;
    assert_eq!(found["items"][0]["installs"], 3);

    let (status, body) = app.get_json("/api/v1/templates?sort=random").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = app.get_json("/api/v1/search/status").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["backend"], "embedded");
    assert_eq!(body["state"], "ready");
    assert_eq!(body["pending_events"], 0);
}

crate::databases::on_both_databases!(
    relevance_table_embedded,
    relevance_table_embedded_jieba,
    relevance_table_meilisearch,
    sort_facets_and_suggest_answer_alike_on_both_backends,
    installs_break_ties_and_bad_sorts_are_refused,
);
