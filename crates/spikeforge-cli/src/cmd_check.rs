//! `spikeforge check <design>`: read, validate, report.

use std::path::Path;

use spikeforge_frontend::{load_design, load_workload};

use crate::report;

/// Returns whether the design is free of errors.
pub fn run(path: &Path) -> bool {
    let loaded = load_design(path);
    let shown = path.display();
    match &loaded.result {
        Ok(circuit) => {
            let source = loaded
                .source
                .as_ref()
                .expect("a loaded design has its text");
            let workload = match load_workload(path, source, circuit) {
                Ok(w) => w,
                Err(e) => {
                    report::print(circuit.warnings(), Some(source));
                    crate::cmd_run::fail(&e.diagnostics, e.source.as_ref(), path);
                    return false;
                }
            };
            let warnings = circuit.warnings();
            report::print(warnings, loaded.source.as_ref());
            let synapses: usize = circuit.crossbars().map(|(_, x)| x.weights.nnz()).sum();
            let neurons: i64 = circuit.populations().map(|(_, p)| p.neurons).sum();
            let mut line = format!(
                "{shown}: ok: design `{}`, {}, {} ({}), {} ({})",
                circuit.name(),
                report::plural(circuit.inputs().count(), "input"),
                report::plural(circuit.populations().count(), "population"),
                report::plural(neurons as usize, "neuron"),
                report::plural(circuit.crossbars().count(), "crossbar"),
                report::plural(synapses, "synapse"),
            );
            if let Some(w) = workload {
                line += &format!(
                    "; workload: {} of {} ticks",
                    report::plural(w.images(), "image"),
                    w.ticks_per_image
                );
            }
            if !warnings.is_empty() {
                line += &format!("; {}", report::counts(0, warnings.len()));
            }
            println!("{line}");
            true
        }
        Err(diags) => {
            report::print(diags, loaded.source.as_ref());
            eprintln!(
                "{shown}: {}",
                report::counts(diags.error_count(), diags.warning_count())
            );
            false
        }
    }
}
