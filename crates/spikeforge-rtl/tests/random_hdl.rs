//! Random designs on the HDL simulators: 30 random designs (single tiles and
//! multi-tile meshes, recurrence, random widths and parameters) built and run under
//! Verilator with random output backpressure; the output raster equals the functional
//! model's and the per-cycle port trace equals the cycle-accurate simulator's, line for
//! line. The first ten also run under Icarus, with the same raster and the same port
//! values at every cycle (Icarus, a four-state simulator, shows `x` on its first line,
//! before the first reset edge; nowhere else).
//! Builds run on two threads; Verilator models are cached by RTL.

mod common;

use std::sync::Mutex;

use spikeforge_sim::hdl::{self, Drive, Engine};
use spikeforge_sim::{cycle, run_functional, stimulus, trace};

const DESIGNS: u64 = 30;
/// `SPIKEFORGE_ONLY=<seed>` runs one design (for reproducing a failure).
fn only() -> Option<u64> {
    std::env::var("SPIKEFORGE_ONLY").ok()?.parse().ok()
}
/// The first this many designs also run under Icarus.
const ICARUS_DESIGNS: u64 = 10;

/// Icarus agrees with the cycle simulator at every cycle, and shows unknown values only
/// on its first line (before the first reset edge).
fn icarus_trace_matches(reference: &str, icarus: &str) -> Result<(), String> {
    if let Some(d) = trace::trace_divergence(reference, icarus)? {
        return Err(d.describe("cycle", "icarus"));
    }
    match icarus
        .lines()
        .skip(2)
        .find(|l| l.contains('x') || l.contains('z'))
    {
        Some(line) => Err(format!("unknown value after reset: `{line}`")),
        None => Ok(()),
    }
}

fn check(seed: u64) -> Result<usize, String> {
    let mut g = common::Prng::new(seed ^ 0x51ed);
    let tile = (seed % 3 == 0).then(|| (g.range(2, 6), g.range(8, 48)));
    let case = common::random_case(1000 + seed, 10, tile);
    let plan = spikeforge_pnr::place_and_route(&case.circuit, &Default::default())
        .map_err(|e| format!("{}: does not place: {e:?}", case.name))?
        .plan;
    let emitted = spikeforge_rtl::emit(&plan, common::SHA).map_err(|e| e.join("\n"))?;
    let dir = common::temp_dir(&case.name);
    common::write(&emitted, &dir);
    let ticks = g.range(16, 32) as u64;
    let stim = stimulus::bernoulli(&case.circuit, g.range(40, 80) as f64 / 100.0, ticks, seed);
    let drive = Drive {
        seed: g.range(1, 1 << 30) as u32,
        ready_pct: g.range(30, 90) as u32,
    };
    let golden = run_functional(&case.circuit, &stim, ticks);
    let sim = cycle::run(
        &plan,
        &stim,
        ticks,
        cycle::Drive {
            seed: drive.seed,
            ready_pct: drive.ready_pct,
            ..Default::default()
        },
        true,
    )?;
    let sim_trace = sim.trace.unwrap_or_default();
    let what = |e: &str| format!("{} ({e})\n  recipe: {}", case.name, case.recipe);
    let v =
        hdl::run_hdl(Engine::Verilator, &dir, &stim, ticks, drive, true).map_err(|e| what(&e))?;
    if v.raster != golden || sim.raster != golden {
        return Err(what("rasters differ from the functional model"));
    }
    if v.trace.as_deref() != Some(sim_trace.as_str()) {
        return Err(what("Verilator's trace differs from the cycle simulator's"));
    }
    if seed < ICARUS_DESIGNS {
        let i =
            hdl::run_hdl(Engine::Icarus, &dir, &stim, ticks, drive, true).map_err(|e| what(&e))?;
        if i.raster != golden {
            return Err(what("Icarus's raster differs from the functional model"));
        }
        icarus_trace_matches(&sim_trace, i.trace.as_deref().unwrap_or("")).map_err(|e| what(&e))?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(golden.len())
}

#[test]
fn random_designs_agree_on_every_engine() {
    common::require_tool("verilator");
    common::require_tool("iverilog");
    let next = Mutex::new(0u64);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let seed = {
                    let mut n = next.lock().unwrap();
                    *n += 1;
                    *n - 1
                };
                if seed >= DESIGNS {
                    break;
                }
                if only().is_some_and(|o| o != seed) {
                    continue;
                }
                let r = check(seed);
                results.lock().unwrap().push((seed, r));
            });
        }
    });
    let results = results.into_inner().unwrap();
    let failures: Vec<String> = results
        .iter()
        .filter_map(|(_, r)| r.clone().err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {DESIGNS} designs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let spikes: usize = results.iter().filter_map(|(_, r)| r.as_ref().ok()).sum();
    assert_eq!(
        results.len() as u64,
        if only().is_some() { 1 } else { DESIGNS }
    );
    if only().is_none() {
        assert!(spikes >= 100, "only {spikes} output spikes compared");
    }
    eprintln!(
        "{DESIGNS} random designs on Verilator ({} on Icarus), {spikes} output spikes",
        ICARUS_DESIGNS
    );
}
