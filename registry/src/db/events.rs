//! The event feed, read by cursor.

use super::connection::Conn;
use super::models::EventRow;
use super::schema::events;
use super::{on, Db};
use crate::error::Error;
use diesel::prelude::*;

/// The highest event id (0 when there is none).
fn head(conn: &mut Conn) -> QueryResult<i64> {
    let head: Option<i64> = on!(conn, |c| events::table
        .select(diesel::dsl::max(events::id))
        .first(c))?;
    Ok(head.unwrap_or(0))
}

/// One page of the feed.
#[derive(Debug, Clone)]
pub struct EventPage {
    /// Events with `since < id <= head`, oldest first.
    pub events: Vec<EventRow>,
    /// The highest event id when the page was read (0 when there is none).
    pub head: i64,
}

impl Db {
    /// The events after `since` (only those of `templates`, when given), at most
    /// `limit`, and the head they were read against.
    ///
    /// The head is read first and bounds the page, so that a cursor set to the
    /// head can never step over an event the page did not see. This relies on
    /// ids being committed in order, which the write lock guarantees on both
    /// backends (see `connection::write_transaction`).
    pub async fn events_after(
        &self,
        since: i64,
        templates: Option<Vec<String>>,
        limit: i64,
    ) -> Result<EventPage, Error> {
        self.run("reading events", move |conn| {
            let head = head(conn)?;
            let events = on!(conn, |c| {
                let mut query = events::table
                    .filter(events::id.gt(since))
                    .filter(events::id.le(head))
                    .select(EventRow::as_select())
                    .order(events::id)
                    .limit(limit)
                    .into_boxed();
                if let Some(names) = &templates {
                    query = query.filter(events::template.eq_any(names));
                }
                query.load(c)
            })?;
            Ok(EventPage { events, head })
        })
        .await
    }

    /// The highest event id (0 when there is none).
    pub async fn event_head(&self) -> Result<i64, Error> {
        self.run("reading the event head", |conn| Ok(head(conn)?))
            .await
    }
}
