//! The embedded index: an inverted index in memory, rebuilt from the database
//! at start (10,000 templates take well under a second; see `bench/`).
//!
//! Matching: every query term must match a token of the document, whole, as a
//! prefix (the last word, as it is typed) or, for words of 5 letters or more,
//! with one typo (an insertion, deletion, substitution or swap of neighbours:
//! `wharehouse` finds `warehouse`). Typos are found through a map of every
//! token's one-letter deletions (the SymSpell idea), not by scanning the
//! vocabulary. CJK text is matched by bigrams, or by jieba's words when the
//! index is made with [`CjkMode::Jieba`] (see [`super::tokenize`]).
//!
//! Ranking: yanked-only templates after every live one; then a query that is
//! exactly a template's name (`acme/smart-warehouse` or `smart-warehouse`) or
//! title; then the sum over terms of the best field each occurs in (name,
//! title, tags, summary, readme, in that order of weight), a prefix match
//! counting a little less than a whole word and a typo less again; ties go to
//! the most installed, then the most recently updated template.

use super::tokenize::{CjkMode, Term};
use super::{top_facets, Document, Hits, Query, SearchIndex, Sort, MAX_FACET_VALUES};
use crate::error::Result;
use futures_util::future::BoxFuture;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::RwLock;

const NAME: f32 = 10.0;
const TITLE: f32 = 8.0;
const TAGS: f32 = 5.0;
const SUMMARY: f32 = 3.0;
const README: f32 = 1.0;
/// Added when the whole query is the template's name or title.
const EXACT: f32 = 1000.0;
/// A prefix match counts this share of a whole-word match.
const PREFIX: f32 = 0.8;
/// A match with one typo counts this share of a whole-word match.
const TYPO: f32 = 0.5;
/// An optional term (a CJK bigram across words) adds this share when it matches.
const OPTIONAL: f32 = 0.5;
/// Query words shorter than this must be spelt right (as Meilisearch's
/// default `minWordSizeForTypos.oneTypo`): short words have too many neighbours.
const MIN_TYPO_QUERY: usize = 5;
/// Tokens shorter than this are not found through a typo.
const MIN_TYPO_TOKEN: usize = 4;

type DocId = u32;

/// An in-memory inverted index over name, title, tags, summary and readme.
#[derive(Debug, Default)]
pub struct MemoryIndex {
    cjk: CjkMode,
    inner: RwLock<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    cjk: CjkMode,
    /// Slots by id; `None` once removed.
    docs: Vec<Option<Entry>>,
    ids: HashMap<String, DocId>,
    /// token → document → weight of the best field the token occurs in.
    postings: BTreeMap<String, HashMap<DocId, f32>>,
    /// A token with one letter deleted → the tokens it comes from (only the
    /// tokens that can be found through a typo).
    deletions: HashMap<String, Vec<String>>,
}

#[derive(Debug)]
struct Entry {
    doc: Document,
    /// The tokens posted for this document, to unpost them on update.
    tokens: Vec<String>,
    /// Lowercased full name, short name and title: exact-match keys.
    exact: [String; 3],
}

impl MemoryIndex {
    /// An index that cuts CJK text into bigrams (the default).
    pub fn new() -> MemoryIndex {
        MemoryIndex::default()
    }

    /// An index that cuts CJK text as `cjk` says.
    pub fn with_cjk(cjk: CjkMode) -> MemoryIndex {
        cjk.warm_up();
        MemoryIndex {
            cjk,
            inner: RwLock::new(Inner {
                cjk,
                ..Inner::default()
            }),
        }
    }

    /// Replace the whole index with `docs`, synchronously.
    pub fn load(&self, docs: Vec<Document>) {
        let mut fresh = Inner {
            cjk: self.cjk,
            ..Inner::default()
        };
        for doc in docs {
            fresh.upsert(doc);
        }
        *self.inner.write().expect("search index lock") = fresh;
    }

    /// Answer `query`, synchronously.
    pub fn query(&self, query: &Query) -> Hits {
        self.inner.read().expect("search index lock").search(query)
    }
}

/// Can `token` be found through a typo?
fn typo_eligible(token: &str) -> bool {
    token.chars().count() >= MIN_TYPO_TOKEN
        && token
            .chars()
            .all(|c| c.is_alphabetic() && !super::tokenize::is_cjk(c))
}

/// `token` with each of its letters deleted in turn.
fn deletions(token: &str) -> Vec<String> {
    let chars: Vec<char> = token.chars().collect();
    let mut out: Vec<String> = (0..chars.len())
        .map(|i| chars[..i].iter().chain(&chars[i + 1..]).collect::<String>())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

impl Inner {
    fn post(&mut self, token: &str, id: DocId, weight: f32) {
        let postings = match self.postings.get_mut(token) {
            Some(p) => p,
            None => {
                if typo_eligible(token) {
                    for d in deletions(token) {
                        self.deletions.entry(d).or_default().push(token.to_string());
                    }
                }
                self.postings.entry(token.to_string()).or_default()
            }
        };
        postings.insert(id, weight);
    }

    fn unpost(&mut self, id: DocId) {
        let Some(entry) = self.docs.get_mut(id as usize).and_then(Option::take) else {
            return;
        };
        for token in entry.tokens {
            let Some(p) = self.postings.get_mut(&token) else {
                continue;
            };
            p.remove(&id);
            if !p.is_empty() {
                continue;
            }
            self.postings.remove(&token);
            if typo_eligible(&token) {
                for d in deletions(&token) {
                    if let Some(from) = self.deletions.get_mut(&d) {
                        from.retain(|t| *t != token);
                        if from.is_empty() {
                            self.deletions.remove(&d);
                        }
                    }
                }
            }
        }
    }

    fn upsert(&mut self, doc: Document) {
        let id = match self.ids.get(&doc.name) {
            Some(&id) => {
                self.unpost(id);
                id
            }
            None => {
                let id = self.docs.len() as DocId;
                self.docs.push(None);
                self.ids.insert(doc.name.clone(), id);
                id
            }
        };
        let mut weights: HashMap<String, f32> = HashMap::new();
        let short_name = doc.name.split_once('/').map_or("", |(_, n)| n);
        let fields: [(f32, Vec<String>); 5] = [
            (NAME, self.cjk.index_tokens(&doc.name)),
            (TITLE, self.cjk.index_tokens(&doc.title)),
            (
                TAGS,
                doc.tags
                    .iter()
                    .flat_map(|t| self.cjk.index_tokens(t))
                    .collect(),
            ),
            (SUMMARY, self.cjk.index_tokens(&doc.summary)),
            (README, self.cjk.index_tokens(&doc.readme)),
        ];
        for (weight, tokens) in fields {
            for t in tokens {
                let w = weights.entry(t).or_insert(0.0);
                *w = w.max(weight);
            }
        }
        for (token, weight) in &weights {
            self.post(token, id, *weight);
        }
        let exact = [
            doc.name.to_lowercase(),
            short_name.to_lowercase(),
            doc.title.trim().to_lowercase(),
        ];
        self.docs[id as usize] = Some(Entry {
            tokens: weights.into_keys().collect(),
            exact,
            doc,
        });
    }

    fn remove(&mut self, name: &str) {
        if let Some(id) = self.ids.get(name).copied() {
            self.unpost(id);
        }
    }

    fn entry(&self, id: DocId) -> Option<&Entry> {
        self.docs.get(id as usize).and_then(Option::as_ref)
    }

    /// The tokens within one typo of `word` (never `word` itself).
    fn typo_neighbours(&self, word: &str) -> HashSet<&str> {
        let mut found = HashSet::new();
        if word.chars().count() < MIN_TYPO_QUERY || !typo_eligible(word) {
            return found;
        }
        // A letter too many in `word`: a token is one of its deletions.
        // A letter missing: `word` is a deletion of a token. A wrong or swapped
        // letter: a deletion of `word` is a deletion of a token.
        let mut candidates: Vec<&str> = Vec::new();
        if let Some(from) = self.deletions.get(word) {
            candidates.extend(from.iter().map(String::as_str));
        }
        for d in deletions(word) {
            if let Some((token, _)) = self.postings.get_key_value(&d) {
                candidates.push(token);
            }
            if let Some(from) = self.deletions.get(&d) {
                candidates.extend(from.iter().map(String::as_str));
            }
        }
        for c in candidates {
            if c != word && strsim::osa_distance(c, word) <= 1 {
                found.insert(c);
            }
        }
        found
    }

    /// The score of every document slot for `term` (0: no match), each the
    /// best of its matches. Dense arrays, not maps: a common word or a short
    /// prefix touches most documents, and array writes are what keeps a query
    /// on 10,000 templates within a few milliseconds.
    fn term_hits(&self, term: &Term) -> Vec<f32> {
        let mut hits = vec![0.0f32; self.docs.len()];
        let mut add = |postings: &HashMap<DocId, f32>, factor: f32| {
            for (&id, &w) in postings {
                let s = &mut hits[id as usize];
                *s = s.max(w * factor);
            }
        };
        if let Some(p) = self.postings.get(&term.token) {
            add(p, 1.0);
        }
        if term.prefix {
            let longer = self
                .postings
                .range::<str, _>((
                    std::ops::Bound::Excluded(term.token.as_str()),
                    std::ops::Bound::Unbounded,
                ))
                .take_while(|(k, _)| k.starts_with(&term.token));
            for (_, p) in longer {
                add(p, PREFIX);
            }
        }
        if !term.optional {
            for t in self.typo_neighbours(&term.token) {
                add(&self.postings[t], TYPO);
            }
        }
        hits
    }

    /// Matching documents and their scores; every document when `text` is blank.
    fn matches(&self, text: &str) -> Vec<(DocId, f32)> {
        let text = text.trim();
        if text.is_empty() {
            return self
                .docs
                .iter()
                .enumerate()
                .filter(|(_, d)| d.is_some())
                .map(|(id, _)| (id as DocId, 0.0))
                .collect();
        }
        let terms = self.cjk.query_terms(text);
        // Every weight is positive, so a score of 0 means "not matched".
        let mut scores: Option<Vec<f32>> = None;
        for term in terms.iter().filter(|t| !t.optional) {
            let hits = self.term_hits(term);
            scores = Some(match scores {
                None => hits,
                Some(mut prev) => {
                    for (s, h) in prev.iter_mut().zip(&hits) {
                        *s = if *s > 0.0 && *h > 0.0 { *s + h } else { 0.0 };
                    }
                    prev
                }
            });
        }
        let Some(mut scores) = scores else {
            return Vec::new();
        };
        for term in terms.iter().filter(|t| t.optional) {
            for (s, h) in scores.iter_mut().zip(self.term_hits(term)) {
                if *s > 0.0 {
                    *s += h * OPTIONAL;
                }
            }
        }
        let lowered = text.to_lowercase();
        scores
            .into_iter()
            .enumerate()
            .filter(|(_, s)| *s > 0.0)
            .map(|(id, s)| {
                let exact = self
                    .entry(id as DocId)
                    .is_some_and(|e| e.exact.contains(&lowered));
                (id as DocId, if exact { s + EXACT } else { s })
            })
            .collect()
    }

    fn search(&self, query: &Query) -> Hits {
        let mut found: Vec<(&Entry, f32)> = self
            .matches(&query.text)
            .into_iter()
            .filter_map(|(id, score)| self.entry(id).map(|e| (e, score)))
            .filter(|(e, _)| query.category.as_ref().is_none_or(|c| e.doc.category == *c))
            .filter(|(e, _)| query.tag.as_ref().is_none_or(|t| e.doc.tags.contains(t)))
            .collect();
        let mut categories: HashMap<&str, usize> = HashMap::new();
        let mut tags: HashMap<&str, usize> = HashMap::new();
        for (e, _) in &found {
            let d = &e.doc;
            *categories.entry(&d.category).or_default() += 1;
            for t in &d.tags {
                *tags.entry(t).or_default() += 1;
            }
        }
        let sort = match query.sort {
            Sort::Relevance if query.text.trim().is_empty() => Sort::Recent,
            s => s,
        };
        let recent = |a: &Document, b: &Document| {
            b.updated_at
                .cmp(&a.updated_at)
                .then_with(|| a.name.cmp(&b.name))
        };
        let order = |(ea, sa): &(&Entry, f32), (eb, sb): &(&Entry, f32)| -> Ordering {
            let (a, b) = (&ea.doc, &eb.doc);
            a.yanked.cmp(&b.yanked).then_with(|| match sort {
                Sort::Relevance => sb
                    .total_cmp(sa)
                    .then_with(|| b.installs.cmp(&a.installs))
                    .then_with(|| recent(a, b)),
                Sort::Recent => recent(a, b),
                Sort::Popular => b.installs.cmp(&a.installs).then_with(|| recent(a, b)),
                // By the title people read, then by name.
                Sort::Name => ea.exact[2]
                    .cmp(&eb.exact[2])
                    .then_with(|| a.name.cmp(&b.name)),
            })
        };
        let total = found.len();
        let end = query.offset.saturating_add(query.limit).min(total);
        // Only the page needs ordering among itself: partition, then sort it.
        if query.offset < total && end < total {
            found.select_nth_unstable_by(end, order);
            found.truncate(end);
        }
        found.sort_unstable_by(order);
        Hits {
            items: found
                .into_iter()
                .skip(query.offset)
                .take(query.limit)
                .map(|(e, _)| e.doc.clone())
                .collect(),
            total,
            categories: top_facets(
                categories.into_iter().map(|(k, v)| (k.to_string(), v)),
                MAX_FACET_VALUES,
            ),
            tags: top_facets(
                tags.into_iter().map(|(k, v)| (k.to_string(), v)),
                MAX_FACET_VALUES,
            ),
        }
    }
}

impl SearchIndex for MemoryIndex {
    fn backend(&self) -> &'static str {
        "embedded"
    }

    fn index_uid(&self) -> &str {
        "embedded"
    }

    fn follows_outbox(&self) -> bool {
        false
    }

    fn configure(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async { Ok(()) })
    }

    fn replace_all(&self, docs: Vec<Document>) -> BoxFuture<'_, Result<()>> {
        self.load(docs);
        Box::pin(async { Ok(()) })
    }

    fn upsert(&self, docs: Vec<Document>) -> BoxFuture<'_, Result<()>> {
        let mut inner = self.inner.write().expect("search index lock");
        for doc in docs {
            inner.upsert(doc);
        }
        Box::pin(async { Ok(()) })
    }

    fn remove(&self, names: Vec<String>) -> BoxFuture<'_, Result<()>> {
        let mut inner = self.inner.write().expect("search index lock");
        for name in names {
            inner.remove(&name);
        }
        Box::pin(async { Ok(()) })
    }

    fn search<'a>(&'a self, query: &'a Query) -> BoxFuture<'a, Result<Hits>> {
        let hits = self.query(query);
        Box::pin(async { Ok(hits) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use futures_util::FutureExt;

    fn doc(
        name: &str,
        title: &str,
        summary: &str,
        tags: &[&str],
        category: &str,
        t: i64,
    ) -> Document {
        Document {
            name: name.into(),
            title: title.into(),
            summary: summary.into(),
            tags: tags.iter().map(|s| s.to_string()).collect(),
            readme: String::new(),
            category: category.into(),
            version: "1.0.0".into(),
            has_icon: false,
            updated_at: chrono::Utc.timestamp_opt(t, 0).unwrap(),
            yanked: false,
            installs: 0,
        }
    }

    fn names(hits: &Hits) -> Vec<&str> {
        hits.items.iter().map(|d| d.name.as_str()).collect()
    }

    fn index() -> MemoryIndex {
        let i = MemoryIndex::new();
        i.load(vec![
            doc(
                "acme/smart-warehouse",
                "智慧物流与仓储解决方案",
                "RFID warehouse monitoring",
                &["warehouse", "rfid"],
                "logistics",
                3,
            ),
            doc(
                "acme/warehouse",
                "Warehouse",
                "A plain warehouse",
                &["wms"],
                "logistics",
                1,
            ),
            doc(
                "huayun/mes",
                "MES",
                "Manufacturing execution; tracks warehouse stock",
                &["mes"],
                "mes",
                2,
            ),
        ]);
        i
    }

    fn q(text: &str) -> Query {
        Query {
            text: text.into(),
            limit: 20,
            ..Query::default()
        }
    }

    #[test]
    fn exact_name_first_then_field_weight() {
        let i = index();
        assert_eq!(
            names(&i.query(&q("warehouse"))),
            ["acme/warehouse", "acme/smart-warehouse", "huayun/mes"]
        );
        assert_eq!(names(&i.query(&q("ware"))).len(), 3);
        assert_eq!(
            names(&i.query(&q("rfid warehouse"))),
            ["acme/smart-warehouse"]
        );
        assert!(i.query(&q("nothing-like-this")).items.is_empty());
    }

    #[test]
    fn chinese_queries_match_bigrams() {
        let i = index();
        assert_eq!(names(&i.query(&q("仓储"))), ["acme/smart-warehouse"]);
        assert_eq!(names(&i.query(&q("物流"))), ["acme/smart-warehouse"]);
        assert!(i.query(&q("仓库")).items.is_empty());
    }

    #[test]
    fn browse_filters_facets_paging_and_updates() {
        let i = index();
        let all = i.query(&q(""));
        assert_eq!(
            names(&all),
            ["acme/smart-warehouse", "huayun/mes", "acme/warehouse"]
        );
        assert_eq!(all.categories["logistics"], 2);
        assert_eq!(all.tags["rfid"], 1);
        let mut page = q("");
        page.offset = 1;
        page.limit = 1;
        let p = i.query(&page);
        assert_eq!((names(&p), p.total), (vec!["huayun/mes"], 3));
        let mut f = q("warehouse");
        f.category = Some("logistics".into());
        f.tag = Some("wms".into());
        assert_eq!(names(&i.query(&f)), ["acme/warehouse"]);

        let done = |f: BoxFuture<'_, Result<()>>| f.now_or_never().unwrap().unwrap();
        done(i.upsert(vec![doc(
            "acme/warehouse",
            "Depot",
            "renamed",
            &[],
            "other",
            9,
        )]));
        assert_eq!(names(&i.query(&q("plain"))), Vec::<&str>::new());
        assert_eq!(names(&i.query(&q("depot"))), ["acme/warehouse"]);
        done(i.remove(vec!["acme/warehouse".into()]));
        assert!(i.query(&q("depot")).items.is_empty());
        assert_eq!(i.query(&q("")).total, 2);
    }
}
