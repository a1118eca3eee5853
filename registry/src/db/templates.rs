//! Templates and their versions: the publish transaction, yanking, and reads.

use super::connection::{write_transaction, Conn};
use super::models::*;
use super::notify::{notify, EVENTS_CHANNEL};
use super::schema::{events, templates, versions};
use super::{now, on, Db};
use crate::error::Error;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use std::collections::HashMap;

/// The kinds of event the feed carries.
pub mod event_kind {
    pub const PUBLISHED: &str = "published";
    pub const YANKED: &str = "yanked";
    pub const UNYANKED: &str = "unyanked";
}

fn find_template(conn: &mut Conn, ns: &str, name: &str) -> QueryResult<Option<TemplateRow>> {
    on!(conn, |c| templates::table
        .filter(templates::namespace.eq(ns))
        .filter(templates::name.eq(name))
        .select(TemplateRow::as_select())
        .first(c)
        .optional())
}

fn version_metas(conn: &mut Conn, template_id: i64) -> QueryResult<Vec<VersionMetaRow>> {
    on!(conn, |c| versions::table
        .filter(versions::template_id.eq(template_id))
        .select(VersionMetaRow::as_select())
        .load(c))
}

fn insert_event(
    conn: &mut Conn,
    kind: &str,
    template: &TemplateRow,
    version: &str,
    digest: &str,
) -> QueryResult<i64> {
    let id: i64 = on!(conn, |c| diesel::insert_into(events::table)
        .values((
            events::kind.eq(kind),
            events::template_id.eq(template.id),
            events::template.eq(template.full_name()),
            events::version.eq(version),
            events::digest.eq(digest),
            events::created_at.eq(now()),
        ))
        .returning(events::id)
        .get_result(c))?;
    notify(conn, EVENTS_CHANNEL, &id.to_string())?;
    Ok(id)
}

/// The publish transaction: template (upsert), version with its search fields,
/// and the `published` event, all or nothing.
fn publish(conn: &mut Conn, new: &NewVersion) -> Result<Published, Error> {
    write_transaction(conn, |conn| {
        let at = now();
        let (template, version) = on!(conn, |conn| {
            let template: TemplateRow = diesel::insert_into(templates::table)
                .values((
                    templates::namespace.eq(&new.namespace),
                    templates::name.eq(&new.name),
                    templates::created_at.eq(at),
                    templates::updated_at.eq(at),
                ))
                .on_conflict((templates::namespace, templates::name))
                .do_update()
                .set(templates::updated_at.eq(at))
                .returning(TemplateRow::as_returning())
                .get_result(conn)?;
            let version = diesel::insert_into(versions::table)
                .values((
                    versions::template_id.eq(template.id),
                    versions::version.eq(&new.version),
                    versions::digest.eq(&new.digest),
                    versions::size.eq(new.size),
                    versions::title.eq(&new.title),
                    versions::summary.eq(&new.summary),
                    versions::category.eq(&new.category),
                    versions::tags.eq(&new.tags),
                    versions::upgrade_from.eq(&new.upgrade_from),
                    versions::icon.eq(&new.icon),
                    versions::manifest.eq(&new.manifest),
                    versions::readme.eq(&new.readme),
                    versions::changelog.eq(&new.changelog),
                    versions::yanked.eq(false),
                    versions::published_at.eq(at),
                ))
                .returning(VersionMetaRow::as_returning())
                .get_result(conn)
                .map_err(|e| match e {
                    DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                        Error::VersionExists {
                            template: template.full_name(),
                            version: new.version.clone(),
                        }
                    }
                    other => other.into(),
                })?;
            Ok::<_, Error>((template, version))
        })?;
        let event_id = insert_event(
            conn,
            event_kind::PUBLISHED,
            &template,
            &new.version,
            &new.digest,
        )?;
        Ok(Published {
            template,
            version,
            event_id,
        })
    })
}

impl Db {
    /// Write a new version (see [`NewVersion`]); `VersionExists` when
    /// `namespace/name@version` is already there.
    pub async fn publish(&self, new: NewVersion) -> Result<Published, Error> {
        self.run("publishing a version", move |conn| publish(conn, &new))
            .await
    }

    /// Is `namespace/name@version` already published?
    pub async fn version_exists(
        &self,
        ns: String,
        name: String,
        version: String,
    ) -> Result<bool, Error> {
        self.run("checking for a version", move |conn| {
            on!(conn, |conn| {
                let found = versions::table
                    .inner_join(templates::table)
                    .filter(templates::namespace.eq(&ns))
                    .filter(templates::name.eq(&name))
                    .filter(versions::version.eq(&version))
                    .select(versions::id)
                    .first::<i64>(conn)
                    .optional()?;
                Ok(found.is_some())
            })
        })
        .await
    }

    /// A template and all its versions, or `None` when it does not exist.
    pub async fn template(
        &self,
        ns: String,
        name: String,
    ) -> Result<Option<TemplateWithVersions>, Error> {
        self.run("reading a template", move |conn| {
            let Some(template) = find_template(conn, &ns, &name)? else {
                return Ok(None);
            };
            let versions = version_metas(conn, template.id)?;
            Ok(Some(TemplateWithVersions { template, versions }))
        })
        .await
    }

    /// One version in full. `None` when the template does not exist; `Some((t,
    /// None))` when the template exists but not that version.
    pub async fn version(
        &self,
        ns: String,
        name: String,
        version: String,
    ) -> Result<Option<(TemplateRow, Option<VersionRow>)>, Error> {
        self.run("reading a version", move |conn| {
            let Some(template) = find_template(conn, &ns, &name)? else {
                return Ok(None);
            };
            let row = on!(conn, |c| versions::table
                .filter(versions::template_id.eq(template.id))
                .filter(versions::version.eq(&version))
                .select(VersionRow::as_select())
                .first(c)
                .optional())?;
            Ok(Some((template, row)))
        })
        .await
    }

    /// Set a version's `yanked` flag. Writes a `yanked`/`unyanked` event only
    /// when the flag changes; returns the version and that event's id.
    pub async fn set_yanked(
        &self,
        template: TemplateRow,
        version_id: i64,
        yanked: bool,
    ) -> Result<(VersionMetaRow, Option<i64>), Error> {
        self.run("yanking a version", move |conn| {
            write_transaction(conn, |conn| {
                let changed = on!(conn, |c| diesel::update(versions::table)
                    .filter(versions::id.eq(version_id))
                    .filter(versions::yanked.ne(yanked))
                    .set(versions::yanked.eq(yanked))
                    .execute(c))?;
                let row: VersionMetaRow = on!(conn, |c| versions::table
                    .find(version_id)
                    .select(VersionMetaRow::as_select())
                    .first(c))?;
                let event = if changed > 0 {
                    let kind = if yanked {
                        event_kind::YANKED
                    } else {
                        event_kind::UNYANKED
                    };
                    Some(insert_event(
                        conn,
                        kind,
                        &template,
                        &row.version,
                        &row.digest,
                    )?)
                } else {
                    None
                };
                Ok((row, event))
            })
        })
        .await
    }

    /// Every template with its versions: what the search index is rebuilt from.
    pub async fn all_templates(&self) -> Result<Vec<TemplateWithVersions>, Error> {
        self.run("reading all templates", |conn| {
            on!(conn, |conn| {
                let templates: Vec<TemplateRow> = templates::table
                    .select(TemplateRow::as_select())
                    .order(templates::id)
                    .load(conn)?;
                let mut by_template: HashMap<i64, Vec<VersionMetaRow>> = HashMap::new();
                let rows: Vec<(i64, VersionMetaRow)> = versions::table
                    .select((versions::template_id, VersionMetaRow::as_select()))
                    .load(conn)?;
                for (template_id, v) in rows {
                    by_template.entry(template_id).or_default().push(v);
                }
                Ok(templates
                    .into_iter()
                    .map(|template| TemplateWithVersions {
                        versions: by_template.remove(&template.id).unwrap_or_default(),
                        template,
                    })
                    .collect())
            })
        })
        .await
    }

    /// The readmes of the given versions, by version id (absent when none).
    pub async fn readmes(&self, version_ids: Vec<i64>) -> Result<HashMap<i64, String>, Error> {
        self.run("reading readmes", move |conn| {
            on!(conn, |conn| {
                let mut out = HashMap::new();
                // Bounded batches keep under every backend's bind-parameter limit.
                for chunk in version_ids.chunks(500) {
                    let rows: Vec<(i64, Option<String>)> = versions::table
                        .filter(versions::id.eq_any(chunk))
                        .select((versions::id, versions::readme))
                        .load(conn)?;
                    out.extend(rows.into_iter().filter_map(|(id, r)| Some((id, r?))));
                }
                Ok(out)
            })
        })
        .await
    }

    /// How many templates exist.
    pub async fn count_templates(&self) -> Result<i64, Error> {
        self.run("counting templates", |conn| {
            on!(conn, |conn| {
                Ok(templates::table.count().get_result(conn)?)
            })
        })
        .await
    }
}
