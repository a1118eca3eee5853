//! Search and browse, categories, and the index surviving a restart.

use crate::helpers::{assert_error, Fixture, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn names(results: &Value) -> Vec<&str> {
    results["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect()
}

async fn search(app: &TestApp, query: &str) -> Value {
    let (status, body) = app.get_json(&format!("/api/v1/templates?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body
}

/// Four templates, published oldest first.
async fn market() -> TestApp {
    let app = TestApp::spawn().await;
    for f in [
        Fixture::new("acme/smart-warehouse", "1.0.0")
            .title("智慧物流与仓储解决方案")
            .summary("Tracks goods with RFID across the warehouse.")
            .category("logistics")
            .tags(&["warehouse", "rfid"]),
        Fixture::new("acme/warehouse", "1.0.0")
            .title("Warehouse")
            .summary("A plain stock ledger.")
            .category("logistics")
            .tags(&["wms"]),
        Fixture::new("huayun/mes", "1.0.0")
            .title("MES")
            .summary("Manufacturing execution.")
            .category("mes")
            .tags(&["mes", "rfid"])
            .readme("Reads pallets from the warehouse gateway."),
        Fixture::new("northwind/dashboards", "1.0.0")
            .title("Insight dashboards")
            .summary("Charts for everything.")
            .category("data-analytics"),
    ] {
        app.published(&f).await;
    }
    app
}

async fn browsing_lists_the_most_recently_updated_first_with_paging_and_facets() {
    let app = market().await;
    let all = search(&app, "").await;
    assert_eq!(all["total"], 4);
    assert_eq!(
        names(&all),
        [
            "northwind/dashboards",
            "huayun/mes",
            "acme/warehouse",
            "acme/smart-warehouse"
        ]
    );
    assert_eq!(
        all["facets"]["category"],
        json!({"data-analytics": 1, "logistics": 2, "mes": 1})
    );
    assert_eq!(
        all["facets"]["tags"],
        json!({"mes": 1, "rfid": 2, "warehouse": 1, "wms": 1})
    );

    let page = search(&app, "per_page=3&page=2").await;
    assert_eq!(names(&page), ["acme/smart-warehouse"]);
    assert_eq!(
        (
            page["total"].as_u64(),
            page["page"].as_u64(),
            page["per_page"].as_u64()
        ),
        (Some(4), Some(2), Some(3))
    );
    assert!(search(&app, "page=9").await["items"]
        .as_array()
        .unwrap()
        .is_empty());

    // A new version moves its template to the front.
    app.published(
        &Fixture::new("acme/warehouse", "1.1.0")
            .title("Warehouse")
            .category("logistics")
            .tags(&["wms"]),
    )
    .await;
    assert_eq!(names(&search(&app, "per_page=1").await), ["acme/warehouse"]);

    for bad in ["per_page=101", "per_page=0", "page=0", "page=two"] {
        assert_error(
            &app.get_json(&format!("/api/v1/templates?{bad}")).await,
            StatusCode::BAD_REQUEST,
            "bad_request",
        );
    }
}

async fn search_ranks_names_first_and_filters_by_category_and_tag() {
    let app = market().await;
    let found = search(&app, "q=warehouse").await;
    // The exact name first; then the title and tag match; then the readme one.
    assert_eq!(
        names(&found),
        ["acme/warehouse", "acme/smart-warehouse", "huayun/mes"]
    );
    assert_eq!(
        found["facets"]["category"],
        json!({"logistics": 2, "mes": 1})
    );

    // The last word is a prefix, so results come as it is typed.
    assert_eq!(search(&app, "q=dashb").await["total"], 1);
    assert_eq!(
        names(&search(&app, "q=rfid+warehouse").await),
        ["acme/smart-warehouse", "huayun/mes"]
    );

    let filtered = search(&app, "q=warehouse&category=logistics").await;
    assert_eq!(names(&filtered), ["acme/warehouse", "acme/smart-warehouse"]);
    assert_eq!(filtered["facets"]["category"], json!({"logistics": 2}));
    assert_eq!(
        names(&search(&app, "tag=rfid&category=mes").await),
        ["huayun/mes"]
    );
    assert_eq!(search(&app, "q=nothing-matches-this").await["total"], 0);
}

async fn chinese_queries_find_chinese_titles() {
    let app = market().await;
    let q = |s: &str| format!("q={}", url_escape(s));
    assert_eq!(
        names(&search(&app, &q("仓储")).await),
        ["acme/smart-warehouse"]
    );
    assert_eq!(
        names(&search(&app, &q("物流")).await),
        ["acme/smart-warehouse"]
    );
    assert_eq!(search(&app, &q("仓库")).await["total"], 0);
}

/// Percent-encode every byte that is not unreserved.
fn url_escape(s: &str) -> String {
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

async fn categories_count_templates_with_a_live_version_and_yanked_templates_rank_last() {
    let app = market().await;
    let count = |cats: &Value, slug: &str| {
        cats.as_array()
            .unwrap()
            .iter()
            .find(|c| c["slug"] == slug)
            .unwrap()["count"]
            .as_i64()
            .unwrap()
    };
    let (status, cats) = app.get_json("/api/v1/categories").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cats.as_array().unwrap().len(), 12);
    assert_eq!(
        cats[0],
        json!({"slug": "iot", "name": "IoT", "name_zh": "物联网", "count": 0})
    );
    assert_eq!(count(&cats, "logistics"), 2);
    assert_eq!(count(&cats, "mes"), 1);

    app.yank("acme/warehouse", "1.0.0", true).await;
    let (_, cats) = app.get_json("/api/v1/categories").await;
    assert_eq!(count(&cats, "logistics"), 1);
    // A template whose every version is yanked is still found (people search
    // for what they know by name), but after every live one, and flagged.
    let found = search(&app, "q=warehouse").await;
    assert_eq!(
        names(&found),
        ["acme/smart-warehouse", "huayun/mes", "acme/warehouse"]
    );
    assert_eq!(found["items"][2]["yanked"], true);
    assert_eq!(found["items"][0]["yanked"], false);
    assert_eq!(names(&search(&app, "").await)[3], "acme/warehouse");

    app.yank("acme/warehouse", "1.0.0", false).await;
    assert_eq!(
        names(&search(&app, "q=warehouse").await),
        ["acme/warehouse", "acme/smart-warehouse", "huayun/mes"]
    );
}

async fn the_index_is_rebuilt_from_the_database_at_start() {
    let app = market().await;
    app.yank("huayun/mes", "1.0.0", true).await;
    let before = search(&app, "q=warehouse").await;
    let app = app.restart().await;
    let after = search(&app, "q=warehouse").await;
    assert_eq!(names(&after), names(&before));
    assert_eq!(
        names(&after),
        ["acme/warehouse", "acme/smart-warehouse", "huayun/mes"]
    );
    assert_eq!(after["items"][2]["yanked"], true);
    assert_eq!(search(&app, "").await["total"], 4);
}

crate::databases::on_both_databases!(
    browsing_lists_the_most_recently_updated_first_with_paging_and_facets,
    search_ranks_names_first_and_filters_by_category_and_tag,
    chinese_queries_find_chinese_titles,
    categories_count_templates_with_a_live_version_and_yanked_templates_rank_last,
    the_index_is_rebuilt_from_the_database_at_start,
);
