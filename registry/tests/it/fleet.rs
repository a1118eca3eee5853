//! Agents' reports and the fleet view: the latest report per agent counts,
//! per version and state; both need the right token.

use crate::helpers::{assert_error, json, Fixture, TestApp, ADMIN};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn report(app: &TestApp, token: Option<&str>, agent: &str, body: Value) -> StatusCode {
    let mut req = app
        .client
        .post(app.url(&format!("/api/v1/agents/{agent}/report")))
        .json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap().status()
}

fn release(name: &str, version: &str, state: &str) -> Value {
    json!({"release": name, "template": "acme/fleet", "version": version, "revision": 1, "state": state, "message": ""})
}

async fn fleet(app: &TestApp, token: &str) -> (StatusCode, Value) {
    let res = app
        .client
        .get(app.url("/api/v1/templates/acme/fleet/fleet"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    json(res).await
}

async fn the_latest_report_of_each_agent_is_counted_per_version_and_state() {
    let app = TestApp::spawn().await;
    app.published(&Fixture::new("acme/fleet", "1.0.0")).await;
    let agent = app.token(&["agent"]).await;
    let vendor = app.token(&["publish:acme"]).await;
    let other = app.token(&["publish:other"]).await;
    let body = |releases: Vec<Value>| json!({"agent_version": "0.1.0", "runtime": "docker 28", "releases": releases});

    assert_eq!(
        report(&app, None, "site-1", body(vec![])).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        report(&app, Some(&vendor), "site-1", body(vec![])).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        report(
            &app,
            Some(&agent),
            "site-1",
            body(vec![release("a", "1.0.0", "sleeping")])
        )
        .await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        report(&app, Some(&agent), "bad id!", body(vec![])).await,
        StatusCode::BAD_REQUEST
    );

    let one = body(vec![
        release("a", "1.0.0", "healthy"),
        release("b", "1.0.0", "upgrading"),
    ]);
    assert_eq!(
        report(&app, Some(&agent), "site-1", one).await,
        StatusCode::NO_CONTENT
    );
    let two = body(vec![release("a", "1.1.0", "rolled_back")]);
    assert_eq!(
        report(&app, Some(&agent), "site-2", two).await,
        StatusCode::NO_CONTENT
    );
    // site-1 reports again: its previous report is replaced, not added to.
    let again = body(vec![
        release("a", "1.1.0", "healthy"),
        release("b", "1.0.0", "healthy"),
    ]);
    assert_eq!(
        report(&app, Some(&agent), "site-1", again).await,
        StatusCode::NO_CONTENT
    );

    let (status, view) = fleet(&app, &vendor).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(
        view,
        json!({
            "template": "acme/fleet",
            "total": 3,
            "versions": [
                {"version": "1.1.0", "total": 2, "states": {"healthy": 1, "rolled_back": 1}},
                {"version": "1.0.0", "total": 1, "states": {"healthy": 1}},
            ]
        })
    );
    assert_eq!(fleet(&app, ADMIN).await.0, StatusCode::OK);
    assert_error(
        &fleet(&app, &other).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let res = app
        .client
        .get(app.url("/api/v1/templates/acme/nope/fleet"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_error(
        &json(res).await,
        StatusCode::NOT_FOUND,
        "template_not_found",
    );
}

async fn the_market_shows_installs_and_the_fleet_as_counts() {
    let app = TestApp::spawn().await;
    app.published(&Fixture::new("acme/fleet", "1.0.0")).await;
    app.published(&Fixture::new("acme/other", "1.0.0")).await;
    let agent = app.token(&["agent"]).await;
    let home = app.get("/").await.text().await.unwrap();
    assert!(!home.contains("Most installed"), "no reports yet");

    let releases = vec![
        release("a", "1.0.0", "healthy"),
        release("b", "1.0.0", "rolled_back"),
    ];
    let body = json!({"agent_version": "0.1.0", "runtime": "docker 28", "releases": releases});
    assert_eq!(
        report(&app, Some(&agent), "site-1", body).await,
        StatusCode::NO_CONTENT
    );
    // The report counts at once: no restart or publish needed.
    let home = app.get("/").await.text().await.unwrap();
    let popular = &home[home.find("Most installed").expect("a most-installed list")..];
    let popular = &popular[..popular.find("Recently updated").unwrap()];
    assert!(
        popular.contains("acme/fleet") && popular.contains("2 installs"),
        "{popular}"
    );
    assert!(!popular.contains("acme/other"), "{popular}");
    // The template page shows counts per version and state, no agent ids.
    let page = app.get("/t/acme/fleet").await.text().await.unwrap();
    assert!(
        page.contains("<td>1.0.0</td><td>healthy</td><td class=\"num\">1</td>"),
        "{page}"
    );
    assert!(!page.contains("site-1"));

    // An agent that drops its releases takes them out of the counts.
    let empty = json!({"agent_version": "0.1.0", "runtime": "docker 28", "releases": []});
    assert_eq!(
        report(&app, Some(&agent), "site-1", empty).await,
        StatusCode::NO_CONTENT
    );
    let home = app.get("/").await.text().await.unwrap();
    assert!(!home.contains("Most installed"), "counts went back to zero");
}

crate::databases::on_both_databases!(
    the_latest_report_of_each_agent_is_counted_per_version_and_state,
    the_market_shows_installs_and_the_fleet_as_counts,
);
