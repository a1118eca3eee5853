//! `souk agent`: the daemon. It keeps every subscribed release installed and,
//! when `auto_upgrade` is on, on the newest version its requirement allows:
//! it follows `/api/v1/events` by long poll (a published or yanked version of a
//! subscribed template wakes it at once), resolves every subscription again on
//! each round as a safety net, upgrades along the registry's upgrade path, and
//! reports every release's state to `POST /agents/{id}/report`.
//!
//! While the registry is unreachable it backs off (1 s doubling to 30 s) and
//! touches nothing: running releases keep running. A version that failed on
//! this site is not tried again; a newer one is, by an upgrade or, when the
//! release's install failed, by installing it again.

use super::deliver::{self, Narrator, Source, Walk};
use super::operation::{Agent, Outcome};
use super::runtime::Runtime;
use super::values::Answers;
use crate::error::Error;
use crate::registry::RegistryClient;
use secrecy::SecretString;
use semver::{Version, VersionReq};
use serde::Deserialize;
use souk_schema::backoff::Backoff;
use souk_schema::package::Package;
use souk_schema::wire::{AgentReport, ReleaseReport};
use souk_schema::TemplateName;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// First and longest wait between retries while the registry is unreachable
/// (each with jitter, so that sites do not come back in lockstep).
const MIN_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// `agent.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The registry's base URL.
    pub registry: String,
    /// A token with the `agent` scope (and `read`, for private templates).
    #[serde(default)]
    pub token: Option<String>,
    /// This site's id in fleet reports.
    pub agent_id: String,
    /// The agent's data folder (default: [`super::default_data_dir`], the
    /// same as the release commands', so that `souk status` sees its releases).
    #[serde(default)]
    pub data_dir: Option<PathBuf>,
    /// Seconds a long poll waits (and so between safety-net resolves); at most 60.
    #[serde(default = "default_poll")]
    pub poll_seconds: u64,
    #[serde(default)]
    pub subscriptions: Vec<Subscription>,
}

fn default_poll() -> u64 {
    20
}

fn yes() -> bool {
    true
}

/// A release this site keeps installed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscription {
    pub release: String,
    pub template: String,
    /// A semver requirement (default `*`).
    #[serde(default)]
    pub requirement: Option<String>,
    /// Parameter values (secrets included: keep the file private).
    #[serde(default)]
    pub values: BTreeMap<String, toml::Value>,
    #[serde(default = "yes")]
    pub auto_upgrade: bool,
    #[serde(default)]
    pub pre: bool,
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, Error> {
        let bad = |message: String| Error::AgentConfig {
            path: path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let config: Config = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if config.poll_seconds == 0 || config.poll_seconds > 60 {
            return Err(bad("`poll_seconds` is between 1 and 60".into()));
        }
        for s in &config.subscriptions {
            crate::cli::parse_release(&s.release).map_err(bad)?;
            TemplateName::parse(&s.template).map_err(bad)?;
            if let Some(r) = &s.requirement {
                crate::cli::parse_req(r).map_err(bad)?;
            }
        }
        Ok(config)
    }
}

/// The daemon's loop; returns after `exit_after`, or never.
pub async fn run<R: Runtime>(
    agent: &Agent<R>,
    config: &Config,
    client: &RegistryClient,
    exit_after: Option<Duration>,
) -> Result<(), Error> {
    let started = Instant::now();
    let templates: Vec<String> = config
        .subscriptions
        .iter()
        .map(|s| s.template.clone())
        .collect();
    let mut cursor: Option<i64> = None;
    let mut backoff = Backoff::new(MIN_BACKOFF, MAX_BACKOFF);
    loop {
        if exit_after.is_some_and(|d| started.elapsed() >= d) {
            return Ok(());
        }
        let round = async {
            // Where the feed stands before resolving: nothing published in
            // between is missed.
            let since = match cursor {
                Some(c) => c,
                None => {
                    client
                        .events(i64::MAX / 2, 0, &templates)
                        .await?
                        .data
                        .cursor
                }
            };
            for sub in &config.subscriptions {
                reconcile(agent, client, sub).await?;
            }
            report(agent, client, &config.agent_id).await;
            let wait = config.poll_seconds.min(
                exit_after
                    .map(|d| d.saturating_sub(started.elapsed()).as_secs().max(1))
                    .unwrap_or(u64::MAX),
            );
            let page = client.events(since, wait, &templates).await?.data;
            Ok::<i64, Error>(page.cursor)
        };
        match round.await {
            Ok(c) => {
                cursor = Some(c);
                backoff.reset();
            }
            Err(e @ (Error::Connect { .. } | Error::Timeout { .. } | Error::Request { .. })) => {
                let wait = backoff.next_wait();
                tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "registry unreachable; releases keep running");
                tokio::time::sleep(wait).await;
            }
            Err(e @ (Error::Api { .. } | Error::UnexpectedResponse { .. })) => {
                let wait = backoff.next_wait();
                tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "the registry refused a request");
                tokio::time::sleep(wait).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Install a subscribed release that is missing; upgrade one that is behind.
async fn reconcile<R: Runtime>(
    agent: &Agent<R>,
    client: &RegistryClient,
    sub: &Subscription,
) -> Result<(), Error> {
    let name = TemplateName::parse(&sub.template).map_err(|message| Error::Render { message })?;
    let req = match &sub.requirement {
        Some(r) => VersionReq::parse(r).map_err(|e| Error::Render {
            message: e.to_string(),
        })?,
        None => VersionReq::STAR,
    };
    let source = Source {
        client,
        name: &name,
        pre: sub.pre,
    };
    let existing = agent.store.release(&sub.release).await?;
    let Some(release) = existing.filter(|r| !r.install_failed()) else {
        // Missing, or its install failed: (again) with a version that did not fail.
        let failed = deliver::failed_versions(agent, &sub.release).await?;
        let chosen = deliver::latest_except(&source, &req, &sub.release, &failed, &Log).await?;
        if let Some(package) = chosen {
            let outcome = agent
                .install(&sub.release, &package, &answers(sub), &req)
                .await?;
            log_outcome(&sub.release, &outcome);
        }
        return Ok(());
    };
    if !sub.auto_upgrade || release.current_revision.is_none() {
        return Ok(());
    }
    // The subscription's requirement is the site's word: it replaces the one
    // remembered when the configuration changes.
    let walk = Walk {
        requirement: Some(req),
        skip_failed: true,
        ..Walk::default()
    };
    // The subscription's values were given at install; upgrades keep them.
    let keep = |_: &Package| Ok(Answers::default());
    deliver::upgrade(agent, &source, &sub.release, &walk, &keep, &Log).await?;
    Ok(())
}

/// A subscription's values, as answers to the template's parameters.
fn answers(sub: &Subscription) -> Answers {
    sub.values
        .iter()
        .map(|(k, v)| {
            let json = serde_json::to_value(v).unwrap_or(serde_json::Value::Null);
            (k.clone(), json)
        })
        .collect()
}

/// The daemon's narrator: the log.
struct Log;

impl Narrator for Log {
    fn installing(&self, release: &str, name: &TemplateName, version: &Version) {
        tracing::info!(release = %release, template = %name, %version, "installing");
    }

    fn upgrading(&self, release: &str, from: &Version, to: &Version) {
        tracing::info!(release = %release, %from, %to, "upgrading");
    }

    fn skipping(&self, release: &str, version: &Version) {
        tracing::info!(release = %release, %version, "not trying a version that failed here before");
    }

    fn stepped(&self, release: &str, outcome: &Outcome) {
        log_outcome(release, outcome);
    }
}

fn log_outcome(release: &str, outcome: &Outcome) {
    match outcome {
        Outcome::Deployed { revision } => tracing::info!(release, revision, "healthy"),
        Outcome::RolledBack {
            failed,
            restored,
            reason,
        } => tracing::warn!(
            release,
            failed,
            ?restored,
            reason = reason.as_str(),
            "rolled back"
        ),
    }
}

/// Tell the registry every release's state; a failure is logged, not fatal.
async fn report<R: Runtime>(agent: &Agent<R>, client: &RegistryClient, agent_id: &str) {
    let body = async {
        let mut releases = Vec::new();
        for r in agent.store.releases().await? {
            let version = match r.current_revision {
                Some(n) => agent.store.revision(&r.name, n).await?.map(|v| v.version),
                None => None,
            };
            releases.push(ReleaseReport {
                release: r.name,
                template: r.template,
                version,
                revision: r.current_revision,
                state: r.state.as_str().into(),
                message: Some(r.message),
            });
        }
        let runtime = agent
            .runtime
            .describe()
            .await
            .unwrap_or_else(|_| "docker".into());
        Ok::<_, Error>(AgentReport {
            agent_version: env!("CARGO_PKG_VERSION").into(),
            runtime,
            releases,
        })
    }
    .await;
    match body {
        Ok(body) => {
            if let Err(e) = client.report(agent_id, &body).await {
                tracing::warn!(error = %e, "cannot report to the registry");
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot build the report"),
    }
}

/// The token as the client wants it.
pub fn token(config: &Config) -> Option<SecretString> {
    config.token.clone().map(SecretString::from)
}
