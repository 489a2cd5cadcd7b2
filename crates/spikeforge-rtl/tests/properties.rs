//! Property test: on 240 random designs (random sizes, widths, parameters, recurrence,
//! single tiles and multi-tile meshes) with random stimuli and random output
//! backpressure, the cycle-accurate simulator of the generated hardware gives exactly
//! the functional model's output raster. Saturation and wrap-around are exercised by
//! 8-bit membranes under dense weights of up to 8 bits.

mod common;

use spikeforge_sim::{cycle, run_functional, stimulus};

#[test]
fn cycle_simulator_equals_functional_model_on_random_designs() {
    let mut failures = Vec::new();
    let mut spikes = 0usize;
    let mut multi_tile = 0;
    let mut compared = 0;
    for seed in 0..240u64 {
        let mut g = common::Prng::new(seed ^ 0x9e37);
        // A third of the designs get small tiles, so they span several routers.
        let tile = (seed % 3 == 0).then(|| (g.range(2, 8), g.range(8, 64)));
        let case = common::random_case(seed, 24, tile);
        let plan = match spikeforge_pnr::place_and_route(&case.circuit, &Default::default()) {
            Ok(p) => p.plan,
            // Axon capacity is random too; a design that does not fit is not this test's subject.
            Err(_) => continue,
        };
        compared += 1;
        if plan.tiles.len() > 1 {
            multi_tile += 1;
        }
        let ticks = g.range(12, 32) as u64;
        let rate = g.range(5, 70) as f64 / 100.0;
        let stim = stimulus::bernoulli(&case.circuit, rate, ticks, seed);
        let golden = run_functional(&case.circuit, &stim, ticks);
        let drive = cycle::Drive {
            seed: seed as u32 + 1,
            ready_pct: g.range(20, 100) as u32,
            ..Default::default()
        };
        match cycle::run(&plan, &stim, ticks, drive, false) {
            Ok(run) if run.raster == golden => spikes += golden.len(),
            Ok(run) => failures.push(format!(
                "{}: rasters differ\n  recipe: {}\n--- functional\n{}--- cycle\n{}",
                case.name,
                case.recipe,
                golden.to_csv(),
                run.raster.to_csv()
            )),
            Err(e) => failures.push(format!("{}: {e}\n  recipe: {}", case.name, case.recipe)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(compared >= 200, "only {compared} designs placed");
    assert!(multi_tile >= 40, "only {multi_tile} multi-tile designs");
    assert!(spikes >= 2000, "only {spikes} output spikes compared");
    eprintln!(
        "{compared} random designs ({multi_tile} multi-tile), {spikes} output spikes compared"
    );
}
