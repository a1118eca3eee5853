//! Points `include_dir!` at the repository's `examples/` (the demo catalog), or
//! at an empty folder when there is none, and rebuilds when the examples or the
//! migrations (embedded by `embed_migrations!`) change.

use std::path::PathBuf;

fn main() {
    let manifest_dir =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let examples = manifest_dir.join("../examples");
    println!("cargo:rerun-if-changed=../examples");
    println!("cargo:rerun-if-changed=../migrations/sqlite");
    println!("cargo:rerun-if-changed=../migrations/postgres");
    let dir = if examples.is_dir() {
        examples
    } else {
        let empty =
            PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it")).join("no-examples");
        std::fs::create_dir_all(&empty).expect("creating an empty examples folder");
        empty
    };
    println!("cargo:rustc-env=SOUK_EXAMPLES_DIR={}", dir.display());
}
