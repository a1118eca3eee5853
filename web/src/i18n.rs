//! The two languages of the UI: which one a request gets, and every UI string.
//!
//! Strings are fields of [`Texts`], so a template that names a missing string
//! does not compile. Template text (titles, summaries, READMEs) is shown as the
//! vendor wrote it and is never translated.

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

/// The cookie that remembers the language switch.
pub const LANG_COOKIE: &str = "souk_lang";

impl Lang {
    /// `en` or `zh`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The value of `<html lang>`.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    /// `en` or `zh` (also `zh-CN`, `en-US`, …); anything else is `None`.
    pub fn parse(s: &str) -> Option<Lang> {
        let primary = s.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::Zh),
            _ => None,
        }
    }

    /// The language of a request: the switch's cookie if it names one, else
    /// the best `Accept-Language` match (by q-value), else English.
    pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
        if let Some(lang) = cookie.and_then(Lang::parse) {
            return lang;
        }
        let mut best: Option<(f32, Lang)> = None;
        for item in accept_language.unwrap_or("").split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else {
                continue;
            };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, l)| l)
    }

    /// The other language, which the switch offers.
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        }
    }

    /// The language's own name, as the switch shows it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Zh => "中文",
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::Zh => &ZH,
        }
    }
}

/// Every string of the UI, in one language.
#[derive(Debug)]
pub struct Texts {
    pub brand_tagline: &'static str,
    pub nav_market: &'static str,
    pub nav_browse: &'static str,
    pub nav_console: &'static str,
    pub skip_to_content: &'static str,
    pub language: &'static str,
    pub search_label: &'static str,
    pub search_placeholder: &'static str,
    pub search_button: &'static str,
    pub home_title: &'static str,
    pub home_lead: &'static str,
    pub categories: &'static str,
    pub templates_count: &'static str,
    pub template_one: &'static str,
    pub recently_updated: &'static str,
    pub most_installed: &'static str,
    pub installs: &'static str,
    pub install_one: &'static str,
    pub see_all: &'static str,
    pub browse_title: &'static str,
    pub results: &'static str,
    pub no_results: &'static str,
    pub all_categories: &'static str,
    pub tags: &'static str,
    pub clear_filters: &'static str,
    pub sort: &'static str,
    pub sort_relevance: &'static str,
    pub sort_updated: &'static str,
    pub sort_name: &'static str,
    pub apply: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub page: &'static str,
    pub of: &'static str,
    pub category: &'static str,
    pub vendor: &'static str,
    pub license: &'static str,
    pub homepage: &'static str,
    pub maintainers: &'static str,
    pub updated: &'static str,
    pub latest_version: &'static str,
    pub install: &'static str,
    pub install_hint: &'static str,
    pub copy: &'static str,
    pub copied: &'static str,
    pub readme: &'static str,
    pub no_readme: &'static str,
    pub versions: &'static str,
    pub yanked: &'static str,
    pub prerelease: &'static str,
    pub published: &'static str,
    pub components: &'static str,
    pub component: &'static str,
    pub image: &'static str,
    pub ports: &'static str,
    pub volumes: &'static str,
    pub resources: &'static str,
    pub replicas: &'static str,
    pub stateful: &'static str,
    pub topology: &'static str,
    pub topology_desc: &'static str,
    pub parameters: &'static str,
    pub no_parameters: &'static str,
    pub param_name: &'static str,
    pub param_type: &'static str,
    pub param_default: &'static str,
    pub param_required: &'static str,
    pub param_constraints: &'static str,
    pub secret_hidden: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub changelog: &'static str,
    pub fleet: &'static str,
    pub fleet_desc: &'static str,
    pub state: &'static str,
    pub releases: &'static str,
    pub version: &'static str,
    pub digest: &'static str,
    pub upgrade_from: &'static str,
    pub any_older: &'static str,
    pub changes_from: &'static str,
    pub first_version: &'static str,
    pub added_components: &'static str,
    pub removed_components: &'static str,
    pub changed_components: &'static str,
    pub unchanged: &'static str,
    pub field: &'static str,
    pub before: &'static str,
    pub after: &'static str,
    pub added_parameters: &'static str,
    pub removed_parameters: &'static str,
    pub migrations_run: &'static str,
    pub no_migrations: &'static str,
    pub runs_in: &'static str,
    pub command: &'static str,
    pub view_template: &'static str,
    pub yank: &'static str,
    pub unyank: &'static str,
    pub console_title: &'static str,
    pub console_lead: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub token: &'static str,
    pub token_help: &'static str,
    pub signed_in_as: &'static str,
    pub scopes: &'static str,
    pub upload_title: &'static str,
    pub upload_help: &'static str,
    pub package_file: &'static str,
    pub validate: &'static str,
    pub publish: &'static str,
    pub publish_now: &'static str,
    pub problems_found: &'static str,
    pub path: &'static str,
    pub message: &'static str,
    pub package_valid: &'static str,
    pub published_ok: &'static str,
    pub mint_title: &'static str,
    pub mint_help: &'static str,
    pub namespace: &'static str,
    pub description: &'static str,
    pub mint: &'static str,
    pub minted: &'static str,
    pub minted_once: &'static str,
    pub yank_help: &'static str,
    pub error_title: &'static str,
    pub not_found_title: &'static str,
    pub not_found_lead: &'static str,
    pub server_error_title: &'static str,
    pub server_error_lead: &'static str,
    pub back_home: &'static str,
    pub footer: &'static str,
}

/// English.
pub static EN: Texts = Texts {
    brand_tagline: "Application market",
    nav_market: "Market",
    nav_browse: "Browse",
    nav_console: "Dev console",
    skip_to_content: "Skip to content",
    language: "Language",
    search_label: "Search templates",
    search_placeholder: "Search: warehouse, MES, gateway…",
    search_button: "Search",
    home_title: "Whole applications, installed in one step",
    home_lead: "Browse templates from B2B vendors — IoT, logistics, MES and more — and install them on your own machines.",
    categories: "Categories",
    templates_count: "templates",
    template_one: "template",
    recently_updated: "Recently updated",
    most_installed: "Most installed",
    installs: "installs",
    install_one: "install",
    see_all: "See all",
    browse_title: "Browse templates",
    results: "results",
    no_results: "No template matches. Try fewer words or clear a filter.",
    all_categories: "All categories",
    tags: "Tags",
    clear_filters: "Clear filters",
    sort: "Sort by",
    sort_relevance: "Relevance",
    sort_updated: "Recently updated",
    sort_name: "Name",
    apply: "Apply",
    previous: "Previous",
    next: "Next",
    page: "Page",
    of: "of",
    category: "Category",
    vendor: "Vendor",
    license: "License",
    homepage: "Homepage",
    maintainers: "Maintainers",
    updated: "Updated",
    latest_version: "Latest version",
    install: "Install",
    install_hint: "Run on the customer site; replace the values after --set.",
    copy: "Copy",
    copied: "Copied",
    readme: "Overview",
    no_readme: "This template has no README.",
    versions: "Versions",
    yanked: "yanked",
    prerelease: "pre-release",
    published: "Published",
    components: "Components",
    component: "Component",
    image: "Image",
    ports: "Ports",
    volumes: "Volumes",
    resources: "Resources",
    replicas: "Replicas",
    stateful: "stateful",
    topology: "Topology",
    topology_desc: "Components and what each depends on; entry routes on the left.",
    parameters: "Parameters",
    no_parameters: "This template asks for no parameters.",
    param_name: "Name",
    param_type: "Type",
    param_default: "Default",
    param_required: "Required",
    param_constraints: "Constraints",
    secret_hidden: "secret — never shown",
    yes: "yes",
    no: "no",
    changelog: "Changelog",
    fleet: "Fleet",
    fleet_desc: "Releases reported by agents, per version and state.",
    state: "State",
    releases: "Releases",
    version: "Version",
    digest: "Digest",
    upgrade_from: "Upgrades from",
    any_older: "any older version",
    changes_from: "Changes from",
    first_version: "This is the first version of the template.",
    added_components: "Components added",
    removed_components: "Components removed",
    changed_components: "Components changed",
    unchanged: "No component changed.",
    field: "Field",
    before: "Before",
    after: "After",
    added_parameters: "Parameters added",
    removed_parameters: "Parameters removed",
    migrations_run: "Migrations that will run",
    no_migrations: "No data migration runs on this upgrade.",
    runs_in: "runs in",
    command: "Command",
    view_template: "View the template",
    yank: "Yank",
    unyank: "Un-yank",
    console_title: "Dev console",
    console_lead: "Publish template versions, check packages before they go out, yank bad ones.",
    sign_in: "Sign in",
    sign_out: "Sign out",
    token: "API token",
    token_help: "A token with a publish or admin scope (souk_…). It is kept in a secure, HttpOnly cookie for this browser only.",
    signed_in_as: "Signed in with scopes",
    scopes: "Scopes",
    upload_title: "Upload a package",
    upload_help: "A package made by souk package, or a template folder as .tgz. Validate shows every problem with its field path; nothing is published until you press Publish.",
    package_file: "Package (.tgz)",
    validate: "Validate",
    publish: "Publish",
    publish_now: "Publish this version",
    problems_found: "problems found — nothing was published",
    path: "Field path",
    message: "Problem",
    package_valid: "The package is valid and ready to publish",
    published_ok: "Published",
    mint_title: "Mint a publish token",
    mint_help: "Admins only. The token may publish and yank in one namespace.",
    namespace: "Namespace",
    description: "Description",
    mint: "Mint token",
    minted: "New token",
    minted_once: "Copy it now: it is shown this once and the registry keeps only its hash.",
    yank_help: "Yanked versions are never chosen for installs or upgrades, but still download for sites that run them.",
    error_title: "Something went wrong",
    not_found_title: "Page not found",
    not_found_lead: "There is nothing at this address. It may have moved, or the template may not exist.",
    server_error_title: "The registry could not answer",
    server_error_lead: "This is our fault, not yours. The registry logged the cause; try again in a moment.",
    back_home: "Back to the market",
    footer: "souk — application templates for B2B delivery",
};

/// 简体中文.
pub static ZH: Texts = Texts {
    brand_tagline: "应用市场",
    nav_market: "市场",
    nav_browse: "浏览",
    nav_console: "开发者控制台",
    skip_to_content: "跳到正文",
    language: "语言",
    search_label: "搜索模板",
    search_placeholder: "搜索：仓储、MES、网关…",
    search_button: "搜索",
    home_title: "完整应用，一步安装",
    home_lead: "浏览 B2B 厂商发布的应用模板——物联网、仓储物流、生产制造等——并安装到您自己的环境中。",
    categories: "分类",
    templates_count: "个模板",
    template_one: "个模板",
    recently_updated: "最近更新",
    most_installed: "安装最多",
    installs: "次安装",
    install_one: "次安装",
    see_all: "查看全部",
    browse_title: "浏览模板",
    results: "个结果",
    no_results: "没有匹配的模板。请减少关键词或清除筛选条件。",
    all_categories: "全部分类",
    tags: "标签",
    clear_filters: "清除筛选",
    sort: "排序",
    sort_relevance: "相关度",
    sort_updated: "最近更新",
    sort_name: "名称",
    apply: "应用",
    previous: "上一页",
    next: "下一页",
    page: "第",
    of: "页，共",
    category: "分类",
    vendor: "厂商",
    license: "许可证",
    homepage: "主页",
    maintainers: "维护者",
    updated: "更新于",
    latest_version: "最新版本",
    install: "安装",
    install_hint: "在客户现场运行；请替换 --set 之后的值。",
    copy: "复制",
    copied: "已复制",
    readme: "概述",
    no_readme: "此模板没有 README。",
    versions: "版本",
    yanked: "已撤回",
    prerelease: "预发布",
    published: "发布于",
    components: "组件",
    component: "组件",
    image: "镜像",
    ports: "端口",
    volumes: "存储卷",
    resources: "资源",
    replicas: "副本",
    stateful: "有状态",
    topology: "拓扑",
    topology_desc: "组件及其依赖关系；左侧为入口路由。",
    parameters: "安装参数",
    no_parameters: "此模板无需填写参数。",
    param_name: "名称",
    param_type: "类型",
    param_default: "默认值",
    param_required: "必填",
    param_constraints: "约束",
    secret_hidden: "密钥——从不显示",
    yes: "是",
    no: "否",
    changelog: "更新日志",
    fleet: "部署情况",
    fleet_desc: "各代理上报的实例数，按版本与状态统计。",
    state: "状态",
    releases: "实例",
    version: "版本",
    digest: "摘要",
    upgrade_from: "可升级自",
    any_older: "任意更早版本",
    changes_from: "相对上一版本的变化：",
    first_version: "这是该模板的第一个版本。",
    added_components: "新增组件",
    removed_components: "移除组件",
    changed_components: "变更组件",
    unchanged: "没有组件发生变化。",
    field: "字段",
    before: "之前",
    after: "之后",
    added_parameters: "新增参数",
    removed_parameters: "移除参数",
    migrations_run: "升级时将运行的数据迁移",
    no_migrations: "此次升级不运行数据迁移。",
    runs_in: "运行于",
    command: "命令",
    view_template: "查看模板",
    yank: "撤回",
    unyank: "取消撤回",
    console_title: "开发者控制台",
    console_lead: "发布模板版本，在发布前检查安装包，撤回有问题的版本。",
    sign_in: "登录",
    sign_out: "退出",
    token: "API 令牌",
    token_help: "具有 publish 或 admin 权限的令牌（souk_…）。它只保存在本浏览器的安全 HttpOnly Cookie 中。",
    signed_in_as: "已登录，权限",
    scopes: "权限",
    upload_title: "上传安装包",
    upload_help: "由 souk package 生成的安装包，或打包成 .tgz 的模板目录。“校验”会列出每个问题及其字段路径；按下“发布”之前不会发布任何内容。",
    package_file: "安装包 (.tgz)",
    validate: "校验",
    publish: "发布",
    publish_now: "发布此版本",
    problems_found: "个问题——未发布任何内容",
    path: "字段路径",
    message: "问题",
    package_valid: "安装包有效，可以发布",
    published_ok: "已发布",
    mint_title: "签发发布令牌",
    mint_help: "仅限管理员。令牌可在一个命名空间内发布与撤回。",
    namespace: "命名空间",
    description: "说明",
    mint: "签发令牌",
    minted: "新令牌",
    minted_once: "请立即复制：它只显示这一次，注册中心只保存其哈希。",
    yank_help: "已撤回的版本不会被选中安装或升级，但正在运行它的站点仍可下载。",
    error_title: "出错了",
    not_found_title: "页面不存在",
    not_found_lead: "此地址没有内容。它可能已被移动，或者模板不存在。",
    server_error_title: "注册中心无法响应",
    server_error_lead: "这是我们的问题。注册中心已记录原因，请稍后重试。",
    back_home: "返回市场",
    footer: "souk —— 面向 B2B 交付的应用模板",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_wins_then_the_best_accept_language() {
        let check = |cookie, accept, expected| {
            assert_eq!(
                Lang::negotiate(cookie, accept),
                expected,
                "{cookie:?} {accept:?}"
            )
        };
        check(None, None, Lang::En);
        check(None, Some("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh);
        check(None, Some("en-US,en;q=0.9,zh;q=0.8"), Lang::En);
        check(None, Some("fr-FR, zh;q=0.5, en;q=0.4"), Lang::Zh);
        check(None, Some("fr, de"), Lang::En);
        check(None, Some("zh;q=0, en;q=0.1"), Lang::En);
        check(Some("zh"), Some("en"), Lang::Zh);
        check(Some("xx"), Some("zh"), Lang::Zh);
    }
}
