//! `souk schema`: print the JSON Schema of template format v1.

use super::ExitStatus;
use crate::error::Error;
use crate::output::Printer;

/// The schema is JSON in both output formats.
pub fn schema(printer: &Printer) -> Result<ExitStatus, Error> {
    printer.json(&souk_schema::schema::template_v1())?;
    Ok(ExitStatus::Success)
}
