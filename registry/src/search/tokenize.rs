//! Tokenisation for search: lowercase words split on anything that is not a
//! letter or digit, and character bigrams (plus single characters) for CJK text,
//! which has no spaces between words: `智慧仓储` indexes `智慧`, `慧仓`, `仓储`, so
//! the query `仓储` finds it.
//!
//! [`CjkMode::Jieba`] cuts CJK runs into dictionary words instead (jieba's
//! search mode, for documents and queries alike). It is kept to be measured
//! against the bigrams (`relevance.rs`, `search-bench --cjk jieba`); the
//! bigrams stay the default (see `bench/README.md` for the figures).

use std::sync::LazyLock;

/// How CJK runs become tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CjkMode {
    /// Every character and every pair of neighbouring characters.
    #[default]
    Bigrams,
    /// The words of jieba's `cut_for_search` (a word and the dictionary words
    /// inside it), from its compiled-in dictionary.
    Jieba,
}

impl CjkMode {
    /// `bigrams` or `jieba`.
    pub fn parse(s: &str) -> Option<CjkMode> {
        match s {
            "bigrams" => Some(CjkMode::Bigrams),
            "jieba" => Some(CjkMode::Jieba),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CjkMode::Bigrams => "bigrams",
            CjkMode::Jieba => "jieba",
        }
    }

    /// Load what the mode needs (jieba's dictionary) now rather than on first
    /// use.
    pub fn warm_up(self) {
        if self == CjkMode::Jieba {
            LazyLock::force(&JIEBA);
        }
    }

    /// The tokens of a document's text.
    pub fn index_tokens(self, text: &str) -> Vec<String> {
        match self {
            CjkMode::Bigrams => index_tokens(text),
            CjkMode::Jieba => jieba_index_tokens(text),
        }
    }

    /// The terms of a query.
    pub fn query_terms(self, text: &str) -> Vec<Term> {
        match self {
            CjkMode::Bigrams => query_terms(text),
            CjkMode::Jieba => jieba_query_terms(text),
        }
    }
}

/// Loaded on first use: decompressing and parsing the dictionary takes a while.
static JIEBA: LazyLock<jieba_rs::Jieba> = LazyLock::new(jieba_rs::Jieba::new);

/// Is `c` a CJK ideograph, kana or hangul syllable?
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}'      // hiragana, katakana
        | '\u{3400}'..='\u{4DBF}'    // CJK extension A
        | '\u{4E00}'..='\u{9FFF}'    // CJK unified ideographs
        | '\u{AC00}'..='\u{D7AF}'    // hangul syllables
        | '\u{F900}'..='\u{FAFF}'    // CJK compatibility ideographs
        | '\u{20000}'..='\u{2FA1F}') // CJK extensions B and later
}

#[derive(Debug, PartialEq)]
enum Segment {
    Word(String),
    Cjk(Vec<char>),
}

fn segments(text: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut cjk = Vec::new();
    for c in text.chars() {
        if is_cjk(c) {
            if !word.is_empty() {
                out.push(Segment::Word(std::mem::take(&mut word)));
            }
            cjk.push(c);
        } else if c.is_alphanumeric() {
            if !cjk.is_empty() {
                out.push(Segment::Cjk(std::mem::take(&mut cjk)));
            }
            word.extend(c.to_lowercase());
        } else {
            if !word.is_empty() {
                out.push(Segment::Word(std::mem::take(&mut word)));
            }
            if !cjk.is_empty() {
                out.push(Segment::Cjk(std::mem::take(&mut cjk)));
            }
        }
    }
    if !word.is_empty() {
        out.push(Segment::Word(word));
    }
    if !cjk.is_empty() {
        out.push(Segment::Cjk(cjk));
    }
    out
}

fn bigrams(run: &[char]) -> impl Iterator<Item = String> + '_ {
    run.windows(2).map(|w| w.iter().collect())
}

/// The tokens of a document's text: words, and for CJK runs every character
/// and every pair of neighbouring characters.
pub fn index_tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for seg in segments(text) {
        match seg {
            Segment::Word(w) => out.push(w),
            Segment::Cjk(run) => {
                out.extend(run.iter().map(|c| c.to_string()));
                out.extend(bigrams(&run));
            }
        }
    }
    out
}

/// One term of a query; every term that is not optional must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub token: String,
    /// Match any token that starts with `token` (the word being typed).
    pub prefix: bool,
    /// Only adds to the score: a bigram that straddles two words of a CJK run.
    pub optional: bool,
}

/// The bigrams of a CJK query run: the ones that tile it (`数据`, `采集` of
/// `数据采集`, plus the last pair when the length is odd) are required; the
/// ones in between (`据采`) are optional and reward text where the words are
/// adjacent. Requiring every bigram would miss `数据的采集`; requiring none
/// would match every text that has the characters anywhere.
fn query_bigrams(run: &[char]) -> impl Iterator<Item = Term> + '_ {
    let n = run.len();
    run.windows(2).enumerate().map(move |(i, w)| Term {
        token: w.iter().collect(),
        prefix: false,
        optional: i % 2 == 1 && !(n % 2 == 1 && i == n - 2),
    })
}

/// The terms of a query: words, and for CJK runs their bigrams (a single CJK
/// character stays as it is). The last word is a prefix unless the query ends
/// with a separator, so `ware` finds `warehouse` as it is typed.
pub fn query_terms(text: &str) -> Vec<Term> {
    let mut out = Vec::new();
    let segs = segments(text);
    let ends_in_word = text
        .chars()
        .last()
        .is_some_and(|c| c.is_alphanumeric() && !is_cjk(c));
    let last = segs.len().saturating_sub(1);
    for (i, seg) in segs.into_iter().enumerate() {
        match seg {
            Segment::Word(w) => out.push(Term {
                token: w,
                prefix: i == last && ends_in_word,
                optional: false,
            }),
            Segment::Cjk(run) if run.len() == 1 => out.push(Term {
                token: run[0].to_string(),
                prefix: false,
                optional: false,
            }),
            Segment::Cjk(run) => out.extend(query_bigrams(&run)),
        }
    }
    out.dedup();
    out
}

/// `(word, start, end)` of jieba's search-mode cut of a CJK run, in characters.
fn jieba_words(run: &[char]) -> Vec<(String, usize, usize)> {
    let sentence: String = run.iter().collect();
    JIEBA
        .cut_for_search(&sentence, true)
        .into_iter()
        .map(|t| (t.word.to_string(), t.start, t.end))
        .collect()
}

fn jieba_index_tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for seg in segments(text) {
        match seg {
            Segment::Word(w) => out.push(w),
            Segment::Cjk(run) => out.extend(jieba_words(&run).into_iter().map(|(w, ..)| w)),
        }
    }
    out
}

/// The terms of a query, CJK runs cut by jieba: a compound whose every
/// character lies in a shorter word of the cut (`中国科学院` after `中国`,
/// `科学`, `学院`) is optional, as the text may cut it otherwise; the rest is
/// required. The last word is a prefix unless the query ends with a separator,
/// a CJK word too (`物联` finds `物联网`).
fn jieba_query_terms(text: &str) -> Vec<Term> {
    let mut out: Vec<Term> = Vec::new();
    for seg in segments(text) {
        match seg {
            Segment::Word(w) => out.push(Term {
                token: w,
                prefix: false,
                optional: false,
            }),
            Segment::Cjk(run) => {
                let words = jieba_words(&run);
                for (w, s, e) in &words {
                    let covered = (*s..*e).all(|i| {
                        words
                            .iter()
                            .any(|(_, s2, e2)| e2 - s2 < e - s && *s2 <= i && i < *e2)
                    });
                    out.push(Term {
                        token: w.clone(),
                        prefix: false,
                        optional: covered,
                    });
                }
            }
        }
    }
    if text.chars().last().is_some_and(char::is_alphanumeric) {
        if let Some(last) = out.last_mut() {
            last.prefix = true;
        }
    }
    // The same word twice counts once; required if it is required anywhere.
    let mut unique: Vec<Term> = Vec::with_capacity(out.len());
    for t in out {
        match unique.iter_mut().find(|u| u.token == t.token) {
            Some(u) => {
                u.optional &= t.optional;
                u.prefix |= t.prefix;
            }
            None => unique.push(t),
        }
    }
    unique
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lowercased_and_split_on_non_alphanumerics() {
        assert_eq!(
            index_tokens("Smart-Warehouse: RFID/MQTT v2.0"),
            ["smart", "warehouse", "rfid", "mqtt", "v2", "0"]
        );
    }

    #[test]
    fn cjk_runs_give_characters_and_bigrams() {
        assert_eq!(
            index_tokens("智慧仓储 WMS"),
            ["智", "慧", "仓", "储", "智慧", "慧仓", "仓储", "wms"]
        );
    }

    #[test]
    fn query_terms_prefix_the_last_word_only() {
        let t = |s: &str, p: bool| Term {
            token: s.into(),
            prefix: p,
            optional: false,
        };
        let opt = |s: &str| Term {
            token: s.into(),
            prefix: false,
            optional: true,
        };
        assert_eq!(
            query_terms("cold ware"),
            [t("cold", false), t("ware", true)]
        );
        assert_eq!(
            query_terms("cold ware "),
            [t("cold", false), t("ware", false)]
        );
        assert_eq!(query_terms("仓储"), [t("仓储", false)]);
        assert_eq!(query_terms("仓"), [t("仓", false)]);
        assert_eq!(
            query_terms("智慧仓储"),
            [t("智慧", false), opt("慧仓"), t("仓储", false)]
        );
        assert_eq!(
            query_terms("工业网关"),
            [t("工业", false), opt("业网"), t("网关", false)]
        );
        assert_eq!(
            query_terms("智能仓储库"),
            [
                t("智能", false),
                opt("能仓"),
                t("仓储", false),
                t("储库", false)
            ]
        );
        assert!(query_terms("  !! ").is_empty());
    }

    #[test]
    fn jieba_cuts_words_from_its_compiled_in_dictionary() {
        let j = CjkMode::Jieba;
        assert_eq!(j.index_tokens("智慧仓储 WMS"), ["智慧", "仓储", "wms"]);
        let terms = j.query_terms("统一身份认证");
        assert!(terms.iter().any(|t| t.token == "身份" && !t.optional));
        assert!(terms.last().unwrap().prefix);
        assert!(!j.query_terms("cold ware ")[1].prefix);
        assert!(j.query_terms("cold ware")[1].prefix);
    }
}
