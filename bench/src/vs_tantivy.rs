//! `search-bench [N] --vs-tantivy` (feature `tantivy`): the embedded index
//! against tantivy, on the same catalog, queries and relevance table.
//!
//! Each backend is measured in a process of its own (this binary, run again
//! with `--vs-tantivy-child BACKEND`), so that its resident memory is its own.
//! The child generates the catalog and the queries; reads `VmRSS`, copies the
//! documents (both backends keep that copy, to return hits), reads it again;
//! builds the index from the copy (timed) and reads `VmRSS` and `VmHWM`; runs
//! the 200 queries 5 times (p50, p99, and each query's total and first hit,
//! compared with the embedded index's by the parent); runs the relevance table
//! of `registry/tests/it/relevance.rs` on the demo catalog and its fixtures;
//! then replaces 100 templates one at a time, each searchable before the next
//! (what souk does after each publish). The parent prints one Markdown table.
//!
//! tantivy is used as its documentation shows, with the facilities it has for
//! what souk does: one text field per souk field (name, title, tags, summary,
//! readme; default tokenizer; frequencies, no positions), boosted by souk's
//! field weights (10, 8, 5, 3, 1); every query word required (`Must`), found
//! whole (BM25), as a prefix when it is the last word (`FuzzyTermQuery::new_prefix`,
//! distance 0) or with one typo when it has 5 letters or more
//! (`FuzzyTermQuery`, distance 1, a swap costing 1); category and tag filters
//! as `Must` terms; facets by `FacetCollector`; the total by `Count`. Chinese
//! text is either left to the default tokenizer (`tantivy-default`: a run of
//! CJK characters is one token) or also indexed in `*_cjk` fields cut by
//! `NgramTokenizer::new(2, 2, false)` (`tantivy-ngram2`), queried with the
//! bigrams souk's own tokenizer makes of the query.
//!
//! Each tantivy index is queried twice: `bm25`, the score alone; and
//! `+rules`, with what souk's ranking adds written in tantivy's terms: a
//! `raw` field of the lowercased name, short name and title matched against
//! the whole query with a boost of 1000, and an `order_by` on the fast fields
//! `yanked` (ascending), then the score, `installs` and `updated` (descending).
//! tantivy indexes with a thread per core (2 here) and a 256 MiB budget,
//! then merges its segments into one; `tantivy-ngram2-1thread` indexes with
//! one thread, as the embedded index does.

use super::{generate, ms, queries};
use serde_json::{json, Value};
use souk_registry::config::Config;
use souk_registry::db::NewVersion;
use souk_registry::domain::index;
use souk_registry::search::tokenize::{self, CjkMode};
use souk_registry::search::{
    Document, Hits, MemoryIndex, Query as SoukQuery, SearchIndex, Sort, MAX_FACET_VALUES,
};
use souk_registry::AppState;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue, SortByString};
use tantivy::collector::{Collector, Count, FacetCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FacetOptions, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STRING,
};
use tantivy::tokenizer::{LowerCaser, NgramTokenizer, TextAnalyzer, TokenStream};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, TantivyDocument,
    Term,
};

/// The backends, each measured in a child process.
const BACKENDS: [&str; 4] = [
    "embedded",
    "tantivy-ngram2",
    "tantivy-default",
    "tantivy-ngram2-1thread",
];
/// Single-template updates measured (publish → searchable).
const UPDATES: usize = 100;

/// souk's field weights (`registry/src/search/memory.rs`), as tantivy boosts.
const NAME: f32 = 10.0;
const TITLE: f32 = 8.0;
const TAGS: f32 = 5.0;
const SUMMARY: f32 = 3.0;
const README: f32 = 1.0;
/// A prefix or a one-typo match counts this share of the field's boost, as in
/// souk (tantivy scores both as constants).
const PREFIX: f32 = 0.8;
const TYPO: f32 = 0.5;
/// The whole query is a name or title (`+rules` only).
const EXACT: f32 = 1000.0;
/// Query words shorter than this must be spelt right, as in souk.
const MIN_TYPO_QUERY: usize = 5;
/// tantivy's indexing memory, shared by its threads (one per core here).
const WRITER_BUDGET: usize = 256 << 20;

/// `(query, expected first result)`: the relevance test's own table.
#[path = "../../registry/tests/it/relevance_table.rs"]
mod relevance_table;
use relevance_table::TABLE;

/// The relevance test's fixtures, published after the demo catalog:
/// `(name, title, summary, category, tags)`; the second is then yanked.
const FIXTURES: &[(&str, &str, &str, &str, &[&str])] = &[
    (
        "acme/wms-lite",
        "WMS",
        "A small warehouse management system for one site.",
        "logistics",
        &["wms", "inventory"],
    ),
    (
        "oldco/warehouse-classic",
        "Warehouse Classic 经典仓库",
        "The warehouse system of old.",
        "logistics",
        &["warehouse"],
    ),
    (
        "acme/opc-ua-bridge",
        "OPC UA Bridge 协议转换",
        "Bridges OPC UA servers to MQTT topics.",
        "industrial-iot",
        &["opc-ua", "protocol"],
    ),
    (
        "acme/rfid-tracker",
        "RFID Asset Tracker 资产追踪",
        "Finds tagged assets across the plant.",
        "logistics",
        &["rfid", "assets"],
    ),
];

/// How tantivy is given Chinese text.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cjk {
    /// The default tokenizer only: a CJK run is one token.
    Default,
    /// Also `*_cjk` fields cut into character bigrams.
    Ngram2,
}

#[derive(Clone)]
struct Fields {
    /// name, title, tags, summary, readme: default tokenizer, with souk's weight.
    words: Vec<(Field, f32)>,
    /// title, tags, summary, readme in bigrams (`Cjk::Ngram2` only).
    cjk: Vec<(Field, f32)>,
    category: Field,
    tag: Field,
    category_facet: Field,
    tag_facet: Field,
    /// Lowercased name, short name and title, whole (`raw`).
    exact: Field,
    /// The name, whole: what an update deletes by.
    key: Field,
    title_sort: Field,
    slot: Field,
    yanked: Field,
    installs: Field,
    updated: Field,
}

/// A tantivy index in RAM of souk's documents, and the documents themselves
/// (by slot) to return as hits, as the embedded index keeps them.
struct Tantivy {
    cjk: Cjk,
    index: Index,
    reader: IndexReader,
    f: Fields,
    docs: Vec<Document>,
    /// Segments after the commit, before they were merged into one.
    segments: usize,
}

fn text_field(b: &mut tantivy::schema::SchemaBuilder, name: &str, tokenizer: &str) -> Field {
    b.add_text_field(
        name,
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqs),
        ),
    )
}

/// The tantivy document of `d`, at `slot` in the documents kept beside.
fn document(f: &Fields, slot: usize, d: &Document) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    let [name, title, tags, summary, readme] = [0, 1, 2, 3, 4].map(|i| f.words[i].0);
    doc.add_text(name, &d.name);
    doc.add_text(title, &d.title);
    doc.add_text(summary, &d.summary);
    doc.add_text(readme, &d.readme);
    for t in &d.tags {
        doc.add_text(tags, t);
        doc.add_text(f.tag, t);
        doc.add_facet(f.tag_facet, tantivy::schema::Facet::from_path([t.as_str()]));
    }
    if let [(title, _), (tags, _), (summary, _), (readme, _)] = f.cjk[..] {
        doc.add_text(title, &d.title);
        doc.add_text(summary, &d.summary);
        doc.add_text(readme, &d.readme);
        for t in &d.tags {
            doc.add_text(tags, t);
        }
    }
    doc.add_text(f.category, &d.category);
    doc.add_facet(
        f.category_facet,
        tantivy::schema::Facet::from_path([d.category.as_str()]),
    );
    let short = d.name.split_once('/').map_or("", |(_, n)| n);
    doc.add_text(f.exact, d.name.to_lowercase());
    doc.add_text(f.exact, short.to_lowercase());
    doc.add_text(f.exact, d.title.trim().to_lowercase());
    doc.add_text(f.key, &d.name);
    doc.add_text(f.title_sort, d.title.trim().to_lowercase());
    doc.add_u64(f.slot, slot as u64);
    doc.add_u64(f.yanked, u64::from(d.yanked));
    doc.add_u64(f.installs, d.installs);
    doc.add_i64(f.updated, d.updated_at.timestamp());
    doc
}

impl Tantivy {
    /// Index `docs` with `threads` indexing threads.
    fn build(docs: Vec<Document>, cjk: Cjk, threads: usize) -> tantivy::Result<Tantivy> {
        let mut b = Schema::builder();
        let mut words = Vec::new();
        for (name, weight) in [
            ("name", NAME),
            ("title", TITLE),
            ("tags", TAGS),
            ("summary", SUMMARY),
            ("readme", README),
        ] {
            words.push((text_field(&mut b, name, "default"), weight));
        }
        let mut cjk_fields = Vec::new();
        if cjk == Cjk::Ngram2 {
            for (name, weight) in [
                ("title_cjk", TITLE),
                ("tags_cjk", TAGS),
                ("summary_cjk", SUMMARY),
                ("readme_cjk", README),
            ] {
                cjk_fields.push((text_field(&mut b, name, "ngram2"), weight));
            }
        }
        let f = Fields {
            words,
            cjk: cjk_fields,
            category: b.add_text_field("category", STRING),
            tag: b.add_text_field("tag", STRING),
            category_facet: b.add_facet_field("category_facet", FacetOptions::default()),
            tag_facet: b.add_facet_field("tag_facet", FacetOptions::default()),
            exact: b.add_text_field("exact", STRING),
            key: b.add_text_field("key", STRING),
            title_sort: b.add_text_field("title_sort", STRING.set_fast("raw")),
            slot: b.add_u64_field("slot", FAST),
            yanked: b.add_u64_field("yanked", FAST),
            installs: b.add_u64_field("installs", FAST),
            updated: b.add_i64_field("updated", FAST),
        };
        let index = Index::create_in_ram(b.build());
        index.tokenizers().register(
            "ngram2",
            TextAnalyzer::builder(NgramTokenizer::new(2, 2, false)?)
                .filter(LowerCaser)
                .build(),
        );
        let mut writer: IndexWriter = index.writer_with_num_threads(threads, WRITER_BUDGET)?;
        for (slot, d) in docs.iter().enumerate() {
            writer.add_document(document(&f, slot, d))?;
        }
        writer.commit()?;
        // One segment answers fastest: merge what the commit left, and count
        // the merge in the build.
        let ids = index.searchable_segment_ids()?;
        if ids.len() > 1 {
            writer.merge(&ids).wait()?;
        }
        writer.wait_merging_threads()?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Tantivy {
            cjk,
            index,
            reader,
            f,
            docs,
            segments: ids.len(),
        })
    }

    /// The query words as `(token, prefix, optional, cjk)`.
    fn terms(&self, text: &str) -> Vec<(String, bool, bool, bool)> {
        match self.cjk {
            // souk's own split: words, and the bigrams of CJK runs (those
            // between the tiling ones optional), the last word a prefix.
            Cjk::Ngram2 => tokenize::query_terms(text)
                .into_iter()
                .map(|t| {
                    let cjk = t.token.chars().any(tokenize::is_cjk);
                    (t.token, t.prefix && !cjk, t.optional, cjk)
                })
                .collect(),
            // The default analyzer's tokens, as tantivy's query parser would
            // cut them; the last is a prefix unless a separator follows.
            Cjk::Default => {
                let mut analyzer = self.index.tokenizers().get("default").expect("default");
                let mut stream = analyzer.token_stream(text);
                let mut out = Vec::new();
                while let Some(t) = stream.next() {
                    out.push((t.text.clone(), false, false, false));
                }
                if text.chars().last().is_some_and(char::is_alphanumeric) {
                    if let Some(last) = out.last_mut() {
                        last.1 = true;
                    }
                }
                out
            }
        }
    }

    fn query(&self, q: &SoukQuery, rules: bool) -> Box<dyn Query> {
        let text = q.text.trim();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (token, prefix, optional, cjk) in self.terms(text) {
            let mut any: Vec<Box<dyn Query>> = Vec::new();
            let fields = if cjk { &self.f.cjk } else { &self.f.words };
            for &(field, boost) in fields {
                let term = Term::from_field_text(field, &token);
                any.push(Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                    boost,
                )));
                // A lone CJK character: the bigrams that start with it.
                if prefix || (cjk && token.chars().count() == 1) {
                    any.push(Box::new(BoostQuery::new(
                        Box::new(FuzzyTermQuery::new_prefix(term.clone(), 0, true)),
                        boost * PREFIX,
                    )));
                }
                let chars = token.chars().count();
                if !cjk
                    && chars >= MIN_TYPO_QUERY
                    && token
                        .chars()
                        .all(|c| c.is_alphabetic() && !tokenize::is_cjk(c))
                {
                    any.push(Box::new(BoostQuery::new(
                        Box::new(FuzzyTermQuery::new(term, 1, true)),
                        boost * TYPO,
                    )));
                }
            }
            let occur = if optional { Occur::Should } else { Occur::Must };
            clauses.push((occur, Box::new(BooleanQuery::union(any))));
        }
        if text.is_empty() {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        } else if rules {
            let term = Term::from_field_text(self.f.exact, &text.to_lowercase());
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                    EXACT,
                )),
            ));
        }
        if let Some(c) = &q.category {
            let term = Term::from_field_text(self.f.category, c);
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
            ));
        }
        if let Some(t) = &q.tag {
            let term = Term::from_field_text(self.f.tag, t);
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
            ));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// The page, the total and the facets, with `top` choosing the page.
    fn collect<K, C>(&self, searcher: &Searcher, query: &dyn Query, top: C) -> Hits
    where
        C: Collector<Fruit = Vec<(K, DocAddress)>>,
    {
        let mut categories = FacetCollector::for_field("category_facet");
        categories.add_facet("/");
        let mut tags = FacetCollector::for_field("tag_facet");
        tags.add_facet("/");
        let (page, total, categories, tags) = searcher
            .search(query, &(top, Count, categories, tags))
            .expect("a tantivy search");
        let facets = |counts: tantivy::collector::FacetCounts| -> BTreeMap<String, usize> {
            counts
                .top_k("/", MAX_FACET_VALUES)
                .into_iter()
                .map(|(f, n)| {
                    let path = f.to_path();
                    (path.last().unwrap_or(&"").to_string(), n as usize)
                })
                .collect()
        };
        let items = page
            .into_iter()
            .map(|(_, addr)| {
                let slot = searcher
                    .segment_reader(addr.segment_ord)
                    .fast_fields()
                    .u64("slot")
                    .expect("the slot column")
                    .first(addr.doc_id)
                    .expect("a slot");
                self.docs[slot as usize].clone()
            })
            .collect();
        Hits {
            items,
            total,
            categories: facets(categories),
            tags: facets(tags),
        }
    }

    fn search(&self, q: &SoukQuery, rules: bool) -> Hits {
        let searcher = self.reader.searcher();
        let query = self.query(q, rules);
        let top = TopDocs::with_limit(q.limit.max(1)).and_offset(q.offset);
        let sort = match q.sort {
            Sort::Relevance if q.text.trim().is_empty() => Sort::Recent,
            s => s,
        };
        let yanked = || {
            (
                SortByStaticFastValue::<u64>::for_field("yanked"),
                Order::Asc,
            )
        };
        let updated = || {
            (
                SortByStaticFastValue::<i64>::for_field("updated"),
                Order::Desc,
            )
        };
        let installs = || {
            (
                SortByStaticFastValue::<u64>::for_field("installs"),
                Order::Desc,
            )
        };
        let title = || (SortByString::for_field("title_sort"), Order::Asc);
        let q = query.as_ref();
        match (sort, rules) {
            (Sort::Relevance, false) => self.collect(&searcher, q, top.order_by_score()),
            (Sort::Relevance, true) => self.collect(
                &searcher,
                q,
                // Nested pairs: 0.27's four-key tuple drops the orders given
                // (it sorts every key descending).
                top.order_by((
                    yanked(),
                    (
                        (SortBySimilarityScore, Order::Desc),
                        (installs(), updated()),
                    ),
                )),
            ),
            (Sort::Recent, false) => self.collect(&searcher, q, top.order_by(updated())),
            (Sort::Recent, true) => self.collect(&searcher, q, top.order_by((yanked(), updated()))),
            (Sort::Name, false) => self.collect(&searcher, q, top.order_by(title())),
            (Sort::Name, true) => self.collect(&searcher, q, top.order_by((yanked(), title()))),
            (Sort::Popular, false) => {
                self.collect(&searcher, q, top.order_by((installs(), updated())))
            }
            (Sort::Popular, true) => self.collect(
                &searcher,
                q,
                top.order_by((yanked(), installs(), updated())),
            ),
        }
    }

    /// Replace one template's document and make it searchable, as souk does
    /// after each publish: delete by name, add, commit, reload the reader.
    fn update(
        &mut self,
        writer: &mut IndexWriter,
        slot: usize,
        d: Document,
    ) -> tantivy::Result<()> {
        writer.delete_term(Term::from_field_text(self.f.key, &d.name));
        writer.add_document(document(&self.f, slot, &d))?;
        writer.commit()?;
        self.reader.reload()?;
        self.docs[slot] = d;
        Ok(())
    }

    /// The bytes of the index's files, as tantivy counts them.
    fn bytes(&self) -> u64 {
        self.reader
            .searcher()
            .space_usage()
            .map(|u| u.total().get_bytes())
            .unwrap_or(0)
    }
}

/// A line of `/proc/self/status`, in MiB.
fn status_mib(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// p50, p99 and max of 5 rounds of `queries`, how many found nothing, and
/// each query's total and first hit.
fn latencies(queries: &[SoukQuery], mut search: impl FnMut(&SoukQuery) -> Hits) -> Value {
    const ROUNDS: usize = 5;
    let mut times: Vec<Duration> = Vec::with_capacity(queries.len() * ROUNDS);
    let mut empty = 0;
    let mut answers = Vec::new();
    for round in 0..ROUNDS {
        for q in queries {
            let started = Instant::now();
            let hits = search(q);
            times.push(started.elapsed());
            if round == 0 {
                empty += usize::from(hits.total == 0);
                let first = hits.items.first().map(|d| d.name.clone());
                answers.push(json!([hits.total, first]));
            }
        }
    }
    times.sort();
    let at = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    json!({
        "p50_ms": ms(at(0.50)),
        "p99_ms": ms(at(0.99)),
        "max_ms": ms(*times.last().unwrap()),
        "empty": empty,
        "answers": answers,
    })
}

/// p50 and p99 of `times`, in ms.
fn percentiles(mut times: Vec<Duration>) -> Value {
    times.sort();
    let at = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    json!({
        "p50_ms": at(0.50).as_secs_f64() * 1000.0,
        "p99_ms": at(0.99).as_secs_f64() * 1000.0,
    })
}

/// The documents of the update test: every 101st template, one install more
/// and updated now.
fn updated_docs(docs: &[Document]) -> Vec<(usize, Document)> {
    (0..UPDATES)
        .map(|i| {
            let slot = (i * 101) % docs.len();
            let mut d = docs[slot].clone();
            d.installs += 1;
            d.updated_at = chrono::Utc::now();
            (slot, d)
        })
        .collect()
}

/// The relevance test's market: the demo catalog and the fixtures, one of
/// them yanked, as documents read back from a registry.
async fn market() -> Vec<Document> {
    let dir = tempfile::tempdir().unwrap();
    let state = AppState::open(&Config::for_data_dir(dir.path()))
        .await
        .expect("a registry state");
    souk_registry::demo::load(&state).await.expect("the demo");
    for (i, (name, title, summary, category, tags)) in FIXTURES.iter().enumerate() {
        let (ns, short) = name.split_once('/').unwrap();
        state
            .db
            .publish(NewVersion {
                namespace: ns.into(),
                name: short.into(),
                version: "1.0.0".into(),
                digest: format!("sha256:{i:064x}"),
                size: 1,
                title: title.to_string(),
                summary: summary.to_string(),
                category: category.to_string(),
                tags: serde_json::to_string(tags).unwrap(),
                upgrade_from: None,
                icon: None,
                manifest: "{}".into(),
                readme: None,
                changelog: None,
            })
            .await
            .expect("a fixture");
    }
    let old = state
        .db
        .template("oldco".into(), "warehouse-classic".into())
        .await
        .unwrap()
        .expect("the fixture");
    let version = old.versions[0].id;
    state
        .db
        .set_yanked(old.template, version, true)
        .await
        .expect("a yank");
    index::rebuild(&state).await.expect("a reindex");
    let all = state
        .search
        .search(&SoukQuery {
            limit: 10_000,
            ..SoukQuery::default()
        })
        .await
        .expect("a browse");
    all.items
}

/// The table's pass count and failures, and whether the yanked template comes
/// last for `warehouse` (as the relevance test also asserts).
fn relevance(mut search: impl FnMut(&SoukQuery) -> Hits) -> Value {
    let q = |text: &str| SoukQuery {
        text: text.into(),
        limit: 20,
        ..SoukQuery::default()
    };
    let mut failures = Vec::new();
    for (text, expected) in TABLE {
        let hits = search(&q(text));
        let first = hits.items.first().map_or("(nothing)", |d| d.name.as_str());
        if first != *expected {
            failures.push(format!("{text:?} → {first} (expected {expected})"));
        }
    }
    let warehouse = search(&q("warehouse"));
    let yanked_last = warehouse.items.last().map(|d| d.name.as_str())
        == Some("oldco/warehouse-classic")
        && warehouse.total == warehouse.items.len();
    json!({
        "passed": TABLE.len() - failures.len(),
        "of": TABLE.len(),
        "failures": failures,
        "yanked_last": yanked_last,
    })
}

/// Measure one backend in this process; print its rows as JSON on stdout.
pub async fn child(n: usize, backend: &str) {
    let catalog = generate(n);
    let queries = queries(&catalog);
    let market = market().await;
    let updates = updated_docs(&catalog.docs);
    let before = status_mib("VmRSS");
    // Both keep a copy of the documents, to return as hits: made apart, so
    // that the build's time and memory are the index's own.
    let docs = catalog.docs.clone();
    let copied = status_mib("VmRSS");
    let mut rows = Vec::new();
    if backend == "embedded" {
        let started = Instant::now();
        let memory = MemoryIndex::with_cjk(CjkMode::Bigrams);
        memory.load(docs);
        let build = started.elapsed();
        let (after, peak) = (status_mib("VmRSS"), status_mib("VmHWM"));
        eprintln!("{backend}: built in {}", ms(build));
        let lat = latencies(&queries, |q| memory.query(q));
        let mut times = Vec::new();
        for (_, d) in updates {
            let started = Instant::now();
            memory.upsert(vec![d]).await.expect("an update");
            times.push(started.elapsed());
        }
        let small = MemoryIndex::new();
        small.load(market);
        let rel = relevance(|q| small.query(q));
        rows.push(json!({
            "backend": "embedded (souk)",
            "cjk": "bigrams (souk's tokenizer)",
            "threads": 1,
            "build_ms": build.as_secs_f64() * 1000.0,
            "rss_before_mib": before, "rss_copied_mib": copied, "rss_after_mib": after, "hwm_mib": peak,
            "latency": lat, "update": percentiles(times), "relevance": rel,
        }));
    } else {
        let (cjk, threads) = match backend {
            "tantivy-ngram2" => (Cjk::Ngram2, 2),
            "tantivy-default" => (Cjk::Default, 2),
            "tantivy-ngram2-1thread" => (Cjk::Ngram2, 1),
            other => panic!("unknown backend {other}"),
        };
        let started = Instant::now();
        let mut t = Tantivy::build(docs, cjk, threads).expect("a tantivy index");
        let build = started.elapsed();
        let (after, peak) = (status_mib("VmRSS"), status_mib("VmHWM"));
        eprintln!(
            "{backend}: built in {} ({} segments merged into 1)",
            ms(build),
            t.segments
        );
        let small = Tantivy::build(market, cjk, threads).expect("a tantivy index");
        let modes: &[bool] = if threads == 1 {
            &[true]
        } else {
            &[false, true]
        };
        let mut measured = Vec::new();
        for &rules in modes {
            let lat = latencies(&queries, |q| t.search(q, rules));
            let rel = relevance(|q| small.search(q, rules));
            measured.push((rules, lat, rel));
        }
        let index_mib = t.bytes() as f64 / (1 << 20) as f64;
        // Last: updates leave segments behind, and merges running.
        let mut writer: IndexWriter = t
            .index
            .writer_with_num_threads(threads, WRITER_BUDGET)
            .expect("a writer");
        let mut times = Vec::new();
        for (slot, d) in updates {
            let started = Instant::now();
            t.update(&mut writer, slot, d).expect("an update");
            times.push(started.elapsed());
        }
        let update = percentiles(times);
        for (rules, lat, rel) in measured {
            rows.push(json!({
                "backend": format!("tantivy 0.27, {}", if rules { "+rules" } else { "bm25" }),
                "cjk": match cjk {
                    Cjk::Ngram2 => "default tokenizer + `*_cjk` fields, ngram(2,2)",
                    Cjk::Default => "default tokenizer only",
                },
                "threads": threads,
                "build_ms": build.as_secs_f64() * 1000.0,
                "segments": t.segments,
                "index_mib": index_mib,
                "rss_before_mib": before, "rss_copied_mib": copied, "rss_after_mib": after, "hwm_mib": peak,
                "latency": lat, "update": update, "relevance": rel,
            }));
        }
    }
    println!("{}", Value::Array(rows));
}

/// Run every backend in a child process and print the comparison.
pub fn run(n: usize) {
    let exe = std::env::current_exe().expect("this binary");
    let mut rows: Vec<Value> = Vec::new();
    for backend in BACKENDS {
        eprintln!("{backend}: measuring in a process of its own…");
        let out = std::process::Command::new(&exe)
            .arg(n.to_string())
            .args(["--vs-tantivy-child", backend])
            .stderr(std::process::Stdio::inherit())
            .output()
            .expect("a child process");
        assert!(out.status.success(), "{backend}: {}", out.status);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let last = stdout.lines().last().unwrap_or_default();
        match serde_json::from_str::<Value>(last) {
            Ok(Value::Array(r)) => rows.extend(r),
            _ => panic!("{backend}: no result in {stdout:?}"),
        }
    }
    let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let souk = rows[0]["latency"]["answers"].clone();
    // How many of the 200 queries match as many templates, and rank the same
    // one first, as the embedded index.
    let agree = |r: &Value, i: usize| {
        let theirs = r["latency"]["answers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let ours = souk.as_array().cloned().unwrap_or_default();
        ours.iter()
            .zip(&theirs)
            .filter(|(a, b)| a[i] == b[i])
            .count()
    };
    println!();
    println!(
        "{n} templates, 200 queries x 5, one process per backend (RSS: growth for the documents' copy + for the index, and the process's peak):"
    );
    println!();
    println!(
        "| backend | CJK | build | RSS | p50 | p99 | one update | found nothing | same total / first hit as souk | relevance table | yanked last |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for r in &rows {
        let (l, u, rel) = (&r["latency"], &r["update"], &r["relevance"]);
        println!(
            "| {} | {} | {:.2} s ({} thread{}) | +{:.0} +{:.0} MiB, peak {:.0} | {:.2} ms | {:.2} ms | p50 {:.2} ms, p99 {:.2} ms | {}/200 | {}/200, {}/200 | {}/{} | {} |",
            r["backend"].as_str().unwrap_or("?"),
            r["cjk"].as_str().unwrap_or("?"),
            f(&r["build_ms"]) / 1000.0,
            r["threads"],
            if r["threads"] == 1 { "" } else { "s" },
            f(&r["rss_copied_mib"]) - f(&r["rss_before_mib"]),
            f(&r["rss_after_mib"]) - f(&r["rss_copied_mib"]),
            f(&r["hwm_mib"]),
            f(&l["p50_ms"]),
            f(&l["p99_ms"]),
            f(&u["p50_ms"]),
            f(&u["p99_ms"]),
            l["empty"],
            agree(r, 0),
            agree(r, 1),
            rel["passed"],
            rel["of"],
            if rel["yanked_last"] == true { "yes" } else { "no" },
        );
    }
    for r in &rows {
        let name = format!(
            "{} ({}, {} thread(s))",
            r["backend"].as_str().unwrap_or("?"),
            r["cjk"].as_str().unwrap_or("?"),
            r["threads"]
        );
        if let Some(size) = r["index_mib"].as_f64() {
            println!(
                "\n{name}: tantivy's own files {size:.1} MiB; segments before the merge: {}",
                r["segments"]
            );
        }
        let failures = r["relevance"]["failures"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !failures.is_empty() {
            println!("\n{name} misses:");
            for m in failures {
                println!("- {}", m.as_str().unwrap_or("?"));
            }
        }
    }
}
