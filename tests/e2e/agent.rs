//! The souk agent on the real Docker Engine: images built from scratch and
//! pulled from a real OCI registry, templates published to a real souk
//! registry, releases installed, upgraded, rolled back and removed by the
//! real `souk` binary.

use serde_json::Value;
use souk_e2e::docker::{
    docker, docker_available, free_port, http_get, write_template, ImageRegistry, ImageSpec,
    ReleaseCleanup,
};
use souk_e2e::{bin, wait_until, Registry, ADMIN_TOKEN};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const SECRET: &str = "pa55-word-never-shown";

struct Images {
    v1: String,
    v2: String,
    bad: String,
    _registry: ImageRegistry,
}

fn images(repo: &str) -> Images {
    let mut r = ImageRegistry::start();
    let v1 = r.build(
        repo,
        ImageSpec {
            tag: "1",
            page: "1",
            healthy: true,
        },
    );
    let v2 = r.build(
        repo,
        ImageSpec {
            tag: "2",
            page: "2",
            healthy: true,
        },
    );
    let bad = r.build(
        repo,
        ImageSpec {
            tag: "bad",
            page: "bad",
            healthy: false,
        },
    );
    Images {
        v1,
        v2,
        bad,
        _registry: r,
    }
}

/// A three-component template: `db` (a volume, an init job), `web` (the
/// image that changes, behind an HTTP route), `worker`.
fn shop(name: &str, version: &str, base: &str, web: &str, extra: &str) -> String {
    format!(
        r#"apiVersion: souk/v1
kind: Template
name: {name}
version: {version}
title: Shop
summary: An e2e shop.
category: iot
parameters:
  - {{name: password, type: secret, required: true}}
plugins:
  - {{name: exporter, kind: sidecar, image: "{base}", command: [sh, -c, "while true; do sleep 1; done"]}}
components:
  - name: db
    image: {base}
    ports: [{{name: http, port: 8080}}]
    volumes: [{{name: data, path: /data}}]
    probes: {{readiness: {{tcp: {{port: http}}, periodSeconds: 1, failureThreshold: 10}}}}
    init:
      - {{name: seed, command: [sh, -c, "echo seeded >> /data/seeds"]}}
    plugins: [{{name: exporter}}]
  - name: web
    image: {web}
    replicas: 2
    dependsOn: [db]
    env: {{DB_URL: "http://${{components.db.host}}:${{components.db.ports.http}}/"}}
    ports: [{{name: http, port: 8080, protocol: http}}]
    probes: {{readiness: {{http: {{path: /healthz, port: http}}, periodSeconds: 1, failureThreshold: 4}}}}
  - name: worker
    image: {base}
    dependsOn: [db]
    command: [sh, -c, "while true; do sleep 1; done"]
    env: {{PASSWORD: "${{params.password}}"}}
ingress:
  http: [{{host: shop.local, component: web, port: http}}]
{extra}"#
    )
}

struct Site {
    registry: Registry,
    agent_dir: tempfile::TempDir,
    work: tempfile::TempDir,
}

impl Site {
    fn new() -> Site {
        Site {
            registry: Registry::start(),
            agent_dir: tempfile::tempdir().unwrap(),
            work: tempfile::tempdir().unwrap(),
        }
    }

    fn souk(&self, args: &[&str]) -> Output {
        let out = Command::new(bin("souk"))
            .args(args)
            .env("NO_COLOR", "1")
            .env("SOUK_REGISTRY", &self.registry.url)
            .env("SOUK_TOKEN", ADMIN_TOKEN)
            .env("SOUK_AGENT_DIR", self.agent_dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("souk runs");
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!all.contains(SECRET), "a secret was printed: {all}");
        out
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.souk(args);
        assert!(
            out.status.success(),
            "souk {}:\n{}{}",
            args.join(" "),
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    fn publish(&self, version: &str, yaml: &str) {
        let dir = write_template(self.work.path(), version, yaml);
        self.ok(&["publish", dir.to_str().unwrap()]);
    }

    fn status(&self, release: &str) -> Value {
        serde_json::from_str(&self.ok(&["--output", "json", "status", release])).unwrap()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn container(status: &Value, component: &str) -> String {
    let c = status["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == component)
        .unwrap_or_else(|| panic!("no `{component}` in {status}"));
    assert_eq!(c["state"], "running", "{status}");
    c["containers"][0].as_str().unwrap().to_string()
}

fn url(status: &Value) -> String {
    let web = status["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "web")
        .unwrap();
    let u = web["urls"][0].as_str().unwrap();
    u.split_whitespace().next().unwrap().to_string()
}

fn exec(id: &str, script: &str) -> String {
    docker(&["exec", id, "sh", "-c", script])
}

#[test]
fn install_upgrade_roll_back_and_uninstall_on_docker() {
    if !docker_available() {
        return;
    }
    let release = format!("shop-{}", std::process::id());
    let img = images("e2e/shop");
    // Declared after the images: dropped first, so no image is in use when removed.
    let _cleanup = ReleaseCleanup(release.clone());
    let site = Site::new();
    let name = "e2e/shop";

    // Install v1: every component ready, the page served through the route.
    site.publish("1.0.0", &shop(name, "1.0.0", &img.v1, &img.v1, ""));
    let out = site.souk(&["install", name, "--release", &release]);
    assert_eq!(out.status.code(), Some(1), "a required secret is missing");
    assert!(
        text(&out.stderr).contains("params.password"),
        "{}",
        text(&out.stderr)
    );
    site.ok(&[
        "install",
        &format!("{name}@^1"),
        "--release",
        &release,
        "--set",
        &format!("password={SECRET}"),
    ]);
    let s = site.status(&release);
    assert_eq!(s["state"], "healthy", "{s}");
    assert_eq!(s["version"], "1.0.0");
    assert_eq!(s["revision"], 1);
    assert_eq!(http_get(&url(&s)).as_deref(), Some("1"));
    let db1 = container(&s, "db");
    let worker1 = container(&s, "worker");
    let web1 = container(&s, "web");
    // Every container carries the release's labels; env and secrets reached it.
    let labels = docker(&["inspect", "-f", "{{json .Config.Labels}}", &web1]);
    for key in [
        "souk.release",
        "souk.component",
        "souk.revision",
        "souk.template",
        "souk.version",
    ] {
        assert!(labels.contains(key), "{labels}");
    }
    assert_eq!(exec(&worker1, "echo $PASSWORD"), SECRET);
    // `web` reaches `db` by its name on the release's network.
    assert_eq!(exec(&web1, "wget -qO- $DB_URL"), "1");
    // `web` runs two replicas; `db`'s sidecar shares its network namespace.
    assert_eq!(
        s["components"][1]["containers"].as_array().unwrap().len(),
        2,
        "{s}"
    );
    let sidecar = docker(&[
        "ps",
        "-q",
        "--filter",
        &format!("label=souk.release={release}"),
        "--filter",
        "label=souk.sidecar=exporter",
    ]);
    assert_eq!(exec(&sidecar, "wget -qO- http://localhost:8080/"), "1");
    exec(
        &db1,
        "head -c 65536 /dev/urandom > /data/blob; echo hello > /data/file; chmod 640 /data/file",
    );
    let fingerprint = "cd /data && sha256sum blob file seeds && ls -ln file | cut -c1-10 && ls";
    let before = exec(&db1, fingerprint);

    // v2 changes `web` only: it alone is replaced; the data stays. 2.0.0 is
    // outside the `^1` given at install: `souk upgrade` does not go there.
    site.publish("1.1.0", &shop(name, "1.1.0", &img.v1, &img.v2, ""));
    let from_1_1 = "upgrade: {from: \"=1.1.0\"}\n";
    site.publish("2.0.0", &shop(name, "2.0.0", &img.v1, &img.v2, from_1_1));
    site.ok(&["upgrade", &release]);
    let s = site.status(&release);
    assert_eq!(
        (s["version"].as_str(), s["state"].as_str()),
        (Some("1.1.0"), Some("healthy")),
        "{s}"
    );
    assert_eq!(
        container(&s, "db"),
        db1,
        "an unchanged component keeps its container"
    );
    assert_eq!(container(&s, "worker"), worker1);
    assert_ne!(container(&s, "web"), web1);
    assert_eq!(http_get(&url(&s)).as_deref(), Some("2"));
    assert_eq!(
        exec(&db1, fingerprint),
        before,
        "the init job never ran again"
    );

    // v3's probe never succeeds: rolled back to v2, which still serves.
    site.publish("1.2.0", &shop(name, "1.2.0", &img.v1, &img.bad, ""));
    let out = site.souk(&["upgrade", &release, "--to", "1.2.0"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("rolled back"),
        "{}",
        text(&out.stderr)
    );
    let s = site.status(&release);
    assert_eq!(
        (s["version"].as_str(), s["state"].as_str()),
        (Some("1.1.0"), Some("rolled_back")),
        "{s}"
    );
    assert_eq!(http_get(&url(&s)).as_deref(), Some("2"));
    assert_eq!(container(&s, "db"), db1);

    // v4 migrates the data, then its probe fails: the data comes back exactly.
    let migration = "migrations:\n  - {name: rewrite, from: \">=1.0.0\", component: db, command: [sh, -c, \"echo changed > /data/file; rm /data/blob; echo new > /data/added\"]}\n";
    site.publish("1.3.0", &shop(name, "1.3.0", &img.v1, &img.bad, migration));
    let out = site.souk(&["upgrade", &release]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("running migration `rewrite`"),
        "{}",
        text(&out.stderr)
    );
    let s = site.status(&release);
    assert_eq!(
        (s["version"].as_str(), s["state"].as_str()),
        (Some("1.1.0"), Some("rolled_back")),
        "{s}"
    );
    let db = container(&s, "db");
    assert_eq!(
        exec(&db, fingerprint),
        before,
        "the volume is restored byte for byte"
    );
    assert_eq!(http_get(&url(&s)).as_deref(), Some("2"));

    let history = site.ok(&["--output", "json", "history", &release]);
    let history: Value = serde_json::from_str(&history).unwrap();
    let outcomes: Vec<(&str, &str)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["version"].as_str().unwrap(),
                r["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("1.0.0", "superseded"),
            ("1.1.0", "deployed"),
            ("1.2.0", "failed"),
            ("1.3.0", "failed")
        ]
    );
    assert!(
        history[2]["reason"].as_str().unwrap().contains("web"),
        "{history}"
    );

    // Back to revision 1 by hand.
    site.ok(&["rollback", &release, "--revision", "1"]);
    let s = site.status(&release);
    assert_eq!(
        (s["version"].as_str(), s["revision"].as_i64()),
        (Some("1.0.0"), Some(5)),
        "{s}"
    );
    assert_eq!(http_get(&url(&s)).as_deref(), Some("1"));
    let text_history = site.ok(&["history", &release]);
    assert!(
        text_history.contains("rollback to revision 1"),
        "{text_history}"
    );

    // `--to` crosses the requirement, through the version `upgrade.from` demands.
    site.ok(&["upgrade", &release, "--to", "2.0.0"]);
    let history: Value =
        serde_json::from_str(&site.ok(&["--output", "json", "history", &release])).unwrap();
    let last: Vec<(&str, &str)> = history.as_array().unwrap()[5..]
        .iter()
        .map(|r| {
            (
                r["version"].as_str().unwrap(),
                r["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(last, [("1.1.0", "superseded"), ("2.0.0", "deployed")]);

    // Uninstall: nothing of the release is left on the engine.
    site.ok(&["uninstall", &release]);
    let filter = format!("label=souk.release={release}");
    assert_eq!(docker(&["ps", "-aq", "--filter", &filter]), "");
    assert_eq!(docker(&["volume", "ls", "-q", "--filter", &filter]), "");
    let out = site.souk(&["status", &release]);
    assert_eq!(out.status.code(), Some(1));
}

/// A `souk agent` process with its config.
fn start_agent(config: &Path) -> Child {
    Command::new(bin("souk"))
        .args(["agent", "--config", config.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .env("SOUK_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(config.with_extension("log"))
                .unwrap(),
        ))
        .spawn()
        .expect("souk agent starts")
}

/// A registry on a fixed port, so that it can be stopped and started again
/// where the agent expects it.
struct FixedRegistry {
    child: Option<Child>,
    port: u16,
    data: tempfile::TempDir,
}

impl FixedRegistry {
    fn start() -> FixedRegistry {
        let mut r = FixedRegistry {
            child: None,
            port: free_port(),
            data: tempfile::tempdir().unwrap(),
        };
        r.spawn();
        r
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) {
        let child = Command::new(bin("souk-registry"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{}", self.port),
                "--data-dir",
            ])
            .arg(self.data.path())
            .env("SOUK_ADMIN_TOKEN", ADMIN_TOKEN)
            .env_remove("SOUK_CONFIG")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("souk-registry starts");
        self.child = Some(child);
        let url = format!("{}/api/v1/health", self.url());
        assert!(wait_until(Duration::from_secs(60), || http_get(&url).is_some()));
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for FixedRegistry {
    fn drop(&mut self) {
        self.kill();
    }
}

#[test]
fn the_agent_upgrades_on_its_own_survives_a_kill_and_an_outage() {
    if !docker_available() {
        return;
    }
    let release = format!("auto-{}", std::process::id());
    let img = images("e2e/auto");
    let _cleanup = ReleaseCleanup(release.clone());
    let mut registry = FixedRegistry::start();
    let work = tempfile::tempdir().unwrap();
    let agent_dir = work.path().join("agent");
    let name = "e2e/auto";
    let registry_url = registry.url();
    let souk = |args: &[&str]| -> Output {
        Command::new(bin("souk"))
            .args(args)
            .env("NO_COLOR", "1")
            .env("SOUK_REGISTRY", &registry_url)
            .env("SOUK_TOKEN", ADMIN_TOKEN)
            .env("SOUK_AGENT_DIR", &agent_dir)
            .output()
            .unwrap()
    };
    let publish = |version: &str, yaml: &str| {
        let dir = write_template(work.path(), version, yaml);
        let out = souk(&["publish", dir.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    let status = || -> Option<Value> {
        let out = souk(&["--output", "json", "status", &release]);
        serde_json::from_slice(&out.stdout)
            .ok()
            .filter(|_| out.status.success())
    };
    let config = work.path().join("agent.toml");
    std::fs::write(
        &config,
        format!(
            "registry = \"{}\"\ntoken = \"{ADMIN_TOKEN}\"\nagent_id = \"site-1\"\ndata_dir = \"{}\"\npoll_seconds = 5\n\n[[subscriptions]]\nrelease = \"{release}\"\ntemplate = \"{name}\"\nrequirement = \"^1\"\nvalues = {{ password = \"{SECRET}\" }}\n",
            registry.url(),
            agent_dir.display()
        ),
    )
    .unwrap();
    let log = config.with_extension("log");

    // The first version never gets ready: the install fails, and is not a
    // dead end: the next matching version is installed as soon as it appears.
    publish("1.0.0", &shop(name, "1.0.0", &img.v1, &img.bad, ""));
    let mut agent = KillOnDrop(start_agent(&config));
    assert!(
        wait_until(Duration::from_secs(90), || status()
            .is_some_and(|s| s["state"] == "failed")),
        "the install did not fail; log:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    let at = |version: &str| {
        wait_until(Duration::from_secs(90), || {
            status().is_some_and(|s| s["version"] == version && s["state"] == "healthy")
        })
    };
    publish("1.0.1", &shop(name, "1.0.1", &img.v1, &img.v1, ""));
    assert!(
        at("1.0.1"),
        "not installed after a failed install; log:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    let db1 = container(&status().unwrap(), "db");

    // A new version is picked up from the feed and applied on its own.
    publish("1.1.0", &shop(name, "1.1.0", &img.v1, &img.v2, ""));
    assert!(
        at("1.1.0"),
        "not upgraded; log:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    let s = status().unwrap();
    assert_eq!(container(&s, "db"), db1);
    assert_eq!(http_get(&url(&s)).as_deref(), Some("2"));

    // Killed in the middle of an upgrade: on restart it rolls back, then converges.
    let slow = shop(name, "1.2.0", &img.v1, &img.v1, "").replace(
        "periodSeconds: 1, failureThreshold: 4",
        "initialDelaySeconds: 4, periodSeconds: 1, failureThreshold: 8",
    );
    publish("1.2.0", &slow);
    assert!(wait_until(Duration::from_secs(60), || status()
        .is_some_and(|s| s["state"] == "upgrading")));
    agent.0.kill().unwrap();
    agent.0.wait().unwrap();
    agent = KillOnDrop(start_agent(&config));
    assert!(
        at("1.2.0"),
        "did not converge; log:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("interrupted"), "{logged}");
    let s = status().unwrap();
    assert_eq!(http_get(&url(&s)).as_deref(), Some("1"));

    // The registry goes away: the app keeps serving; it catches up on return.
    registry.kill();
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(http_get(&url(&s)).as_deref(), Some("1"));
    assert_eq!(status().unwrap()["state"], "healthy");
    registry.spawn();
    publish("1.3.0", &shop(name, "1.3.0", &img.v1, &img.v2, ""));
    assert!(
        at("1.3.0"),
        "did not catch up; log:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("registry unreachable"), "{logged}");
    // The agent reports; the vendor sees the release in the fleet view.
    let fleet_url = format!("{}/api/v1/templates/{name}/fleet", registry.url());
    let fleet = || -> Option<Value> {
        let out = Command::new("curl")
            .args([
                "-sf",
                "-H",
                &format!("Authorization: Bearer {ADMIN_TOKEN}"),
                &fleet_url,
            ])
            .output()
            .ok()?;
        serde_json::from_slice(&out.stdout).ok()
    };
    let want = serde_json::json!([{"version": "1.3.0", "total": 1, "states": {"healthy": 1}}]);
    assert!(
        wait_until(Duration::from_secs(30), || fleet()
            .is_some_and(|f| f["versions"] == want)),
        "{:?}",
        fleet()
    );
    assert!(!logged.contains(SECRET), "a secret was logged");
    drop(agent);
    let out = souk(&["uninstall", &release]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
