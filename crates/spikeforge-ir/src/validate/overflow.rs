//! `accumulator-bound`: warns where the synaptic accumulator of a neuron can wrap.
//! The exact worst case of neuron j is the sum of |w| over every synapse into j (all its
//! sources spiking in one tick); when it exceeds 2^(V-1) - 1, `acc` can wrap (worked
//! case 4 of the semantics page). This is never looser than fan-in x max|w|.

use super::{in_range, population_ok};
use crate::circuit::{Circuit, Field, Node, Owner};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};

pub(super) fn run(c: &Circuit, diags: &mut Diagnostics) {
    for (n, p) in c.populations() {
        if !population_ok(p) {
            continue;
        }
        let incoming = c.crossbars_into(n);
        let mut bound = vec![0i64; p.neurons as usize];
        let mut judged = true;
        for &x in &incoming {
            let Node::Crossbar(xb) = &c.graph[x] else {
                continue;
            };
            if xb.weights.cols() != bound.len() || !in_range(xb.weight_bits, 2, 16) {
                judged = false; // a shape error is reported elsewhere
                break;
            }
            for (_, col, w) in xb.weights.iter() {
                bound[col] += (w as i64).abs();
            }
        }
        let max = (1i64 << (p.membrane_bits - 1)) - 1;
        let worst = bound
            .iter()
            .enumerate()
            .max_by_key(|&(j, b)| (*b, std::cmp::Reverse(j)));
        if let (true, Some((j, &b))) = (judged, worst) {
            if b > max {
                let d = Diagnostic::new(
                    Code::AccumulatorMayWrap,
                    format!(
                        "population `{}`: the synaptic sum into neuron {j} can reach {b}, beyond the {}-bit accumulator's {max}",
                        p.name, p.membrane_bits
                    ),
                )
                .label(c.spans.get(Owner::Node(n), Field::MembraneBits), format!("V = {} bits", p.membrane_bits));
                let d = incoming.iter().fold(d, |d, &x| {
                    d.also(
                        c.spans.get(Owner::Node(x), Field::Weights),
                        "contributes to the sum",
                    )
                });
                diags.push(d);
            }
        }
    }
}
