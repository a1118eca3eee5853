//! `search-bench [N] [--cjk bigrams|jieba]`: search at market scale.
//!
//! Generates a catalog of N templates (default 10,000; mixed Chinese and
//! English, realistic lengths, fixed seed), then, through the registry's
//! library (no HTTP, so that the figures are the index's own):
//! 1. builds the embedded index from the documents in memory;
//! 2. writes the catalog to a fresh SQLite database (the real publish
//!    transaction, fsync included) and times a full reindex from it, as at
//!    start or `souk-registry reindex`;
//! 3. runs a fixed set of 200 queries (words, names, prefixes, typos, Chinese,
//!    filters, browsing) 5 times and reports p50, p99 and max latency.
//!
//! `--cjk jieba` makes the embedded index cut CJK text with jieba instead of
//! bigrams (the default); its dictionary's load is timed apart.
//!
//! With `SOUK_SEARCH_URL` (and `SOUK_SEARCH_KEY`) it does the same against
//! Meilisearch, in an index of its own (`souk-bench-<pid>`), left for a look.
//!
//! `--vs-tantivy` (built with `--features tantivy`) compares the embedded
//! index with tantivy instead: see `vs_tantivy.rs`.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use souk_registry::config::{Config, SearchConfig};
use souk_registry::db::NewVersion;
use souk_registry::domain::index;
use souk_registry::search::tokenize::CjkMode;
use souk_registry::search::{Document, MemoryIndex, Query, SearchIndex, Sort};
use souk_registry::AppState;
use std::time::{Duration, Instant};

#[cfg(feature = "tantivy")]
mod vs_tantivy;

const EN: &[&str] = &[
    "warehouse",
    "inventory",
    "logistics",
    "gateway",
    "industrial",
    "monitoring",
    "dashboard",
    "analytics",
    "sensor",
    "telemetry",
    "edge",
    "platform",
    "manufacturing",
    "execution",
    "quality",
    "traceability",
    "maintenance",
    "predictive",
    "energy",
    "metering",
    "scada",
    "historian",
    "alarm",
    "workflow",
    "approval",
    "document",
    "identity",
    "audit",
    "security",
    "firewall",
    "backup",
    "replication",
    "database",
    "cluster",
    "queue",
    "broker",
    "stream",
    "pipeline",
    "vision",
    "inspection",
    "defect",
    "robot",
    "scheduling",
    "planning",
    "supply",
    "procurement",
    "finance",
    "ledger",
    "payroll",
    "attendance",
    "visitor",
    "parking",
    "fleet",
    "transport",
    "cold",
    "chain",
    "temperature",
    "humidity",
    "vibration",
    "modbus",
    "opc",
    "mqtt",
    "kafka",
    "postgres",
    "mysql",
    "redis",
    "grafana",
    "prometheus",
    "keycloak",
    "kubernetes",
    "docker",
    "gitea",
    "jenkins",
    "harbor",
    "minio",
    "clickhouse",
    "influxdb",
    "elasticsearch",
    "nginx",
    "portal",
    "mobile",
    "report",
    "export",
    "import",
    "ingestion",
    "collector",
    "agent",
    "twin",
    "digital",
    "simulation",
    "optimizer",
    "forecast",
    "billing",
    "tenant",
    "catalog",
    "order",
    "customer",
    "service",
    "ticket",
    "knowledge",
    "search",
];
const ZH: &[&str] = &[
    "仓储",
    "物流",
    "数据",
    "采集",
    "工业",
    "网关",
    "监控",
    "分析",
    "平台",
    "系统",
    "管理",
    "智能",
    "制造",
    "执行",
    "质量",
    "追溯",
    "设备",
    "维护",
    "预测",
    "能源",
    "计量",
    "报警",
    "流程",
    "审批",
    "文档",
    "身份",
    "认证",
    "审计",
    "安全",
    "备份",
    "复制",
    "数据库",
    "集群",
    "消息",
    "队列",
    "视觉",
    "检测",
    "缺陷",
    "机器人",
    "排程",
    "计划",
    "供应链",
    "采购",
    "财务",
    "考勤",
    "访客",
    "停车",
    "车队",
    "运输",
    "冷链",
    "温度",
    "湿度",
    "振动",
    "协议",
    "转换",
    "边缘",
    "计算",
    "可视化",
    "报表",
    "门户",
    "移动",
    "工单",
    "知识库",
    "搜索",
    "孪生",
    "仿真",
    "优化",
    "调度",
    "高可用",
    "日志",
    "解决方案",
    "一体化",
    "云",
    "物联网",
    "大屏",
    "看板",
];
const SLUGS: &[&str] = &[
    "iot",
    "industrial-iot",
    "logistics",
    "mes",
    "scada",
    "data-analytics",
    "security",
    "middleware",
    "devtools",
    "ai",
    "hardware",
    "other",
];

fn words(rng: &mut StdRng, n: usize, zh_share: f64) -> Vec<&'static str> {
    (0..n)
        .map(|_| {
            if rng.gen_bool(zh_share) {
                *ZH.choose(rng).unwrap()
            } else {
                *EN.choose(rng).unwrap()
            }
        })
        .collect()
}

/// Join words as text: Chinese words run together, English ones spaced.
fn text(ws: &[&str]) -> String {
    let mut out = String::new();
    for w in ws {
        let latin = w.is_ascii();
        if !out.is_empty() && (latin || out.chars().last().is_some_and(|c| c.is_ascii())) {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

struct Catalog {
    docs: Vec<Document>,
}

fn generate(n: usize) -> Catalog {
    let mut rng = StdRng::seed_from_u64(5);
    let base = chrono::DateTime::from_timestamp(1_750_000_000, 0).unwrap();
    let docs = (0..n)
        .map(|i| {
            // A third Chinese-first, a third English, a third mixed.
            let zh = [0.9, 0.05, 0.5][i % 3];
            let ns = format!("vendor{}", i % 400);
            let name_len = rng.gen_range(1..=3);
            let name_words = words(&mut rng, name_len, 0.0);
            let name = format!("{ns}/{}-{i}", name_words.join("-"));
            let title_words = rng.gen_range(2..=5);
            let title = text(&words(&mut rng, title_words, zh));
            let summary_words = rng.gen_range(12..=30);
            let summary = text(&words(&mut rng, summary_words, zh));
            let readme_words = rng.gen_range(150..=600);
            let readme = format!("# {title}\n\n{}", text(&words(&mut rng, readme_words, zh)));
            let tag_count = rng.gen_range(2..=6);
            let mut tags: Vec<String> = words(&mut rng, tag_count, 0.2)
                .into_iter()
                .map(String::from)
                .collect();
            tags.sort();
            tags.dedup();
            Document {
                name,
                title,
                summary,
                tags,
                readme,
                category: SLUGS[i % SLUGS.len()].to_string(),
                version: "1.0.0".into(),
                has_icon: false,
                updated_at: base + chrono::Duration::seconds(i as i64),
                yanked: i % 97 == 0,
                installs: rng.gen_range(0..50),
            }
        })
        .collect();
    Catalog { docs }
}

/// Drop one letter, or swap two neighbours: a plausible typo.
fn typo(rng: &mut StdRng, w: &str) -> String {
    let mut c: Vec<char> = w.chars().collect();
    let i = rng.gen_range(1..c.len() - 1);
    if rng.gen_bool(0.5) {
        c.remove(i);
    } else {
        c.swap(i, i + 1);
    }
    c.into_iter().collect()
}

/// The fixed set of 200 queries.
fn queries(catalog: &Catalog) -> Vec<Query> {
    let mut rng = StdRng::seed_from_u64(200);
    let long: Vec<&str> = EN.iter().copied().filter(|w| w.len() >= 6).collect();
    let q = |text: String| Query {
        text,
        limit: 20,
        ..Query::default()
    };
    let mut out = Vec::new();
    for _ in 0..40 {
        out.push(q(EN.choose(&mut rng).unwrap().to_string()));
    }
    for _ in 0..30 {
        out.push(q(text(&words(&mut rng, 2, 0.0))));
    }
    for _ in 0..20 {
        let d = catalog.docs.choose(&mut rng).unwrap();
        out.push(q(d.name.clone()));
    }
    for _ in 0..30 {
        let w = EN.choose(&mut rng).unwrap();
        out.push(q(w[..w.len().min(rng.gen_range(2..=4))].to_string()));
    }
    for _ in 0..30 {
        let w = *long.choose(&mut rng).unwrap();
        out.push(q(typo(&mut rng, w)));
    }
    for _ in 0..35 {
        let n = rng.gen_range(1..=2);
        out.push(q(words(&mut rng, n, 1.0).concat()));
    }
    for i in 0..15 {
        let mut query = q(if i % 3 == 0 {
            String::new()
        } else {
            EN.choose(&mut rng).unwrap().to_string()
        });
        query.category = Some(SLUGS[i % SLUGS.len()].to_string());
        query.sort = [Sort::Relevance, Sort::Recent, Sort::Name][i % 3];
        out.push(query);
    }
    assert_eq!(out.len(), 200);
    out
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

async fn latencies(index: &dyn SearchIndex, queries: &[Query]) -> (Vec<Duration>, usize) {
    const ROUNDS: usize = 5;
    let mut times = Vec::with_capacity(queries.len() * ROUNDS);
    let mut empty = 0;
    for round in 0..ROUNDS {
        for query in queries {
            let started = Instant::now();
            let hits = index.search(query).await.expect("a search");
            times.push(started.elapsed());
            if round == 0 && hits.total == 0 {
                empty += 1;
            }
        }
    }
    times.sort();
    (times, empty)
}

async fn report(backend: &str, index: &dyn SearchIndex, queries: &[Query]) {
    let (times, empty) = latencies(index, queries).await;
    let at = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "{backend}: {} queries x 5: p50 {}, p99 {}, max {} ({} of 200 found nothing)",
        queries.len(),
        ms(at(0.50)),
        ms(at(0.99)),
        ms(*times.last().unwrap()),
        empty
    );
}

#[tokio::main]
async fn main() {
    let mut n: usize = 10_000;
    let mut cjk = CjkMode::default();
    let mut vs_tantivy = false;
    let mut vs_tantivy_child = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--cjk" {
            let mode = args.next().unwrap_or_default();
            cjk = CjkMode::parse(&mode).expect("--cjk bigrams or --cjk jieba");
        } else if a == "--vs-tantivy" {
            vs_tantivy = true;
        } else if a == "--vs-tantivy-child" {
            vs_tantivy_child = args.next();
        } else {
            n = a.parse().expect("N is a number");
        }
    }
    if vs_tantivy || vs_tantivy_child.is_some() {
        #[cfg(feature = "tantivy")]
        {
            match vs_tantivy_child {
                Some(backend) => vs_tantivy::child(n, &backend).await,
                None => vs_tantivy::run(n),
            }
            return;
        }
        #[cfg(not(feature = "tantivy"))]
        {
            let _ = vs_tantivy_child;
            eprintln!("--vs-tantivy needs a build with `--features tantivy`");
            std::process::exit(2);
        }
    }
    let started = Instant::now();
    let catalog = generate(n);
    let bytes: usize = catalog
        .docs
        .iter()
        .map(|d| d.title.len() + d.summary.len() + d.readme.len())
        .sum();
    println!(
        "catalog: {n} templates, {:.1} MiB of text, generated in {}",
        bytes as f64 / (1 << 20) as f64,
        ms(started.elapsed())
    );
    let queries = queries(&catalog);

    // 1. The embedded index, from documents in memory.
    let started = Instant::now();
    cjk.warm_up();
    println!(
        "embedded: CJK as {}{}",
        cjk.as_str(),
        if cjk == CjkMode::Jieba {
            format!(" (dictionary loaded in {})", ms(started.elapsed()))
        } else {
            String::new()
        }
    );
    let memory = MemoryIndex::with_cjk(cjk);
    let started = Instant::now();
    memory.load(catalog.docs.clone());
    println!(
        "embedded: index built in memory in {}",
        ms(started.elapsed())
    );

    // 2. A full reindex from the database, as at every start.
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_data_dir(dir.path());
    config.search = SearchConfig::Embedded { cjk };
    let state = AppState::open(&config).await.expect("a registry state");
    let started = Instant::now();
    for (i, d) in catalog.docs.iter().enumerate() {
        let (ns, name) = d.name.split_once('/').unwrap();
        state
            .db
            .publish(NewVersion {
                namespace: ns.into(),
                name: name.into(),
                version: d.version.clone(),
                digest: format!("sha256:{i:064x}"),
                size: 1,
                title: d.title.clone(),
                summary: d.summary.clone(),
                category: d.category.clone(),
                tags: serde_json::to_string(&d.tags).unwrap(),
                upgrade_from: None,
                icon: None,
                manifest: "{}".into(),
                readme: Some(d.readme.clone()),
                changelog: None,
            })
            .await
            .expect("a publish");
    }
    println!(
        "database: {n} versions written in {:.1} s (one durable transaction each)",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let indexed = index::rebuild(&state).await.expect("a rebuild");
    println!(
        "embedded: full reindex from the database ({indexed} templates) in {}",
        ms(started.elapsed())
    );
    report("embedded", state.search.as_ref(), &queries).await;

    // 3. Meilisearch, when given.
    if let Ok(url) = std::env::var("SOUK_SEARCH_URL") {
        let uid = format!("souk-bench-{}", std::process::id());
        let mut config = Config::for_data_dir(dir.path());
        config.search = SearchConfig::Meilisearch {
            url: url.clone(),
            key: std::env::var("SOUK_SEARCH_KEY").ok().map(Into::into),
            index: uid.clone(),
        };
        let state = AppState::open(&config).await.expect("a registry state");
        let started = Instant::now();
        let indexed = index::rebuild(&state).await.expect("a Meilisearch reindex");
        println!(
            "meilisearch: full reindex from the database ({indexed} templates, batches of 1000) in {}",
            ms(started.elapsed())
        );
        report("meilisearch", state.search.as_ref(), &queries).await;
        println!("(index `{uid}` left on {url}; delete it when done)");
    } else {
        println!("meilisearch: skipped (set SOUK_SEARCH_URL to measure it)");
    }
}
