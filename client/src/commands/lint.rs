//! `souk lint`: validate a template folder (or package) and list every problem.

use super::{load, ExitStatus};
use crate::cli::LintArgs;
use crate::error::Error;
use crate::output::{count, problem_line, Printer};
use souk_schema::categories::DEFAULT_CATEGORIES;

/// Problems are the command's data, so they go to stdout (text lines, or a JSON
/// list); the summary goes to stderr. Any other failure (no folder, no
/// `souk.yaml`, an unreadable package) is an [`Error`].
pub fn lint(args: &LintArgs, printer: &Printer) -> Result<ExitStatus, Error> {
    let path = &args.path;
    match load(path) {
        Ok(local) => {
            let category = &local.package.template.manifest().category;
            if !DEFAULT_CATEGORIES.iter().any(|c| c.slug == category) {
                printer.warning(&format!(
                    "category `{category}` is not one of the categories a registry starts with; publishing fails unless the registry's administrator added it"
                ));
            }
            if printer.is_json() {
                printer.json(&serde_json::json!([]))?;
            }
            printer.status(&format!(
                "`{}` is valid: `{}`, {}",
                path.display(),
                local.id(),
                count(local.package.files.len(), "file"),
            ));
            Ok(ExitStatus::Success)
        }
        Err(Error::Template {
            error: souk_schema::Error::Invalid(problems),
            ..
        }) => {
            if printer.is_json() {
                printer.json(&problems.0)?;
            } else {
                for problem in problems.iter() {
                    printer.data(&problem_line(problem, printer.stdout_color()))?;
                }
            }
            printer.status(&format!(
                "found {} in `{}`",
                count(problems.len(), "problem"),
                path.display()
            ));
            Ok(ExitStatus::Failure)
        }
        Err(e) => Err(e),
    }
}
