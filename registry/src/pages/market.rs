//! The market: home, browse and search, a template, a version.

use super::{console, render, Ctx, PageResult};
use crate::api::views::category;
use crate::api::{TemplatePath, VersionPath};
use crate::domain::{catalog, fleet, templates};
use crate::error::Error;

use crate::state::AppState;
use actix_web::web::{Data, Path, Query};
use actix_web::HttpRequest;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use souk_schema::manifest::ParamType;
use souk_schema::wire::{Category, SearchResults, TemplateSummary, TemplateView, VersionDetail};
use souk_schema::Manifest;
use souk_web::diff;
use souk_web::pages::*;
use souk_web::url::with_query;
use souk_web::{Lang, Template};

/// Templates per page when browsing.
const PER_PAGE: usize = 20;
/// Templates in each list of the home page.
const HOME_LIST: usize = 6;
/// Tags shown as facets.
const MAX_TAGS: usize = 24;

fn day(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

fn template_href(name: &str) -> String {
    format!("/t/{name}")
}

/// Display names of the categories, in the page's language.
struct Categories(Vec<Category>);

impl Categories {
    async fn load(state: &AppState) -> crate::error::Result<Categories> {
        let all = catalog::categories(state).await?;
        Ok(Categories(all.into_iter().map(category).collect()))
    }

    fn name(&self, slug: &str, lang: Lang) -> String {
        self.0
            .iter()
            .find(|c| c.slug == slug)
            .map(|c| match lang {
                Lang::En => c.name.clone(),
                Lang::Zh => c.name_zh.clone(),
            })
            .unwrap_or_else(|| slug.to_string())
    }
}

fn card(s: TemplateSummary, cats: &Categories, lang: Lang) -> Card {
    Card {
        href: template_href(&s.name),
        category: cats.name(&s.category, lang),
        updated: day(&s.updated_at),
        name: s.name,
        title: s.title,
        summary: s.summary,
        version: s.version,
        icon_url: s.icon_url,
        tags: s.tags,
        installs: (s.installs > 0).then_some(s.installs),
    }
}

/// Category slugs with an icon in `static/icons.svg`; others show `other`'s.
fn icon_slug(slug: &str) -> &str {
    let known = souk_schema::categories::DEFAULT_CATEGORIES
        .iter()
        .any(|c| c.slug == slug);
    if known {
        slug
    } else {
        "other"
    }
}

/// `GET /`: categories with counts, recently updated templates, a search box.
pub async fn home(state: Data<AppState>, ctx: Ctx) -> PageResult {
    let cats = Categories::load(&state).await.map_err(|e| ctx.fail(e))?;
    let recent: SearchResults = catalog::search(
        &state,
        catalog::Search {
            page: 1,
            per_page: HOME_LIST,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| ctx.fail(e))?
    .into();
    let popular: SearchResults = catalog::search(
        &state,
        catalog::Search {
            page: 1,
            per_page: HOME_LIST,
            sort: crate::search::Sort::Popular,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| ctx.fail(e))?
    .into();
    let t = ctx.lang.texts();
    let page = HomePage {
        l: ctx.layout(t.nav_market, "market"),
        categories: cats
            .0
            .iter()
            .map(|c| CategoryTile {
                slug: icon_slug(&c.slug).to_string(),
                name: cats.name(&c.slug, ctx.lang),
                count: c.count,
                href: with_query("/templates", &[("category", &c.slug)]),
            })
            .collect(),
        recent: recent
            .items
            .into_iter()
            .map(|s| card(s, &cats, ctx.lang))
            .collect(),
        popular: popular
            .items
            .into_iter()
            .filter(|s| s.installs > 0)
            .map(|s| card(s, &cats, ctx.lang))
            .collect(),
    };
    render(&ctx, &page)
}

/// The query of `GET /templates`; every field is optional so that any link
/// keeps working.
#[derive(Debug, Default, Deserialize)]
pub struct BrowseQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    sort: String,
    /// Text, so that a bad value is page 1 rather than an error.
    page: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Sort {
    Relevance,
    Updated,
    Name,
}

impl Sort {
    fn parse(s: &str, has_text: bool) -> Sort {
        match s {
            "updated" => Sort::Updated,
            "name" => Sort::Name,
            "relevance" if has_text => Sort::Relevance,
            _ if has_text => Sort::Relevance,
            _ => Sort::Updated,
        }
    }

    /// The index sorts (yanked-only templates last, whatever the order).
    fn index_sort(self) -> crate::search::Sort {
        match self {
            Sort::Relevance => crate::search::Sort::Relevance,
            Sort::Updated => crate::search::Sort::Recent,
            Sort::Name => crate::search::Sort::Name,
        }
    }

    fn value(self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::Updated => "updated",
            Sort::Name => "name",
        }
    }
}

/// `GET /templates?q=&category=&tag=&sort=&page=`: search and browse.
pub async fn browse(state: Data<AppState>, ctx: Ctx, query: Query<BrowseQuery>) -> PageResult {
    let qy = query.into_inner();
    let text = qy.q.trim().to_string();
    let sort = Sort::parse(&qy.sort, !text.is_empty());
    let page = qy
        .page
        .as_deref()
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let search = catalog::Search {
        text: text.clone(),
        category: Some(qy.category.clone()).filter(|c| !c.is_empty()),
        tag: Some(qy.tag.clone()).filter(|t| !t.is_empty()),
        sort: sort.index_sort(),
        page,
        per_page: PER_PAGE,
    };
    let r: SearchResults = catalog::search(&state, search)
        .await
        .map_err(|e| ctx.fail(e))?
        .into();
    let (items, total, facets) = (r.items, r.total, r.facets);
    let cats = Categories::load(&state).await.map_err(|e| ctx.fail(e))?;
    let lang = ctx.lang;
    let t = lang.texts();
    let sort_param = if (sort == Sort::Relevance && !text.is_empty())
        || (sort == Sort::Updated && text.is_empty())
    {
        ""
    } else {
        sort.value()
    };
    let link = |category: &str, tag: &str, page: usize| {
        let page = if page > 1 {
            page.to_string()
        } else {
            String::new()
        };
        with_query(
            "/templates",
            &[
                ("q", &text),
                ("category", category),
                ("tag", tag),
                ("sort", sort_param),
                ("page", &page),
            ],
        )
    };
    let mut categories: Vec<Facet> = vec![Facet {
        label: t.all_categories.to_string(),
        count: if qy.category.is_empty() { total } else { 0 },
        href: link("", &qy.tag, 1),
        active: qy.category.is_empty(),
    }];
    categories.extend(cats.0.iter().filter_map(|c| {
        let count = facets.category.get(&c.slug).copied().unwrap_or(0);
        let active = c.slug == qy.category;
        (count > 0 || active).then(|| Facet {
            label: cats.name(&c.slug, lang),
            count,
            href: link(if active { "" } else { &c.slug }, &qy.tag, 1),
            active,
        })
    }));
    if qy.category.is_empty() {
        categories[0].count = total;
    }
    let mut tags: Vec<(&String, &usize)> = facets.tags.iter().collect();
    tags.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let tags = tags
        .into_iter()
        .take(MAX_TAGS)
        .map(|(tag, n)| {
            let active = *tag == qy.tag;
            Facet {
                label: tag.clone(),
                count: *n,
                href: link(&qy.category, if active { "" } else { tag }, 1),
                active,
            }
        })
        .collect();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let sorts = [
        (Sort::Relevance, t.sort_relevance),
        (Sort::Updated, t.sort_updated),
        (Sort::Name, t.sort_name),
    ]
    .into_iter()
    .filter(|(s, _)| *s != Sort::Relevance || !text.is_empty())
    .map(|(s, label)| SortOption {
        value: s.value(),
        label,
        active: s == sort,
    })
    .collect();
    let filtered = !qy.category.is_empty() || !qy.tag.is_empty();
    let title = if text.is_empty() {
        t.browse_title.to_string()
    } else {
        format!("{text} — {}", t.search_button)
    };
    let mut l = ctx.layout(title, "browse");
    l.q = text.clone();
    let page_view = BrowsePage {
        l,
        q: text.clone(),
        total,
        cards: items.into_iter().map(|s| card(s, &cats, lang)).collect(),
        categories,
        tags,
        sorts,
        category: qy.category.clone(),
        tag: qy.tag.clone(),
        sort: sort.value().to_string(),
        page,
        pages,
        prev_href: (page > 1).then(|| link(&qy.category, &qy.tag, page - 1)),
        next_href: (page < pages).then(|| link(&qy.category, &qy.tag, page + 1)),
        clear_href: filtered.then(|| link("", "", 1)),
    };
    render(&ctx, &page_view)
}

fn header(
    v: &VersionDetail,
    m: &Manifest,
    updated: &DateTime<Utc>,
    cats: &Categories,
    lang: Lang,
) -> Header {
    let vv = &v.version;
    let namespace = vv.name.split_once('/').map_or("", |(ns, _)| ns).to_string();
    Header {
        href: template_href(&vv.name),
        name: vv.name.clone(),
        namespace,
        title: vv.title.clone(),
        summary: vv.summary.clone(),
        category: cats.name(&vv.category, lang),
        category_href: with_query("/templates", &[("category", &vv.category)]),
        tags: vv
            .tags
            .iter()
            .map(|t| (t.clone(), with_query("/templates", &[("tag", t)])))
            .collect(),
        version: vv.version.to_string(),
        icon_url: vv.icon_url.clone(),
        license: m.license.clone(),
        homepage: m
            .homepage
            .clone()
            .filter(|h| h.starts_with("https://") || h.starts_with("http://")),
        maintainers: m
            .maintainers
            .iter()
            .map(|x| x.name.clone())
            .collect::<Vec<_>>()
            .join(", "),
        updated: day(updated),
    }
}

fn components(m: &Manifest) -> Vec<ComponentItem> {
    m.components
        .iter()
        .map(|c| ComponentItem {
            name: c.name.clone(),
            image: c.image.clone(),
            ports: diff::port_list(c),
            volumes: diff::volume_list(c),
            resources: diff::resources(c),
            replicas: c.replicas,
            stateful: c.stateful,
            depends_on: c.depends_on.join(", "),
        })
        .collect()
}

fn params(m: &Manifest) -> Vec<ParamItem> {
    m.parameters
        .iter()
        .map(|p| {
            let secret = p.kind == ParamType::Secret;
            let default = match (&p.default, secret) {
                // A secret's default is never shown, whatever the vendor wrote.
                (_, true) | (None, _) => String::new(),
                (Some(serde_json::Value::String(s)), _) => s.clone(),
                (Some(v), _) => v.to_string(),
            };
            let mut constraints = Vec::new();
            if let Some(pattern) = &p.pattern {
                constraints.push(format!("pattern {pattern}"));
            }
            match (p.min, p.max) {
                (Some(a), Some(b)) => constraints.push(format!("{a} – {b}")),
                (Some(a), None) => constraints.push(format!("≥ {a}")),
                (None, Some(b)) => constraints.push(format!("≤ {b}")),
                (None, None) => {}
            }
            if !p.options.is_empty() {
                constraints.push(p.options.join(" | "));
            }
            ParamItem {
                name: p.name.clone(),
                title: p.title.clone().unwrap_or_default(),
                description: p.description.clone().unwrap_or_default(),
                kind: p.kind.as_str(),
                default,
                secret,
                required: p.required,
                constraints: constraints.join("; "),
            }
        })
        .collect()
}

/// `GET /t/{ns}/{name}`: the template at its latest version.
pub async fn template(
    state: Data<AppState>,
    ctx: Ctx,
    req: HttpRequest,
    path: Path<TemplatePath>,
) -> PageResult {
    let name = path.parse().map_err(|e| ctx.fail(e))?;
    let t = TemplateView::from(
        &*templates::show(&state, &name)
            .await
            .map_err(|e| ctx.fail(e))?,
    );
    let cats = Categories::load(&state).await.map_err(|e| ctx.fail(e))?;
    let m = &t.latest.manifest;
    let h = header(&t.latest, m, &t.updated_at, &cats, ctx.lang);
    let version = semver::Version::parse(&h.version)
        .map_err(|e| ctx.fail(Error::internal("reading a stored version", e)))?;
    let params = params(m);
    let install = install_command(&h.name, &version, &params);
    let yank = console::publisher_controls(&state, &req, &ctx, name.namespace()).await;
    let page = TemplatePage {
        l: ctx.layout(h.title.clone(), "market"),
        readme_html: t.latest.readme.as_deref().map(souk_web::markdown::render),
        changelog_html: t
            .latest
            .changelog
            .as_deref()
            .map(souk_web::markdown::render),
        versions: t
            .versions
            .iter()
            .map(|v| VersionItem {
                href: format!("{}/{}", h.href, v.version),
                published: day(&v.published_at),
                yanked: v.yanked,
                prerelease: !v.version.pre.is_empty(),
                current: v.version == version,
                version: v.version.to_string(),
            })
            .collect(),
        components: components(m),
        topology_svg: souk_web::topology::layout(
            m,
            &format!("{} — {}", h.name, ctx.lang.texts().topology),
        )
        .render()
        .map_err(|e| ctx.fail(Error::internal("rendering the topology", e)))?,
        params,
        install,
        fleet: fleet::public_counts(&state, &name)
            .await
            .map_err(|e| ctx.fail(e))?
            .into_iter()
            .map(|c| FleetItem {
                version: c.version.unwrap_or_else(|| "—".into()),
                state: c.state,
                count: u64::try_from(c.count).unwrap_or(0),
            })
            .collect(),
        yank,
        h,
    };
    render(&ctx, &page)
}

/// `GET /t/{ns}/{name}/{version}`: one version and what changed from the one before.
pub async fn version(
    state: Data<AppState>,
    ctx: Ctx,
    path: Path<(String, String, String)>,
) -> PageResult {
    let (ns, short, ver) = path.into_inner();
    let (name, version) = VersionPath {
        ns,
        name: short,
        version: ver,
    }
    .parse()
    .map_err(|e| ctx.fail(e))?;
    let this = VersionDetail::from(
        &templates::version(&state, &name, &version)
            .await
            .map_err(|e| ctx.fail(e))?,
    );
    let all = templates::show(&state, &name)
        .await
        .map_err(|e| ctx.fail(e))?;
    let cats = Categories::load(&state).await.map_err(|e| ctx.fail(e))?;
    let m = &this.manifest;
    // The version before this one in semver order (the list is newest first).
    let previous = all
        .template
        .versions
        .iter()
        .map(|v| v.semver())
        .find(|v| *v < version);
    let (previous, diff) = match previous {
        Some(prev) => {
            let before = templates::version(&state, &name, &prev)
                .await
                .map_err(|e| ctx.fail(e))?;
            let old = &before.manifest;
            let href = format!("/t/{name}/{prev}");
            (
                Some((prev.to_string(), href)),
                Some(diff::diff(old, &prev, m)),
            )
        }
        None => (None, None),
    };
    let published = this.version.published_at;
    let h = header(&this, m, &published, &cats, ctx.lang);
    let install = install_command(&h.name, &version, &params(m));
    let page = VersionPage {
        l: ctx.layout(format!("{} {}", h.title, h.version), "market"),
        digest: this.version.digest.clone(),
        published: day(&published),
        yanked: this.version.yanked,
        prerelease: !version.pre.is_empty(),
        upgrade_from: this.version.upgrade_from.clone(),
        previous,
        diff,
        components: components(m),
        install,
        h,
    };
    render(&ctx, &page)
}
