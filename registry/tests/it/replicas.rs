//! Several registry replicas on one PostgreSQL database and one package store
//! behave as one registry. PostgreSQL only: SQLite is one process's database.

use crate::databases::Backend;
use crate::helpers::{Fixture, TestApp};
use futures_util::future::BoxFuture;
use reqwest::StatusCode;
use serde_json::Value;
use souk_registry::config::SearchConfig;
use souk_registry::db::NewVersion;
use souk_registry::domain::index;
use souk_registry::search::{Document, Hits, MemoryIndex, Query, SearchIndex};
use souk_registry::AppState;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Poll `check` until it holds or `within` has passed; how long it took.
async fn eventually<F: std::future::Future<Output = bool>>(
    within: Duration,
    mut check: impl FnMut() -> F,
) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < within {
        if check().await {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

async fn concurrent_publishes_of_one_version_give_one_201() {
    let a = TestApp::spawn().await;
    let b = a.replica().await;
    for patch in 0..10 {
        let f = Fixture::new("acme/race", &format!("1.0.{patch}"));
        let (ra, rb) = tokio::join!(a.publish(f.tgz()), b.publish(f.tgz()));
        let mut statuses = [ra.0, rb.0];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::CREATED, StatusCode::CONFLICT],
            "1.0.{patch}: {} / {}",
            ra.1,
            rb.1
        );
    }
    // Both replicas see the ten versions and the ten events, in order.
    for app in [&a, &b] {
        let (status, doc) = app.get_json("/api/v1/templates/acme/race").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(doc["versions"].as_array().unwrap().len(), 10, "{doc}");
        let events = app.events(0).await;
        let ids: Vec<i64> = events["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids.len(), 10, "{events}");
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    }
}

async fn a_publish_through_one_replica_wakes_long_polls_on_another() {
    let a = TestApp::spawn().await;
    let b = a.replica().await;
    a.published(&Fixture::new("acme/first", "1.0.0")).await;
    for round in 0..5 {
        let head = b.events(0).await["cursor"].as_i64().unwrap();
        let poll = {
            let url = b.url(&format!("/api/v1/events?since={head}&wait=30"));
            let client = b.client.clone();
            tokio::spawn(async move {
                let body: Value = client.get(url).send().await.unwrap().json().await.unwrap();
                (Instant::now(), body)
            })
        };
        // Let the long poll reach replica B and start waiting.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let version = format!("1.{round}.0");
        let sent = Instant::now();
        a.published(&Fixture::new("acme/wake", &version)).await;
        let (answered, body) = poll.await.unwrap();
        let latency = answered - sent;
        eprintln!("wake-up across replicas, round {round}: {latency:?}");
        assert!(latency < Duration::from_secs(1), "{latency:?}");
        assert_eq!(body["events"][0]["template"], "acme/wake", "{body}");
        assert_eq!(body["events"][0]["version"], version.as_str(), "{body}");
    }
}

async fn caches_and_search_follow_commits_made_elsewhere() {
    let a = TestApp::spawn().await;
    let b = a.replica().await;
    a.published(&Fixture::new("acme/shared", "1.0.0")).await;
    // B reads (and caches) the template, then A publishes a new version: B's
    // cached document and resolution must follow within a second.
    let (_, doc) = b.get_json("/api/v1/templates/acme/shared").await;
    assert_eq!(doc["version"], "1.0.0", "{doc}");
    a.published(&Fixture::new("acme/shared", "1.1.0")).await;
    let took = eventually(Duration::from_secs(1), || async {
        let (_, doc) = b.get_json("/api/v1/templates/acme/shared").await;
        let (_, resolved) = b.resolve("acme/shared", "req=%5E1").await;
        doc["version"] == "1.1.0" && resolved["version"] == "1.1.0"
    })
    .await;
    assert!(took.is_some(), "B still serves 1.0.0");

    // A yank through B reaches A's cache.
    let (_, doc) = a.get_json("/api/v1/templates/acme/shared").await;
    assert_eq!(doc["version"], "1.1.0");
    b.yank("acme/shared", "1.1.0", true).await;
    let took = eventually(Duration::from_secs(1), || async {
        let (_, resolved) = a.resolve("acme/shared", "req=%5E1").await;
        resolved["version"] == "1.0.0"
    })
    .await;
    assert!(took.is_some(), "A still resolves to the yanked 1.1.0");

    // A template published through A is found by B's search.
    a.published(
        &Fixture::new("acme/cross-found", "1.0.0").summary("Quartermaster ledger for spare parts"),
    )
    .await;
    let took = eventually(Duration::from_secs(1), || async {
        let (_, hits) = b.get_json("/api/v1/templates?q=quartermaster").await;
        hits["items"][0]["name"] == "acme/cross-found"
    })
    .await;
    assert!(took.is_some(), "B's search does not find it");

    // An agent's report stored through A ranks the template on B.
    let agent = a.token(&["agent"]).await;
    let report = serde_json::json!({
        "agent_version": "test",
        "runtime": "docker",
        "releases": [{"release": "r1", "template": "acme/cross-found", "version": "1.0.0", "revision": 1, "state": "healthy"}],
    });
    let res = a
        .client
        .post(a.url("/api/v1/agents/site-1/report"))
        .bearer_auth(&agent)
        .json(&report)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let took = eventually(Duration::from_secs(1), || async {
        let (_, hits) = b.get_json("/api/v1/templates?sort=popular").await;
        hits["items"][0]["name"] == "acme/cross-found"
    })
    .await;
    assert!(
        took.is_some(),
        "B does not rank by the report stored through A"
    );
}

async fn a_client_that_has_seen_an_event_finds_it_on_every_replica() {
    let a = TestApp::spawn().await;
    let b = a.replica().await;
    let seen_get = |app: &TestApp, path: &str, seen: i64| {
        app.client
            .get(app.url(path))
            .header("Souk-Seen-Event", seen)
            .send()
    };
    for patch in 0..20 {
        let version = format!("1.0.{patch}");
        a.published(&Fixture::new("acme/seen", &version)).await;
        // The agent reads the event through A, then resolves through B at once.
        let head = a.events(i64::MAX / 2).await["cursor"].as_i64().unwrap();
        let res = seen_get(&b, "/api/v1/templates/acme/seen/resolve?req=*", head)
            .await
            .unwrap();
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["version"], version.as_str(), "round {patch}: {body}");
    }
    // A client ahead of the database is answered after a bounded wait.
    let head = b.events(i64::MAX / 2).await["cursor"].as_i64().unwrap();
    let started = Instant::now();
    let res = seen_get(&b, "/api/v1/templates/acme/seen", head + 1000)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(5),
        "{took:?}"
    );
}

/// A stand-in for Meilisearch, which cannot run on these machines: an
/// embedded index that follows the outbox as Meilisearch does and records
/// which replica sent which documents.
struct Recording {
    replica: &'static str,
    inner: MemoryIndex,
    sent: Arc<Mutex<Vec<(&'static str, String)>>>,
}

impl SearchIndex for Recording {
    fn backend(&self) -> &'static str {
        "recording"
    }
    fn index_uid(&self) -> &str {
        "recording"
    }
    fn follows_outbox(&self) -> bool {
        true
    }
    fn configure(&self) -> BoxFuture<'_, souk_registry::error::Result<()>> {
        Box::pin(async { Ok(()) })
    }
    fn replace_all(&self, docs: Vec<Document>) -> BoxFuture<'_, souk_registry::error::Result<()>> {
        self.record(&docs);
        self.inner.replace_all(docs)
    }
    fn upsert(&self, docs: Vec<Document>) -> BoxFuture<'_, souk_registry::error::Result<()>> {
        self.record(&docs);
        self.inner.upsert(docs)
    }
    fn remove(&self, names: Vec<String>) -> BoxFuture<'_, souk_registry::error::Result<()>> {
        self.inner.remove(names)
    }
    fn search<'a>(&'a self, query: &'a Query) -> BoxFuture<'a, souk_registry::error::Result<Hits>> {
        self.inner.search(query)
    }
}

impl Recording {
    fn record(&self, docs: &[Document]) {
        let mut sent = self.sent.lock().unwrap();
        sent.extend(docs.iter().map(|d| (self.replica, d.name.clone())));
    }
}

fn version(name: &str) -> NewVersion {
    NewVersion {
        namespace: "acme".into(),
        name: name.into(),
        version: "1.0.0".into(),
        digest: format!("sha256:{}", "0".repeat(64)),
        size: 1,
        title: name.into(),
        summary: String::new(),
        category: "iot".into(),
        tags: "[]".into(),
        upgrade_from: None,
        icon: None,
        manifest: "{}".into(),
        readme: None,
        changelog: None,
    }
}

/// Publish `name` through `state` as the API would, as far as the feeder sees.
async fn commit(state: &AppState, name: &str) {
    let published = state.db.publish(version(name)).await.unwrap();
    state.events.committed(published.event_id);
}

async fn one_replica_at_a_time_feeds_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let sent = Arc::new(Mutex::new(Vec::new()));
    let open = |replica: &'static str| {
        let mut config = crate::helpers::config_for(dir.path());
        config.search = SearchConfig::default();
        let sent = sent.clone();
        async move {
            let mut state = AppState::open(&config).await.unwrap();
            state.search = Arc::new(Recording {
                replica,
                inner: MemoryIndex::new(),
                sent,
            });
            Arc::new(state)
        }
    };
    let replicas = [open("a").await, open("b").await];
    let mut feeders: Vec<_> = replicas
        .iter()
        .map(|r| Some(tokio::spawn(index::follow_outbox(r.clone()))))
        .collect();
    for i in 0..20 {
        let (state, other) = (&replicas[i % 2], &replicas[(i + 1) % 2]);
        commit(state, &format!("fed-{i}")).await;
        other
            .events
            .committed(state.events.subscribe().borrow().head);
    }
    let all_sent = || {
        let sent = sent.lock().unwrap();
        (0..20).all(|i| sent.iter().any(|(_, n)| *n == format!("acme/fed-{i}")))
    };
    let took = eventually(Duration::from_secs(10), || async { all_sent() }).await;
    assert!(took.is_some(), "{:?}", sent.lock().unwrap());
    let senders: std::collections::BTreeSet<_> = sent.lock().unwrap().iter().map(|s| s.0).collect();
    assert_eq!(senders.len(), 1, "only the leader feeds: {senders:?}");
    let leader = usize::from(senders.contains("b"));
    let standby = 1 - leader;
    let head = replicas[0].db.event_head().await.unwrap();
    let took = eventually(Duration::from_secs(5), || async {
        replicas[0]
            .db
            .search_cursor("recording".into())
            .await
            .unwrap()
            == Some(head)
    })
    .await;
    assert!(took.is_some(), "the cursor did not reach the head");
    // The standby shows the leader's progress.
    let status = index::status(&replicas[standby]).await;
    assert_eq!(status.indexed_event, head, "{status:?}");
    assert_eq!(status.state, "ready", "{status:?}");

    // The leader stops: the standby takes over, and feeds from where the
    // leader stopped.
    let stopped = feeders[leader].take().unwrap();
    stopped.abort();
    let _ = stopped.await;
    sent.lock().unwrap().clear();
    commit(&replicas[standby], "after-failover").await;
    let name = ["a", "b"][standby];
    let took = eventually(Duration::from_secs(15), || async {
        sent.lock()
            .unwrap()
            .iter()
            .any(|(r, n)| *r == name && n == "acme/after-failover")
    })
    .await;
    assert!(
        took.is_some(),
        "the standby did not take over: {:?}",
        sent.lock().unwrap()
    );
    assert!(
        sent.lock().unwrap().iter().all(|(r, _)| *r == name),
        "{:?}",
        sent.lock().unwrap()
    );
    for feeder in feeders.into_iter().flatten() {
        feeder.abort();
    }
}

macro_rules! on_postgres {
    ($($test:ident),* $(,)?) => {
        mod postgres {
            $(
                #[tokio::test]
                async fn $test() {
                    super::Backend::Postgres.run(super::$test()).await
                }
            )*
        }
    };
}

on_postgres!(
    concurrent_publishes_of_one_version_give_one_201,
    a_publish_through_one_replica_wakes_long_polls_on_another,
    caches_and_search_follow_commits_made_elsewhere,
    a_client_that_has_seen_an_event_finds_it_on_every_replica,
    one_replica_at_a_time_feeds_the_outbox,
);
