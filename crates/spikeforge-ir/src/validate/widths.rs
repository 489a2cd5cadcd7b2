//! `port-widths`: the typed wires around each crossbar agree. The spike bus into a
//! crossbar is as wide as its weight rows, its weighted columns are as many as the
//! target's neurons, its weights fit `weight_bits`, and `weight_bits <= membrane_bits`.

use super::{in_range, population_ok, signed_range, MAX_SIZE};
use crate::circuit::{source_of, target_of, Circuit, Field, Node, Owner, Wire};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};

pub(super) fn run(c: &Circuit, diags: &mut Diagnostics) {
    for n in c.graph.node_indices() {
        let Node::Crossbar(x) = &c.graph[n] else {
            continue;
        };
        let (Some(src), Some(dst)) = (source_of(&c.graph, n), target_of(&c.graph, n)) else {
            continue;
        };
        let Node::Population(target) = &c.graph[dst] else {
            continue;
        };
        let owner = Owner::Node(n);
        let span = |f| c.spans.get(owner, f);
        let weights_span = span(Field::Weights);
        let from = c.graph[src].name();

        // Rows: the spike bus into the crossbar.
        let bus = c.graph.edges_connecting(src, n).map(|e| *e.weight()).next();
        let src_lines = match bus {
            Some(Wire::Spikes { width }) => width,
            _ => 0,
        };
        let source_unit = if matches!(c.graph[src], Node::Input(_)) {
            "channels"
        } else {
            "neurons"
        };
        let of_weights = match &x.weights_file {
            Some(f) => format!("the weight file `{f}`"),
            None => "the weight matrix".to_string(),
        };
        if in_range(src_lines, 1, MAX_SIZE) && x.weights.rows() as i64 != src_lines {
            diags.push(
                Diagnostic::new(
                    Code::ShapeMismatch,
                    format!(
                        "crossbar `{}`: {of_weights} has {} rows, but its source `{from}` has {src_lines} {source_unit}",
                        x.name,
                        x.weights.rows()
                    ),
                )
                .label(weights_span, format!("{} rows here", x.weights.rows()))
                .also(span(Field::From), format!("{src_lines} {source_unit}")),
            );
        }
        // Columns: the weighted bus into the population.
        if in_range(target.neurons, 1, MAX_SIZE) && x.weights.cols() as i64 != target.neurons {
            diags.push(
                Diagnostic::new(
                    Code::ShapeMismatch,
                    format!(
                        "crossbar `{}`: {of_weights} has {} columns, but its target `{}` has {} neurons",
                        x.name,
                        x.weights.cols(),
                        target.name,
                        target.neurons
                    ),
                )
                .label(weights_span, format!("{} columns here", x.weights.cols()))
                .also(span(Field::To), format!("{} neurons", target.neurons)),
            );
        }
        if !in_range(x.weight_bits, 2, 16) {
            continue;
        }
        if population_ok(target) && x.weight_bits > target.membrane_bits {
            diags.push(
                Diagnostic::new(
                    Code::WeightBitsExceedMembrane,
                    format!(
                        "crossbar `{}` has {}-bit weights, wider than the {}-bit membrane of `{}`",
                        x.name, x.weight_bits, target.membrane_bits, target.name
                    ),
                )
                .label(span(Field::WeightBits), format!("{} bits", x.weight_bits))
                .also(
                    c.spans.get(Owner::Node(dst), Field::MembraneBits),
                    format!("{} bits", target.membrane_bits),
                ),
            );
        }
        let (lo, hi) = signed_range(x.weight_bits);
        let mut bad = x
            .weights
            .iter()
            .filter(|&(_, _, w)| !in_range(w as i64, lo, hi));
        if let Some((r, col, w)) = bad.next() {
            let more = bad.count();
            let others = if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            };
            diags.push(
                Diagnostic::new(
                    Code::WeightOutOfRange,
                    format!(
                        "crossbar `{}`: weight at row {r}, column {col} is {w}, outside the {}-bit range {lo}..={hi}{others}",
                        x.name, x.weight_bits
                    ),
                )
                .label(weights_span, format!("{w} does not fit {} bits", x.weight_bits))
                // Only where a width was written: the fallback span (the crossbar's
                // header) would claim the default width was set there.
                .also(c.spans.exact(owner, Field::WeightBits), "weight width set here"),
            );
        }
    }
}
