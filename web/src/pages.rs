//! One `#[derive(Template)]` struct per page, and the view models they show.
//!
//! The registry fills these from its domain types (this crate knows no
//! database and no HTTP) and calls `render()`. Every field is escaped by
//! askama except the two that are HTML by construction: the README and
//! changelog (sanitised by [`crate::markdown`]) and the topology SVG (rendered
//! by its own askama template).

use crate::diff::ManifestDiff;
use crate::i18n::{Lang, Texts};
use askama::Template;

/// What every page's frame needs: language, the texts, where the language
/// switch returns to, and whether a console session exists.
#[derive(Debug, Clone)]
pub struct Layout {
    pub lang: Lang,
    pub t: &'static Texts,
    /// The `<title>` (before ` · souk`).
    pub title: String,
    /// The language switch's link (back to this page in the other language).
    pub switch_href: String,
    /// The search box's current text.
    pub q: String,
    pub signed_in: bool,
    /// `market`, `browse` or `console`: which nav link is current.
    pub section: &'static str,
    /// The version of the static assets, to bust caches after an upgrade.
    pub asset_version: &'static str,
}

impl Layout {
    pub fn new(
        lang: Lang,
        title: impl Into<String>,
        current: &str,
        section: &'static str,
    ) -> Layout {
        Layout {
            lang,
            t: lang.texts(),
            title: title.into(),
            switch_href: crate::url::with_query(
                &format!("/lang/{}", lang.other().code()),
                &[("back", current)],
            ),
            q: String::new(),
            signed_in: false,
            section,
            asset_version: crate::assets::VERSION,
        }
    }
}

/// A category on the home page's grid.
#[derive(Debug, Clone)]
pub struct CategoryTile {
    pub slug: String,
    pub name: String,
    pub count: i64,
    pub href: String,
}

/// A template in a list.
#[derive(Debug, Clone)]
pub struct Card {
    pub href: String,
    /// `namespace/name`.
    pub name: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub version: String,
    /// `YYYY-MM-DD`.
    pub updated: String,
    pub icon_url: Option<String>,
    pub tags: Vec<String>,
    /// Releases reported by agents, when known.
    pub installs: Option<u64>,
}

/// A link with a count and whether it is the active filter.
#[derive(Debug, Clone)]
pub struct Facet {
    pub label: String,
    pub count: usize,
    pub href: String,
    pub active: bool,
}

/// An entry of the sort menu.
#[derive(Debug, Clone)]
pub struct SortOption {
    /// `relevance`, `updated` or `name`.
    pub value: &'static str,
    pub label: &'static str,
    pub active: bool,
}

#[derive(Debug, Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub l: Layout,
    pub categories: Vec<CategoryTile>,
    pub recent: Vec<Card>,
    /// Empty when no agent has reported yet.
    pub popular: Vec<Card>,
}

#[derive(Debug, Template)]
#[template(path = "browse.html")]
pub struct BrowsePage {
    pub l: Layout,
    pub q: String,
    pub total: usize,
    pub cards: Vec<Card>,
    pub categories: Vec<Facet>,
    pub tags: Vec<Facet>,
    pub sorts: Vec<SortOption>,
    /// The active filters, kept by the search form.
    pub category: String,
    pub tag: String,
    pub sort: String,
    pub page: usize,
    pub pages: usize,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub clear_href: Option<String>,
}

/// The top of a template or version page.
#[derive(Debug, Clone)]
pub struct Header {
    /// `namespace/name`.
    pub name: String,
    pub namespace: String,
    pub href: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub category_href: String,
    pub tags: Vec<(String, String)>,
    pub version: String,
    pub icon_url: Option<String>,
    pub license: Option<String>,
    pub homepage: Option<String>,
    pub maintainers: String,
    pub updated: String,
}

#[derive(Debug, Clone)]
pub struct VersionItem {
    pub version: String,
    pub href: String,
    pub published: String,
    pub yanked: bool,
    pub prerelease: bool,
    pub current: bool,
}

#[derive(Debug, Clone)]
pub struct ComponentItem {
    pub name: String,
    pub image: String,
    pub ports: String,
    pub volumes: String,
    pub resources: String,
    pub replicas: u32,
    pub stateful: bool,
    pub depends_on: String,
}

#[derive(Debug, Clone)]
pub struct ParamItem {
    pub name: String,
    pub title: String,
    pub description: String,
    pub kind: &'static str,
    /// Empty for a secret (never shown) or when there is no default.
    pub default: String,
    pub secret: bool,
    pub required: bool,
    pub constraints: String,
}

#[derive(Debug, Clone)]
pub struct FleetItem {
    pub version: String,
    pub state: String,
    pub count: u64,
}

/// The console's controls shown on a template page to a signed-in publisher.
#[derive(Debug, Clone)]
pub struct YankControls {
    pub csrf: String,
}

#[derive(Debug, Template)]
#[template(path = "template.html")]
pub struct TemplatePage {
    pub l: Layout,
    pub h: Header,
    pub readme_html: Option<String>,
    pub changelog_html: Option<String>,
    pub versions: Vec<VersionItem>,
    pub components: Vec<ComponentItem>,
    pub topology_svg: String,
    pub params: Vec<ParamItem>,
    pub install: String,
    pub fleet: Vec<FleetItem>,
    pub yank: Option<YankControls>,
}

#[derive(Debug, Template)]
#[template(path = "version.html")]
pub struct VersionPage {
    pub l: Layout,
    pub h: Header,
    pub digest: String,
    pub published: String,
    pub yanked: bool,
    pub prerelease: bool,
    pub upgrade_from: Option<String>,
    /// The version compared with, and what changed from it.
    pub previous: Option<(String, String)>,
    pub diff: Option<ManifestDiff>,
    pub components: Vec<ComponentItem>,
    pub install: String,
}

#[derive(Debug, Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub l: Layout,
    pub status: u16,
    pub heading: String,
    pub lead: String,
    /// A message written for the visitor (4xx only; never a cause of a 5xx).
    pub detail: Option<String>,
}

#[derive(Debug, Template)]
#[template(path = "console_login.html")]
pub struct ConsoleLoginPage {
    pub l: Layout,
    pub csrf: String,
    pub error: Option<String>,
}

/// One validation problem of an uploaded package.
#[derive(Debug, Clone)]
pub struct ProblemItem {
    pub path: String,
    pub message: String,
}

/// What the last upload did.
#[derive(Debug, Clone, Default)]
pub struct UploadOutcome {
    pub problems: Vec<ProblemItem>,
    /// A failure that is not a list of problems (not a .tgz, version exists, …).
    pub error: Option<String>,
    /// A package that validated: `ns/name@version`, and the package to publish
    /// in one click (hex, for small packages).
    pub valid: Option<(String, String)>,
    pub package_hex: Option<String>,
    /// `(ns/name@version, href)` of what was just published.
    pub published: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct MintedToken {
    pub token: String,
    pub scopes: String,
}

#[derive(Debug, Template)]
#[template(path = "console.html")]
pub struct ConsolePage {
    pub l: Layout,
    pub csrf: String,
    pub scopes: String,
    pub is_admin: bool,
    pub upload: Option<UploadOutcome>,
    pub minted: Option<MintedToken>,
    pub mint_error: Option<String>,
}

/// The version requirement an install command suggests: `^x.y` (`^0.y.z`
/// below 1.0), or the exact version of a pre-release.
pub fn suggested_requirement(version: &semver::Version) -> String {
    if !version.pre.is_empty() {
        format!("={version}")
    } else if version.major == 0 {
        format!("^0.{}.{}", version.minor, version.patch)
    } else {
        format!("^{}.{}", version.major, version.minor)
    }
}

/// `souk install ns/name@^x.y --release NAME --set …` for the parameters that
/// must be answered (required and without a default). Values are shell
/// variables, so that no secret is typed into a shell history by example.
pub fn install_command(name: &str, version: &semver::Version, params: &[ParamItem]) -> String {
    let release = name.split_once('/').map_or(name, |(_, n)| n);
    let mut cmd = format!(
        "souk install {name}@{} --release {release}",
        suggested_requirement(version)
    );
    for p in params.iter().filter(|p| p.required && p.default.is_empty()) {
        cmd.push_str(&format!(
            " \\\n  --set {}=\"${}\"",
            p.name,
            p.name.to_ascii_uppercase()
        ));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(name: &str, required: bool, default: &str) -> ParamItem {
        ParamItem {
            name: name.into(),
            title: String::new(),
            description: String::new(),
            kind: "string",
            default: default.into(),
            secret: false,
            required,
            constraints: String::new(),
        }
    }

    #[test]
    fn install_commands_ask_only_for_what_has_no_default() {
        let v = semver::Version::parse("2.1.3").unwrap();
        let cmd = install_command(
            "acme/wms",
            &v,
            &[
                param("domain", true, "a.local"),
                param("admin_password", true, ""),
                param("x", false, ""),
            ],
        );
        assert_eq!(
            cmd,
            "souk install acme/wms@^2.1 --release wms \\\n  --set admin_password=\"$ADMIN_PASSWORD\""
        );
        let check = |v: &str, req: &str| {
            assert_eq!(
                suggested_requirement(&semver::Version::parse(v).unwrap()),
                req
            )
        };
        check("0.3.1", "^0.3.1");
        check("1.2.0-beta.1", "=1.2.0-beta.1");
    }

    #[test]
    fn the_error_page_renders_escaped() {
        let page = ErrorPage {
            l: Layout::new(Lang::Zh, "404", "/x?a=<b>", "market"),
            status: 404,
            heading: "页面不存在".into(),
            lead: "lead".into(),
            detail: Some("template `<script>` not found".into()),
        };
        let html = page.render().unwrap();
        assert!(html.contains("<html lang=\"zh-CN\""), "{html}");
        assert!(html.contains("&#60;script&#62;"), "{html}");
        assert!(!html.contains("`<script>`"), "{html}");
        assert!(html.contains("/lang/en?back=%2Fx%3Fa%3D%3Cb%3E"), "{html}");
        assert!(html.contains("页面不存在"), "{html}");
    }
}
