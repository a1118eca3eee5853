//! Publish is all or nothing, crash included: a registry killed with SIGKILL
//! during a stream of publishes comes back with every version either whole
//! (row, package, search entry, event) or absent, and every acknowledged
//! publish present.

use souk_e2e::{package, Registry, ADMIN_TOKEN};
use souk_schema::Digest;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const WRITERS: usize = 4;
const ROUNDS: usize = 3;

/// `template name → version → digest` of every publish answered 201.
type Acked = Arc<Mutex<BTreeMap<String, BTreeMap<String, String>>>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_publishes_leaves_no_half_published_version() {
    let mut registry = Registry::start();
    let acked: Acked = Arc::default();
    let mut next_patch = 0u32;
    for round in 0..ROUNDS {
        let api = registry.api();
        let mut writers = Vec::new();
        for w in 0..WRITERS {
            let api = api.clone();
            let acked = acked.clone();
            let first = next_patch;
            writers.push(tokio::spawn(async move {
                publish_until_refused(&api, w, first, &acked).await
            }));
        }
        next_patch += 10_000;
        // Let the stream run, then pull the plug at a different moment each round.
        tokio::time::sleep(Duration::from_millis(300 + 250 * round as u64)).await;
        registry.kill();
        let mut sent = 0;
        for w in writers {
            sent += w.await.unwrap();
        }
        assert!(
            sent > 0,
            "round {round}: no publish reached the server before the kill"
        );
        registry.restart();
        let acked_now: usize = acked.lock().unwrap().values().map(|v| v.len()).sum();
        eprintln!("round {round}: {sent} publishes sent, {acked_now} acknowledged so far; checking after restart");
        check_consistency(&registry, &acked).await;
    }
    let total: usize = acked.lock().unwrap().values().map(|v| v.len()).sum();
    assert!(
        total >= WRITERS,
        "too few publishes were acknowledged: {total}"
    );
}

/// Publish versions of `e2e/crash-W` one after another until the server goes
/// away; return how many requests were sent.
async fn publish_until_refused(api: &str, w: usize, first: u32, acked: &Acked) -> usize {
    let http = reqwest::Client::new();
    let name = format!("e2e/crash-{w}");
    let mut sent = 0;
    for patch in first.. {
        let version = format!("1.0.{patch}");
        let body = package(&name, &version, &format!("Crash test template kappa{w}."));
        let digest = Digest::of(&body).to_string();
        let res = http
            .post(format!("{api}/templates"))
            .bearer_auth(ADMIN_TOKEN)
            .header("content-type", "application/gzip")
            .body(body)
            .send()
            .await;
        sent += 1;
        match res {
            Ok(r) if r.status() == 201 => {
                let v: serde_json::Value = r.json().await.unwrap_or_default();
                // The answer is complete only if its body arrived too.
                if v["digest"] == digest {
                    acked
                        .lock()
                        .unwrap()
                        .entry(name.clone())
                        .or_default()
                        .insert(version, digest);
                }
            }
            Ok(r) => panic!("publish {name}@{version}: unexpected status {}", r.status()),
            Err(_) => return sent,
        }
    }
    sent
}

async fn get_json(http: &reqwest::Client, url: &str) -> (u16, serde_json::Value) {
    let r = http.get(url).send().await.expect("the registry answers");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

async fn check_consistency(registry: &Registry, acked: &Acked) {
    let http = reqwest::Client::new();
    let api = registry.api();
    let acked = acked.lock().unwrap().clone();

    // Every published event names a version that exists whole.
    let mut evented = BTreeSet::new();
    let mut since = 0u64;
    loop {
        let (status, page) = get_json(&http, &format!("{api}/events?since={since}")).await;
        assert_eq!(status, 200);
        let events = page["events"].as_array().unwrap();
        if events.is_empty() {
            break;
        }
        for e in events {
            if e["type"] == "published" {
                evented.insert((
                    e["template"].as_str().unwrap().to_string(),
                    e["version"].as_str().unwrap().to_string(),
                ));
            }
        }
        since = page["cursor"].as_u64().unwrap();
    }

    for w in 0..WRITERS {
        let name = format!("e2e/crash-{w}");
        let (status, doc) = get_json(&http, &format!("{api}/templates/{name}")).await;
        let acked_here = acked.get(&name).cloned().unwrap_or_default();
        if status == 404 {
            assert!(acked_here.is_empty(), "{name}: acknowledged versions lost");
            continue;
        }
        assert_eq!(status, 200, "{name}: {doc}");
        let stored: BTreeMap<String, String> = doc["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["version"].as_str().unwrap().to_string(),
                    v["digest"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        for (version, digest) in &acked_here {
            assert_eq!(
                stored.get(version),
                Some(digest),
                "{name}@{version} was acknowledged but is not stored whole"
            );
        }
        for (version, digest) in &stored {
            // The package is there and is the one the row names.
            let bytes = http
                .get(format!("{api}/templates/{name}/versions/{version}/package"))
                .send()
                .await
                .unwrap();
            assert_eq!(bytes.status(), 200, "{name}@{version}: package missing");
            let bytes = bytes.bytes().await.unwrap();
            assert_eq!(&Digest::of(&bytes).to_string(), digest, "{name}@{version}");
            // And its event.
            assert!(
                evented.contains(&(name.clone(), version.clone())),
                "{name}@{version} has no published event"
            );
        }
        for (t, v) in &evented {
            if t == &name {
                assert!(
                    stored.contains_key(v),
                    "event for {t}@{v}, which does not exist"
                );
            }
        }
        // And its search entry.
        let (_, found) = get_json(&http, &format!("{api}/templates?q=kappa{w}")).await;
        let names: Vec<&str> = found["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|i| i["name"].as_str())
            .collect();
        assert!(
            names.contains(&name.as_str()),
            "{name} is not found by search: {found}"
        );
    }
}
