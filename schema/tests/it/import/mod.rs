//! The importers: every file of the shared corpus imports into a template that
//! packs, unpacks and validates as it is, with a warning for each thing dropped;
//! small sources written here check one rule each (`compose_rules.rs`, `rainbond_rules.rs`).

mod compose_rules;
mod rainbond_rules;

use serde_json::json;
use souk_schema::import::{compose, rainbond, ImportError, Imported};
use souk_schema::manifest::{parse, Manifest, ParamType, PluginKind, PortRef, Protocol};
use souk_schema::package::{pack_dir, unpack, write_tgz};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The files of `../shared/corpus/KIND`, or `None` (with a message) when the
/// shared folder is not beside the repository.
fn corpus(kind: &str) -> Option<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus")
        .join(kind);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "SKIPPED: no corpus folder at {}: the shared folder is not beside the repository",
            dir.display()
        );
        return None;
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    Some(files)
}

fn file_name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

/// The import is publishable as it is: its `souk.yaml` parses back, and its
/// files pack and unpack (which validates the template with its files and
/// refuses files it does not reference).
fn assert_publishable(what: &str, imported: &Imported) -> Manifest {
    let manifest = parse(imported.manifest_text())
        .unwrap_or_else(|p| panic!("{what}: souk.yaml does not parse back: {p}"));
    let bytes = write_tgz(&imported.files).unwrap();
    let package = unpack(&bytes).unwrap_or_else(|e| {
        panic!(
            "{what}: {e}\n{}",
            e.problems().map(|p| p.to_string()).unwrap_or_default()
        )
    });
    assert_eq!(package.template.manifest(), &manifest, "{what}");
    manifest
}

fn fields(imported: &Imported) -> Vec<&str> {
    imported.warnings.iter().map(|w| w.field.as_str()).collect()
}

fn has_warning(imported: &Imported, field: &str, fragment: &str) -> bool {
    imported
        .warnings
        .iter()
        .any(|w| w.field == field && w.reason.contains(fragment))
}

#[track_caller]
fn assert_warning(imported: &Imported, field: &str, fragment: &str) {
    assert!(
        has_warning(imported, field, fragment),
        "no warning at `{field}` containing `{fragment}`; warnings:\n{}",
        imported
            .warnings
            .iter()
            .map(|w| w.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn every_rainbond_template_of_the_corpus_imports_into_a_valid_template() {
    let Some(files) = corpus("rainbond") else {
        return;
    };
    // What must be warned about in the files we know; any other file must
    // still import cleanly with at least the category warning.
    let expected: BTreeMap<&str, &[(&str, &str)]> = BTreeMap::from([
        (
            "ghost-mariadb.json",
            &[
                ("pic", "is a file on the Rainbond console"),
                ("", "no market category"),
            ][..],
        ),
        (
            "kong.json",
            &[
                (
                    "apps[0].service_image",
                    "registry credentials are never carried over",
                ),
                (
                    "apps[1].service_image",
                    "registry credentials are never carried over",
                ),
                (
                    "apps[2].service_image",
                    "registry credentials are never carried over",
                ),
                (
                    "plugins[0].plugin_image",
                    "registry credentials are never carried over",
                ),
                ("plugins[0].category", "Rainbond's own platform services"),
                (
                    "apps[2].service_related_plugin_config[0].attr",
                    "per port (8000, 8001, 8443, 8444)",
                ),
                ("apps[2].service_env_map_list[3]", "local mesh address"),
            ][..],
        ),
    ]);
    for path in files {
        let name = file_name(&path);
        let text = std::fs::read_to_string(&path).unwrap();
        let imported =
            rainbond::import(&text, &Default::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let manifest = assert_publishable(&name, &imported);
        assert!(!imported.warnings.is_empty(), "{name}: no warnings");
        assert_warning(&imported, "", "no market category");
        assert_eq!(manifest.category, "other");
        for (field, fragment) in expected.get(name.as_str()).copied().unwrap_or_default() {
            assert_warning(&imported, field, fragment);
        }
        assert!(
            !imported.manifest_text().contains("REDACTED"),
            "{name}: credentials leaked"
        );
    }
}

/// Service keys the Compose importer carries over (possibly with warnings about
/// parts of them); any other key must be named in a warning.
const CARRIED: &[&str] = &[
    "image",
    "ports",
    "expose",
    "environment",
    "env_file",
    "volumes",
    "depends_on",
    "links",
    "healthcheck",
    "command",
    "entrypoint",
    "deploy",
    "scale",
    "mem_limit",
    "cpus",
    "secrets",
    "configs",
];

#[test]
fn every_compose_file_of_the_corpus_imports_into_a_valid_template() {
    let Some(files) = corpus("compose") else {
        return;
    };
    for path in files {
        let name = file_name(&path);
        let imported = compose::import_file(&path, &Default::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let manifest = assert_publishable(&name, &imported);
        let stem = path.file_stem().unwrap().to_string_lossy().to_lowercase();
        assert_eq!(manifest.name, format!("imported/{stem}"), "{name}");
        assert_eq!(manifest.version, "0.1.0");
        assert_warning(&imported, "", "no market category");

        // Nothing is dropped silently: every key the importer does not carry
        // over has its warning, service by service.
        let source: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let services = source["services"].as_mapping().unwrap();
        assert_eq!(manifest.components.len(), services.len(), "{name}");
        for (service, def) in services {
            let service = service.as_str().unwrap();
            for key in def.as_mapping().unwrap().keys() {
                let key = key.as_str().unwrap();
                if key == "build" || !CARRIED.contains(&key) {
                    let field = format!("services.{service}.{key}");
                    assert!(
                        fields(&imported).contains(&field.as_str()),
                        "{name}: `{field}` is dropped without a warning"
                    );
                }
            }
            if def.get("image").is_none() {
                let c = manifest
                    .components
                    .iter()
                    .find(|c| c.name == service)
                    .unwrap();
                assert_eq!(c.image, format!("imported/{service}:latest"), "{name}");
            }
        }
        for key in source.as_mapping().unwrap().keys() {
            let key = key.as_str().unwrap();
            if !matches!(key, "services" | "name" | "volumes" | "secrets" | "configs") {
                assert!(
                    fields(&imported).contains(&key),
                    "{name}: top-level `{key}` is dropped without a warning"
                );
            }
        }
    }
}

fn snapshot(name: &str, imported: &Imported) {
    let files: BTreeMap<&str, String> = imported
        .files
        .iter()
        .filter(|(p, _)| p.as_str() != "souk.yaml")
        .map(|(p, b)| (p.as_str(), String::from_utf8_lossy(b).into_owned()))
        .collect();
    insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(format!("{name}.souk.yaml"), imported.manifest_text());
        insta::assert_json_snapshot!(format!("{name}.warnings"), imported.warnings);
        insta::assert_json_snapshot!(format!("{name}.files"), files);
    });
}

#[test]
fn snapshots_of_three_imported_templates() {
    if let Some(files) = corpus("rainbond") {
        for stem in ["ghost-mariadb", "kong"] {
            let path = files
                .iter()
                .find(|p| file_name(p) == format!("{stem}.json"));
            let text = std::fs::read_to_string(path.expect("in the corpus")).unwrap();
            snapshot(stem, &rainbond::import(&text, &Default::default()).unwrap());
        }
    }
    if let Some(files) = corpus("compose") {
        let path = files
            .iter()
            .find(|p| file_name(p) == "nginx-golang-postgres.yaml")
            .expect("in the corpus");
        snapshot(
            "nginx-golang-postgres",
            &compose::import_file(path, &Default::default()).unwrap(),
        );
    }
}

#[test]
fn malformed_inputs_give_clear_errors() {
    let rb = |text: &str| rainbond::import(text, &Default::default()).unwrap_err();
    let err = rb("{\"apps\": [\n  {\"image\": }\n]}");
    assert!(matches!(err, ImportError::Json { line: 2, .. }), "{err:?}");
    assert!(err.to_string().starts_with("not valid JSON: "), "{err}");
    assert!(err.to_string().contains("line 2, column"), "{err}");

    let err = rb(r#"{"name": "x", "image": "nginx"}"#);
    assert!(matches!(err, ImportError::WrongKind { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.starts_with("not a Rainbond application template"),
        "{msg}"
    );
    assert!(
        msg.contains("`group_key`") && msg.contains("`apps`"),
        "{msg}"
    );
    assert!(
        msg.contains("found `") && msg.contains("`name`") && msg.contains("`image`"),
        "{msg}"
    );

    let err = rb("[1, 2]");
    assert!(
        err.to_string()
            .contains("expected a JSON object, found an array"),
        "{err}"
    );

    let err = rb(r#"{"group_name": "x", "apps": []}"#);
    assert_eq!(err.to_string(), "`apps`: the template has no components");

    let err = rb(r#"{"version_template": "{not json"}"#);
    assert!(
        err.to_string()
            .starts_with("`version_template`: holds a string that is not valid JSON"),
        "{err}"
    );

    let err = rb(r#"{"group_name": "x", "apps": [{"memory": "lots"}]}"#);
    assert_eq!(
        err.to_string(),
        "`apps[0].memory`: expected a number, found `lots`"
    );

    let err = rb(r#"{"group_name": "x", "apps": [{"service_cname": "a"}]}"#);
    assert!(
        err.to_string()
            .contains("no component has an image souk can use"),
        "{err}"
    );

    let err = rainbond::import(
        r#"{"apps": [{"image": "nginx"}]}"#,
        &rainbond::Options {
            namespace: Some("Acme".into()),
        },
    )
    .unwrap_err();
    assert!(
        err.to_string().starts_with("invalid namespace: `Acme`"),
        "{err}"
    );

    let co = |text: &str| compose::import(text, None, &Default::default()).unwrap_err();
    let err = co("services:\n  web:\n    image: [nginx\n");
    assert!(
        matches!(err, ImportError::Yaml { line: Some(_), .. }),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("not valid YAML: "), "{err}");
    assert!(err.to_string().contains("(line "), "{err}");

    let err = co("name: x\nvolumes:\n  data:\n");
    assert_eq!(err.to_string(), "not a Docker Compose file: no `services`");

    let err = co("web:\n  image: nginx\n");
    assert!(err.to_string().contains("version 1 format"), "{err}");

    let err = co("services: {}\n");
    assert!(
        err.to_string().starts_with("`services`: no services"),
        "{err}"
    );

    let err = co("services:\n  web:\n    ports: ['80:80']\n");
    assert_eq!(
        err.to_string(),
        "`services.web`: has neither `image` nor `build`"
    );

    let err = co("- 1\n- 2\n");
    assert!(
        err.to_string()
            .contains("expected a mapping with `services`, found a list"),
        "{err}"
    );

    let err = compose::import(
        "services:\n  web:\n    build: .\n",
        None,
        &compose::Options {
            images: BTreeMap::from([("api".into(), "acme/api:1".into())]),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid --image: no service named `api` (services: web)"
    );
}

fn param<'a>(m: &'a Manifest, name: &str) -> &'a souk_schema::manifest::Parameter {
    m.parameters
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no parameter `{name}` in {:?}", m.parameters))
}
