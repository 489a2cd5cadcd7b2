//! The `spikeforge` binary; the command line lives in the `spikeforge-cli` crate.

fn main() -> std::process::ExitCode {
    spikeforge_cli::main()
}
