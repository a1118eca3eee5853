//! The first-run experience: `souk-registry serve --demo` serves the demo
//! catalog, the categories count it, and `souk search warehouse` finds it.

use souk_e2e::Registry;

#[test]
fn the_demo_catalog_is_served_counted_and_found() {
    let registry = Registry::start_with(&["--demo"]);
    let cats: serde_json::Value = reqwest_get(&format!("{}/categories", registry.api()));
    let counts: Vec<(String, u64)> = cats
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["slug"].as_str().unwrap().to_string(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    let used = counts.iter().filter(|(_, n)| *n > 0).count();
    assert!(
        total >= 8,
        "the demo catalog has at least 8 templates: {counts:?}"
    );
    assert!(used >= 5, "across at least 5 categories: {counts:?}");

    let out = registry.souk(&["search", "warehouse"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("smart-warehouse"), "{text}");

    // A second start does not load the catalog again.
    let mut registry = registry;
    registry.restart();
    let again: serde_json::Value = reqwest_get(&format!("{}/categories", registry.api()));
    assert_eq!(again, cats);
}

fn reqwest_get(url: &str) -> serde_json::Value {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async { reqwest::get(url).await.unwrap().json().await.unwrap() })
}
