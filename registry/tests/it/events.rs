//! The event feed: long polls wake within a second of a publish, time out when
//! nothing happens, and filter by template.

use crate::helpers::{assert_error, Fixture, TestApp};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::{Duration, Instant};

/// Wait (bounded) until `n` long polls are waiting, so that a test knows its
/// poll is held by the server rather than still on its way.
async fn until_waiting(app: &TestApp, n: usize) {
    let want = format!("souk_events_waiting {n}\n");
    for _ in 0..200 {
        let metrics = app.get("/metrics").await.text().await.unwrap();
        if metrics.contains(&want) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no long poll is waiting");
}

/// Start `GET /events?QUERY` in the background; yields the body and when it came.
fn poll(app: &TestApp, query: &str) -> tokio::task::JoinHandle<(Value, Instant)> {
    let req = app.client.get(app.url(&format!("/api/v1/events?{query}")));
    tokio::spawn(async move {
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        (body, Instant::now())
    })
}

async fn a_long_poll_returns_within_a_second_of_a_publish() {
    let app = TestApp::spawn().await;
    app.published(&Fixture::new("acme/app", "1.0.0")).await;
    let head = app.events(0).await["cursor"].as_i64().unwrap();
    assert_eq!(head, 1);

    let started = Instant::now();
    let waiting = poll(&app, &format!("since={head}&wait=30"));
    until_waiting(&app, 1).await;
    app.published(&Fixture::new("acme/app", "1.1.0")).await;
    let published = Instant::now();
    let (body, answered) = waiting.await.unwrap();

    let latency = answered.saturating_duration_since(published);
    assert!(
        latency < Duration::from_secs(1),
        "the poll answered {latency:?} after the publish"
    );
    assert!(answered - started < Duration::from_secs(10));
    assert_eq!(body["cursor"], 2);
    let events = body["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["type"], "published");
    assert_eq!(events[0]["version"], "1.1.0");
    insta::assert_json_snapshot!("event", events[0], {".at" => "[time]", ".digest" => "[digest]"});
}

async fn a_long_poll_with_nothing_new_times_out_with_the_head_as_cursor() {
    let app = TestApp::spawn().await;
    app.published(&Fixture::new("acme/app", "1.0.0")).await;
    let started = Instant::now();
    let (body, answered) = poll(&app, "since=1&wait=1").await.unwrap();
    let took = answered - started;
    assert!(
        took >= Duration::from_millis(950),
        "answered after {took:?}"
    );
    assert!(took < Duration::from_secs(3), "answered after {took:?}");
    assert_eq!(body["events"], serde_json::json!([]));
    assert_eq!(body["cursor"], 1);

    // Without `wait` the answer is immediate.
    let started = Instant::now();
    let (body, answered) = poll(&app, "since=1").await.unwrap();
    assert!(answered - started < Duration::from_millis(500));
    assert_eq!(body["cursor"], 1);
}

async fn a_filtered_poll_skips_other_templates_and_moves_its_cursor_past_them() {
    let app = TestApp::spawn().await;
    let waiting = poll(&app, "since=0&wait=10&templates=acme/a,acme/c");
    until_waiting(&app, 1).await;
    app.published(&Fixture::new("acme/b", "1.0.0")).await;
    // Still waiting: the event was not for it.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!waiting.is_finished());
    app.published(&Fixture::new("acme/c", "1.0.0")).await;
    let (body, _) = waiting.await.unwrap();
    let events = body["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["template"], "acme/c");
    assert_eq!(body["cursor"], 2);

    // Nothing matching: the cursor is the head, so the agent does not rescan.
    let (body, _) = poll(&app, "since=0&templates=acme/a").await.unwrap();
    assert_eq!(body["events"], serde_json::json!([]));
    assert_eq!(body["cursor"], 2);

    // The whole feed, oldest first.
    let all = app.events(0).await;
    let ids: Vec<i64> = all["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2]);
    assert_eq!(all["cursor"], 2);
}

async fn bad_feed_queries_are_400() {
    let app = TestApp::spawn().await;
    for bad in [
        "wait=61",
        "since=-1",
        "since=abc",
        "templates=not-a-name",
        "templates=acme/Bad",
    ] {
        assert_error(
            &app.get_json(&format!("/api/v1/events?{bad}")).await,
            StatusCode::BAD_REQUEST,
            "bad_request",
        );
    }
    let (status, _) = app.get_json("/api/v1/events?wait=0").await;
    assert_eq!(status, StatusCode::OK);
}

crate::databases::on_both_databases!(
    a_long_poll_returns_within_a_second_of_a_publish,
    a_long_poll_with_nothing_new_times_out_with_the_head_as_cursor,
    a_filtered_poll_skips_other_templates_and_moves_its_cursor_past_them,
    bad_feed_queries_are_400,
);
