//! `parameter-ranges`: every number a user gives lies in the range the semantics page
//! (or, for `[hardware]`, docs/design-format.md) allows.

use super::{in_range, MAX_SIZE};
use crate::circuit::{Circuit, Field, Node, Owner};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};

pub(super) fn run(c: &Circuit, diags: &mut Diagnostics) {
    let hw = &c.hardware;
    let mut check =
        |owner: Owner, what: &str, field: Field, key: &str, v: i64, lo: i64, hi: i64| {
            if !in_range(v, lo, hi) {
                diags.push(
                    Diagnostic::new(
                        Code::ParamOutOfRange,
                        format!("{what}: `{key}` is {v}, outside {lo}..={hi}"),
                    )
                    .label(c.spans.get(owner, field), format!("allowed: {lo}..={hi}")),
                );
            }
        };
    let h = Owner::Hardware;
    check(
        h,
        "[hardware]",
        Field::TileNeurons,
        "tile_neurons",
        hw.tile_neurons,
        1,
        65536,
    );
    check(
        h,
        "[hardware]",
        Field::TileAxons,
        "tile_axons",
        hw.tile_axons,
        1,
        65536,
    );
    check(
        h,
        "[hardware]",
        Field::TableEntries,
        "table_entries",
        hw.table_entries,
        1,
        1 << 24,
    );
    check(
        h,
        "[hardware]",
        Field::MembraneBits,
        "membrane_bits",
        hw.membrane_bits,
        8,
        32,
    );
    check(
        h,
        "[hardware]",
        Field::WeightBits,
        "weight_bits",
        hw.weight_bits,
        2,
        16,
    );
    if let Some((w, hgt)) = hw.mesh {
        check(h, "[hardware]", Field::Mesh, "mesh width", w, 1, 1024);
        check(h, "[hardware]", Field::Mesh, "mesh height", hgt, 1, 1024);
    }
    // A block that inherits an out-of-range width from [hardware] (same value, same span)
    // is not reported again: one mistake, one diagnostic.
    let inherited = |o: Owner, field: Field, v: i64, hw_v: i64, lo: i64, hi: i64| {
        v == hw_v && !in_range(hw_v, lo, hi) && c.spans.exact(o, field) == c.spans.exact(h, field)
    };
    for n in c.graph.node_indices() {
        let o = Owner::Node(n);
        match &c.graph[n] {
            Node::Input(i) => {
                let what = format!("input `{}`", i.name);
                check(
                    o,
                    &what,
                    Field::Channels,
                    "channels",
                    i.channels,
                    1,
                    MAX_SIZE,
                );
            }
            Node::Population(p) => {
                let what = format!("population `{}`", p.name);
                check(o, &what, Field::Neurons, "neurons", p.neurons, 1, MAX_SIZE);
                if !inherited(
                    o,
                    Field::MembraneBits,
                    p.membrane_bits,
                    hw.membrane_bits,
                    8,
                    32,
                ) {
                    check(
                        o,
                        &what,
                        Field::MembraneBits,
                        "membrane_bits",
                        p.membrane_bits,
                        8,
                        32,
                    );
                }
                let l = p.lif();
                check(
                    o,
                    &what,
                    Field::Refractory,
                    "refractory",
                    l.refractory,
                    0,
                    255,
                );
                // Threshold and leak ranges depend on V; judge them only when V is valid.
                if in_range(p.membrane_bits, 8, 32) {
                    let v = p.membrane_bits;
                    let max = (1i64 << (v - 1)) - 1;
                    check(o, &what, Field::Threshold, "threshold", l.threshold, 1, max);
                    check(
                        o,
                        &what,
                        Field::LeakShift,
                        "leak_shift",
                        l.leak_shift,
                        0,
                        v - 1,
                    );
                }
            }
            Node::Crossbar(x) => {
                let what = format!("crossbar `{}`", x.name);
                if !inherited(o, Field::WeightBits, x.weight_bits, hw.weight_bits, 2, 16) {
                    check(
                        o,
                        &what,
                        Field::WeightBits,
                        "weight_bits",
                        x.weight_bits,
                        2,
                        16,
                    );
                }
            }
            Node::Output(_) => {}
        }
    }
}
