//! `souk agent`: load the configuration, open the agent (finishing any
//! interrupted operation), and run the daemon loop.

use super::ExitStatus;
use crate::agent::daemon::{self, Config};
use crate::agent::operation::Progress;
use crate::cli::AgentArgs;
use crate::error::Error;
use crate::registry::RegistryClient;
use std::sync::Arc;
use std::time::Duration;

pub async fn agent(args: &AgentArgs) -> Result<ExitStatus, Error> {
    // The log subscriber is set up by `main` (`SOUK_LOG`, `SOUK_LOG_FORMAT`).
    let config = Config::load(&args.config)?;
    let url =
        crate::cli::parse_registry_url(&config.registry).map_err(|message| Error::AgentConfig {
            path: args.config.clone(),
            message,
        })?;
    let client = RegistryClient::new(url, daemon::token(&config))?;
    let progress: Progress = Arc::new(|m: &str| tracing::info!("{m}"));
    let data_dir = match args.agent.data_dir.as_ref().or(config.data_dir.as_ref()) {
        Some(d) => d.clone(),
        None => crate::agent::default_data_dir()?,
    };
    let agent = crate::agent::open(&data_dir, progress, crate::agent::Access::Write, false).await?;
    tracing::info!(agent_id = %config.agent_id, registry = %config.registry, subscriptions = config.subscriptions.len(), "souk agent running");
    daemon::run(
        &agent,
        &config,
        &client,
        args.exit_after.map(Duration::from_secs),
    )
    .await?;
    Ok(ExitStatus::Success)
}
