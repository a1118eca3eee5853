//! The `souk` binary: parse the command line, run the command, exit with its code
//! (0 success, 1 an explained failure, 2 bad usage; clap exits 2 on its own).

use clap::Parser;
use souk::cli::Cli;
use souk::commands::{self, ExitStatus};
use souk::output::Printer;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let printer = Printer::new(cli.global.output);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli, &printer)) {
        Ok(ExitStatus::Success) => ExitCode::SUCCESS,
        Ok(ExitStatus::Failure) => ExitCode::FAILURE,
        Err(err) => {
            printer.report(&err);
            match &err {
                souk::Error::Stdout(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(err.exit_code()),
            }
        }
    }
}
