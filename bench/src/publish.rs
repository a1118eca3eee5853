//! Durable publishes per second: a real `souk-registry` (embedded defaults,
//! SQLite with `synchronous=FULL`; or PostgreSQL when `SOUK_DATABASE_URL`
//! names an empty database) receives N distinct packages from C concurrent
//! clients; every 201 means the version is on disk whole.
//!
//! Usage: `publish-bench [N] [C]` (default 1000 and 8). Run it in release mode
//! with the registry built in release mode too (see bench/README.md).

use souk_e2e::{package, Registry, ADMIN_TOKEN};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .map_or(1000, |a| a.parse().expect("N is a number"));
    let c: usize = args.next().map_or(8, |a| a.parse().expect("C is a number"));
    let _packages = tempfile::tempdir().expect("a temporary folder");
    let registry = match std::env::var("SOUK_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Registry::start_on_postgres(&url, _packages.path()),
        _ => Registry::start(),
    };
    let api = registry.api();
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..n)
            .map(|i| {
                package(
                    &format!("bench/app-{}", i % 50),
                    &format!("1.0.{}", i / 50),
                    "A benchmark template.",
                )
            })
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let http = reqwest::Client::new();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..c {
        let (bodies, next, http, api) = (bodies.clone(), next.clone(), http.clone(), api.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= bodies.len() {
                    return latencies;
                }
                let t = Instant::now();
                let r = http
                    .post(format!("{api}/templates"))
                    .bearer_auth(ADMIN_TOKEN)
                    .header("content-type", "application/gzip")
                    .body(bodies[i].clone())
                    .send()
                    .await
                    .expect("the registry answers");
                assert_eq!(
                    r.status(),
                    201,
                    "publish {i}: {}",
                    r.text().await.unwrap_or_default()
                );
                latencies.push(t.elapsed());
            }
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.expect("a client task"));
    }
    let elapsed = start.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize];
    println!(
        "publishes: {n} with {c} clients in {:.2} s = {:.0} publishes/s (p50 {:.1} ms, p99 {:.1} ms)",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        pct(0.5).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
    );
}
