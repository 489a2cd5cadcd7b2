//! Worked case 7 of the semantics page (one tick of delay per crossbar), written in the
//! Rust DSL. It is the twin of `designs/case7_delay.toml`: `tests/dsl_twin.rs` checks that
//! both build the same circuit.
//!
//! input -> A (w = 10, theta = 10) -> B (w = 10, theta = 10); a stimulus spike at tick 0
//! only makes A fire at tick 0 and B at tick 1.
//!
//! Run it with `cargo run --example case7_delay_dsl`.
//!
//! The DSL builds the graph in call order, and circuit equality compares nodes and wires
//! in order. To equal the TOML twin, the calls follow the order in which the front end
//! lowers a file: every input, then each population immediately followed by its output
//! marking, then the crossbars.

use spikeforge::prelude::{Design, Lif, Reset};

/// The case 7 design, unvalidated; `design().finish()` validates it.
pub fn design() -> Design {
    // Design::new uses the default [hardware]: membrane_bits = 16, weight_bits = 8.
    let mut d = Design::new("case7_delay");
    let input = d.input("in", 1);

    let neuron = Lif::new(10).leak_shift(0).reset(Reset::Zero).refractory(0);
    let a = d.population("A", 1, neuron);
    d.set_membrane_bits(a, 16);
    d.output(a);
    let b = d.population("B", 1, neuron);
    d.set_membrane_bits(b, 16);
    d.output(b);

    let in_to_a = d.crossbar(input, a, [[10]]);
    d.set_crossbar_name(in_to_a, "in_to_A");
    d.set_weight_bits(in_to_a, 8);
    let a_to_b = d.crossbar(a, b, [[10]]);
    d.set_crossbar_name(a_to_b, "A_to_B");
    d.set_weight_bits(a_to_b, 8);
    d
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
        println!("  input      {:<4} {} channel(s)", i.name, i.channels);
    }
    for (n, p) in circuit.populations() {
        let l = p.lif();
        let output = circuit.outputs().any(|(o, _)| o == n);
        println!(
            "  population {:<4} {} neuron(s), V = {}, threshold {}, leak_shift {}, reset {}, refractory {}{}",
            p.name,
            p.neurons,
            p.membrane_bits,
            l.threshold,
            l.leak_shift,
            l.reset.as_str(),
            l.refractory,
            if output { ", output" } else { "" }
        );
    }
    for (x, xb) in circuit.crossbars() {
        let from = circuit.node(circuit.crossbar_source(x)).name();
        let to = circuit.node(circuit.crossbar_target(x)).name();
        println!(
            "  crossbar   {:<7} {from} -> {to}, {}x{}, {}-bit weights, {} synapse(s)",
            xb.name,
            xb.weights.rows(),
            xb.weights.cols(),
            xb.weight_bits,
            xb.weights.nnz()
        );
    }
    println!("  warnings: {}", circuit.warnings().len());
}
