//! `souk import`: every corpus file becomes a folder that lints clean, with its
//! warnings on stderr; an existing folder is not overwritten by accident.

use super::souk;
use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    dir.is_dir().then_some(dir)
}

#[test]
fn every_corpus_file_imports_into_a_folder_that_lints_clean() {
    let Some(corpus) = corpus() else {
        eprintln!("SKIPPED: ../shared/corpus is not beside the repository");
        return;
    };
    let work = tempfile::tempdir().unwrap();
    for (kind, folder) in [("compose", "compose"), ("rainbond", "rainbond")] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(corpus.join(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty());
        for file in files {
            let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
            let out = work.path().join(format!("{kind}-{stem}"));
            let run = souk(
                work.path(),
                &[
                    "import",
                    kind,
                    file.to_str().unwrap(),
                    "-o",
                    out.to_str().unwrap(),
                ],
            );
            assert_eq!(run.code, 0, "{}: {}", file.display(), run.stderr);
            assert_eq!(run.stdout.trim(), out.to_str().unwrap());
            // Every import at least asks for a category.
            assert!(run.stderr.contains("warning: "), "{}", run.stderr);
            let lint = souk(work.path(), &["lint", out.to_str().unwrap()]);
            assert_eq!(lint.code, 0, "{}: {}", file.display(), lint.stdout);
        }
    }
}

#[test]
fn an_existing_folder_needs_force() {
    let Some(corpus) = corpus() else {
        eprintln!("SKIPPED: ../shared/corpus is not beside the repository");
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let file = corpus.join("compose/wordpress-mysql.yaml");
    let file = file.to_str().unwrap();
    let first = souk(work.path(), &["import", "compose", file]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(first.stdout.trim(), "wordpress-mysql");
    let second = souk(work.path(), &["import", "compose", file]);
    assert_eq!(second.code, 1);
    assert!(
        second.stderr.contains("already exists and is not empty"),
        "{}",
        second.stderr
    );
    assert!(second.stderr.contains("hint: "), "{}", second.stderr);
    let forced = souk(
        work.path(),
        &[
            "--output",
            "json",
            "import",
            "compose",
            file,
            "--force",
            "--namespace",
            "acme",
        ],
    );
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    let out: serde_json::Value = serde_json::from_str(&forced.stdout).unwrap();
    assert_eq!(out["name"], "acme/wordpress-mysql");
    assert!(!out["warnings"].as_array().unwrap().is_empty());
}

#[test]
fn build_only_services_take_an_image_from_the_command_line() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("compose.yaml"),
        "services:\n  api:\n    build: .\n    ports: [\"8080:8080\"]\n",
    )
    .unwrap();
    let run = souk(
        work.path(),
        &[
            "import",
            "compose",
            "compose.yaml",
            "-o",
            "app",
            "--image",
            "api=registry.example.com/acme/api:1.0.0",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let manifest = std::fs::read_to_string(work.path().join("app/souk.yaml")).unwrap();
    assert!(
        manifest.contains("registry.example.com/acme/api:1.0.0"),
        "{manifest}"
    );
    let bad = souk(
        work.path(),
        &["import", "compose", "compose.yaml", "--image", "api"],
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

#[test]
fn malformed_input_is_explained() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("bad.json"), "{\"apps\": ").unwrap();
    let run = souk(work.path(), &["import", "rainbond", "bad.json"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("cannot import `bad.json`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("line 1"), "{}", run.stderr);
    let run = souk(work.path(), &["import", "compose", "missing.yaml"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("missing.yaml"), "{}", run.stderr);
}
