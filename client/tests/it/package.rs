//! `souk package`: reproducible bytes, and the digest printed is the file's.

use crate::{souk, write_template, GOOD};
use sha2::{Digest, Sha256};
use std::path::Path;

/// `PATH DIGEST` from `souk package`'s stdout.
fn path_and_digest(stdout: &str) -> (String, String) {
    let line = stdout.trim_end();
    assert_eq!(line.lines().count(), 1, "one line expected: {stdout:?}");
    let (path, digest) = line.rsplit_once(' ').expect("PATH DIGEST");
    (path.to_string(), digest.to_string())
}

fn sha256(path: &Path) -> String {
    format!("sha256:{:x}", Sha256::digest(std::fs::read(path).unwrap()))
}

#[test]
fn packing_twice_gives_the_same_bytes_and_the_printed_digest_is_the_files() {
    let tmp = tempfile::tempdir().unwrap();
    write_template(&tmp.path().join("shop"), GOOD);

    let first = souk(tmp.path(), &["package", "shop", "-o", "one"]);
    assert_eq!(first.code, 0, "{first:?}");
    let (path1, digest1) = path_and_digest(&first.stdout);
    assert_eq!(path1, "one/shop-1.0.0.tgz");

    // Touch every file: times must not reach the package.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    write_template(&tmp.path().join("shop"), GOOD);

    let second = souk(tmp.path(), &["package", "shop", "--out-dir", "two"]);
    assert_eq!(second.code, 0, "{second:?}");
    let (path2, digest2) = path_and_digest(&second.stdout);

    let bytes1 = std::fs::read(tmp.path().join(&path1)).unwrap();
    let bytes2 = std::fs::read(tmp.path().join(&path2)).unwrap();
    assert_eq!(
        bytes1, bytes2,
        "the same folder must pack to the same bytes"
    );
    assert_eq!(digest1, digest2);
    assert_eq!(digest1, sha256(&tmp.path().join(&path1)));
    assert!(
        second
            .stderr
            .contains("packaged `acme/shop@1.0.0`: 4 files"),
        "{second:?}"
    );
}

#[test]
fn the_default_output_folder_is_the_current_one() {
    let tmp = tempfile::tempdir().unwrap();
    write_template(tmp.path(), GOOD);
    let run = souk(tmp.path(), &["package"]);
    assert_eq!(run.code, 0, "{run:?}");
    let (path, digest) = path_and_digest(&run.stdout);
    assert_eq!(path, "shop-1.0.0.tgz");
    assert_eq!(digest, sha256(&tmp.path().join(path)));
    // The package written into the folder is not packed the next time: only
    // `souk.yaml` and what it references go in.
    let again = souk(tmp.path(), &["package"]);
    assert_eq!(path_and_digest(&again.stdout).1, digest);
}

#[test]
fn json_output_describes_the_package() {
    let tmp = tempfile::tempdir().unwrap();
    write_template(tmp.path(), GOOD);
    std::fs::write(tmp.path().join("notes.txt"), "not referenced").unwrap();
    let run = souk(tmp.path(), &["package", "--output", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["name"], "acme/shop");
    assert_eq!(json["version"], "1.0.0");
    assert_eq!(json["path"], "shop-1.0.0.tgz");
    assert_eq!(
        json["digest"],
        sha256(&tmp.path().join("shop-1.0.0.tgz")).as_str()
    );
    assert_eq!(
        json["files"],
        serde_json::json!([
            "README.md",
            "files/schema.sql",
            "files/shop.conf",
            "souk.yaml"
        ])
    );
    assert_eq!(
        json["size"].as_u64().unwrap(),
        std::fs::metadata(tmp.path().join("shop-1.0.0.tgz"))
            .unwrap()
            .len()
    );
}

#[test]
fn an_invalid_folder_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    write_template(tmp.path(), &GOOD.replace("port: 8080", "port: 0"));
    let run = souk(tmp.path(), &["package", "-o", "dist"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("error: components[1].ports[0].port: "),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("error: `.` is not a valid template (1 problem)"),
        "{run:?}"
    );
    assert!(!tmp.path().join("dist").exists());
}
