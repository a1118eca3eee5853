//! Readiness probes, run by the agent itself (not by the engine), with the
//! template's thresholds: `http` (a 2xx or 3xx answer), `tcp` (a connection)
//! against the replica's address on the release network, and `exec` (exit 0)
//! inside the container.

use super::render::{ProbeKind, ProbeSpec};
use super::runtime::{ContainerInfo, Runtime};
use std::time::{Duration, Instant};

/// Without a probe, a replica is ready once it has kept running this long.
const NO_PROBE_SETTLE: Duration = Duration::from_millis(1500);

/// Wait until the replica `id` of `release` is ready, or say why it is not.
pub async fn wait_ready<R: Runtime>(
    runtime: &R,
    release: &str,
    id: &str,
    probe: Option<&ProbeSpec>,
) -> Result<(), String> {
    let started = Instant::now();
    let Some(probe) = probe else {
        tokio::time::sleep(NO_PROBE_SETTLE).await;
        let c = find(runtime, release, id).await?;
        return if c.running {
            Ok(())
        } else {
            Err("the container stopped right after it started".into())
        };
    };
    let deadline = probe.deadline();
    tokio::time::sleep(Duration::from_secs(probe.initial_delay_seconds.into())).await;
    let period = Duration::from_secs(probe.period_seconds.into());
    let mut successes = 0;
    let mut last = String::from("no check ran");
    loop {
        let c = find(runtime, release, id).await?;
        if !c.running {
            return Err("the container is not running".into());
        }
        match check(runtime, &c, probe).await {
            Ok(()) => {
                successes += 1;
                if successes >= probe.success_threshold {
                    return Ok(());
                }
            }
            Err(e) => {
                successes = 0;
                last = e;
            }
        }
        if started.elapsed() + period > deadline {
            return Err(format!(
                "not ready after {}s: {last}",
                started.elapsed().as_secs()
            ));
        }
        tokio::time::sleep(period).await;
    }
}

async fn find<R: Runtime>(runtime: &R, release: &str, id: &str) -> Result<ContainerInfo, String> {
    runtime
        .containers(release)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| "the container is gone".to_string())
}

/// Run the probe's check once.
pub async fn check<R: Runtime>(
    runtime: &R,
    c: &ContainerInfo,
    probe: &ProbeSpec,
) -> Result<(), String> {
    let timeout = Duration::from_secs(probe.timeout_seconds.into());
    let ip = || {
        c.ip.clone()
            .ok_or_else(|| "the container has no address yet".to_string())
    };
    match &probe.kind {
        ProbeKind::Tcp { port } => {
            let addr = format!("{}:{port}", ip()?);
            match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(&addr)).await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(format!("tcp {addr}: {e}")),
                Err(_) => Err(format!("tcp {addr}: timed out")),
            }
        }
        ProbeKind::Http { path, port } => {
            let addr = format!("{}:{port}", ip()?);
            match tokio::time::timeout(timeout, http_status(&addr, path)).await {
                Ok(Ok(status)) if (200..400).contains(&status) => Ok(()),
                Ok(Ok(status)) => Err(format!("GET http://{addr}{path} answered {status}")),
                Ok(Err(e)) => Err(format!("GET http://{addr}{path}: {e}")),
                Err(_) => Err(format!("GET http://{addr}{path}: timed out")),
            }
        }
        ProbeKind::Exec { command } => {
            match tokio::time::timeout(timeout, runtime.exec(&c.id, command)).await {
                Ok(Ok(0)) => Ok(()),
                Ok(Ok(code)) => Err(format!("`{}` exited with {code}", command.join(" "))),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err(format!("`{}` timed out", command.join(" "))),
            }
        }
    }
}

/// The status code of `GET http://ADDR/PATH`, redirects not followed.
async fn http_status(addr: &str, path: &str) -> Result<u16, String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .map_err(|e| e.to_string())?;
    client
        .get(format!("http://{addr}{path}"))
        .header("user-agent", "souk-agent")
        .send()
        .await
        .map(|r| r.status().as_u16())
        .map_err(|e| crate::error::root_cause(&e))
}
