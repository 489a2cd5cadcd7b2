//! The `spikeforge` command line. This file only parses flags and dispatches to one
//! `cmd_*.rs` per subcommand; the work lives in the libraries. Every user error, a bad
//! flag included, exits with code 1 and a readable message. The binary itself is the
//! root package's `src/main.rs`, which calls [`main`].

mod cmd_check;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "spikeforge",
    version,
    about = "Neuromorphic hardware from one description",
    propagate_version = true,
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Reads a design and reports every error and warning in it.
    ///
    /// Exits 0 when the design is valid (warnings allowed) and 1 when it has errors.
    Check {
        /// The design file (TOML).
        design: PathBuf,
    },
}

/// Runs the command line on the process's arguments.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version itself; everything else is a usage error.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let ok = match cli.command {
        Command::Check { design } => cmd_check::run(&design),
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
