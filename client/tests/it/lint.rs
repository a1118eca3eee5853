//! `souk lint`: every problem printed with its path, and the exit code.

use crate::{souk, write_template, GOOD};

#[test]
fn a_good_folder_passes() {
    let tmp = tempfile::tempdir().unwrap();
    write_template(&tmp.path().join("shop"), GOOD);
    let run = souk(tmp.path(), &["lint", "shop"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .contains("`shop` is valid: `acme/shop@1.0.0`, 4 files"),
        "{run:?}"
    );

    let run = souk(tmp.path(), &["lint", "shop", "--output", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&run.stdout).unwrap(),
        serde_json::json!([])
    );
}

#[test]
fn the_current_folder_is_the_default() {
    let tmp = tempfile::tempdir().unwrap();
    write_template(tmp.path(), GOOD);
    let run = souk(tmp.path(), &["lint"]);
    assert_eq!(run.code, 0, "{run:?}");
}

const BAD: &str = r#"apiVersion: souk/v1
kind: Template
name: Acme/shop
version: "1.0"
title: Shop
summary: A shop.
category: other
readme: README.md
changelog: CHANGELOG.md
parameters:
  - name: admin-password
    type: secret
components:
  - name: web
    image: "nginx:1.27"
    env:
      PASSWORD: ${params.admin_password}
    ports:
      - {name: http, port: 70000}
    dependsOn: [db]
"#;

#[test]
fn every_problem_is_printed_with_its_path() {
    let tmp = tempfile::tempdir().unwrap();
    write_template(&tmp.path().join("bad"), BAD);
    let run = souk(tmp.path(), &["lint", "bad"]);
    assert_eq!(run.code, 1, "{run:?}");
    insta::assert_snapshot!(run.transcript(&[]));
    for path in [
        "name",
        "version",
        "parameters[0].name",
        "components[0].ports[0].port",
        "components[0].dependsOn[0]",
        "changelog",
    ] {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with(&format!("error: {path}: "))),
            "no problem at `{path}` in:\n{}",
            run.stdout
        );
    }

    // The same problems as JSON, one object per line of text.
    let json = souk(tmp.path(), &["lint", "bad", "--output", "json"]);
    assert_eq!(json.code, 1, "{json:?}");
    let problems: Vec<serde_json::Value> = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(problems.len(), run.stdout.lines().count());
    assert!(problems
        .iter()
        .all(|p| p["path"].is_string() && p["message"].is_string()));
}

#[test]
fn a_missing_folder_is_an_error_that_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let run = souk(tmp.path(), &["lint", "no-such-folder"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "error: `no-such-folder` does not exist\n");
}

#[test]
fn a_folder_without_a_manifest_gets_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let run = souk(tmp.path(), &["lint", "."]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .starts_with("error: no `souk.yaml` in `.`\nhint: "),
        "{run:?}"
    );

    let run = souk(tmp.path(), &["lint", ".", "--output", "json"]);
    let error: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(error["error"]["code"], "no_manifest");
}

#[test]
fn a_package_can_be_linted_too() {
    let tmp = tempfile::tempdir().unwrap();
    write_template(&tmp.path().join("shop"), GOOD);
    assert_eq!(souk(tmp.path(), &["package", "shop"]).code, 0);
    let run = souk(tmp.path(), &["lint", "shop-1.0.0.tgz"]);
    assert_eq!(run.code, 0, "{run:?}");

    std::fs::write(tmp.path().join("broken.tgz"), b"not gzip at all").unwrap();
    let run = souk(tmp.path(), &["lint", "broken.tgz"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("`broken.tgz` is not a readable `.tgz` package"),
        "{run:?}"
    );
}

#[test]
fn an_unknown_category_is_a_warning_not_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    write_template(
        tmp.path(),
        &GOOD.replace("category: other", "category: groceries"),
    );
    let run = souk(tmp.path(), &["lint"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains("warning: category `groceries`"),
        "{run:?}"
    );
}

#[test]
fn output_to_a_pipe_has_no_colours_even_without_no_color() {
    let tmp = tempfile::tempdir().unwrap();
    write_template(tmp.path(), BAD);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_souk"))
        .arg("lint")
        .current_dir(tmp.path())
        .env_remove("NO_COLOR")
        .env("TERM", "xterm-256color")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(!output.stdout.is_empty());
    assert!(!output.stdout.contains(&0x1b) && !output.stderr.contains(&0x1b));
}
