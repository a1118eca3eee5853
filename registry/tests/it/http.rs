//! The HTTP surface: health (combined, live, ready), errors for what no handler serves, the JSON
//! Schema, the OpenAPI document and the metrics.

use crate::helpers::{assert_error, Fixture, TestApp};
use reqwest::StatusCode;

async fn health_says_ok() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get_json("/api/v1/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, serde_json::json!({"status": "ok"}));
}

async fn live_and_ready_say_ok_and_ready_checks_the_store() {
    let app = TestApp::spawn().await;
    for path in ["/api/v1/health/live", "/api/v1/health/ready"] {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert_eq!(body, serde_json::json!({"status": "ok"}), "{path}");
    }
    // A package folder that cannot be written to: not ready (503 with the JSON
    // error body), yet alive, so that Kubernetes stops sending traffic rather
    // than restarting the process.
    let packages = app.data_dir.path().join("packages").join("sha256");
    let mut perms = std::fs::metadata(&packages).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&packages, perms.clone()).unwrap();
    let got = app.get_json("/api/v1/health/ready").await;
    assert_error(&got, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert_eq!(
        got.1["error"]["message"], "the package store is not usable",
        "{}",
        got.1
    );
    let got = app.get_json("/api/v1/health").await;
    assert_error(&got, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    let (status, body) = app.get_json("/api/v1/health/live").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&packages, perms).unwrap();
    assert_eq!(app.get_json("/api/v1/health/ready").await.0, StatusCode::OK);
}

/// PostgreSQL only: a SQLite file inside the process cannot become unreachable.
async fn ready_answers_503_while_the_database_is_unreachable() {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, RunQueryDsl};
    if crate::databases::backend() != crate::databases::Backend::Postgres {
        return;
    }
    let app = TestApp::spawn().await;
    let url = crate::databases::database_url(app.data_dir.path()).unwrap();
    let name: String = {
        let mut conn = diesel::PgConnection::establish(&url).unwrap();
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
            "current_database()",
        ))
        .get_result(&mut conn)
        .unwrap()
    };
    // From another database: PostgreSQL refuses to lock out the current one.
    let mut admin =
        diesel::PgConnection::establish(&url.replacen(&format!("/{name}"), "/postgres", 1))
            .unwrap();
    let allow = |conn: &mut diesel::PgConnection, allow: bool| {
        conn.batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS {allow}"))
            .unwrap();
    };
    // No new connection, and the registry's are ended.
    allow(&mut admin, false);
    admin
        .batch_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .unwrap();
    let started = std::time::Instant::now();
    let got = app.get_json("/api/v1/health/ready").await;
    assert_error(&got, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert_eq!(got.1["error"]["message"], "the database is not reachable");
    // Within the readiness probe's timeout (3 s in deploy/kubernetes).
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    let (status, body) = app.get_json("/api/v1/health/live").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    allow(&mut admin, true);
    let (status, body) = app.get_json("/api/v1/health/ready").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn unknown_routes_and_methods_answer_json_errors() {
    let app = TestApp::spawn().await;
    // Outside the API, an unknown path is the market UI's HTML 404 page.
    let page = app.client.get(app.url("/nope")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(page.text().await.unwrap().contains("no page at `/nope`"));
    for path in [
        "/api/v1/nope",
        "/api/v2/templates",
        "/api/v1/templates/a/b/c/d/e/f",
    ] {
        assert_error(
            &app.get_json(path).await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
    }
    let res = app
        .client
        .delete(app.url("/api/v1/templates"))
        .send()
        .await
        .unwrap();
    let got = crate::helpers::json(res).await;
    assert_error(&got, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    insta::assert_json_snapshot!("not_found", app.get_json("/api/v1/nope").await.1);
}

async fn the_template_schema_is_served() {
    let app = TestApp::spawn().await;
    let (status, schema) = app.get_json("/api/v1/schema/template-v1.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(schema["$id"], "https://souk.dev/schema/template-v1.json");
    assert!(schema["properties"]["components"].is_object());
}

async fn the_openapi_document_covers_every_route() {
    let app = TestApp::spawn().await;
    let (status, doc) = app.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let routes = [
        ("get", "/api/v1/health"),
        ("get", "/api/v1/health/live"),
        ("get", "/api/v1/health/ready"),
        ("get", "/api/v1/categories"),
        ("get", "/api/v1/templates"),
        ("post", "/api/v1/templates"),
        ("get", "/api/v1/templates/suggest"),
        ("get", "/api/v1/search/status"),
        ("get", "/api/v1/templates/{ns}/{name}"),
        ("get", "/api/v1/templates/{ns}/{name}/resolve"),
        ("get", "/api/v1/templates/{ns}/{name}/versions/{version}"),
        (
            "get",
            "/api/v1/templates/{ns}/{name}/versions/{version}/package",
        ),
        (
            "get",
            "/api/v1/templates/{ns}/{name}/versions/{version}/icon",
        ),
        (
            "put",
            "/api/v1/templates/{ns}/{name}/versions/{version}/yank",
        ),
        ("get", "/api/v1/templates/{ns}/{name}/fleet"),
        ("get", "/api/v1/events"),
        ("post", "/api/v1/agents/{agent_id}/report"),
        ("post", "/api/v1/tokens"),
        ("get", "/api/v1/schema/template-v1.json"),
        ("get", "/api/v1/openapi.json"),
        ("get", "/metrics"),
    ];
    let paths = doc["paths"].as_object().unwrap();
    for (method, path) in routes {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is missing"
        );
    }
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(
        documented,
        routes.len(),
        "the document lists routes the test does not know"
    );
    // Every documented route answers something other than the 404 of unknown routes.
    for (method, path) in routes {
        let concrete = path
            .replace("{ns}", "acme")
            .replace("{name}", "app")
            .replace("{version}", "1.0.0");
        let res = app
            .client
            .request(method.to_uppercase().parse().unwrap(), app.url(&concrete))
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::NOT_FOUND {
            let body: serde_json::Value = res.json().await.unwrap();
            assert_ne!(
                body["error"]["code"], "not_found",
                "{method} {path} is not routed"
            );
        }
    }
    assert!(doc["components"]["securitySchemes"]["token"].is_object());
}

/// What `openapi-spec-validator` (run by `.ci/run`) insists on, and what
/// generated clients need: one id per operation, files as binary strings.
async fn the_openapi_document_has_unique_operation_ids_and_binary_packages() {
    let app = TestApp::spawn().await;
    let (_, doc) = app.get_json("/api/v1/openapi.json").await;
    let mut ids = std::collections::BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            if let Some(other) = ids.insert(id.to_string(), format!("{method} {path}")) {
                panic!("`{id}` names both {other} and {method} {path}");
            }
        }
    }
    let template = "/api/v1/templates/{ns}/{name}/versions/{version}";
    let bodies = [
        &doc["paths"]["/api/v1/templates"]["post"]["requestBody"]["content"]["application/gzip"],
        &doc["paths"][format!("{template}/package")]["get"]["responses"]["200"]["content"]
            ["application/gzip"],
        &doc["paths"][format!("{template}/icon")]["get"]["responses"]["200"]["content"]
            ["image/svg+xml"],
    ];
    for body in bodies {
        assert_eq!(
            body["schema"],
            serde_json::json!({"type": "string", "format": "binary"}),
            "{body}"
        );
    }
}

async fn metrics_count_requests_by_route_and_status_and_publishes() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/health").await;
    app.get("/api/v1/templates/acme/nothing").await;
    app.published(&Fixture::new("acme/app", "1.0.0")).await;
    let res = app.get("/metrics").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = res.text().await.unwrap();
    for line in [
        "souk_http_requests_total{route=\"/api/v1/health\",method=\"GET\",status=\"200\"} 1",
        "souk_http_requests_total{route=\"/api/v1/templates/{ns}/{name}\",method=\"GET\",status=\"404\"} 1",
        "souk_http_requests_total{route=\"/api/v1/templates\",method=\"POST\",status=\"201\"} 1",
        "souk_publish_total 1",
        "souk_publish_duration_seconds_count 1",
        "# TYPE souk_http_request_duration_seconds histogram",
    ] {
        assert!(text.contains(line), "missing `{line}` in\n{text}");
    }
}

async fn metrics_show_the_process_build_pool_search_polls_and_agents() {
    let app = TestApp::spawn().await;
    app.published(&Fixture::new("acme/app", "1.0.0")).await;
    let agent = app.token(&["agent"]).await;
    let release = |name: &str, state: &str| serde_json::json!({"release": name, "template": "acme/app", "version": "1.0.0", "revision": 1, "state": state, "message": ""});
    let res = app
        .client
        .post(app.url("/api/v1/agents/site-1/report"))
        .bearer_auth(&agent)
        .json(&serde_json::json!({
            "agent_version": "0.1.0",
            "runtime": "docker 28",
            "releases": [release("a", "healthy"), release("b", "healthy"), release("c", "failed")],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let text = app.get("/metrics").await.text().await.unwrap();
    for line in [
        "# TYPE process_resident_memory_bytes gauge",
        "# TYPE process_cpu_seconds_total counter",
        "# TYPE process_open_fds gauge",
        "# TYPE process_start_time_seconds gauge",
        &format!(
            "souk_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        ),
        "souk_db_pool_connections{state=\"idle\"} ",
        "souk_db_pool_connections{state=\"in_use\"} ",
        "souk_db_pool_max_connections ",
        // The embedded index is refreshed before a publish answers.
        "souk_search_index_lag_events 0",
        "souk_events_waiting 0",
        "souk_agent_releases{state=\"healthy\"} 2",
        "souk_agent_releases{state=\"failed\"} 1",
        "souk_agent_releases{state=\"installing\"} 0",
        "souk_agent_releases{state=\"upgrading\"} 0",
        "souk_agent_releases{state=\"rolled_back\"} 0",
    ] {
        assert!(text.contains(line), "missing `{line}` in\n{text}");
    }
    // Every sample line is `name{labels} value` with a number for a value.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let value = line.rsplit(' ').next().unwrap();
        assert!(value.parse::<f64>().is_ok(), "`{line}` has no number");
    }
}

async fn malformed_json_bodies_answer_json_400() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/api/v1/tokens"))
        .bearer_auth(crate::helpers::ADMIN)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_error(
        &crate::helpers::json(res).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
}

crate::databases::on_both_databases!(
    health_says_ok,
    live_and_ready_say_ok_and_ready_checks_the_store,
    ready_answers_503_while_the_database_is_unreachable,
    unknown_routes_and_methods_answer_json_errors,
    the_template_schema_is_served,
    the_openapi_document_covers_every_route,
    the_openapi_document_has_unique_operation_ids_and_binary_packages,
    metrics_count_requests_by_route_and_status_and_publishes,
    metrics_show_the_process_build_pool_search_polls_and_agents,
    malformed_json_bodies_answer_json_400,
);
