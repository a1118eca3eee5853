//! Bad usage exits 2; help teaches with examples.

use crate::souk;

#[test]
fn bad_usage_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        &["frobnicate"][..],
        &[],
        &["info", "acme"],
        &["info", "Acme/shop"],
        &["info", "acme/shop@1.0"],
        &["info", "acme/shop@1.0.0+build.1"],
        &["yank", "acme/shop"],
        &["yank"],
        &["resolve", "acme/shop", "not a requirement"],
        &["resolve", "acme/shop", "^1", "--from", "one"],
        &["search", "--page", "0"],
        &["--output", "yaml", "schema"],
        &["--registry", "not a url", "search"],
        &["--registry", "ftp://example.com", "search"],
        &["lint", "a", "b"],
    ] {
        let run = souk(tmp.path(), args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(
            run.stderr.starts_with("error: ") || run.stderr.starts_with("souk"),
            "{args:?}: {run:?}"
        );
    }
}

#[test]
fn a_malformed_version_reference_says_what_is_expected() {
    let tmp = tempfile::tempdir().unwrap();
    let run = souk(tmp.path(), &["yank", "acme/shop"]);
    insta::assert_snapshot!(run.transcript(&[]));
}

#[test]
fn help_shows_examples() {
    let tmp = tempfile::tempdir().unwrap();
    let run = souk(tmp.path(), &["--help"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("Examples:\n  souk lint"),
        "{}",
        run.stdout
    );
    for command in [
        "lint", "package", "publish", "search", "info", "resolve", "yank", "schema",
    ] {
        let run = souk(tmp.path(), &[command, "--help"]);
        assert_eq!(run.code, 0, "{command}");
        assert!(
            run.stdout.contains("Examples:"),
            "{command} --help has no examples"
        );
        assert!(
            run.stdout.contains("--registry <URL>"),
            "{command} --help lacks the global flags"
        );
    }
}
