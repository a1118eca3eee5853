//! A vendor's day with the `souk` command line against a real registry:
//! lint, package, publish, search, info, resolve, yank.

use souk_e2e::{souk_with_env, template_dir, Registry};

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn publish_search_info_resolve_yank() {
    let registry = Registry::start();
    let work = tempfile::tempdir().unwrap();
    let v1 = template_dir(
        work.path(),
        "e2e/cold-chain",
        "1.0.0",
        "Cold chain monitoring for trucks.",
    );
    let v2 = template_dir(
        work.path(),
        "e2e/cold-chain",
        "1.1.0",
        "Cold chain monitoring for trucks.",
    );

    let out = registry.souk(&["publish", v1.to_str().unwrap()]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("e2e/cold-chain@1.0.0 sha256:"),
        "{}",
        stdout(&out)
    );
    // A packed .tgz publishes too.
    let pkg_dir = work.path().join("out");
    let out = registry.souk(&[
        "package",
        v2.to_str().unwrap(),
        "-o",
        pkg_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tgz = pkg_dir.join("cold-chain-1.1.0.tgz");
    assert!(tgz.is_file(), "{}", stdout(&out));
    let out = registry.souk(&["publish", tgz.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));

    // The same version again is refused, with a hint.
    let out = registry.souk(&["publish", v1.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("hint:"), "{}", stderr(&out));

    let out = registry.souk(&["search", "cold"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("e2e/cold-chain"), "{}", stdout(&out));

    let out = registry.souk(&["--output", "json", "info", "e2e/cold-chain"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["versions"][0]["version"], "1.1.0");

    let out = registry.souk(&[
        "--output",
        "json",
        "resolve",
        "e2e/cold-chain",
        "^1",
        "--from",
        "1.0.0",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["version"], "1.1.0");
    assert_eq!(r["path"], serde_json::json!(["1.1.0"]));

    let out = registry.souk(&["yank", "e2e/cold-chain@1.1.0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = registry.souk(&["--output", "json", "resolve", "e2e/cold-chain", "^1"]);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["version"], "1.0.0");
    let out = registry.souk(&["yank", "e2e/cold-chain@1.1.0", "--undo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = registry.souk(&["--output", "json", "resolve", "e2e/cold-chain", "^1"]);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["version"], "1.1.0");

    // Nothing secret reached the server's log.
    assert!(!registry.log.lock().unwrap().contains(souk_e2e::ADMIN_TOKEN));
}

#[test]
fn publishing_needs_a_token_with_the_right_scope() {
    let registry = Registry::start();
    let work = tempfile::tempdir().unwrap();
    let dir = template_dir(work.path(), "e2e/scoped", "1.0.0", "Scoped.");
    let out = souk_with_env(
        &["publish", dir.to_str().unwrap()],
        &[("SOUK_REGISTRY", &registry.url)],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("hint:"), "{}", stderr(&out));
    let out = souk_with_env(
        &["publish", dir.to_str().unwrap()],
        &[
            ("SOUK_REGISTRY", &registry.url),
            ("SOUK_TOKEN", "souk_not_a_real_token"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn an_invalid_template_is_explained_and_nothing_is_published() {
    let registry = Registry::start();
    let work = tempfile::tempdir().unwrap();
    let dir = template_dir(work.path(), "e2e/broken", "1.0.0", "Broken.");
    let text = std::fs::read_to_string(dir.join("souk.yaml"))
        .unwrap()
        .replace("port: 80", "port: 80000")
        .replace(
            "image: nginx:1.25.4",
            "image: nginx:1.25.4\n    dependsOn: [db]",
        );
    std::fs::write(dir.join("souk.yaml"), text).unwrap();
    let out = registry.souk(&["publish", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("components[0].ports[0].port"), "{err}");
    assert!(err.contains("components[0].dependsOn[0]"), "{err}");
    let out = registry.souk(&["--output", "json", "search", "broken"]);
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(found["total"], 0, "{found}");
}
