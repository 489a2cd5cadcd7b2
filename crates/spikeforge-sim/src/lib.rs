//! Executions of a design: the functional model (the semantics page run directly, the
//! golden reference) and the raster files that carry stimuli and outputs. Later engines
//! (the cycle-accurate simulator, the Verilator and Icarus runners) produce the same
//! [`Raster`] so any two can be compared byte for byte.

pub mod classify;
pub mod cycle;
pub mod functional;
pub mod hdl;
pub mod raster;
pub mod stimulus;
pub mod trace;
pub mod vcd;

use std::collections::BTreeMap;

pub use functional::FunctionalModel;
pub use raster::{Raster, Spike};
use spikeforge_ir::Circuit;

/// Runs the functional model for `ticks` ticks on a stimulus whose ports are the
/// circuit's inputs (as [`Raster::parse_stimulus`] guarantees), and returns the output
/// raster: the spikes of every output population, by population name.
pub fn run_functional(circuit: &Circuit, stimulus: &Raster, ticks: u64) -> Raster {
    run_functional_with(circuit, stimulus, ticks, |_| {})
}

/// [`run_functional`], calling `done(t)` after each tick with the number of ticks run.
pub fn run_functional_with(
    circuit: &Circuit,
    stimulus: &Raster,
    ticks: u64,
    mut done: impl FnMut(u64),
) -> Raster {
    let mut model = FunctionalModel::new(circuit);
    let input_index: BTreeMap<&str, usize> = circuit
        .inputs()
        .enumerate()
        .map(|(i, (_, inp))| (inp.name.as_str(), i))
        .collect();
    let outputs: Vec<(usize, &str)> = circuit
        .outputs()
        .filter_map(|(n, p)| {
            let k = model.population_nodes().iter().position(|&m| m == n)?;
            Some((k, p.name.as_str()))
        })
        .collect();
    let mut spikes = Vec::new();
    let mut events = Vec::new();
    for tick in 0..ticks {
        events.clear();
        events.extend(
            stimulus
                .at_tick(tick)
                .iter()
                .filter_map(|s| Some((*input_index.get(s.port.as_str())?, s.index))),
        );
        model.step(&events);
        for &(k, name) in &outputs {
            spikes.extend(model.fired(k).iter().map(|&j| Spike {
                tick,
                port: name.to_string(),
                index: j,
            }));
        }
        done(tick + 1);
    }
    Raster::from_spikes(spikes)
}
