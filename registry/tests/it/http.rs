//! The HTTP surface: health, errors for what no handler serves, the JSON
//! Schema, the OpenAPI document and the metrics.

use crate::helpers::{assert_error, Fixture, TestApp};
use reqwest::StatusCode;

async fn health_says_ok() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get_json("/api/v1/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, serde_json::json!({"status": "ok"}));
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
    unknown_routes_and_methods_answer_json_errors,
    the_template_schema_is_served,
    the_openapi_document_covers_every_route,
    metrics_count_requests_by_route_and_status_and_publishes,
    malformed_json_bodies_answer_json_400,
);
