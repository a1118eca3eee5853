//! What search needs beyond templates: popularity (installs reported by
//! agents) and the outbox cursor of an external index.

use super::schema::{agent_releases, search_cursors};
use super::{now, on, Db};
use crate::error::Error;
use diesel::prelude::*;
use std::collections::HashMap;

impl Db {
    /// Per template (`namespace/name`), how many releases agents report
    /// running it (any state: a failed install is still a customer's choice).
    /// With `only`, just those templates.
    pub async fn installs(&self, only: Option<Vec<String>>) -> Result<HashMap<String, u64>, Error> {
        self.run("counting installs", move |conn| {
            on!(conn, |conn| {
                let mut query = agent_releases::table
                    .group_by(agent_releases::template)
                    .select((agent_releases::template, diesel::dsl::count_star()))
                    .into_boxed();
                if let Some(names) = only {
                    query = query.filter(agent_releases::template.eq_any(names));
                }
                let rows: Vec<(String, i64)> = query.load(conn)?;
                Ok(rows
                    .into_iter()
                    .map(|(t, n)| (t, u64::try_from(n).unwrap_or(0)))
                    .collect())
            })
        })
        .await
    }

    /// The last event the index `index_uid` holds; `None` before its first
    /// full build.
    pub async fn search_cursor(&self, index_uid: String) -> Result<Option<i64>, Error> {
        self.run("reading the search cursor", move |conn| {
            on!(conn, |conn| {
                Ok(search_cursors::table
                    .find(&index_uid)
                    .select(search_cursors::event_id)
                    .first(conn)
                    .optional()?)
            })
        })
        .await
    }

    /// Record that the index `index_uid` holds every event up to `event_id`.
    pub async fn set_search_cursor(&self, index_uid: String, event_id: i64) -> Result<(), Error> {
        self.run("storing the search cursor", move |conn| {
            on!(conn, |conn| {
                let at = now();
                diesel::insert_into(search_cursors::table)
                    .values((
                        search_cursors::index_uid.eq(&index_uid),
                        search_cursors::event_id.eq(event_id),
                        search_cursors::updated_at.eq(at),
                    ))
                    .on_conflict(search_cursors::index_uid)
                    .do_update()
                    .set((
                        search_cursors::event_id.eq(event_id),
                        search_cursors::updated_at.eq(at),
                    ))
                    .execute(conn)?;
                Ok(())
            })
        })
        .await
    }
}
