//! Vendor markdown (README, changelog) to HTML that is safe to embed.
//!
//! pulldown-cmark renders; ammonia then keeps only a whitelist of tags,
//! attributes and URL schemes: no `<script>`, no event handlers (`onerror=`),
//! no `javascript:` or `data:` links, no `style`. Raw HTML in the markdown goes
//! through the same filter, so a README cannot run anything in a visitor's
//! browser.

use pulldown_cmark::{html, Options, Parser};

/// Render `markdown` to sanitised HTML.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn markdown_renders_tables_and_code() {
        let html = render("# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n`code`");
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<code>code</code>"), "{html}");
    }

    #[test]
    fn scripts_handlers_and_javascript_links_are_removed() {
        let html = render(
            "<script>alert(1)</script>\n\n<img src=x onerror=\"alert(2)\">\n\n\
             [click](javascript:alert(3))\n\n<a href=\"javascript:alert(4)\">a</a>\n\n\
             <iframe src=\"https://evil.example\"></iframe><p style=\"color:red\" onclick=\"x()\">p</p>\n\n\
             [data](data:text/html;base64,PHNjcmlwdD4=)",
        );
        for bad in [
            "<script",
            "onerror",
            "javascript:",
            "<iframe",
            "onclick",
            "style=",
            "data:",
        ] {
            assert!(!html.contains(bad), "`{bad}` survived: {html}");
        }
        assert!(html.contains("<img src=\"x\">"), "{html}");
    }
}
