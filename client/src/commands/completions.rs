//! `souk completions SHELL`: the shell's completion script, generated from
//! the same clap definition as the command line itself.

use super::ExitStatus;
use crate::cli::{Cli, CompletionShell};
use crate::error::Error;
use crate::output::Printer;
use clap::CommandFactory;
use clap_complete::Shell;

pub fn completions(shell: CompletionShell, printer: &Printer) -> Result<ExitStatus, Error> {
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
        CompletionShell::Powershell => Shell::PowerShell,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "souk", &mut script);
    printer.data(String::from_utf8_lossy(&script).trim_end())?;
    Ok(ExitStatus::Success)
}
