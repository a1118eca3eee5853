//! Tokenisation for search: lowercase words split on anything that is not a
//! letter or digit, and character bigrams (plus single characters) for CJK text,
//! which has no spaces between words: `智慧仓储` indexes `智慧`, `慧仓`, `仓储`, so
//! the query `仓储` finds it.

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
}
