//! deploy/: the registry and agent images built from deploy/Dockerfile's
//! runtime stages with the locally built binaries, the registry's started
//! until /api/v1/health answers, the compose file, the Kubernetes manifests
//! and the systemd unit, all through `deploy/check.sh`. Without a Docker
//! Engine the test passes with a `SKIPPED` line in the test output, except in
//! CI (`CI=true`), where it fails, as check.sh does on any tool it misses.

use souk_e2e::{bin, repo_root, skip_group};
use std::process::Command;

#[test]
fn deploy_check_builds_runs_and_validates() {
    let docker = Command::new("docker")
        .arg("info")
        .output()
        .is_ok_and(|o| o.status.success());
    if !docker {
        // Panics under CI=true.
        skip_group(
            "deploy::*",
            "the Docker Engine is not reachable (`docker info` failed)",
            "apt-get install -y docker.io && (dockerd &)",
        );
        return;
    }
    let out = Command::new("bash")
        .arg(repo_root().join("deploy/check.sh"))
        .env("SOUK_REGISTRY_BIN", bin("souk-registry"))
        .env("SOUK_BIN", bin("souk"))
        .output()
        .expect("bash runs deploy/check.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "deploy/check.sh failed:\n{stdout}\n{stderr}"
    );
    for line in [
        "0 problem(s)",
        "config: ok",
        "health: ok ({\"status\":\"ok\"}",
        "stopped cleanly on SIGTERM",
        "deploy check: ok (manifests compose systemd image)",
    ] {
        assert!(
            stdout.contains(line),
            "`{line}` missing from:\n{stdout}\n{stderr}"
        );
    }
}
