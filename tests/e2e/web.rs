//! The market UI and the dev console in a real browser: Debian's Chromium,
//! driven through ChromeDriver (WebDriver) with fantoccini, against a real
//! `souk-registry serve --demo`.
//!
//! Every page visited is saved as a PNG under `<target>/web-screenshots/`
//! (the path is printed), so that a person can look at them.
//!
//! Without `chromium` and `chromedriver` the test says so and passes, unless
//! `CI=true`, where it fails: CI must install them
//! (`apt-get install -y chromium chromium-driver`).

use fantoccini::{Client, ClientBuilder, Locator};
use souk_e2e::{Registry, ADMIN_TOKEN};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `chromedriver` process on a free port, killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// ChromeDriver and Chromium, or `None` (a skip) when they are not installed.
fn browser_tools() -> Option<(PathBuf, PathBuf)> {
    let driver = find_on_path("chromedriver");
    let chromium = find_on_path("chromium").or_else(|| find_on_path("chromium-browser"));
    match (driver, chromium) {
        (Some(d), Some(c)) => Some((d, c)),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => panic!(
            "chromium and chromedriver are required in CI: apt-get install -y chromium chromium-driver"
        ),
        _ => {
            eprintln!(
                "SKIPPED: the browser tests need chromium and chromedriver (apt-get install -y chromium chromium-driver)"
            );
            None
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_driver(path: &Path) -> Driver {
    let port = free_port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let url = format!("http://127.0.0.1:{port}");
    let up = souk_e2e::wait_until(Duration::from_secs(20), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    assert!(up, "chromedriver did not listen on {port}");
    Driver { child, url }
}

/// `<target>/web-screenshots`, next to the test binary's profile folder.
fn screenshot_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/debug/deps/e2e-… → target
    let target = exe.ancestors().nth(3).unwrap().to_path_buf();
    let dir = target.join("web-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Browser {
    client: Client,
    base: String,
    shots: PathBuf,
}

impl Browser {
    async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("opening {path}: {e}"));
    }

    async fn text(&self, css: &str) -> String {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no `{css}` on the page: {e}"))
            .text()
            .await
            .unwrap()
    }

    async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.unwrap().len()
    }

    async fn click(&self, css: &str) {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no `{css}` to click: {e}"))
            .click()
            .await
            .unwrap();
    }

    async fn fill(&self, css: &str, value: &str) {
        let el = self.client.find(Locator::Css(css)).await.unwrap();
        el.clear().await.unwrap();
        el.send_keys(value).await.unwrap();
    }

    /// Save one element as it looks in a 1280-wide window (for detail).
    async fn shot_element(&self, name: &str, css: &str) {
        let el = self.client.find(Locator::Css(css)).await.unwrap();
        let png = el.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    async fn js(&self, script: &str) -> serde_json::Value {
        self.client.execute(script, vec![]).await.unwrap()
    }

    /// Save the whole page (the window is resized to the page's height first).
    async fn shot(&self, name: &str, width: u32) {
        let height = self
            .js("return Math.min(document.documentElement.scrollHeight, 6000)")
            .await
            .as_u64()
            .unwrap_or(900) as u32;
        self.client
            .set_window_size(width, height.max(600))
            .await
            .unwrap();
        let png = self.client.screenshot().await.unwrap();
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        self.client.set_window_size(width, 900).await.unwrap();
    }
}

fn package_file(dir: &Path, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let mut map = souk_schema::validate::Files::new();
    for (path, text) in files {
        map.insert((*path).into(), text.as_bytes().to_vec());
    }
    let path = dir.join(name);
    std::fs::write(&path, souk_schema::package::write_tgz(&map).unwrap()).unwrap();
    path
}

const BROKEN: &str = "apiVersion: souk/v1\nkind: Template\nname: e2e/broken\nversion: 1.0.0\ntitle: Broken\nsummary: broken on purpose\ncategory: iot\ncomponents:\n  - name: web\n    image: nginx:1.25.4\n    dependsOn: [db]\n    ports:\n      - {name: http, port: 0, protocol: http}\n";

const PAYLOADS: &str = "apiVersion: souk/v1\nkind: Template\nname: e2e/readme-payloads\nversion: 1.0.0\ntitle: README payloads\nsummary: a README that tries to run script in the market\ncategory: devtools\ntags: [e2e, xss]\nreadme: README.md\ncomponents:\n  - name: web\n    image: nginx:1.25.4\n    ports:\n      - {name: http, port: 80, protocol: http}\n";

const PAYLOAD_README: &str = "# Payloads\n\nSafe text stays.\n\n<script>window.__pwned = 'script';</script>\n\n<img src=\"/nope.png\" onerror=\"window.__pwned = 'onerror'\">\n\n[click me](javascript:window.__pwned='link')\n\n<a href=\"javascript:window.__pwned='a'\">raw link</a>\n\n<svg onload=\"window.__pwned='svg'\"></svg>\n";

#[test]
fn market_and_console_in_a_real_browser() {
    let Some((driver_bin, chromium)) = browser_tools() else {
        return;
    };
    let registry = Registry::start_with(&["--demo"]);
    let driver = start_driver(&driver_bin);
    let shots = screenshot_dir();
    println!("screenshots: {}", shots.display());
    let tmp = tempfile::tempdir().unwrap();
    let profile = tmp.path().join("chromium-profile");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--no-first-run", "--window-size=1280,900", "--lang=en-US",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": {"intl.accept_languages": "en-US,en"},
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .expect("a Chromium session");
        let b = Browser {
            client,
            base: registry.url.clone(),
            shots: shots.clone(),
        };
        run(&b, tmp.path()).await;
        b.client.close().await.unwrap();
    });
    println!("screenshots: {}", shots.display());
}

async fn run(b: &Browser, tmp: &Path) {
    // Home: the category grid with counts, recently updated templates.
    b.goto("/").await;
    assert_eq!(b.js("return document.documentElement.lang").await, "en");
    assert!(b.count(".cat-grid li").await >= 12);
    let logistics = b.text("a.cat[data-category=logistics] .cat-count").await;
    assert!(logistics.starts_with('1'), "{logistics}");
    assert!(b.count("#recent ~ ul .card, section .cards .card").await >= 6);
    b.shot("01-home", 1280).await;

    // Browse a category.
    b.click("a.cat[data-category=logistics]").await;
    b.text(".result-count").await;
    assert!(b
        .client
        .current_url()
        .await
        .unwrap()
        .as_str()
        .contains("category=logistics"));
    let cards = b.text(".results .cards").await;
    assert!(cards.contains("acme/smart-warehouse"), "{cards}");
    assert!(b.text(".facet-list a.active").await.contains("Logistics"));
    b.shot("02-browse-category", 1280).await;

    // Search from the top bar, then sort by name (a shareable URL).
    b.fill("#top-q", "warehouse").await;
    b.click(".topsearch button").await;
    b.text(".result-count").await;
    let url = b.client.current_url().await.unwrap();
    assert!(url.as_str().contains("q=warehouse"), "{url}");
    assert!(b.text(".results").await.contains("acme/smart-warehouse"));
    b.shot("03-search", 1280).await;
    b.goto("/templates?sort=name").await;
    let titles: Vec<String> = serde_json::from_value(
        b.js("return [...document.querySelectorAll('.card-title')].map(e => e.textContent.toLowerCase())")
            .await,
    )
    .unwrap();
    let mut sorted = titles.clone();
    sorted.sort();
    assert_eq!(titles, sorted);

    // A template: README, topology, components, parameters, install command.
    b.goto("/templates?q=warehouse").await;
    b.click(".results a.card-link[href='/t/acme/smart-warehouse']")
        .await;
    let readme = b.text("#readme-body").await;
    assert!(readme.contains("Smart Warehouse"), "{readme}");
    assert!(b.count("#readme-body table").await >= 1);
    assert!(b.count("#topology-diagram svg g.topo-node").await >= 8);
    assert!(b.count("#topology-diagram svg path.topo-edge").await >= 6);
    let svg_width = b
        .js("return document.querySelector('#topology-diagram svg').getBoundingClientRect().width")
        .await;
    assert!(svg_width.as_f64().unwrap() > 300.0, "{svg_width}");
    let components = b.text("#components ~ .table-wrap table").await;
    assert!(
        components.contains("mysql") && components.contains("3306"),
        "{components}"
    );
    let params = b.text("#params-table").await;
    assert!(params.contains("admin_password") && params.contains("secret — never shown"));
    let install = b.text("#install-cmd").await;
    assert!(
        install.starts_with("souk install acme/smart-warehouse@^2.0 --release smart-warehouse"),
        "{install}"
    );
    assert!(install.contains("--set admin_password="), "{install}");
    b.shot_element("04a-template-top", "main").await;
    b.shot_element("04b-topology", "#topology-diagram").await;
    b.shot("04-template", 1280).await;

    // A version and what changed from the one before.
    b.goto("/t/acme/smart-warehouse/2.0.0").await;
    assert!(b.text("#changes").await.contains("1.1.0"));
    assert!(b.count("#diff-table tbody tr").await >= 1);
    b.shot("05-version-diff", 1280).await;
    b.goto("/t/visionlab/defect-detection").await;
    assert!(b
        .text(".versions")
        .await
        .to_lowercase()
        .contains("pre-release"));

    // Errors: the HTML 404 page, in the same frame.
    b.goto("/t/acme/no-such-template").await;
    assert!(b.text(".error-page h1").await.contains("Page not found"));
    assert!(b
        .text(".error-detail")
        .await
        .contains("acme/no-such-template"));
    b.shot("06-not-found", 1280).await;

    // Languages: the switch sticks across pages.
    b.goto("/templates?category=mes").await;
    b.click(".nav a.lang").await;
    b.text(".result-count").await;
    assert_eq!(b.js("return document.documentElement.lang").await, "zh-CN");
    assert!(b
        .client
        .current_url()
        .await
        .unwrap()
        .as_str()
        .contains("category=mes"));
    b.goto("/").await;
    assert!(b.text("main h1").await.contains("一步安装"));
    b.shot("07-home-zh", 1280).await;
    b.click(".nav a.lang").await;
    b.text("main h1").await;
    assert_eq!(b.js("return document.documentElement.lang").await, "en");

    // A phone.
    b.goto("/").await;
    b.shot("08-home-phone", 390).await;
    b.goto("/t/acme/smart-warehouse").await;
    let overflow = b
        .js("return document.documentElement.scrollWidth <= window.innerWidth + 1")
        .await;
    b.shot("09-template-phone", 390).await;
    assert_eq!(
        overflow, true,
        "the template page scrolls sideways on a phone"
    );
    b.client.set_window_size(1280, 900).await.unwrap();

    // Dev console: a wrong token is refused, the admin token signs in.
    b.goto("/console").await;
    b.shot("10-console-sign-in", 1280).await;
    b.fill("#token", "souk_not_a_real_token_000000000000000000")
        .await;
    b.click("form button.primary").await;
    assert!(b.text(".alert-error").await.contains("unknown"));
    b.fill("#token", ADMIN_TOKEN).await;
    b.click("form button.primary").await;
    assert!(b.text("#scopes").await.contains("admin"));
    let cookie = b.client.get_named_cookie("souk_session").await.unwrap();
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.secure(), Some(true));
    assert!(b
        .js("return document.cookie")
        .await
        .as_str()
        .unwrap()
        .is_empty());

    // A broken package: every problem, with its field path, and nothing published.
    let broken = package_file(tmp, "broken.tgz", &[("souk.yaml", BROKEN)]);
    b.client
        .find(Locator::Id("package"))
        .await
        .unwrap()
        .send_keys(broken.to_str().unwrap())
        .await
        .unwrap();
    b.click("button[value=check]").await;
    let problems = b.text("#upload-problems").await;
    assert!(
        problems.contains("components[0].ports[0].port"),
        "{problems}"
    );
    assert!(
        problems.contains("components[0].dependsOn[0]"),
        "{problems}"
    );
    b.shot("11-console-problems", 1280).await;

    // A good template with a hostile README, as a folder archived by hand
    // (`tar czf payloads.tgz payloads/`, with a file it does not reference):
    // validate, publish in one click.
    let good = package_file(
        tmp,
        "payloads.tgz",
        &[
            ("payloads/souk.yaml", PAYLOADS),
            ("payloads/README.md", PAYLOAD_README),
            ("payloads/notes.txt", "not referenced, not packed"),
        ],
    );
    b.client
        .find(Locator::Id("package"))
        .await
        .unwrap()
        .send_keys(good.to_str().unwrap())
        .await
        .unwrap();
    b.click("button[value=check]").await;
    assert!(b
        .text("#upload-valid")
        .await
        .contains("e2e/readme-payloads@1.0.0"));
    b.shot("12-console-valid", 1280).await;
    b.click("#upload-valid button[value=publish]").await;
    assert!(b
        .text("#upload-published")
        .await
        .contains("e2e/readme-payloads@1.0.0"));

    // …and find it on the market, its README inert.
    b.goto("/templates?q=payloads").await;
    b.click(".results a.card-link[href='/t/e2e/readme-payloads']")
        .await;
    assert!(b.text("#readme-body").await.contains("Safe text stays."));
    std::thread::sleep(Duration::from_millis(300));
    let inert = b
        .js("const r = document.querySelector('#readme-body'); return {
            pwned: window.__pwned === undefined ? null : window.__pwned,
            scripts: r.querySelectorAll('script').length,
            handlers: [...r.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
            js_links: [...r.querySelectorAll('a')].filter(a => (a.getAttribute('href') || '').toLowerCase().includes('javascript')).length
        }")
        .await;
    assert_eq!(
        inert,
        serde_json::json!({"pwned": null, "scripts": 0, "handlers": 0, "js_links": 0})
    );
    b.shot("13-template-payloads", 1280).await;

    // Yank and un-yank from the template page.
    b.click(".versions form button").await;
    assert!(b.text(".versions").await.to_lowercase().contains("yanked"));
    b.shot("14-template-yanked", 1280).await;
    b.click(".versions form button").await;
    let versions = b.text(".versions").await.to_lowercase();
    assert!(!versions.contains("yanked"), "{versions}");

    // An admin mints a publish token, shown once.
    b.goto("/console").await;
    b.fill("#ns", "northwind").await;
    b.fill("#desc", "e2e").await;
    b.click("#mint ~ form button").await;
    let token = b.text("#minted-token").await;
    assert!(token.starts_with("souk_"), "{token}");
    assert!(b.text(".alert-ok").await.contains("publish:northwind"));
    b.shot("15-console-token", 1280).await;

    // A form without the CSRF token is refused.
    let forged = b
        .js("const f = document.createElement('form'); f.method = 'post'; f.action = '/console/tokens';
             const i = document.createElement('input'); i.name = 'namespace'; i.value = 'evil'; f.appendChild(i);
             const c = document.createElement('input'); c.name = 'csrf'; c.value = 'x'.repeat(32); f.appendChild(c);
             document.body.appendChild(f); f.submit(); return true")
        .await;
    assert_eq!(forged, true);
    assert!(b.text(".error-page").await.contains("403"));

    // How long the server takes for each page, seen from outside.
    let started = Instant::now();
    for path in [
        "/",
        "/templates?q=warehouse",
        "/t/acme/smart-warehouse",
        "/t/acme/smart-warehouse/2.0.0",
    ] {
        let t = Instant::now();
        b.goto(path).await;
        println!("page {path}: {} ms in the browser", t.elapsed().as_millis());
    }
    println!("4 pages in {} ms", started.elapsed().as_millis());
}
