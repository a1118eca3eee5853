//! Wake-up latency across replicas: two real `souk-registry` processes on one
//! PostgreSQL database (`SOUK_DATABASE_URL`, an empty database) and one
//! package folder. Each round holds a long poll on replica B, publishes a new
//! version through replica A, and measures from the start of the publish, and
//! from its 201, until B's long poll answers with the event.
//!
//! Usage: `replica-bench [ROUNDS]` (default 50). See bench/README.md.

use souk_e2e::{package, Registry, ADMIN_TOKEN};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .map_or(50, |a| a.parse().expect("ROUNDS is a number"));
    let url = std::env::var("SOUK_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
        .expect("SOUK_DATABASE_URL names an empty PostgreSQL database (see bench/README.md)");
    let packages = tempfile::tempdir().expect("a temporary folder");
    let a = Registry::start_on_postgres(&url, packages.path());
    let b = Registry::start_on_postgres(&url, packages.path());
    let http = reqwest::Client::new();
    let mut from_start = Vec::new();
    let mut from_201 = Vec::new();
    for round in 0..rounds {
        let head: serde_json::Value = http
            .get(format!("{}/events?since={}", b.api(), i64::MAX / 2))
            .send()
            .await
            .expect("replica B answers")
            .json()
            .await
            .expect("a JSON page");
        let since = head["cursor"].as_i64().unwrap_or(0);
        let poll = {
            let (http, url) = (
                http.clone(),
                format!("{}/events?since={since}&wait=30", b.api()),
            );
            tokio::spawn(async move {
                let body: serde_json::Value =
                    http.get(url).send().await.unwrap().json().await.unwrap();
                (Instant::now(), body)
            })
        };
        // Let the long poll reach B and wait there.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let body = package("bench/wake", &format!("1.0.{round}"), "Wake-up benchmark.");
        let started = Instant::now();
        let r = http
            .post(format!("{}/templates", a.api()))
            .bearer_auth(ADMIN_TOKEN)
            .header("content-type", "application/gzip")
            .body(body)
            .send()
            .await
            .expect("replica A answers");
        let created = Instant::now();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
        let (answered, page) = poll.await.expect("the long poll");
        assert_eq!(page["events"][0]["template"], "bench/wake", "{page}");
        from_start.push(answered - started);
        from_201.push(answered.saturating_duration_since(created));
    }
    let show = |what: &str, v: &mut Vec<Duration>| {
        v.sort();
        let pct = |p: f64| v[((v.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1000.0;
        println!(
            "{what}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} rounds)",
            pct(0.5),
            pct(0.99),
            pct(1.0),
            v.len()
        );
    };
    show(
        "publish start on A → long poll answered on B",
        &mut from_start,
    );
    show("201 from A → long poll answered on B", &mut from_201);
}
