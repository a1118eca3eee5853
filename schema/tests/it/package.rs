//! Packing is reproducible; unpacking refuses anything unsafe before using it.

use flate2::write::GzEncoder;
use flate2::Compression;
use souk_schema::package::{pack_dir, unpack, write_tgz, MAX_ENTRIES};
use souk_schema::{Digest, Error};
use std::io::Write;

#[test]
fn the_same_folder_packs_to_the_same_bytes() {
    let a = pack_dir(&crate::spec_example()).unwrap();
    // A copy made later has other mtimes, owners and directory order.
    let copy = crate::spec_example_copy();
    std::fs::write(copy.path().join("unreferenced.txt"), "not packed").unwrap();
    let b = pack_dir(copy.path()).unwrap();
    assert_eq!(a.bytes, b.bytes);
    assert_eq!(a.package.digest, Digest::of(&a.bytes));
    assert_eq!(a.package.digest, b.package.digest);
    assert_eq!(a.file_name(), "smart-warehouse-1.2.0.tgz");
    let names: Vec<&str> = a.package.files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "CHANGELOG.md",
            "README.md",
            "files/app.cnf",
            "files/schema.sql",
            "icon.svg",
            "souk.yaml"
        ]
    );
}

#[test]
fn a_package_unpacks_to_what_was_packed() {
    let packed = pack_dir(&crate::spec_example()).unwrap();
    let pkg = unpack(&packed.bytes).unwrap();
    assert_eq!(pkg.digest, packed.package.digest);
    assert_eq!(pkg.template, packed.package.template);
    assert_eq!(pkg.template.name().to_string(), "acme/smart-warehouse");
    assert!(pkg.readme().unwrap().contains("Smart warehouse"));
    assert_eq!(pkg.icon().unwrap().1, "image/svg+xml");
}

#[test]
fn packing_reports_missing_files_with_all_other_problems() {
    let dir = crate::spec_example_copy();
    std::fs::remove_file(dir.path().join("files/schema.sql")).unwrap();
    std::fs::remove_file(dir.path().join("icon.svg")).unwrap();
    let Error::Invalid(p) = pack_dir(dir.path()).unwrap_err() else {
        panic!("expected an invalid template")
    };
    let paths: Vec<&str> = p.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["icon", "components[0].init[0].files[0]"], "{p}");
}

#[test]
fn references_inside_config_files_are_checked() {
    let dir = crate::spec_example_copy();
    std::fs::write(
        dir.path().join("files/app.cnf"),
        "[mysqld]\nport=${components.mysql.ports.nope}\n",
    )
    .unwrap();
    let Error::Invalid(p) = pack_dir(dir.path()).unwrap_err() else {
        panic!("expected an invalid template")
    };
    assert_eq!(p.0.len(), 1, "{p}");
    assert_eq!(p.0[0].path, "components[0].configFiles[0].source");
    assert!(p.0[0].message.contains("in `files/app.cnf`"), "{p}");
}

#[cfg(unix)]
#[test]
fn packing_refuses_a_symlinked_file() {
    let dir = crate::spec_example_copy();
    std::fs::remove_file(dir.path().join("README.md")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("README.md")).unwrap();
    let err = pack_dir(dir.path()).unwrap_err();
    assert!(err.to_string().contains("invalid template"), "{err}");
    assert!(err.problems().unwrap().0[0]
        .message
        .contains("symbolic link"));
}

#[test]
fn a_folder_without_manifest_says_so() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(pack_dir(dir.path()), Err(Error::NoManifest(_))));
}

/// A tarball written entry by entry with raw headers, so that it can hold what
/// `tar::Builder` itself refuses to write.
fn raw_tgz(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (path, kind, data) in entries {
        let mut h = tar::Header::new_gnu();
        let name = &mut h.as_old_mut().name;
        name[..path.len()].copy_from_slice(path.as_bytes());
        h.set_entry_type(*kind);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        if kind.is_symlink() || *kind == tar::EntryType::Link {
            h.set_link_name("souk.yaml").unwrap();
        }
        h.set_cksum();
        tar.append(&h, *data).unwrap();
    }
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(&tar.into_inner().unwrap()).unwrap();
    gz.finish().unwrap()
}

fn manifest_bytes() -> Vec<u8> {
    b"apiVersion: souk/v1\nkind: Template\nname: acme/demo\nversion: 1.0.0\ntitle: Demo\nsummary: A demo.\ncategory: iot\ncomponents:\n  - name: web\n    image: nginx:1.25\n".to_vec()
}

fn refused(bytes: &[u8], want: &str) {
    let err = unpack(bytes).unwrap_err();
    assert!(
        matches!(err, Error::UnsafePackage(_) | Error::TooLarge(_)),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(want),
        "`{err}` should mention `{want}`"
    );
}

#[test]
fn unpacking_refuses_unsafe_entries() {
    use tar::EntryType::*;
    let m = manifest_bytes();
    refused(
        &raw_tgz(&[("souk.yaml", Regular, &m), ("../evil", Regular, b"x")]),
        "`..` path",
    );
    refused(
        &raw_tgz(&[("souk.yaml", Regular, &m), ("a/../../evil", Regular, b"x")]),
        "`..` path",
    );
    refused(
        &raw_tgz(&[("souk.yaml", Regular, &m), ("/etc/cron.d/x", Regular, b"x")]),
        "absolute",
    );
    refused(
        &raw_tgz(&[("souk.yaml", Regular, &m), ("link", Symlink, b"")]),
        "symbolic link",
    );
    refused(
        &raw_tgz(&[("souk.yaml", Regular, &m), ("hard", Link, b"")]),
        "hard link",
    );
    refused(
        &raw_tgz(&[("souk.yaml", Regular, &m), ("dev", Char, b"")]),
        "device file",
    );
    refused(
        &raw_tgz(&[("souk.yaml", Regular, &m), ("souk.yaml", Regular, &m)]),
        "appears twice",
    );
}

#[test]
fn unpacking_enforces_the_limits() {
    use tar::EntryType::*;
    let m = manifest_bytes();
    // Over the entry limit.
    let names: Vec<String> = (0..=MAX_ENTRIES).map(|i| format!("f{i}")).collect();
    let mut entries: Vec<(&str, tar::EntryType, &[u8])> = vec![("souk.yaml", Regular, &m)];
    entries.extend(names.iter().map(|n| (n.as_str(), Regular, &b""[..])));
    refused(&raw_tgz(&entries), "more than 1000 entries");
    // A small .tgz that unpacks past 100 MiB (a gzip bomb).
    let zeros = vec![0u8; 101 * 1024 * 1024];
    let bomb = raw_tgz(&[("souk.yaml", Regular, &m), ("zeros", Regular, &zeros)]);
    assert!(bomb.len() < 1024 * 1024);
    refused(&bomb, "more than 104857600 bytes");
    // Over 20 MiB packed.
    let big = vec![7u8; 21 * 1024 * 1024];
    refused(&big, "20 MiB");
}

#[test]
fn unpacking_refuses_garbage_and_extra_files() {
    assert!(matches!(unpack(b"not a tarball"), Err(Error::Corrupt(_))));
    let mut files = souk_schema::validate::Files::new();
    files.insert("souk.yaml".into(), manifest_bytes());
    files.insert("stowaway.sh".into(), b"rm -rf /".to_vec());
    let err = unpack(&write_tgz(&files).unwrap()).unwrap_err();
    assert!(err.problems().unwrap().0[0]
        .message
        .contains("`stowaway.sh` is in the package"));
    files.remove("stowaway.sh");
    files.remove("souk.yaml");
    files.insert("README.md".into(), b"hi".to_vec());
    assert!(matches!(
        unpack(&write_tgz(&files).unwrap()),
        Err(Error::NoManifest(_))
    ));
}

#[test]
fn a_folder_archived_by_hand_packs_like_the_folder() {
    let packed = pack_dir(&crate::spec_example()).unwrap();
    // The canonical package comes back byte for byte.
    let again = souk_schema::package::pack_archive(&packed.bytes).unwrap();
    assert_eq!(again.bytes, packed.bytes);
    // `tar czf app.tgz app/`: one top-level folder, and a file not referenced.
    let mut files = souk_schema::validate::Files::new();
    for (path, data) in &packed.package.files {
        files.insert(format!("app/{path}"), data.clone());
    }
    files.insert("app/notes.txt".into(), b"not referenced".to_vec());
    let by_hand = write_tgz(&files).unwrap();
    let repacked = souk_schema::package::pack_archive(&by_hand).unwrap();
    assert_eq!(repacked.bytes, packed.bytes);
    assert_eq!(repacked.package.digest, packed.package.digest);
    // Two top-level folders: which one is meant is unknown.
    files.insert("other/souk.yaml".into(), b"x".to_vec());
    let two = write_tgz(&files).unwrap();
    assert!(matches!(
        souk_schema::package::pack_archive(&two),
        Err(Error::NoManifest(_))
    ));
}
