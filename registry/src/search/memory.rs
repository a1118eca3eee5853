//! The embedded index: an inverted index in memory.
//!
//! Ranking: a query that is exactly a template's name (`acme/smart-warehouse`
//! or `smart-warehouse`) or title ranks first; then each term scores by the best
//! field it occurs in (name, title, tags, summary, readme, in that order of
//! weight), a prefix match scoring a little less than a whole word. Every term
//! must match. Ties go to the most recently updated template.

use super::tokenize::{index_tokens, query_terms};
use super::{Document, Hits, Query, SearchIndex};
use std::collections::{BTreeMap, HashMap};
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

type DocId = u32;

/// An in-memory inverted index over name, title, tags, summary and readme.
#[derive(Debug, Default)]
pub struct MemoryIndex {
    inner: RwLock<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Slots by id; `None` once removed.
    docs: Vec<Option<Entry>>,
    ids: HashMap<String, DocId>,
    /// token → document → weight of the best field the token occurs in.
    postings: BTreeMap<String, HashMap<DocId, f32>>,
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
    pub fn new() -> MemoryIndex {
        MemoryIndex::default()
    }
}

impl Inner {
    fn unpost(&mut self, id: DocId) {
        let Some(entry) = self.docs.get_mut(id as usize).and_then(Option::take) else {
            return;
        };
        for token in entry.tokens {
            if let Some(p) = self.postings.get_mut(&token) {
                p.remove(&id);
                if p.is_empty() {
                    self.postings.remove(&token);
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
            (NAME, index_tokens(&doc.name)),
            (TITLE, index_tokens(&doc.title)),
            (
                TAGS,
                doc.tags.iter().flat_map(|t| index_tokens(t)).collect(),
            ),
            (SUMMARY, index_tokens(&doc.summary)),
            (README, index_tokens(&doc.readme)),
        ];
        for (weight, tokens) in fields {
            for t in tokens {
                let w = weights.entry(t).or_insert(0.0);
                *w = w.max(weight);
            }
        }
        for (token, weight) in &weights {
            self.postings
                .entry(token.clone())
                .or_default()
                .insert(id, *weight);
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

    fn entry(&self, id: DocId) -> Option<&Entry> {
        self.docs.get(id as usize).and_then(Option::as_ref)
    }

    /// Matching documents and their scores; every document when `text` is blank.
    fn matches(&self, text: &str) -> HashMap<DocId, f32> {
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
        let terms = query_terms(text);
        let mut scores: Option<HashMap<DocId, f32>> = None;
        for term in &terms {
            let mut hits: HashMap<DocId, f32> = HashMap::new();
            let mut add = |postings: &HashMap<DocId, f32>, factor: f32| {
                for (&id, &w) in postings {
                    let s = hits.entry(id).or_insert(0.0);
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
            scores = Some(match scores {
                None => hits,
                Some(prev) => prev
                    .into_iter()
                    .filter_map(|(id, s)| hits.get(&id).map(|h| (id, s + h)))
                    .collect(),
            });
        }
        let mut scores = scores.unwrap_or_default();
        let lowered = text.to_lowercase();
        for (id, score) in scores.iter_mut() {
            if self.entry(*id).is_some_and(|e| e.exact.contains(&lowered)) {
                *score += EXACT;
            }
        }
        scores
    }
}

impl SearchIndex for MemoryIndex {
    fn replace_all(&self, docs: Vec<Document>) {
        let mut fresh = Inner::default();
        for doc in docs {
            fresh.upsert(doc);
        }
        *self.inner.write().expect("search index lock") = fresh;
    }

    fn upsert(&self, doc: Document) {
        self.inner.write().expect("search index lock").upsert(doc);
    }

    fn remove(&self, name: &str) {
        let mut inner = self.inner.write().expect("search index lock");
        if let Some(id) = inner.ids.get(name).copied() {
            inner.unpost(id);
        }
    }

    fn search(&self, query: &Query) -> Hits {
        let inner = self.inner.read().expect("search index lock");
        let mut found: Vec<(&Document, f32)> = inner
            .matches(&query.text)
            .into_iter()
            .filter_map(|(id, score)| inner.entry(id).map(|e| (&e.doc, score)))
            .filter(|(d, _)| query.category.as_ref().is_none_or(|c| d.category == *c))
            .filter(|(d, _)| query.tag.as_ref().is_none_or(|t| d.tags.contains(t)))
            .collect();
        let mut hits = Hits {
            total: found.len(),
            ..Hits::default()
        };
        for (d, _) in &found {
            *hits.categories.entry(d.category.clone()).or_default() += 1;
            for t in &d.tags {
                *hits.tags.entry(t.clone()).or_default() += 1;
            }
        }
        found.sort_by(|(a, sa), (b, sb)| {
            sb.total_cmp(sa)
                .then_with(|| b.updated_at.cmp(&a.updated_at))
                .then_with(|| a.name.cmp(&b.name))
        });
        hits.items = found
            .into_iter()
            .skip(query.offset)
            .take(query.limit)
            .map(|(d, _)| d.clone())
            .collect();
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

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
        }
    }

    fn names(hits: &Hits) -> Vec<&str> {
        hits.items.iter().map(|d| d.name.as_str()).collect()
    }

    fn index() -> MemoryIndex {
        let i = MemoryIndex::new();
        i.replace_all(vec![
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
            names(&i.search(&q("warehouse"))),
            ["acme/warehouse", "acme/smart-warehouse", "huayun/mes"]
        );
        assert_eq!(names(&i.search(&q("ware"))).len(), 3);
        assert_eq!(
            names(&i.search(&q("rfid warehouse"))),
            ["acme/smart-warehouse"]
        );
        assert!(i.search(&q("nothing-like-this")).items.is_empty());
    }

    #[test]
    fn chinese_queries_match_bigrams() {
        let i = index();
        assert_eq!(names(&i.search(&q("仓储"))), ["acme/smart-warehouse"]);
        assert_eq!(names(&i.search(&q("物流"))), ["acme/smart-warehouse"]);
        assert!(i.search(&q("仓库")).items.is_empty());
    }

    #[test]
    fn browse_filters_facets_paging_and_updates() {
        let i = index();
        let all = i.search(&q(""));
        assert_eq!(
            names(&all),
            ["acme/smart-warehouse", "huayun/mes", "acme/warehouse"]
        );
        assert_eq!(all.categories["logistics"], 2);
        assert_eq!(all.tags["rfid"], 1);
        let mut page = q("");
        page.offset = 1;
        page.limit = 1;
        let p = i.search(&page);
        assert_eq!((names(&p), p.total), (vec!["huayun/mes"], 3));
        let mut f = q("warehouse");
        f.category = Some("logistics".into());
        f.tag = Some("wms".into());
        assert_eq!(names(&i.search(&f)), ["acme/warehouse"]);

        i.upsert(doc("acme/warehouse", "Depot", "renamed", &[], "other", 9));
        assert_eq!(names(&i.search(&q("plain"))), Vec::<&str>::new());
        assert_eq!(names(&i.search(&q("depot"))), ["acme/warehouse"]);
        i.remove("acme/warehouse");
        assert!(i.search(&q("depot")).items.is_empty());
        assert_eq!(i.search(&q("")).total, 2);
    }
}
