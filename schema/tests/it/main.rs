//! Integration tests of souk-schema: the format's rules, packaging and unpacking.

mod import;
mod package;
mod validate;

use std::path::{Path, PathBuf};

/// The example of `template-format.md`, with the files it references.
pub fn spec_example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spec-example")
}

/// A copy of the spec example in a fresh temporary folder.
pub fn spec_example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&spec_example(), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
