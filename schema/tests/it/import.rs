//! The importers: every file of the shared corpus imports into a template that
//! packs, unpacks and validates as it is, with a warning for each thing dropped;
//! small sources written here check one rule each.

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
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
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

#[test]
fn compose_variables_become_parameters() {
    let yaml = r#"
services:
  app:
    image: "nginx:${TAG:-1.25}"
    environment:
      PORT: ${PORT:-8080}
      DEBUG: ${DEBUG:-false}
      GREETING: "hello ${NAME:-world}"
      DB_PASSWORD: ${DB_PASSWORD:?set a password}
      API_KEY: ${API_KEY-}
      HOME_DIR: $HOME
      PRICE: "$$5"
      LITERAL: "$${NOT_A_VAR}"
      RETRIES: 3
      PASSTHROUGH:
    command: ["serve", "--port", "${PORT:-8080}"]
"#;
    let imported = compose::import(yaml, None, &Default::default()).unwrap();
    let m = assert_publishable("variables", &imported);
    let app = &m.components[0];
    assert_eq!(app.image, "nginx:1.25");
    assert_warning(
        &imported,
        "services.app.image",
        "`$TAG` cannot be a parameter here",
    );
    let env = |k: &str| app.env[k].as_str();
    assert_eq!(env("PORT"), "${params.port}");
    assert_eq!(env("GREETING"), "hello ${params.name}");
    assert_eq!(env("DB_PASSWORD"), "${params.db_password}");
    assert_eq!(env("HOME_DIR"), "${params.home}");
    assert_eq!(env("PRICE"), "$5");
    assert_eq!(env("LITERAL"), "$${NOT_A_VAR}");
    assert_eq!(env("RETRIES"), "3");
    assert_eq!(env("PASSTHROUGH"), "${params.passthrough}");
    assert_eq!(app.args, ["serve", "--port", "${params.port}"]);

    let port = param(&m, "port");
    assert_eq!(
        (port.kind, &port.default, port.required),
        (ParamType::Integer, &Some(json!(8080)), false)
    );
    let debug = param(&m, "debug");
    assert_eq!(
        (debug.kind, &debug.default),
        (ParamType::Boolean, &Some(json!(false)))
    );
    let name = param(&m, "name");
    assert_eq!(
        (name.kind, &name.default),
        (ParamType::String, &Some(json!("world")))
    );
    let pw = param(&m, "db_password");
    assert_eq!(
        (pw.kind, &pw.default, pw.required),
        (ParamType::Secret, &None, true)
    );
    assert_eq!(pw.description.as_deref(), Some("set a password"));
    let key = param(&m, "api_key");
    assert_eq!(
        (key.kind, &key.default, key.required),
        (ParamType::Secret, &Some(json!("")), false)
    );
    let home = param(&m, "home");
    assert_eq!((home.kind, home.required), (ParamType::String, true));
    assert!(
        !m.parameters.iter().any(|p| p.name == "tag"),
        "image variables are not parameters"
    );
}

#[test]
fn dotenv_gives_defaults_but_never_secrets() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "MODE=fast\nDB_PASSWORD=hunter2\n").unwrap();
    let yaml = "services:\n  app:\n    image: app:1\n    environment:\n      MODE: ${MODE}\n      DB_PASSWORD: ${DB_PASSWORD}\n    healthcheck:\n      test: [CMD-SHELL, \"check --password=${DB_PASSWORD}\"]\n";
    let imported = compose::import(yaml, Some(dir.path()), &Default::default()).unwrap();
    let m = assert_publishable("dotenv", &imported);
    assert_eq!(param(&m, "mode").default, Some(json!("fast")));
    let pw = param(&m, "db_password");
    assert_eq!((pw.kind, &pw.default), (ParamType::Secret, &None));
    assert_warning(&imported, ".env", "`DB_PASSWORD` is not carried over");
    assert!(!imported.manifest_text().contains("hunter2"));
    assert!(!imported
        .warnings
        .iter()
        .any(|w| w.reason.contains("hunter2")));
    assert_warning(
        &imported,
        "services.app.healthcheck.test",
        "its default from the Compose file is used",
    );
}

#[test]
fn bind_mounted_project_files_are_copied_into_the_package() {
    let root = tempfile::tempdir().unwrap();
    let project = root.path().join("my-site");
    std::fs::create_dir_all(project.join("nginx")).unwrap();
    std::fs::create_dir_all(project.join("data")).unwrap();
    let conf = "server {\n  listen 80;\n  set $who ${remote_user};\n}\n";
    std::fs::write(project.join("nginx/default.conf"), conf).unwrap();
    std::fs::write(project.join("banner.txt"), "welcome\n").unwrap();
    std::fs::write(project.join(".env.web"), "A=1\nSECRET_TOKEN=abc\n").unwrap();
    std::fs::write(root.path().join("outside.conf"), "host secret\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(root.path().join("outside.conf"), project.join("link.conf"))
        .unwrap();
    let yaml = r#"
services:
  web:
    image: nginx:1.25
    env_file: [.env.web]
    volumes:
      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro
      - ./data:/data
      - ../outside.conf:/etc/outside.conf
      - ./link.conf:/etc/link.conf
      - ./missing.conf:/etc/missing.conf
      - ~/.ssh/id_rsa:/root/.ssh/id_rsa
      - type: bind
        source: ./nginx/default.conf
        target: /etc/nginx/second.conf
    configs:
      - source: banner
        target: /etc/banner.txt
      - inline
configs:
  banner:
    file: ./banner.txt
  inline:
    content: "release ${VERSION:-1}"
"#;
    std::fs::write(project.join("compose.yaml"), yaml).unwrap();
    let imported =
        compose::import_file(&project.join("compose.yaml"), &Default::default()).unwrap();
    let m = assert_publishable("bind mounts", &imported);
    assert_eq!(
        m.name, "imported/my-site",
        "named after the folder of `compose.yaml`"
    );

    let web = &m.components[0];
    let mounts: Vec<(&str, &str)> = web
        .config_files
        .iter()
        .map(|f| (f.path.as_str(), f.source.as_str()))
        .collect();
    assert_eq!(
        mounts,
        [
            ("/etc/nginx/conf.d/default.conf", "files/nginx/default.conf"),
            ("/etc/nginx/second.conf", "files/nginx/default.conf"),
            ("/etc/banner.txt", "files/banner.txt"),
            ("/inline", "files/configs/inline"),
        ]
    );
    let text = |p: &str| String::from_utf8(imported.files[p].clone()).unwrap();
    // `${` is written so that souk's expansion gives the file back as it was.
    assert_eq!(text("files/nginx/default.conf"), conf.replace("${", "$${"));
    assert_warning(&imported, "services.web.volumes[0]", "written as `$${`");
    assert_eq!(text("files/banner.txt"), "welcome\n");
    assert_eq!(text("files/configs/inline"), "release ${params.version}");
    assert_eq!(
        imported.files.keys().collect::<Vec<_>>(),
        [
            "files/banner.txt",
            "files/configs/inline",
            "files/nginx/default.conf",
            "souk.yaml"
        ]
    );
    assert_warning(&imported, "services.web.volumes[1]", "`./data` is a folder");
    assert_warning(
        &imported,
        "services.web.volumes[2]",
        "outside the project folder",
    );
    #[cfg(unix)]
    assert_warning(
        &imported,
        "services.web.volumes[3]",
        "outside the project folder",
    );
    assert_warning(
        &imported,
        "services.web.volumes[4]",
        "does not exist in the project folder",
    );
    assert_warning(&imported, "services.web.volumes[5]", "a path on the host");
    assert!(!imported.files.values().any(|b| b == b"host secret\n"));

    assert_eq!(web.env["A"], "1");
    assert_eq!(web.env["SECRET_TOKEN"], "${params.secret_token}");
    assert_warning(
        &imported,
        "services.web.env_file[0]:SECRET_TOKEN",
        "is not carried over",
    );
    assert!(!imported.manifest_text().contains("abc"));

    // The written folder is a template folder `souk package` accepts.
    let out = root.path().join("out");
    imported.write_to(&out).unwrap();
    let packed = pack_dir(&out).unwrap();
    assert_eq!(packed.package.template.manifest(), &m);
}

#[test]
fn compose_ports_healthchecks_resources_and_dependencies() {
    let yaml = r#"
services:
  web:
    build: ./web
    ports:
      - "8080:80"
      - "127.0.0.1:9000:9000"
      - "3000"
      - "6000-6005:6000-6005"
      - target: 7000
        published: "17000"
        protocol: tcp
        app_protocol: http
        name: admin
      - "53:53/udp"
      - "53:53/tcp"
    expose: ["9100"]
    depends_on:
      db:
        condition: service_healthy
      migrate:
        condition: service_completed_successfully
    healthcheck:
      test: curl -f http://localhost/ || exit 1
      interval: 1m30s
      timeout: 500ms
      retries: 0
      start_period: 40s
    entrypoint: /bin/app --config "/etc/app/app.conf"
    deploy:
      replicas: 3
      resources:
        limits: {cpus: '0.50', memory: 512M}
        reservations:
          memory: 128M
          devices:
            - capabilities: [gpu]
              count: 2
      restart_policy: {condition: on-failure}
  db:
    image: postgres:16
    volumes: ["pgdata:/var/lib/postgresql/data:z"]
    healthcheck:
      test: ["CMD", "pg_isready", "-U", "postgres"]
  migrate:
    image: app:1
    links: ["db:database"]
    volumes: [pgdata:/backup]
volumes:
  pgdata:
    driver: local
"#;
    let imported = compose::import(
        yaml,
        None,
        &compose::Options {
            name: Some("shop".into()),
            namespace: Some("acme".into()),
            images: BTreeMap::from([("web".into(), "registry.example.com/acme/web:2.0".into())]),
        },
    )
    .unwrap();
    let m = assert_publishable("ports", &imported);
    assert_eq!(m.name, "acme/shop");
    let web = &m.components[0];
    assert_eq!(web.image, "registry.example.com/acme/web:2.0");
    assert_warning(
        &imported,
        "services.web.build",
        "the image `registry.example.com/acme/web:2.0` given for `web` is used",
    );
    let ports: Vec<(&str, u32, Protocol)> = web
        .ports
        .iter()
        .map(|p| (p.name.as_str(), p.port, p.protocol))
        .collect();
    assert_eq!(
        ports,
        [
            ("http-80", 80, Protocol::Http),
            ("tcp-9000", 9000, Protocol::Tcp),
            ("http-3000", 3000, Protocol::Http),
            ("admin", 7000, Protocol::Http),
            ("udp", 53, Protocol::Udp),
            ("tcp-53", 53, Protocol::Tcp),
            ("tcp-9100", 9100, Protocol::Tcp),
        ]
    );
    assert_warning(&imported, "services.web.ports[1]", "the host's loopback");
    assert_warning(&imported, "services.web.ports[2]", "random host port");
    assert_warning(&imported, "services.web.ports[3]", "port range");
    let http: Vec<(&str, &str, String)> = m
        .ingress
        .http
        .iter()
        .map(|r| (r.host.as_str(), r.component.as_str(), r.port.to_string()))
        .collect();
    // Host ports other than the container's stay exact as stream routes (an
    // HTTP entry keeps no host port).
    assert_eq!(http, []);
    let stream: Vec<(u32, Option<Protocol>, String)> = m
        .ingress
        .stream
        .iter()
        .map(|r| (r.port, r.protocol, r.target_port.to_string()))
        .collect();
    assert_eq!(
        stream,
        [
            (8080, Some(Protocol::Tcp), "http-80".to_string()),
            (17000, Some(Protocol::Tcp), "admin".to_string()),
            (53, Some(Protocol::Udp), "udp".to_string()),
            (53, Some(Protocol::Tcp), "tcp-53".to_string()),
        ]
    );
    assert_eq!(web.depends_on, ["db", "migrate"]);
    assert_warning(
        &imported,
        "services.web.depends_on.migrate.condition",
        "run-to-completion",
    );
    let probe = web.probes.readiness.as_ref().unwrap();
    assert_eq!(
        probe.exec.as_ref().unwrap().command,
        ["sh", "-c", "curl -f http://localhost/ || exit 1"]
    );
    assert_eq!(
        (
            probe.period_seconds,
            probe.timeout_seconds,
            probe.failure_threshold,
            probe.initial_delay_seconds
        ),
        (Some(90), Some(1), None, Some(40))
    );
    assert_eq!(web.command, ["/bin/app", "--config", "/etc/app/app.conf"]);
    assert_eq!(web.replicas, 3);
    let res = web.resources.as_ref().unwrap();
    assert_eq!(
        (
            res.cpu.as_ref().unwrap().0.as_str(),
            res.memory.as_ref().unwrap().0.as_str(),
            res.gpu
        ),
        ("500m", "512Mi", Some(2))
    );
    assert_warning(
        &imported,
        "services.web.deploy.resources.reservations.memory",
        "reservation",
    );
    assert_warning(
        &imported,
        "services.web.deploy.restart_policy",
        "restarts failed components",
    );

    let db = &m.components[1];
    assert!(
        db.stateful,
        "a component with a named volume keeps its data"
    );
    assert_eq!(
        db.probes
            .readiness
            .as_ref()
            .unwrap()
            .exec
            .as_ref()
            .unwrap()
            .command,
        ["pg_isready", "-U", "postgres"]
    );
    let migrate = &m.components[2];
    assert_eq!(migrate.depends_on, ["db"]);
    assert_warning(
        &imported,
        "services.migrate.links[0]",
        "the alias `database`",
    );
    assert_warning(
        &imported,
        "volumes.pgdata",
        "shared by the services `db`, `migrate`",
    );
    assert_warning(&imported, "volumes.pgdata.driver", "volume driver");
    assert_eq!(migrate.volumes[0].name, "pgdata");
    assert_warning(&imported, "services.db.volumes[0]", "the mount option `z`");
}

#[test]
fn compose_dependency_cycles_are_broken_with_a_warning() {
    let yaml = "services:\n  a:\n    image: a:1\n    depends_on: [b]\n  b:\n    image: b:1\n    depends_on: [a]\n";
    let imported = compose::import(yaml, None, &Default::default()).unwrap();
    let m = assert_publishable("cycle", &imported);
    assert_eq!(m.components[0].depends_on, ["b"]);
    assert!(m.components[1].depends_on.is_empty());
    assert_warning(&imported, "services.b.depends_on", "closes a cycle");
}

#[test]
fn rainbond_model_is_carried_over_rule_by_rule() {
    let template = json!({
        "group_key": "9f8e7d6c5b4a39281706",
        "group_name": "智慧仓储",
        "group_version": "latest",
        "template_version": "v2",
        "apps": [
            {
                "service_cname": "数据库", "service_alias": "gr123456",
                "service_key": "k-db", "service_share_uuid": "k-db+id-db", "service_id": "id-db",
                "image": "mysql:8.0", "extend_method": "state_multiple",
                "extend_method_map": {"min_node": 3}, "memory": 1024, "container_cpu": 500, "gpu": 1,
                "port_map_list": [
                    {"container_port": 3306, "protocol": "mysql", "is_inner_service": true, "is_outer_service": false},
                    {"container_port": "514", "protocol": "udp", "is_outer_service": true},
                    {"container_port": 3306, "protocol": "tcp"}
                ],
                "service_env_map_list": [
                    {"attr_name": "MYSQL_ROOT_PASSWORD", "attr_value": "**None**"},
                    {"attr_name": "BAD NAME", "attr_value": "x"},
                    {"attr_name": "DATA_DIR", "attr_value": "${HOME}/data"}
                ],
                "service_connect_info_map_list": [
                    {"attr_name": "DB_HOST", "attr_value": "127.0.0.1", "container_port": 3306},
                    {"attr_name": "DB_PORT", "attr_value": "3306", "container_port": 3306},
                    {"attr_name": "DB_PASS", "attr_value": "**None**", "container_port": 0}
                ],
                "service_volume_map_list": [
                    {"volume_type": "config-file", "volume_path": "/etc/mysql/my.cnf", "volume_name": "cnf", "file_content": "[mysqld]\nport=${PORT}\n"},
                    {"volume_type": "memoryfs", "volume_path": "/cache", "volume_name": "cache"},
                    {"volume_type": "share-file", "volume_path": "/var/lib/mysql", "volume_name": "DATA", "volume_capacity": 10}
                ],
                "probes": [
                    {"mode": "liveness", "scheme": "cmd", "cmd": "mysqladmin ping", "period_second": 10},
                    {"mode": "readiness", "scheme": "http", "path": "health", "port": 3306, "http_header": "X-A=1"},
                    {"mode": "ignore", "scheme": "tcp", "port": 3306},
                    {"mode": "readiness", "scheme": "tcp", "port": 3306, "is_used": false},
                    {"mode": "readiness", "scheme": "tcp", "port": 3306}
                ],
                "dep_service_map_list": [{"dep_service_key": "k-web+id-web"}, {"dep_service_key": "nowhere"}],
                "mnt_relation_list": [{"mnt_name": "logs", "mnt_dir": "/logs"}],
                "service_related_plugin_config": [
                    {"plugin_id": "p-init", "plugin_status": true, "attr": [{"attrs": "{\"LEVEL\": \"debug\"}"}]},
                    {"plugin_id": "p-mesh", "plugin_status": false}
                ],
                "component_monitors": [{"name": "m"}],
                "labels": {"tier": "db"}
            },
            {
                "service_cname": "web", "service_key": "k-web", "service_share_uuid": "k-web+id-web",
                "share_image": "registry.example.com/acme/web:1.0", "image": "goodrain.me/runner",
                "extend_method": "cronjob", "cmd": "start --mode 'fast lane'",
                "port_map_list": [{"container_port": 8080, "protocol": "http", "is_outer_service": true}],
                "service_env_map_list": [{"attr_name": "DB_HOST", "attr_value": "db.internal"}],
                "dep_service_map_list": [{"dep_service_key": "k-db+id-db"}]
            },
            {"service_cname": "third", "service_source": "third_party", "service_key": "k-third"}
        ],
        "plugins": [
            {"plugin_id": "p-init", "plugin_key": "init_schema", "category": "init-plugin", "image": "acme/init:1",
             "config_groups": [{"service_meta_type": "un_define", "options": [{"attr_name": "LEVEL", "attr_default_value": "info"}]}]},
            {"plugin_id": "p-mesh", "plugin_key": "mesh", "category": "net-plugin:down", "image": "acme/mesh:1",
             "plugin_image": {"hub_user": "u", "hub_password": "p"}}
        ],
        "app_config_groups": [
            {"name": "共享配置", "injection_type": "env", "config_items": {"TZ": "Asia/Shanghai"},
             "component_keys": ["k-db"], "services": [{"service_cname": "web"}, {"service_key": "k-third"}]},
            {"name": "empty", "config_items": {"A": "1"}, "component_keys": ["nobody"]}
        ],
        "ingress_http_routes": [
            {"component_key": "k-web", "port": 8080, "location": "/shop", "domain": "shop.example.com", "default_domain": false, "ssl": true},
            {"component_key": "nobody", "port": 80}
        ],
        "ingress_stream_routes": [{"component_key": "k-db", "port": 3306, "protocol": "tcp"}]
    });
    let record = json!({
        "app_name": "仓储",
        "describe": "Warehouse management.",
        "details": "# Warehouse\n",
        "version_template": template.to_string(),
    });
    let imported = rainbond::import(&record.to_string(), &Default::default()).unwrap();
    let m = assert_publishable("rainbond rules", &imported);
    let w = |field: &str, fragment: &str| {
        assert_warning(&imported, &format!("version_template.{field}"), fragment)
    };

    assert_eq!(m.name, "imported/app-9f8e7d6c");
    assert_eq!(
        (m.title.as_str(), m.summary.as_str()),
        ("智慧仓储", "Warehouse management.")
    );
    assert_eq!(m.version, "0.1.0");
    w(
        "group_version",
        "`latest` cannot be read as a semantic version",
    );
    assert_eq!(m.readme.as_deref(), Some("README.md"));
    assert_eq!(imported.files["README.md"], b"# Warehouse\n");

    let names: Vec<&str> = m.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["gr123456", "web"]);
    w("apps[2]", "no usable image");

    let db = &m.components[0];
    assert!(db.stateful);
    assert_eq!(db.replicas, 3);
    let res = db.resources.as_ref().unwrap();
    assert_eq!(
        (
            res.memory.as_ref().unwrap().0.as_str(),
            res.cpu.as_ref().unwrap().0.as_str(),
            res.gpu
        ),
        ("1Gi", "500m", Some(1))
    );
    let ports: Vec<(&str, u32, Protocol)> = db
        .ports
        .iter()
        .map(|p| (p.name.as_str(), p.port, p.protocol))
        .collect();
    assert_eq!(
        ports,
        [("mysql", 3306, Protocol::Tcp), ("udp", 514, Protocol::Udp)]
    );
    w("apps[0].port_map_list[2]", "declared twice");

    let secret = param(&m, "mysql_root_password");
    assert_eq!(
        (secret.kind, secret.required, &secret.default),
        (ParamType::Secret, true, &None)
    );
    assert_eq!(
        db.env["MYSQL_ROOT_PASSWORD"],
        "${params.mysql_root_password}"
    );
    assert_eq!(db.env["BAD_NAME"], "x");
    w("apps[0].service_env_map_list[1]", "renamed to `BAD_NAME`");
    assert_eq!(db.env["DATA_DIR"], "$${HOME}/data");
    w("apps[0].service_env_map_list[2]", "written as literal text");

    let web = &m.components[1];
    assert_eq!(web.image, "registry.example.com/acme/web:1.0");
    assert_eq!(web.args, ["start", "--mode", "fast lane"]);
    w("apps[1].extend_method", "`cronjob`");
    assert_eq!(
        web.env["DB_HOST"], "db.internal",
        "the component's own value wins"
    );
    w(
        "apps[0].service_connect_info_map_list[0]",
        "`web` sets `DB_HOST` itself",
    );
    assert_eq!(web.env["DB_PORT"], "${components.gr123456.ports.mysql}");
    assert_eq!(web.env["DB_PASS"], "${params.db_pass}");
    assert_eq!(param(&m, "db_pass").kind, ParamType::Secret);

    assert_eq!(db.config_files[0].path, "/etc/mysql/my.cnf");
    assert_eq!(
        imported.files[&db.config_files[0].source],
        b"[mysqld]\nport=$${PORT}\n"
    );
    w(
        "apps[0].service_volume_map_list[0]",
        "written as literal text",
    );
    w("apps[0].service_volume_map_list[1]", "memory-backed");
    let vols: Vec<(&str, &str, Option<&str>)> = db
        .volumes
        .iter()
        .map(|v| {
            (
                v.name.as_str(),
                v.path.as_str(),
                v.size.as_ref().map(|s| s.0.as_str()),
            )
        })
        .collect();
    assert_eq!(
        vols,
        [
            ("cache", "/cache", None),
            ("data", "/var/lib/mysql", Some("10Gi"))
        ]
    );

    let live = db.probes.liveness.as_ref().unwrap();
    assert_eq!(live.exec.as_ref().unwrap().command, ["mysqladmin", "ping"]);
    assert_eq!(live.period_seconds, Some(10));
    let ready = db.probes.readiness.as_ref().unwrap();
    assert_eq!(ready.http.as_ref().unwrap().path, "/health");
    assert_eq!(
        ready.http.as_ref().unwrap().port,
        PortRef::Name("mysql".into())
    );
    w("apps[0].probes[1]", "HTTP headers");
    w("apps[0].probes[2]", "mode `ignore`");
    w("apps[0].probes[3]", "turned off");
    w("apps[0].probes[4]", "a second readiness probe");

    // db → web and web → db: the cycle is broken where it closes.
    assert_eq!(db.depends_on, ["web"]);
    assert!(web.depends_on.is_empty());
    w("apps[1].dep_service_map_list", "closes a cycle");
    w(
        "apps[0].dep_service_map_list[1]",
        "`nowhere` is not a component",
    );
    w("apps[0].mnt_relation_list[0]", "do not share volumes");
    w("apps[0].component_monitors", "monitors");
    w("apps[0].labels", "labels");

    let kinds: Vec<(&str, PluginKind)> = m
        .plugins
        .iter()
        .map(|p| (p.name.as_str(), p.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("init-schema", PluginKind::Init),
            ("mesh", PluginKind::Sidecar)
        ]
    );
    assert_eq!(m.plugins[0].env["LEVEL"], "info");
    assert_eq!(db.plugins.len(), 1);
    assert_eq!(db.plugins[0].name, "init-schema");
    assert_eq!(db.plugins[0].env["LEVEL"], "debug");
    w(
        "apps[0].service_related_plugin_config[1]",
        "turned off for this component",
    );
    w(
        "plugins[1].plugin_image",
        "registry credentials are never carried over",
    );
    w("plugins[1].category", "`net-plugin:down`");

    assert_eq!(m.config_groups.len(), 1);
    let g = &m.config_groups[0];
    assert_eq!(
        (g.name.as_str(), g.components.as_slice()),
        ("config", &["gr123456".to_string(), "web".to_string()][..])
    );
    assert_eq!(g.env["TZ"], "Asia/Shanghai");
    w(
        "app_config_groups[0].services[1]",
        "`k-third` is not a component",
    );
    w("app_config_groups[1]", "applies to no component");

    let http: Vec<(&str, &str, &str)> = m
        .ingress
        .http
        .iter()
        .map(|r| (r.host.as_str(), r.path.as_str(), r.component.as_str()))
        .collect();
    assert_eq!(http, [("shop.example.com", "/shop", "web")]);
    w("ingress_http_routes[0]", "`ssl`");
    w("ingress_http_routes[1]", "`nobody` is not a component");
    let stream: Vec<(u32, Option<Protocol>, &str)> = m
        .ingress
        .stream
        .iter()
        .map(|r| (r.port, r.protocol, r.component.as_str()))
        .collect();
    assert_eq!(
        stream,
        [
            (3306, Some(Protocol::Tcp), "gr123456"),
            (514, Some(Protocol::Udp), "gr123456")
        ]
    );
    w(
        "ingress_stream_routes[0]",
        "Rainbond chose the gateway port",
    );
}
