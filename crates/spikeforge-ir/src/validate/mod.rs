//! The validation pipeline: small passes, each with a kebab-case name and a one-line
//! description, that inspect an unvalidated [`Circuit`] and push every problem they find
//! into one [`Diagnostics`]. No pass stops at the first error (Calyx style), and no pass
//! trusts a value another pass checks: each skips what it cannot judge (a crossbar whose
//! target size is itself out of range, say) so one mistake gives one diagnostic.

mod connectivity;
mod names;
mod overflow;
mod params;
mod widths;

use crate::circuit::Circuit;
use crate::diagnostic::Diagnostics;

/// Largest number of channels or neurons in one input or population.
pub const MAX_SIZE: i64 = 1 << 24;

/// A validation pass.
pub struct Pass {
    pub name: &'static str,
    pub description: &'static str,
    /// Whether the pass judges the graph's edges as a whole, and so must not run when
    /// the front end could not build every edge.
    pub needs_every_edge: bool,
    run: fn(&Circuit, &mut Diagnostics),
}

/// The passes `Design::finish` runs, in order.
pub const PIPELINE: &[Pass] = &[
    Pass {
        name: "well-formed-names",
        description: "names are non-empty, legal in CSV rasters, and unique",
        needs_every_edge: false,
        run: names::run,
    },
    Pass {
        name: "parameter-ranges",
        description: "every parameter lies in the range the semantics page allows",
        needs_every_edge: false,
        run: params::run,
    },
    Pass {
        name: "port-widths",
        description: "crossbar shapes match their ports; weights fit weight_bits and the membrane",
        needs_every_edge: false,
        run: widths::run,
    },
    Pass {
        name: "connectivity",
        description:
            "every input drives something, every population is driven, something is observed",
        needs_every_edge: true,
        run: connectivity::run,
    },
    Pass {
        name: "accumulator-bound",
        description: "warns where the worst-case synaptic sum can wrap the accumulator",
        needs_every_edge: false,
        run: overflow::run,
    },
];

/// Runs the validation passes over `circuit`; `complete` says whether every edge the
/// user described is in the graph.
pub fn run(circuit: &Circuit, complete: bool) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for pass in PIPELINE.iter().filter(|p| complete || !p.needs_every_edge) {
        (pass.run)(circuit, &mut diags);
    }
    diags
}

/// The inclusive range of a `bits`-bit two's-complement value.
pub(crate) fn signed_range(bits: i64) -> (i64, i64) {
    (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1)
}

pub(crate) fn in_range(v: i64, lo: i64, hi: i64) -> bool {
    (lo..=hi).contains(&v)
}

/// Whether a population's size and membrane width are valid, so others may rely on them.
pub(crate) fn population_ok(p: &crate::Population) -> bool {
    in_range(p.neurons, 1, MAX_SIZE) && in_range(p.membrane_bits, 8, 32)
}
