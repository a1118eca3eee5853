//! `souk export compose`: a template, rendered with its values, as a Compose
//! project that `docker-compose config` accepts; and the round trip
//! compose → template → compose keeps what a customer relies on.

use super::{souk, write_template, GOOD};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

fn read_yaml(path: &Path) -> Value {
    serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `docker-compose config -q` in `dir`, when docker-compose is installed.
fn compose_accepts(dir: &Path) {
    let Ok(out) = Command::new("docker-compose")
        .args(["config", "-q"])
        .current_dir(dir)
        .output()
    else {
        eprintln!("SKIPPED the docker-compose check: docker-compose is not installed");
        return;
    };
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "docker-compose config: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_template_becomes_a_compose_project() {
    let work = tempfile::tempdir().unwrap();
    write_template(&work.path().join("shop"), GOOD);
    let run = souk(
        work.path(),
        &[
            "export",
            "compose",
            "shop",
            "--set",
            "admin_password=s3cret$value",
            "-o",
            "out/docker-compose.yml",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.trim(), "out/docker-compose.yml");
    assert!(
        run.stderr.contains("holds the values of secret parameters"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("components.db.init"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("s3cret"),
        "a secret reached the output: {}",
        run.stderr
    );

    let doc = read_yaml(&work.path().join("out/docker-compose.yml"));
    let db = &doc["services"]["db"];
    assert_eq!(db["image"], "mysql:8.0.36");
    // `$` is doubled so that Compose does not interpolate it.
    assert_eq!(db["environment"]["MYSQL_ROOT_PASSWORD"], "s3cret$$value");
    assert_eq!(db["labels"]["souk.release"], "shop");
    let web = &doc["services"]["web"];
    assert_eq!(web["environment"]["DB_HOST"], "db");
    assert_eq!(web["depends_on"]["db"]["condition"], "service_started");
    assert_eq!(
        web["volumes"][0],
        "./souk-files/web/etc/shop/shop.conf:/etc/shop/shop.conf:ro"
    );
    let conf =
        std::fs::read_to_string(work.path().join("out/souk-files/web/etc/shop/shop.conf")).unwrap();
    assert_eq!(conf, "db = db\n");
    compose_accepts(&work.path().join("out"));

    // Not over an existing file without --force; missing values are named.
    let again = souk(
        work.path(),
        &[
            "export",
            "compose",
            "shop",
            "--set",
            "admin_password=x",
            "-o",
            "out/docker-compose.yml",
        ],
    );
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    let missing = souk(
        work.path(),
        &["export", "compose", "shop", "-o", "other.yml"],
    );
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("admin_password"),
        "{}",
        missing.stderr
    );
    assert!(!work.path().join("other.yml").exists());
}

/// What a customer relies on in a compose file, per service: its image,
/// published ports, environment variable names and named volumes' paths.
type Essentials = BTreeMap<String, (String, BTreeSet<String>, BTreeSet<String>, BTreeSet<String>)>;

fn essentials(doc: &Value) -> Essentials {
    let services = doc["services"].as_object().unwrap();
    services
        .iter()
        .map(|(name, s)| {
            let ports = s["ports"]
                .as_array()
                .map(|p| {
                    p.iter()
                        .map(|p| {
                            let p = p.as_str().map_or_else(|| p.to_string(), str::to_string);
                            p.trim_end_matches("/tcp").to_string()
                        })
                        .collect()
                })
                .unwrap_or_default();
            let env = match &s["environment"] {
                Value::Object(m) => m.keys().cloned().collect(),
                Value::Array(a) => a
                    .iter()
                    .map(|e| e.as_str().unwrap().split('=').next().unwrap().to_string())
                    .collect(),
                _ => BTreeSet::new(),
            };
            let volumes = s["volumes"]
                .as_array()
                .map(|v| {
                    v.iter()
                        .map(|v| v.as_str().unwrap().to_string())
                        .filter(|v| !v.starts_with('.'))
                        .map(|v| v.split(':').nth(1).unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default();
            (
                name.clone(),
                (
                    s["image"].as_str().unwrap().to_string(),
                    ports,
                    env,
                    volumes,
                ),
            )
        })
        .collect()
}

#[test]
fn compose_round_trips_through_a_template() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/compose");
    if !corpus.is_dir() {
        eprintln!("SKIPPED: ../shared/corpus is not beside the repository");
        return;
    }
    for file in [
        "wordpress-mysql.yaml",
        "gitea-postgres.yaml",
        "postgresql-pgadmin.yaml",
    ] {
        let work = tempfile::tempdir().unwrap();
        let source = corpus.join(file);
        let import = souk(
            work.path(),
            &["import", "compose", source.to_str().unwrap(), "-o", "t"],
        );
        assert_eq!(import.code, 0, "{file}: {}", import.stderr);
        // Answer every required parameter the import made.
        let manifest = souk_schema::manifest::parse(
            &std::fs::read_to_string(work.path().join("t/souk.yaml")).unwrap(),
        )
        .unwrap();
        let mut args: Vec<String> = ["export", "compose", "t", "-o", "back/docker-compose.yml"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for p in manifest
            .parameters
            .iter()
            .filter(|p| p.required && p.default.is_none())
        {
            args.push("--set".into());
            let value = if p.name == "domain" {
                "site.example.com"
            } else {
                "ValueFromTheTest0123456789"
            };
            args.push(format!("{}={value}", p.name));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let export = souk(work.path(), &args);
        assert_eq!(export.code, 0, "{file}: {}", export.stderr);

        let original = essentials(&read_yaml(&source));
        let back = essentials(&read_yaml(&work.path().join("back/docker-compose.yml")));
        assert_eq!(
            original.keys().collect::<Vec<_>>(),
            back.keys().collect::<Vec<_>>(),
            "{file}: services"
        );
        for (name, (image, ports, env, volumes)) in &original {
            let (b_image, b_ports, b_env, b_volumes) = &back[name];
            assert_eq!(image, b_image, "{file}: {name}.image");
            assert_eq!(ports, b_ports, "{file}: {name}.ports");
            assert_eq!(env, b_env, "{file}: {name}.environment");
            assert_eq!(volumes, b_volumes, "{file}: {name}.volumes");
        }
        compose_accepts(&work.path().join("back"));
    }
}
