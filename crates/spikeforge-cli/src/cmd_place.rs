//! `spikeforge place <design>`: partition, place and route a design and report the
//! result (a table, or JSON with `--json`); with `--out DIR`, also write the plan
//! (`plan.json`) and the mesh picture (`mesh.svg`). `spikeforge gen` writes a synthetic
//! design for benchmarks and tests.

use std::path::{Path, PathBuf};

use spikeforge_frontend::load_design;
use spikeforge_pnr::generator::{generate, write_toml, Kind, Spec};
use spikeforge_pnr::report::measure;
use spikeforge_pnr::{place_and_route, svg, verify, Options, Placer, RouterKind};

use crate::report;

/// Flags of `place`.
pub struct PlaceArgs {
    pub design: PathBuf,
    pub placer: Placer,
    pub router: RouterKind,
    pub seed: u64,
    pub json: bool,
    pub out: Option<PathBuf>,
}

/// Returns whether the design was placed and routed.
pub fn run(args: &PlaceArgs) -> bool {
    let loaded = load_design(&args.design);
    let shown = args.design.display();
    let circuit = match &loaded.result {
        Ok(c) => c,
        Err(diags) => {
            report::print(diags, loaded.source.as_ref());
            eprintln!(
                "{shown}: {}",
                report::counts(diags.error_count(), diags.warning_count())
            );
            return false;
        }
    };
    let opts = Options {
        placer: args.placer,
        router: args.router,
        seed: args.seed,
        ..Options::default()
    };
    let placed = match place_and_route(circuit, &opts) {
        Ok(p) => p,
        Err(diags) => {
            report::print(&diags, loaded.source.as_ref());
            eprintln!(
                "{shown}: {}",
                report::counts(diags.error_count(), diags.warning_count())
            );
            return false;
        }
    };
    let problems = verify::verify(&placed.plan);
    if !problems.is_empty() {
        // A bug in place and route, not a user error; say so plainly.
        for p in &problems {
            eprintln!("internal error: plan check failed: {p}");
        }
        return false;
    }
    let r = measure(&placed.plan, placed.runtime_ms);
    if args.json {
        print!("{}", r.to_json());
    } else {
        print!("{}", r.to_table(&placed.plan.hardware));
    }
    if let Some(dir) = &args.out {
        if let Err(e) = write_outputs(dir, &placed.plan) {
            eprintln!("cannot write to `{}`: {e}", dir.display());
            return false;
        }
    }
    true
}

fn write_outputs(dir: &Path, plan: &spikeforge_pnr::Plan) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("plan.json"), plan.to_json())?;
    std::fs::write(dir.join("mesh.svg"), svg::render(plan))
}

/// `spikeforge gen <kind> --neurons N --out design.toml [--seed S]`.
pub fn gen(kind: &str, neurons: usize, seed: u64, out: &Path) -> bool {
    let Some(kind) = Kind::parse(kind) else {
        let names: Vec<_> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        eprintln!(
            "unknown design kind `{kind}`; the kinds are: {}",
            names.join(", ")
        );
        return false;
    };
    let circuit = match generate(&Spec::new(kind, neurons, seed)) {
        Ok(c) => c,
        Err(d) => {
            report::print(&d, None);
            return false;
        }
    };
    match write_toml(&circuit, out) {
        Ok(()) => {
            println!("wrote `{}` ({})", out.display(), circuit.name());
            true
        }
        Err(e) => {
            eprintln!("cannot write `{}`: {e}", out.display());
            false
        }
    }
}
