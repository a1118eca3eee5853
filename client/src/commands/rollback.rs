//! `souk rollback`: apply an earlier revision again, as a new revision.

use super::release::{finish, open};
use super::ExitStatus;
use crate::agent::Access;
use crate::cli::RollbackArgs;
use crate::error::Error;
use crate::output::Printer;

pub async fn rollback(args: &RollbackArgs, printer: &Printer) -> Result<ExitStatus, Error> {
    let agent = open(&args.agent, printer, Access::Write).await?;
    let outcome = agent.rollback(&args.release, args.revision).await?;
    finish(&agent, &args.release, outcome, printer).await
}
