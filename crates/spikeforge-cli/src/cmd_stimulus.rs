//! `spikeforge stimulus <design> --rate R --ticks T --seed S --out s.csv`: a seeded
//! Bernoulli stimulus (every channel of every input spikes in every tick with
//! probability R), written atomically in the raster format of the semantics page.

use std::path::Path;

use spikeforge_sim::stimulus::bernoulli;

use crate::cmd_sim::{check_ticks, write_file_atomically};
use crate::report;

/// The most spikes a generated stimulus may be expected to hold.
const MAX_SPIKES: f64 = 50_000_000.0;

/// Returns whether the stimulus was written.
pub fn run(design: &Path, rate: f64, ticks: u64, seed: u64, out: &Path, quiet: bool) -> bool {
    if !(0.0..=1.0).contains(&rate) {
        eprintln!(
            "error: --rate is {rate}; it must be between 0 and 1 (the probability that a channel spikes in a tick)"
        );
        return false;
    }
    if !check_ticks(ticks) {
        return false;
    }
    let Some(loaded) = report::load(design) else {
        return false;
    };
    let circuit = loaded
        .result
        .as_ref()
        .expect("report::load returns loaded designs");
    let channels: u64 = circuit.inputs().map(|(_, i)| i.channels as u64).sum();
    let expected = rate * ticks as f64 * channels as f64;
    if expected > MAX_SPIKES {
        eprintln!(
            "error: {ticks} ticks of {channels} channels at rate {rate} make about {expected:.0} spikes; at most {MAX_SPIKES:.0} are supported (lower --rate or --ticks)"
        );
        return false;
    }
    let raster = bernoulli(circuit, rate, ticks, seed);
    if let Err(e) = write_file_atomically(out, &raster.to_csv()) {
        eprintln!("error: cannot write `{}`: {e}", out.display());
        return false;
    }
    if !quiet {
        println!(
            "{}: wrote {}: {} over {} of {} (rate {rate}, seed {seed})",
            design.display(),
            out.display(),
            report::plural(raster.len(), "spike"),
            report::plural(ticks as usize, "tick"),
            report::plural(channels as usize, "channel"),
        );
    }
    true
}
