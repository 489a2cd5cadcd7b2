//! Cycle-accurate simulator vs Verilator on the same RTL, stimulus and cycles,
//! single-threaded each, measured side by side in one run (never a timed test):
//! `cargo bench --bench cycle_vs_verilator [-- <design.toml> <ticks>]`.
//!
//! For each input activity (1%, 5%, 20%) it checks that both produce the same output
//! raster and cycle count (and, on a shorter traced run, the same port trace), then
//! reports wall time per run, simulated cycles per second and the speed-up. Verilator's
//! build time is reported apart from its run time.

use std::time::Instant;

use spikeforge::sim::hdl::{self, Drive, Engine};
use spikeforge::sim::{cycle, stimulus};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let design = args.first().map_or("designs/layered.toml", String::as_str);
    let ticks: u64 = args.get(1).and_then(|t| t.parse().ok()).unwrap_or(2000);
    let circuit = spikeforge::frontend::load_design(design.as_ref())
        .result
        .expect("a valid design");
    let plan = spikeforge::pnr::place_and_route(&circuit, &Default::default())
        .expect("fits")
        .plan;
    let emitted = spikeforge::rtl::emit(&plan, "bench").expect("emits");
    let dir = std::env::temp_dir().join(format!("spikeforge-bench-{}", std::process::id()));
    spikeforge::cli::build::write_atomically(&dir, &emitted.files).expect("writes");

    let t0 = Instant::now();
    let verilator = hdl::compile(Engine::Verilator, &dir).expect("verilator builds");
    let build_secs = t0.elapsed().as_secs_f64();
    println!(
        "design {design}: {} tiles on a {}x{} mesh, {ticks} ticks",
        plan.tiles.len(),
        plan.mesh[0],
        plan.mesh[1]
    );
    println!(
        "verilator build: {build_secs:.1} s{}",
        if build_secs < 1.0 {
            " (cached model)"
        } else {
            ""
        }
    );
    println!(
        "{:>8} {:>10} {:>8} {:>12} {:>12} {:>10} {:>10} {:>8}",
        "activity",
        "cycles",
        "spikes",
        "cycle sim s",
        "verilator s",
        "cycle Mc/s",
        "veril Mc/s",
        "speedup"
    );
    for rate in [0.01, 0.05, 0.20] {
        let stim = stimulus::bernoulli(&circuit, rate, ticks, 42);
        let drive = Drive {
            seed: 7,
            ready_pct: 100,
        };
        // Same results first, with traces, on a shorter run.
        let short = ticks.min(100);
        let sim_t = cycle::run(
            &plan,
            &stim,
            short,
            cycle::Drive {
                seed: drive.seed,
                ready_pct: drive.ready_pct,
                ..Default::default()
            },
            true,
        )
        .expect("runs");
        let ver_t = verilator
            .run(&dir, &stim, short, drive, true)
            .expect("runs");
        assert_eq!(
            sim_t.trace, ver_t.trace,
            "port traces differ at activity {rate}"
        );
        // Then the timed runs, untraced.
        let t = Instant::now();
        let sim = cycle::run(
            &plan,
            &stim,
            ticks,
            cycle::Drive {
                seed: drive.seed,
                ready_pct: drive.ready_pct,
                ..Default::default()
            },
            false,
        )
        .expect("runs");
        let sim_secs = t.elapsed().as_secs_f64();
        let ver = verilator
            .run(&dir, &stim, ticks, drive, false)
            .expect("runs");
        assert_eq!(sim.raster, ver.raster, "rasters differ at activity {rate}");
        assert_eq!(
            sim.cycles, ver.cycles,
            "cycle counts differ at activity {rate}"
        );
        println!(
            "{:>7.0}% {:>10} {:>8} {:>12.3} {:>12.3} {:>10.2} {:>10.2} {:>7.1}x",
            rate * 100.0,
            sim.cycles,
            sim.raster.len(),
            sim_secs,
            ver.run_secs,
            sim.cycles as f64 / sim_secs / 1e6,
            ver.cycles as f64 / ver.run_secs / 1e6,
            ver.run_secs / sim_secs
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
