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

#[test]
fn a_bad_version_requirement_shows_the_accepted_syntax() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        &["resolve", "acme/shop", "one or two"][..],
        &["install", "acme/shop@latest", "--release", "wh"],
        &["upgrade", "wh", "--requirement", ">>1"],
    ] {
        let run = souk(tmp.path(), args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        for example in ["^1.2", "~1.4", ">=1.2, <3", "=1.2.3", "*"] {
            assert!(run.stderr.contains(example), "{args:?}: {}", run.stderr);
        }
    }
}

#[test]
fn usage_errors_honour_output_json() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        &["--output", "json", "frobnicate"][..],
        &["info", "acme", "--output=json"],
        &["--output", "json", "resolve", "acme/shop", "one or two"],
    ] {
        let run = souk(tmp.path(), args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        let body: serde_json::Value =
            serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {run:?}"));
        assert_eq!(body["error"]["code"], "usage", "{body}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    // --help is not an error, even with --output json.
    let run = souk(tmp.path(), &["--output", "json", "--help"]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn completions_for_each_shell() {
    let tmp = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef souk"),
        ("fish", "complete -c souk"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let run = souk(tmp.path(), &["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {run:?}");
        assert!(run.stdout.contains(marker), "{shell}: {}", run.stdout);
        // every command is offered
        assert!(run.stdout.contains("upgrade") && run.stdout.contains("completions"));
    }
    let run = souk(tmp.path(), &["completions", "tcsh"]);
    assert_eq!(run.code, 2, "{run:?}");
}
