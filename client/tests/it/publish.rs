//! `souk publish` without a reachable registry: the package is checked first,
//! and a refused connection is explained with a hint.

use crate::{souk, souk_with_env, write_template, GOOD};

/// Nothing listens on the discard port.
const UNREACHABLE: &str = "http://127.0.0.1:9";

#[test]
fn an_unreachable_registry_fails_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    write_template(tmp.path(), GOOD);
    let run = souk(tmp.path(), &["--registry", UNREACHABLE, "publish"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .contains("error: cannot connect to the registry at `http://127.0.0.1:9/`"),
        "{run:?}"
    );
    let hint = run
        .stderr
        .lines()
        .find(|l| l.starts_with("hint: "))
        .expect("a hint");
    assert!(
        hint.contains("--registry") && hint.contains("SOUK_REGISTRY"),
        "{hint}"
    );
}

#[test]
fn the_registry_can_come_from_the_environment() {
    let tmp = tempfile::tempdir().unwrap();
    write_template(tmp.path(), GOOD);
    let run = souk_with_env(
        tmp.path(),
        &["publish", "--output", "json"],
        &[
            ("SOUK_REGISTRY", UNREACHABLE),
            ("SOUK_TOKEN", "s3cret-token"),
        ],
    );
    assert_eq!(run.code, 1, "{run:?}");
    let json: serde_json::Value =
        serde_json::from_str(&run.stdout).expect("a JSON error on stdout");
    assert_eq!(json["error"]["code"], "connection_failed");
    assert!(json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("127.0.0.1:9"));
    assert!(!run.stdout.contains("s3cret") && !run.stderr.contains("s3cret"));
}

#[test]
fn a_package_is_checked_before_anything_is_sent() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("broken.tgz"),
        b"\x1f\x8b but not really gzip",
    )
    .unwrap();
    let run = souk(
        tmp.path(),
        &["--registry", UNREACHABLE, "publish", "broken.tgz"],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("`broken.tgz` is not a readable `.tgz` package"),
        "{run:?}"
    );
    assert!(
        !run.stderr.contains("connect"),
        "nothing should be sent: {run:?}"
    );

    write_template(
        &tmp.path().join("bad"),
        &GOOD.replace("image: mysql:8.0.36", "image: 'not an image'"),
    );
    let run = souk(tmp.path(), &["--registry", UNREACHABLE, "publish", "bad"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.starts_with("error: components[0].image: "),
        "{run:?}"
    );
    assert!(
        !run.stderr.contains("connect"),
        "nothing should be sent: {run:?}"
    );
}

#[test]
fn a_package_made_by_souk_package_is_sent_as_it_is() {
    let tmp = tempfile::tempdir().unwrap();
    write_template(&tmp.path().join("shop"), GOOD);
    assert_eq!(souk(tmp.path(), &["package", "shop"]).code, 0);
    let run = souk(
        tmp.path(),
        &["--registry", UNREACHABLE, "publish", "shop-1.0.0.tgz"],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.starts_with("publishing `acme/shop@1.0.0`"),
        "{run:?}"
    );
    assert!(run.stderr.contains("cannot connect"), "{run:?}");
}

#[test]
fn every_registry_command_explains_an_unreachable_registry() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        &["search", "warehouse"][..],
        &["info", "acme/shop"],
        &["info", "acme/shop@1.0.0"],
        &["resolve", "acme/shop", "^1"],
        &["yank", "acme/shop@1.0.0"],
    ] {
        let mut all = vec!["--registry", UNREACHABLE];
        all.extend_from_slice(args);
        let run = souk(tmp.path(), &all);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(
            run.stderr.contains("hint: is a registry running there?"),
            "{args:?}: {run:?}"
        );
    }
}
