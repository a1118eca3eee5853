//! Building query strings for links that can be bookmarked and shared.

/// `path?k=v&…` (`application/x-www-form-urlencoded`), leaving out empty values.
pub fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty()));
    match query.finish() {
        q if q.is_empty() => path.to_string(),
        q => format!("{path}?{q}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_encoded_and_empty_values_dropped() {
        assert_eq!(
            with_query(
                "/templates",
                &[("q", "智慧 仓储&x"), ("category", ""), ("page", "2")]
            ),
            "/templates?q=%E6%99%BA%E6%85%A7+%E4%BB%93%E5%82%A8%26x&page=2"
        );
        assert_eq!(with_query("/templates", &[("q", "")]), "/templates");
    }
}
