//! `connectivity`: every input drives at least one crossbar, every population is driven
//! by at least one, and something is observed. Unobserved populations are warnings.

use petgraph::Direction;

use crate::circuit::{Circuit, Field, Node, Owner};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};

pub(super) fn run(c: &Circuit, diags: &mut Diagnostics) {
    let g = &c.graph;
    let mut any_output = false;
    for n in g.node_indices() {
        let span = c.spans.get(Owner::Node(n), Field::Name);
        let outgoing = || g.neighbors_directed(n, Direction::Outgoing);
        match &g[n] {
            Node::Input(i) if outgoing().next().is_none() => diags.push(
                Diagnostic::new(
                    Code::UnconnectedInput,
                    format!("input `{}` is connected to nothing", i.name),
                )
                .label(span, "no crossbar reads this input"),
            ),
            Node::Population(p) => {
                if g.neighbors_directed(n, Direction::Incoming)
                    .next()
                    .is_none()
                {
                    diags.push(
                        Diagnostic::new(
                            Code::PopulationWithoutInput,
                            format!("population `{}` has no input", p.name),
                        )
                        .label(span, "no crossbar targets this population"),
                    );
                }
                if outgoing().next().is_none() {
                    diags.push(
                        Diagnostic::new(
                            Code::UnobservedPopulation,
                            format!(
                                "population `{}` drives nothing and is not an output",
                                p.name
                            ),
                        )
                        .label(span, "its spikes go nowhere"),
                    );
                }
            }
            Node::Output(_) => any_output = true,
            _ => {}
        }
    }
    if !any_output && g.node_count() > 0 {
        diags.push(
            Diagnostic::new(
                Code::NoOutput,
                format!("design `{}` has no output population", c.name),
            )
            .label(
                c.spans.get(Owner::Design, Field::Name),
                "nothing of this design is observable",
            ),
        );
    }
}
