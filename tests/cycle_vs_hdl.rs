//! The cycle-accurate simulator against Icarus Verilog on the emitted RTL of every
//! shipped design: the same output raster and the same number of cycles, with seeded
//! output backpressure; and both against the functional model.

use std::path::PathBuf;

use spikeforge::sim::{cycle, hdl, run_functional, stimulus};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn cycle_simulator_matches_icarus_cycle_counts() {
    let mut designs: Vec<_> = std::fs::read_dir(root().join("designs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    designs.sort();
    let mut failures = Vec::new();
    for (k, design) in designs.iter().enumerate() {
        let name = design.file_stem().unwrap().to_string_lossy().to_string();
        let circuit = spikeforge::frontend::load_design(design).result.unwrap();
        let plan = spikeforge::pnr::place_and_route(&circuit, &Default::default())
            .unwrap()
            .plan;
        let emitted = spikeforge::rtl::emit(&plan, "test").unwrap();
        let dir = std::env::temp_dir().join(format!("sf-cycle-{}-{name}", std::process::id()));
        spikeforge::cli::build::write_atomically(&dir, &emitted.files).unwrap();
        let ticks = 16;
        let stim = stimulus::bernoulli(&circuit, 0.5, ticks, 11 + k as u64);
        let golden = run_functional(&circuit, &stim, ticks);
        let drive = cycle::Drive {
            seed: 5 + k as u32,
            ready_pct: 55,
            ..Default::default()
        };
        let sim = cycle::run(&plan, &stim, ticks, drive, false).unwrap();
        let (icarus, icarus_cycles) = hdl::run_icarus(
            &dir,
            &stim,
            ticks,
            hdl::Drive {
                seed: drive.seed,
                ready_pct: drive.ready_pct,
            },
        )
        .unwrap();
        if sim.raster != golden {
            failures.push(format!(
                "{name}: cycle raster differs from the functional model"
            ));
        }
        if icarus != golden {
            failures.push(format!(
                "{name}: icarus raster differs from the functional model"
            ));
        }
        if sim.cycles != icarus_cycles {
            failures.push(format!(
                "{name}: {} cycles in the simulator, {icarus_cycles} in Icarus",
                sim.cycles
            ));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
