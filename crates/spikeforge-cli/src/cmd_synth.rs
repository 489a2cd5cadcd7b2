//! `spikeforge synth <design> --target ice40-hx8k|ice40-up5k`: builds the design exactly
//! as `spikeforge build` does, runs yosys and nextpnr-ice40 on it (spikeforge-synth) and
//! prints what it uses of the device and its Fmax, as a table or JSON. Exits 1 when a
//! tool is missing or fails, or when the design does not fit.

use std::path::{Path, PathBuf};

use spikeforge_pnr::Options;
use spikeforge_synth::Report;

use crate::build::write_atomically;
use crate::cmd_build::build_loaded;
use crate::cmd_sim::TempDir;
use crate::report;

pub struct SynthArgs {
    pub design: PathBuf,
    pub target: spikeforge_synth::Target,
    pub json: bool,
    pub out: Option<PathBuf>,
    pub freq_mhz: u32,
    pub seed: u64,
    pub pnr: Options,
}

/// Returns whether the design was synthesised and fits.
pub fn run(args: &SynthArgs) -> bool {
    if let Err(e) = spikeforge_synth::require_tools() {
        eprintln!("error: {e}");
        return false;
    }
    let Some(loaded) = report::load(&args.design) else {
        return false;
    };
    let Some((_, emitted)) = build_loaded(&loaded, &args.design, &args.pnr) else {
        return false;
    };
    let dir = match TempDir::with_files(&emitted.files) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: cannot write a temporary build folder: {e}");
            return false;
        }
    };
    let files: Vec<String> = emitted
        .file("files.f")
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    let opts = spikeforge_synth::Options {
        target: args.target,
        freq_mhz: args.freq_mhz,
        seed: args.seed,
    };
    let result = spikeforge_synth::run(dir.path(), &emitted.top, &files, &opts);
    // The build, netlist, reports and logs, kept whatever happened (the logs explain
    // a failure); the folder is replaced whole.
    if let Some(out) = &args.out {
        if let Err(e) = keep(dir.path(), out) {
            eprintln!("error: cannot write `{}`: {e}", out.display());
            return false;
        }
    }
    let shown = args.design.display();
    match result {
        Ok(r) => {
            if args.json {
                print!("{}", r.to_json());
            } else {
                print!("{shown}: {}", r.table());
            }
            if !r.fits {
                eprintln!("{}", not_fitting(&shown.to_string(), &r));
            }
            r.fits
        }
        Err(e) => {
            eprintln!("error: {shown}: {e}");
            false
        }
    }
}

/// "error: designs/big.toml does not fit ice40-up5k: LUT4: 9,455 needed, 5,280 on ..."
fn not_fitting(design: &str, r: &Report) -> String {
    let what: Vec<String> = r.overflow.iter().map(|o| o.describe(r.target)).collect();
    format!(
        "error: {design} does not fit {}: {}",
        r.target,
        what.join("; ")
    )
}

/// Copies every file of the synthesis folder into `out`, atomically.
fn keep(dir: &Path, out: &Path) -> std::io::Result<()> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        if e.file_type()?.is_file() {
            let name = e.file_name().to_string_lossy().into_owned();
            let text = String::from_utf8_lossy(&std::fs::read(e.path())?).into_owned();
            files.push((name, text));
        }
    }
    files.sort();
    write_atomically(out, &files)
}
