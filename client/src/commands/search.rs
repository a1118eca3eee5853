//! `souk search`: list the templates that match a query, a category, a tag.

use super::ExitStatus;
use crate::cli::SearchArgs;
use crate::error::Error;
use crate::output::{count, table, Printer};
use crate::registry::{RegistryClient, SearchQuery};
use souk_schema::wire::TemplateSummary;

/// Prints a table (name, latest version, category, title — summary) cut to the
/// terminal's width; with `--output json`, the registry's `{items, total, facets}`.
pub async fn search(
    args: &SearchArgs,
    client: &RegistryClient,
    printer: &Printer,
) -> Result<ExitStatus, Error> {
    let query = SearchQuery {
        q: args.query.as_deref().filter(|q| !q.trim().is_empty()),
        category: args.category.as_deref(),
        tag: args.tag.as_deref(),
        page: Some(args.page),
        per_page: Some(args.per_page),
    };
    let reply = client.search(&query).await?;
    if printer.is_json() {
        printer.json(&reply.json)?;
        return Ok(ExitStatus::Success);
    }
    let page = reply.data;
    if page.items.is_empty() {
        printer.status(&if page.total > 0 {
            format!(
                "no templates on page {} ({} in all)",
                args.page,
                count(page.total, "match")
            )
        } else {
            "no templates match".to_string()
        });
        return Ok(ExitStatus::Success);
    }
    let rows: Vec<Vec<String>> = page.items.iter().map(row).collect();
    for line in table(
        &["NAME", "VERSION", "CATEGORY", "TITLE"],
        &rows,
        printer.width(),
        printer.stdout_color(),
    ) {
        printer.data(&line)?;
    }
    let first = u64::from(args.page - 1) * u64::from(args.per_page) + 1;
    let last = first + page.items.len() as u64 - 1;
    printer.status(&format!(
        "{first}-{last} of {}",
        count(page.total, "template")
    ));
    if last < page.total as u64 {
        printer.hint(&format!("more with `--page {}`", args.page + 1));
    }
    Ok(ExitStatus::Success)
}

fn row(item: &TemplateSummary) -> Vec<String> {
    let title = item.title.trim();
    let summary = item.summary.trim();
    let text = match (title.is_empty(), summary.is_empty()) {
        (false, false) => format!("{title} — {summary}"),
        (false, true) => title.to_string(),
        _ => summary.to_string(),
    };
    vec![
        item.name.clone(),
        item.version.clone(),
        item.category.clone(),
        // A summary written over several lines still takes one row.
        text.split_whitespace().collect::<Vec<_>>().join(" "),
    ]
}
