//! `spikeforge build <design> --out <dir>`: the Verilog of a design, its memory images,
//! `files.f`, `plan.json`, `manifest.json` and `mesh.svg`, written atomically.

use std::path::Path;

use spikeforge_frontend::Loaded;
use spikeforge_pnr::{Options, Plan};
use spikeforge_rtl::Emitted;

use crate::build::{build, write_atomically, BuildError};
use crate::report;

/// Returns whether the build was written.
pub fn run(design: &Path, out: &Path, opts: &Options) -> bool {
    let Some(loaded) = report::load(design) else {
        return false;
    };
    let shown = design.display();
    let Some((plan, emitted)) = build_loaded(&loaded, design, opts) else {
        return false;
    };
    if let Err(e) = write_atomically(out, &emitted.files) {
        eprintln!("error: cannot write `{}`: {e}", out.display());
        return false;
    }
    let verilog = emitted
        .files
        .iter()
        .filter(|(n, _)| n.ends_with(".v"))
        .count();
    println!(
        "{shown}: built `{}` ({} on a {}x{} mesh) into {}: {} files ({verilog} Verilog modules, files.f, plan.json, manifest.json, mesh.svg, memory images)",
        emitted.top,
        report::plural(plan.tiles.len(), "tile"),
        plan.mesh[0],
        plan.mesh[1],
        out.display(),
        emitted.files.len(),
    );
    true
}

/// Places, routes and emits a loaded design, printing what stops it (its diagnostics,
/// or an internal error); `None` then. Shared by `build`, `sim` and `verify`.
pub fn build_loaded(loaded: &Loaded, design: &Path, opts: &Options) -> Option<(Plan, Emitted)> {
    let shown = design.display();
    let Some(sha) = loaded.input_sha256(design) else {
        eprintln!("{shown}: a weight file changed or vanished while it was read; try again");
        return None;
    };
    let circuit = loaded.result.as_ref().ok()?;
    match build(circuit, &sha, opts) {
        Ok(b) => Some(b),
        Err(BuildError::Design(diags)) => {
            report::print(&diags, loaded.source.as_ref());
            eprintln!(
                "{shown}: {}",
                report::counts(diags.error_count(), diags.warning_count())
            );
            None
        }
        Err(BuildError::Internal(problems)) => {
            eprintln!("internal error: spikeforge produced an invalid build of {shown}; please report this bug:");
            for p in problems {
                eprintln!("  {p}");
            }
            None
        }
    }
}
