//! The `spikeforge` command line. This file only parses flags and dispatches to one
//! `cmd_*.rs` per subcommand; the work lives in the libraries. Every user error, a bad
//! flag included, exits with code 1 and a readable message. The binary itself is the
//! root package's `src/main.rs`, which calls [`main`].

pub mod build;
mod cmd_bench;
mod cmd_build;
mod cmd_check;
mod cmd_place;
mod cmd_run;
mod cmd_sim;
mod cmd_stimulus;
mod cmd_synth;
pub mod cmd_verify;
mod interrupt;
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
    /// The main job: builds a design's hardware and classifies its [workload] on the
    /// cycle-accurate simulator, image by image.
    ///
    /// Reports accuracy (and the float network's), cycles and latency per image, spikes,
    /// synaptic operations and mesh traffic; every image is checked against the
    /// functional model. Writes the build, the waveform of image 0 (image0.vcd),
    /// results.csv and run.json into --out. Without a design, runs the bundled digit
    /// classifier (designs/digits.toml).
    Run(cmd_run::RunArgs),
    /// Reads a design and reports every error and warning in it.
    ///
    /// Exits 0 when the design is valid (warnings allowed) and 1 when it has errors.
    Check {
        /// The design file (TOML).
        design: PathBuf,
    },
    /// Partitions a design into tiles, places them on the mesh and routes the spikes.
    ///
    /// Prints the figures of merit (a table, or JSON with --json); with --out, writes
    /// plan.json and mesh.svg there.
    Place {
        /// The design file (TOML).
        design: PathBuf,
        /// seq (sequential fill), random, or anneal (the default optimiser).
        #[arg(long, default_value = "anneal", value_parser = ["seq", "random", "anneal"])]
        placer: String,
        /// xy (dimension order) or congestion (the default).
        #[arg(long, default_value = "congestion", value_parser = ["xy", "congestion"])]
        router: String,
        /// Seed of the randomised placers.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Folder to write plan.json and mesh.svg into.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Builds the hardware of a design: Verilog, memory images, plan and manifest.
    ///
    /// Writes <out>/<design>_{top,tile,router}.v, files.f (compile order), the tiles'
    /// $readmemh images, channels.hex, plan.json, manifest.json (ports, widths, memory
    /// map) and mesh.svg. The folder is replaced whole, atomically: on any error it is
    /// left as it was.
    Build {
        /// The design file (TOML).
        design: PathBuf,
        /// The folder to write.
        #[arg(long)]
        out: PathBuf,
        /// seq (sequential fill), random, or anneal (the default optimiser).
        #[arg(long, default_value = "anneal", value_parser = ["seq", "random", "anneal"])]
        placer: String,
        /// xy (dimension order) or congestion (the default).
        #[arg(long, default_value = "congestion", value_parser = ["xy", "congestion"])]
        router: String,
        /// Seed of the randomised placers.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Writes a seeded Bernoulli stimulus raster for a design.
    ///
    /// Every channel of every input spikes in every tick with probability --rate. The
    /// file (CSV: tick,port,index) is written atomically.
    Stimulus {
        /// The design file (TOML).
        design: PathBuf,
        /// Probability that a channel spikes in a tick, 0 to 1.
        #[arg(long, allow_negative_numbers = true)]
        rate: f64,
        /// Ticks to generate (at least 1).
        #[arg(long)]
        ticks: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The raster file to write.
        #[arg(long)]
        out: PathBuf,
        /// Print nothing but errors.
        #[arg(long)]
        quiet: bool,
    },
    /// Runs a design on a stimulus with one engine and writes the output raster.
    ///
    /// Engines: functional (the golden model), cycle (the cycle-accurate simulator of
    /// the generated hardware), verilator and icarus (the emitted RTL, built into a
    /// temporary folder). --vcd writes the top's port trace as a waveform.
    Sim {
        /// The design file (TOML).
        design: PathBuf,
        /// The stimulus raster (CSV: tick,port,index).
        #[arg(long)]
        stimulus: PathBuf,
        /// Ticks to run.
        #[arg(long)]
        ticks: u64,
        /// functional, cycle, verilator or icarus.
        #[arg(long, default_value = "functional", value_parser = ["functional", "cycle", "verilator", "icarus"])]
        engine: String,
        /// The output raster file to write.
        #[arg(long)]
        out: PathBuf,
        /// Also write the port trace as VCD (cycle, verilator and icarus).
        #[arg(long)]
        vcd: Option<PathBuf>,
        /// Seed of the host's output backpressure (hardware engines).
        #[arg(long, default_value_t = 1)]
        seed: u32,
        /// Percentage of cycles in which the host takes output spikes, 1 to 100.
        #[arg(long, default_value_t = 100)]
        ready_pct: u32,
        /// No progress display and no summary line.
        #[arg(long)]
        quiet: bool,
    },
    /// Runs several engines on a stimulus and checks that they agree.
    ///
    /// Compares the output rasters of every engine and the per-cycle port traces and
    /// cycle counts of cycle, verilator and icarus; names the first divergence. Exits 0
    /// only when all agree.
    Verify {
        /// The design file (TOML).
        design: PathBuf,
        /// The stimulus raster (CSV: tick,port,index).
        #[arg(long)]
        stimulus: PathBuf,
        /// Ticks to run.
        #[arg(long)]
        ticks: u64,
        /// Comma-separated engines; the first is the reference [default: all four].
        #[arg(long)]
        engines: Option<String>,
        /// Seed of the host's output backpressure (hardware engines).
        #[arg(long, default_value_t = 1)]
        seed: u32,
        /// Percentage of cycles in which the host takes output spikes, 1 to 100.
        #[arg(long, default_value_t = 100)]
        ready_pct: u32,
        /// No progress display and no table.
        #[arg(long)]
        quiet: bool,
    },
    /// Synthesises a design for an iCE40 FPGA with yosys and nextpnr-ice40.
    ///
    /// Builds the design exactly as `build` does, runs `synth_ice40` and nextpnr-ice40,
    /// and prints the LUT4s, flip-flops, block RAMs and I/O pins it uses against the
    /// device's, and the Fmax nextpnr reports (a table, or JSON with --json). Exits 1
    /// when a tool is missing or fails, or when the design does not fit (naming what
    /// overflowed).
    Synth {
        /// The design file (TOML).
        design: PathBuf,
        /// ice40-hx8k (CT256 package) or ice40-up5k (SG48).
        #[arg(long, default_value = "ice40-hx8k", value_parser = ["ice40-hx8k", "ice40-up5k"])]
        target: String,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Folder to keep the build, the netlist, the reports and the tool logs in
        /// (replaced whole) [default: a temporary folder, removed afterwards].
        #[arg(long)]
        out: Option<PathBuf>,
        /// The clock frequency nextpnr aims for, in MHz.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
        freq: u32,
        /// nextpnr's placer seed (a seed gives the same result on every run).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// spikeforge's placer: seq (sequential fill), random, or anneal.
        #[arg(long, default_value = "anneal", value_parser = ["seq", "random", "anneal"])]
        placer: String,
        /// spikeforge's router: xy (dimension order) or congestion.
        #[arg(long, default_value = "congestion", value_parser = ["xy", "congestion"])]
        router: String,
        /// Seed of spikeforge's randomised placers.
        #[arg(long, default_value_t = 1)]
        place_seed: u64,
    },
    /// Writes a synthetic design (ff-deep, ff-wide, recurrent, random, conv) as TOML.
    Gen {
        /// ff-deep, ff-wide, recurrent, random or conv.
        kind: String,
        /// Neurons over all populations.
        #[arg(long, default_value_t = 1000)]
        neurons: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The design file to write; large weight matrices go to CSV files beside it.
        #[arg(long)]
        out: PathBuf,
    },
    /// Measures spikeforge beside the tools it replaces (docs/benchmarks.md).
    ///
    /// Cycle simulator vs Verilator (1, 5, 20% input activity), functional model vs
    /// Brian2 (C++ standalone, one thread; needs `pip install -r bench/requirements.txt`)
    /// and the compile flow at 1k to 1M neurons. Every comparison checks that both
    /// sides computed the same thing; exits 1 if not. Run from the repository's root.
    Bench(cmd_bench::BenchArgs),
    /// One size of the bench's compile flow, in its own process (internal).
    #[command(name = "__bench-compile", hide = true)]
    BenchCompile { neurons: usize },
}

/// Rust ignores SIGPIPE, so printing into a closed pipe (`spikeforge check x | head`)
/// would panic; restore the default action so the process ends quietly, as Unix tools do.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to the default is async-signal-safe and
    // done once, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Runs the command line on the process's arguments.
pub fn main() -> ExitCode {
    restore_sigpipe();
    interrupt::install();
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
        Command::Bench(args) => cmd_bench::run(&args),
        Command::BenchCompile { neurons } => cmd_bench::compile_child(neurons),
        Command::Check { design } => cmd_check::run(&design),
        Command::Run(args) => cmd_run::run(&args),
        Command::Place {
            design,
            placer,
            router,
            seed,
            json,
            out,
        } => cmd_place::run(&cmd_place::PlaceArgs {
            design,
            placer: spikeforge_pnr::Placer::parse(&placer)
                .unwrap_or(spikeforge_pnr::Placer::Anneal),
            router: spikeforge_pnr::RouterKind::parse(&router)
                .unwrap_or(spikeforge_pnr::RouterKind::Congestion),
            seed,
            json,
            out,
        }),
        Command::Build {
            design,
            out,
            placer,
            router,
            seed,
        } => cmd_build::run(
            &design,
            &out,
            &spikeforge_pnr::Options {
                placer: spikeforge_pnr::Placer::parse(&placer)
                    .unwrap_or(spikeforge_pnr::Placer::Anneal),
                router: spikeforge_pnr::RouterKind::parse(&router)
                    .unwrap_or(spikeforge_pnr::RouterKind::Congestion),
                seed,
                ..Default::default()
            },
        ),
        Command::Synth {
            design,
            target,
            json,
            out,
            freq,
            seed,
            placer,
            router,
            place_seed,
        } => cmd_synth::run(&cmd_synth::SynthArgs {
            design,
            target: spikeforge_synth::Target::parse(&target)
                .unwrap_or(spikeforge_synth::Target::Hx8k),
            json,
            out,
            freq_mhz: freq,
            seed,
            pnr: spikeforge_pnr::Options {
                placer: spikeforge_pnr::Placer::parse(&placer)
                    .unwrap_or(spikeforge_pnr::Placer::Anneal),
                router: spikeforge_pnr::RouterKind::parse(&router)
                    .unwrap_or(spikeforge_pnr::RouterKind::Congestion),
                seed: place_seed,
                ..Default::default()
            },
        }),
        Command::Gen {
            kind,
            neurons,
            seed,
            out,
        } => cmd_place::gen(&kind, neurons, seed, &out),
        Command::Stimulus {
            design,
            rate,
            ticks,
            seed,
            out,
            quiet,
        } => cmd_stimulus::run(&design, rate, ticks, seed, &out, quiet),
        Command::Sim {
            design,
            stimulus,
            ticks,
            engine,
            out,
            vcd,
            seed,
            ready_pct,
            quiet,
        } => cmd_sim::run(&cmd_sim::SimArgs {
            design,
            stimulus,
            ticks,
            engine,
            out,
            vcd,
            seed,
            ready_pct,
            quiet,
        }),
        Command::Verify {
            design,
            stimulus,
            ticks,
            engines,
            seed,
            ready_pct,
            quiet,
        } => cmd_verify::run(&cmd_verify::VerifyArgs {
            design,
            stimulus,
            ticks,
            engines,
            seed,
            ready_pct,
            quiet,
        }),
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
