//! Agents' reports and the fleet view: which customer sites run which version
//! of a template, in which state. The latest report per agent is kept, whole.

use crate::auth::Principal;
use crate::db::agents::{AgentReleaseRow, FleetCount};
use crate::error::{Error, Result};
use crate::state::AppState;
use souk_schema::wire::{AgentReport, FleetVersion, FleetView, ReleaseState};
use souk_schema::TemplateName;
use std::collections::BTreeMap;

/// The most releases one report may name.
const MAX_RELEASES: usize = 10_000;

fn valid_agent_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Keep `report` as agent `agent_id`'s latest.
pub async fn report(
    state: &AppState,
    who: &Principal,
    agent_id: &str,
    report: AgentReport,
) -> Result<()> {
    who.require_agent()?;
    if !valid_agent_id(agent_id) {
        return Err(Error::BadRequest(format!(
            "`{agent_id}` is not an agent id: 1 to 128 of `A-Z a-z 0-9 - _ .`"
        )));
    }
    if report.releases.len() > MAX_RELEASES {
        return Err(Error::BadRequest(format!(
            "a report names at most {MAX_RELEASES} releases"
        )));
    }
    let mut rows = Vec::with_capacity(report.releases.len());
    for (i, r) in report.releases.into_iter().enumerate() {
        let template = TemplateName::parse(&r.template)
            .map_err(|e| Error::BadRequest(format!("`releases[{i}].template`: {e}")))?;
        if let Err(e) = r.state.parse::<ReleaseState>() {
            return Err(Error::BadRequest(format!("`releases[{i}].state` is {e}")));
        }
        if r.release.is_empty() || r.release.len() > 128 {
            return Err(Error::BadRequest(format!(
                "`releases[{i}].release` must be 1 to 128 characters"
            )));
        }
        if let Some(v) = &r.version {
            semver::Version::parse(v)
                .map_err(|e| Error::BadRequest(format!("`releases[{i}].version` `{v}`: {e}")))?;
        }
        rows.push(AgentReleaseRow {
            agent_id: agent_id.to_string(),
            release: r.release,
            template: template.to_string(),
            version: r.version,
            revision: r.revision,
            state: r.state,
            message: r.message.unwrap_or_default(),
        });
    }
    let n = rows.len();
    let mut changed: std::collections::BTreeSet<String> =
        rows.iter().map(|r| r.template.clone()).collect();
    let before = state
        .db
        .replace_report(
            agent_id.to_string(),
            report.agent_version,
            report.runtime,
            rows,
        )
        .await?;
    tracing::info!(agent.id = agent_id, releases = n, "agent report");
    // Installs rank search results and the market's "most installed": keep the
    // index's counts in step for every template this report or the one it
    // replaced names.
    changed.extend(before);
    for name in changed.iter().filter_map(|t| TemplateName::parse(t).ok()) {
        super::index::refresh(state, &name).await;
    }
    Ok(())
}

/// The market's view of a template's fleet: how many reported releases run
/// each version, by state, highest version first. Counts only, never which
/// agent or site: shown to anyone who may see the template.
pub async fn public_counts(state: &AppState, name: &TemplateName) -> Result<Vec<FleetCount>> {
    let mut counts = state.db.fleet(name.to_string()).await?;
    counts.sort_by(|a, b| {
        let v = |c: &FleetCount| {
            c.version
                .as_deref()
                .and_then(|v| semver::Version::parse(v).ok())
        };
        v(b).cmp(&v(a)).then_with(|| a.state.cmp(&b.state))
    });
    Ok(counts)
}

/// How many reported releases run each version of `name`, by state.
pub async fn fleet(state: &AppState, who: &Principal, name: &TemplateName) -> Result<FleetView> {
    who.require_publish(name.namespace())?;
    if state
        .db
        .template(name.namespace().to_string(), name.name().to_string())
        .await?
        .is_none()
    {
        return Err(Error::TemplateNotFound(name.to_string()));
    }
    let mut by_version: BTreeMap<Option<semver::Version>, FleetVersion> = BTreeMap::new();
    let mut total = 0;
    for c in state.db.fleet(name.to_string()).await? {
        total += c.count;
        let key = c
            .version
            .as_deref()
            .and_then(|v| semver::Version::parse(v).ok());
        let entry = by_version.entry(key).or_insert_with(|| FleetVersion {
            version: c.version.clone(),
            total: 0,
            states: BTreeMap::new(),
        });
        entry.total += c.count;
        *entry.states.entry(c.state).or_default() += c.count;
    }
    // Highest version first; `None` sorts lowest, so it comes last.
    let versions = by_version.into_values().rev().collect();
    Ok(FleetView {
        template: name.to_string(),
        total,
        versions,
    })
}
