//! Market categories and how many templates each holds.

use super::models::CategoryRow;
use super::schema::{categories, versions};
use super::{on, Db};
use crate::error::Error;
use diesel::prelude::*;
use std::collections::HashMap;

impl Db {
    /// Insert the categories that are missing; existing ones are left as they are
    /// (an administrator may have renamed them).
    pub async fn seed_categories(&self, rows: Vec<CategoryRow>) -> Result<(), Error> {
        self.run("seeding categories", move |conn| {
            on!(conn, |conn| {
                for row in &rows {
                    diesel::insert_into(categories::table)
                        .values(row)
                        .on_conflict(categories::slug)
                        .do_nothing()
                        .execute(conn)?;
                }
                Ok(())
            })
        })
        .await
    }

    /// Every category in display order, with the number of templates that have
    /// at least one version in it that is not yanked.
    pub async fn categories_with_counts(&self) -> Result<Vec<(CategoryRow, i64)>, Error> {
        self.run("reading categories", |conn| {
            on!(conn, |conn| {
                let rows: Vec<CategoryRow> = categories::table
                    .select(CategoryRow::as_select())
                    .order((categories::position, categories::slug))
                    .load(conn)?;
                let counts: HashMap<String, i64> = versions::table
                    .filter(versions::yanked.eq(false))
                    .group_by(versions::category)
                    .select((
                        versions::category,
                        diesel::dsl::count(versions::template_id).aggregate_distinct(),
                    ))
                    .load::<(String, i64)>(conn)?
                    .into_iter()
                    .collect();
                Ok(rows
                    .into_iter()
                    .map(|c| {
                        let n = counts.get(&c.slug).copied().unwrap_or(0);
                        (c, n)
                    })
                    .collect())
            })
        })
        .await
    }

    /// The known category slugs, in display order.
    pub async fn category_slugs(&self) -> Result<Vec<String>, Error> {
        self.run("reading category slugs", |conn| {
            on!(conn, |conn| {
                Ok(categories::table
                    .select(categories::slug)
                    .order((categories::position, categories::slug))
                    .load(conn)?)
            })
        })
        .await
    }
}
