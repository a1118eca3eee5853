//! The Compose importer, rule by rule: variables, env files, project files,
//! ports, health checks, resources and dependencies.

use super::*;

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
