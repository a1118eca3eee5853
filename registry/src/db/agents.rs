//! Agents' reports: the latest per agent replaces the one before, whole.

use super::connection::write_transaction;
use super::notify::{notify, reports_payload, REPORTS_CHANNEL};
use super::schema::{agent_releases, agent_reports};
use super::{now, on, Db};
use crate::error::Error;
use diesel::prelude::*;
use std::collections::BTreeSet;

/// One release of a report, as stored.
#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = agent_releases)]
pub struct AgentReleaseRow {
    pub agent_id: String,
    pub release: String,
    pub template: String,
    pub version: Option<String>,
    pub revision: Option<i64>,
    pub state: String,
    pub message: String,
}

/// How many releases of a template run a version in a state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetCount {
    pub version: Option<String>,
    pub state: String,
    pub count: i64,
}

impl Db {
    /// Keep `releases` as the agent's latest report, in one transaction;
    /// returns the templates the report it replaced named.
    pub async fn replace_report(
        &self,
        agent_id: String,
        agent_version: String,
        runtime: String,
        releases: Vec<AgentReleaseRow>,
    ) -> Result<Vec<String>, Error> {
        self.run("storing an agent report", move |conn| {
            write_transaction(conn, |conn| {
                let before = on!(conn, |conn| {
                    let before: Vec<String> = agent_releases::table
                        .filter(agent_releases::agent_id.eq(&agent_id))
                        .select(agent_releases::template)
                        .distinct()
                        .load(conn)?;
                    diesel::delete(
                        agent_releases::table.filter(agent_releases::agent_id.eq(&agent_id)),
                    )
                    .execute(conn)?;
                    let at = now();
                    diesel::insert_into(agent_reports::table)
                        .values((
                            agent_reports::agent_id.eq(&agent_id),
                            agent_reports::agent_version.eq(&agent_version),
                            agent_reports::runtime.eq(&runtime),
                            agent_reports::reported_at.eq(at),
                        ))
                        .on_conflict(agent_reports::agent_id)
                        .do_update()
                        .set((
                            agent_reports::agent_version.eq(&agent_version),
                            agent_reports::runtime.eq(&runtime),
                            agent_reports::reported_at.eq(at),
                        ))
                        .execute(conn)?;
                    diesel::insert_into(agent_releases::table)
                        .values(&releases)
                        .execute(conn)?;
                    Ok::<_, diesel::result::Error>(before)
                })?;
                let named: BTreeSet<&String> = before
                    .iter()
                    .chain(releases.iter().map(|r| &r.template))
                    .collect();
                notify(conn, REPORTS_CHANNEL, &reports_payload(named))?;
                Ok(before)
            })
        })
        .await
    }

    /// Per state, how many releases the agents' latest reports hold, over
    /// every template (for the metrics).
    pub async fn release_states(&self) -> Result<Vec<(String, i64)>, Error> {
        self.run("counting agents' releases by state", move |conn| {
            on!(conn, |conn| {
                Ok(agent_releases::table
                    .group_by(agent_releases::state)
                    .select((agent_releases::state, diesel::dsl::count_star()))
                    .load(conn)?)
            })
        })
        .await
    }

    /// Per version and state, how many reported releases run `template`.
    pub async fn fleet(&self, template: String) -> Result<Vec<FleetCount>, Error> {
        self.run("counting a template's fleet", move |conn| {
            on!(conn, |conn| {
                let rows: Vec<(Option<String>, String, i64)> = agent_releases::table
                    .filter(agent_releases::template.eq(&template))
                    .group_by((agent_releases::version, agent_releases::state))
                    .select((
                        agent_releases::version,
                        agent_releases::state,
                        diesel::dsl::count_star(),
                    ))
                    .load(conn)?;
                Ok(rows
                    .into_iter()
                    .map(|(version, state, count)| FleetCount {
                        version,
                        state,
                        count,
                    })
                    .collect())
            })
        })
        .await
    }
}
