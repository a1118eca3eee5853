//! Publish → upgraded: how long after a vendor publishes a new version a
//! running `souk agent` has it installed and healthy, for a three-component
//! template where one component changed and its image is already present.
//!
//! Everything is real: a souk registry, a local OCI registry with images built
//! from busybox, the Docker Engine, the agent following the event feed.
//!
//! Usage: `upgrade-bench [ROUNDS]` (default 5). Prints each round and the median.

use souk_e2e::docker::{
    docker, docker_available, write_template, ImageRegistry, ImageSpec, ReleaseCleanup,
};
use souk_e2e::{bin, wait_until, Registry, ADMIN_TOKEN};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn template(version: &str, base: &str, web: &str) -> String {
    format!(
        r#"apiVersion: souk/v1
kind: Template
name: bench/shop
version: {version}
title: Bench shop
summary: Three components, one of which changes.
category: iot
components:
  - name: db
    image: {base}
    ports: [{{name: http, port: 8080}}]
    volumes: [{{name: data, path: /data}}]
    probes: {{readiness: {{tcp: {{port: http}}, periodSeconds: 1}}}}
  - name: web
    image: {web}
    dependsOn: [db]
    ports: [{{name: http, port: 8080, protocol: http}}]
    probes: {{readiness: {{http: {{path: /healthz, port: http}}, periodSeconds: 1, failureThreshold: 10}}}}
  - name: worker
    image: {base}
    command: [sh, -c, "while true; do sleep 1; done"]
"#
    )
}

fn main() {
    assert!(
        docker_available(),
        "the benchmark needs Docker, busybox-static and docker-registry"
    );
    let rounds: u32 = std::env::args()
        .nth(1)
        .map_or(5, |a| a.parse().expect("ROUNDS is a number"));
    let release = format!("bench-{}", std::process::id());
    let mut images = ImageRegistry::start();
    let a = images.build(
        "bench/web",
        ImageSpec {
            tag: "a",
            page: "a",
            healthy: true,
        },
    );
    let b = images.build(
        "bench/web",
        ImageSpec {
            tag: "b",
            page: "b",
            healthy: true,
        },
    );
    // "Images already present": the timing leaves pulls out.
    docker(&["pull", "-q", &a]);
    docker(&["pull", "-q", &b]);
    let _cleanup = ReleaseCleanup(release.clone());

    let registry = Registry::start();
    let work = tempfile::tempdir().unwrap();
    let agent_dir = work.path().join("agent");
    let config = work.path().join("agent.toml");
    std::fs::write(
        &config,
        format!(
            "registry = \"{}\"\ntoken = \"{ADMIN_TOKEN}\"\nagent_id = \"bench\"\ndata_dir = \"{}\"\npoll_seconds = 30\n\n[[subscriptions]]\nrelease = \"{release}\"\ntemplate = \"bench/shop\"\n",
            registry.url,
            agent_dir.display()
        ),
    )
    .unwrap();
    let souk = |args: &[&str]| {
        Command::new(bin("souk"))
            .args(args)
            .env("SOUK_REGISTRY", &registry.url)
            .env("SOUK_TOKEN", ADMIN_TOKEN)
            .env("SOUK_AGENT_DIR", &agent_dir)
            .stderr(Stdio::null())
            .output()
            .unwrap()
    };
    let publish = |version: &str, web: &str| {
        let dir = write_template(work.path(), version, &template(version, &a, web));
        let out = souk(&["publish", dir.to_str().unwrap()]);
        assert!(out.status.success(), "publish {version} failed");
    };
    let at = |version: &str| {
        wait_until(Duration::from_secs(120), || {
            let out = souk(&["--output", "json", "status", &release]);
            let text = String::from_utf8_lossy(&out.stdout);
            text.contains(&format!("\"version\": \"{version}\""))
                && text.contains("\"state\": \"healthy\"")
        })
    };

    publish("1.0.0", &a);
    let mut agent = Command::new(bin("souk"))
        .args(["agent", "--config", config.to_str().unwrap()])
        .env("SOUK_LOG", "warn")
        .stderr(std::fs::File::create(work.path().join("agent.log")).unwrap())
        .spawn()
        .unwrap();
    assert!(
        at("1.0.0"),
        "the agent did not install 1.0.0: {}",
        std::fs::read_to_string(work.path().join("agent.log")).unwrap_or_default()
    );

    let mut times = Vec::new();
    for round in 1..=rounds {
        let version = format!("1.{round}.0");
        let web = if round % 2 == 1 { &b } else { &a };
        let start = Instant::now();
        publish(&version, web);
        assert!(at(&version), "the agent did not reach {version}");
        let took = start.elapsed();
        println!(
            "round {round}: publish → {version} healthy in {:.2} s",
            took.as_secs_f64()
        );
        times.push(took);
    }
    let _ = agent.kill();
    let _ = agent.wait();
    let _ = souk(&["uninstall", &release]);
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "median publish → upgraded: {:.2} s over {rounds} rounds (target ≤ 10 s)",
        median.as_secs_f64()
    );
}
