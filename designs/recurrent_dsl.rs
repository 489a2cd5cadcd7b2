//! The recurrent ring network of `designs/recurrent.toml`, written in the Rust DSL: the
//! TOML file spells every weight out, this file computes them from the rule. Both must
//! give the same circuit; `tests/dsl_twin.rs` checks that they do.
//!
//! 32 neurons on a ring excite their neighbours (+20 at ring distance 1, +12 at distance
//! 2) and inhibit the far side (-6 at distances 4 to 16); input channel i excites neurons
//! 2i and 2i+1 (+32).
//!
//! Run it with `cargo run --example recurrent_dsl`.

use spikeforge::prelude::{Design, Lif, Reset};

/// Neurons on the ring.
pub const RING: usize = 32;
/// Input channels: each cues two neighbouring neurons.
pub const CUES: usize = 16;

/// The weight from ring neuron `j` onto ring neuron `k`.
pub fn ring_weight(j: usize, k: usize) -> i64 {
    let d = j.abs_diff(k);
    match d.min(RING - d) {
        1 => 20,
        2 => 12,
        4..=16 => -6,
        _ => 0,
    }
}

/// The weight from cue channel `i` onto ring neuron `k`.
pub fn cue_weight(i: usize, k: usize) -> i64 {
    if k / 2 == i {
        32
    } else {
        0
    }
}

/// The recurrent design, unvalidated, with `cue_weights` and `ring_weights` as the
/// rule functions (a test passes altered ones).
pub fn design_with(
    cue_weights: impl Fn(usize, usize) -> i64,
    ring_weights: impl Fn(usize, usize) -> i64,
) -> Design {
    // The default [hardware] (membrane_bits = 16, weight_bits = 8) is what the TOML twin
    // writes out.
    let mut d = Design::new("recurrent");
    let cue = d.input("cue", CUES as i64);
    // The front end adds an output marking right after its population, so do the same.
    let ring = d.population(
        "ring",
        RING as i64,
        Lif::new(30).leak_shift(1).reset(Reset::Zero).refractory(1),
    );
    d.set_membrane_bits(ring, 12);
    d.output(ring);

    let w_cue: Vec<Vec<i64>> = (0..CUES)
        .map(|i| (0..RING).map(|k| cue_weights(i, k)).collect())
        .collect();
    // Named `cue_to_ring` by default, with the default 8-bit weights.
    d.crossbar(cue, ring, w_cue);

    let w_ring: Vec<Vec<i64>> = (0..RING)
        .map(|j| (0..RING).map(|k| ring_weights(j, k)).collect())
        .collect();
    let rec = d.crossbar(ring, ring, w_ring);
    d.set_crossbar_name(rec, "ring_recurrent");
    d.set_weight_bits(rec, 6);
    d
}

/// The recurrent design, unvalidated; `design().finish()` validates it.
pub fn design() -> Design {
    design_with(cue_weight, ring_weight)
}

#[allow(dead_code)] // unused when a test includes this file as a module
fn main() {
    let circuit = match design().finish() {
        Ok(c) => c,
        Err(diags) => {
            eprint!("{diags}");
            std::process::exit(1);
        }
    };
    println!("design `{}`", circuit.name());
    for (_, i) in circuit.inputs() {
        println!("  input      {}: {} channels", i.name, i.channels);
    }
    for (_, p) in circuit.populations() {
        let l = p.lif();
        println!(
            "  population {}: {} neurons, V = {}, threshold {}, leak_shift {}, reset {}, refractory {}",
            p.name,
            p.neurons,
            p.membrane_bits,
            l.threshold,
            l.leak_shift,
            l.reset.as_str(),
            l.refractory
        );
    }
    for (x, xb) in circuit.crossbars() {
        let (exc, inh) =
            xb.weights.iter().fold(
                (0, 0),
                |(e, i), (_, _, w)| {
                    if w > 0 {
                        (e + 1, i)
                    } else {
                        (e, i + 1)
                    }
                },
            );
        println!(
            "  crossbar   {}: {} -> {}, {}x{}, {}-bit weights, {exc} excitatory and {inh} inhibitory synapses",
            xb.name,
            circuit.node(circuit.crossbar_source(x)).name(),
            circuit.node(circuit.crossbar_target(x)).name(),
            xb.weights.rows(),
            xb.weights.cols(),
            xb.weight_bits
        );
    }
    let outputs: Vec<_> = circuit.outputs().map(|(_, p)| p.name.as_str()).collect();
    println!("  outputs: {}", outputs.join(", "));
    println!("  warnings: {}", circuit.warnings().len());
}
