//! The Rust DSL: a builder with typed handles.
//!
//! Wiring mistakes the type system can express do not compile: a crossbar takes a
//! [`SpikeSource`] (an input or a population) and a [`PopulationRef`] target, and a
//! [`CrossbarRef`] is neither. Size and width mismatches are values, found by the
//! validation pipeline when [`Design::finish`] is called and returned as diagnostics.
//!
//! ```
//! use spikeforge_ir::{Design, Lif};
//!
//! let mut d = Design::new("case1");
//! let input = d.input("in", 1);
//! let p = d.population("p", 1, Lif::new(10));
//! d.crossbar(input, p, [[5]]);
//! d.output(p);
//! let circuit = d.finish().expect("valid design");
//! assert_eq!(circuit.populations().count(), 1);
//! ```
//!
//! A crossbar is not a spike source, so this does not compile:
//!
//! ```compile_fail
//! use spikeforge_ir::{Design, Lif};
//!
//! let mut d = Design::new("bad");
//! let input = d.input("in", 1);
//! let p = d.population("p", 1, Lif::new(10));
//! let x = d.crossbar(input, p, [[5]]);
//! d.crossbar(x, p, [[5]]);
//! ```
//!
//! Nor can spikes be fed into an input:
//!
//! ```compile_fail
//! use spikeforge_ir::{Design, Lif};
//!
//! let mut d = Design::new("bad");
//! let input = d.input("in", 1);
//! d.crossbar(input, input, [[5]]);
//! ```

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::circuit::{
    Circuit, Crossbar, Field, Hardware, Input, NeuronModel, Node, Output, Owner, Population,
    SpanTable, Wire,
};
use crate::diagnostic::{Code, Diagnostic, Diagnostics, Span};
use crate::validate;
use crate::weights::{WeightError, WeightMatrix};

/// Handle to a spike input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InputRef(NodeIndex);

/// Handle to a neuron population.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PopulationRef(NodeIndex);

/// Handle to a crossbar. It is deliberately not a [`SpikeSource`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CrossbarRef(NodeIndex);

/// Either kind of spike source, for code that resolves sources by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourceRef {
    Input(InputRef),
    Population(PopulationRef),
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::InputRef {}
    impl Sealed for super::PopulationRef {}
    impl Sealed for super::SourceRef {}
}

/// Something that emits spikes and can therefore drive a crossbar's rows.
pub trait SpikeSource: sealed::Sealed + Copy {
    fn node(self) -> NodeIndex;
}

impl SpikeSource for InputRef {
    fn node(self) -> NodeIndex {
        self.0
    }
}

impl SpikeSource for PopulationRef {
    fn node(self) -> NodeIndex {
        self.0
    }
}

impl SpikeSource for SourceRef {
    fn node(self) -> NodeIndex {
        match self {
            SourceRef::Input(i) => i.0,
            SourceRef::Population(p) => p.0,
        }
    }
}

impl InputRef {
    pub fn node(self) -> NodeIndex {
        self.0
    }
}

impl PopulationRef {
    pub fn node(self) -> NodeIndex {
        self.0
    }
}

impl CrossbarRef {
    pub fn node(self) -> NodeIndex {
        self.0
    }
}

/// Anything a weight matrix can be made from.
pub trait IntoWeights {
    fn into_weights(self) -> Result<WeightMatrix, WeightError>;
}

impl IntoWeights for WeightMatrix {
    fn into_weights(self) -> Result<WeightMatrix, WeightError> {
        Ok(self)
    }
}

impl IntoWeights for Vec<Vec<i64>> {
    fn into_weights(self) -> Result<WeightMatrix, WeightError> {
        WeightMatrix::from_rows(&self)
    }
}

impl<const R: usize, const C: usize> IntoWeights for [[i64; C]; R] {
    fn into_weights(self) -> Result<WeightMatrix, WeightError> {
        WeightMatrix::from_rows(&self)
    }
}

/// A circuit under construction.
#[derive(Clone, Debug)]
pub struct Design {
    name: String,
    hardware: Hardware,
    graph: DiGraph<Node, Wire>,
    spans: SpanTable,
    /// Problems found while building (a ragged matrix, say), reported by `finish`.
    pending: Diagnostics,
}

impl Design {
    /// A design with the default [`Hardware`].
    pub fn new(name: impl Into<String>) -> Self {
        Self::with_hardware(name, Hardware::default())
    }

    /// A design for the given hardware; its `membrane_bits` and `weight_bits` are the
    /// defaults of populations and crossbars added afterwards.
    pub fn with_hardware(name: impl Into<String>, hardware: Hardware) -> Self {
        Design {
            name: name.into(),
            hardware,
            graph: DiGraph::new(),
            spans: SpanTable::default(),
            pending: Diagnostics::new(),
        }
    }

    /// Adds a spike input of `channels` channels.
    pub fn input(&mut self, name: impl Into<String>, channels: i64) -> InputRef {
        InputRef(self.graph.add_node(Node::Input(Input {
            name: name.into(),
            channels,
        })))
    }

    /// Adds a population of `neurons` neurons with the design's default membrane width.
    pub fn population(
        &mut self,
        name: impl Into<String>,
        neurons: i64,
        model: impl Into<NeuronModel>,
    ) -> PopulationRef {
        PopulationRef(self.graph.add_node(Node::Population(Population {
            name: name.into(),
            neurons,
            membrane_bits: self.hardware.membrane_bits,
            model: model.into(),
        })))
    }

    /// Sets the membrane width `V` of a population.
    pub fn set_membrane_bits(&mut self, p: PopulationRef, bits: i64) {
        if let Node::Population(pop) = &mut self.graph[p.0] {
            pop.membrane_bits = bits;
        }
    }

    /// Adds a crossbar from `from` onto `to`, named `<from>_to_<to>`, with the design's
    /// default weight width. `weights` has one row per source line and one column per
    /// target neuron.
    pub fn crossbar(
        &mut self,
        from: impl SpikeSource,
        to: PopulationRef,
        weights: impl IntoWeights,
    ) -> CrossbarRef {
        let (src, dst) = (from.node(), to.0);
        let name = format!("{}_to_{}", self.graph[src].name(), self.graph[dst].name());
        let weights = match weights.into_weights() {
            Ok(w) => w,
            Err(e) => {
                let code = match e {
                    WeightError::Ragged { .. } => Code::RaggedWeights,
                    WeightError::TooWide { .. } => Code::WeightOutOfRange,
                };
                self.pending
                    .push(Diagnostic::new(code, format!("crossbar `{name}`: {e}")));
                self.empty_weights(from, to)
            }
        };
        let x = self.graph.add_node(Node::Crossbar(Crossbar {
            name,
            weight_bits: self.hardware.weight_bits,
            weights,
            weights_file: None,
        }));
        // Wire types are (re)derived from the ports in `finish`.
        self.graph.add_edge(src, x, Wire::Spikes { width: 0 });
        self.graph.add_edge(x, dst, Wire::Spikes { width: 0 });
        CrossbarRef(x)
    }

    /// An all-zero matrix of the shape a crossbar from `from` onto `to` needs; used where
    /// the real weights could not be read, so one error gives one diagnostic.
    pub fn empty_weights(&self, from: impl SpikeSource, to: PopulationRef) -> WeightMatrix {
        let size = |n: NodeIndex| match &self.graph[n] {
            Node::Input(i) => i.channels,
            Node::Population(p) => p.neurons,
            _ => 0,
        };
        let dim = |v: i64| v.clamp(0, validate::MAX_SIZE) as usize;
        WeightMatrix::from_sorted_triplets(dim(size(from.node())), dim(size(to.0)), [])
            .unwrap_or_default()
    }

    /// Sets the weight width of a crossbar.
    pub fn set_weight_bits(&mut self, x: CrossbarRef, bits: i64) {
        if let Node::Crossbar(c) = &mut self.graph[x.0] {
            c.weight_bits = bits;
        }
    }

    /// Renames a crossbar (needed when two crossbars join the same pair of blocks).
    pub fn set_crossbar_name(&mut self, x: CrossbarRef, name: impl Into<String>) {
        if let Node::Crossbar(c) = &mut self.graph[x.0] {
            c.name = name.into();
        }
    }

    /// Records the file a crossbar's weights were read from, for messages.
    pub fn set_weights_file(&mut self, x: CrossbarRef, file: impl Into<String>) {
        if let Node::Crossbar(c) = &mut self.graph[x.0] {
            c.weights_file = Some(file.into());
        }
    }

    /// Marks a population as an output: its spikes appear in the output raster.
    pub fn output(&mut self, p: PopulationRef) {
        let name = self.graph[p.0].name().to_string();
        let o = self.graph.add_node(Node::Output(Output { name }));
        self.graph.add_edge(p.0, o, Wire::Spikes { width: 0 });
    }

    /// Attaches a source span to a key of a block, so diagnostics can point at it.
    pub fn set_span(&mut self, owner: Owner, field: Field, span: Span) {
        self.spans.insert(owner, field, span);
    }

    /// Adds a diagnostic found outside the builder (while reading a file, say); it is
    /// reported by `finish` together with the validation results.
    pub fn report(&mut self, d: Diagnostic) {
        self.pending.push(d);
    }

    /// Runs the validation pipeline. On success the circuit carries its warnings; on
    /// failure every error and warning found is returned, errors first.
    pub fn finish(self) -> Result<Circuit, Diagnostics> {
        let Design {
            name,
            hardware,
            mut graph,
            spans,
            pending,
        } = self;
        let wires: Vec<_> = graph
            .edge_references()
            .map(|e| (e.id(), port_type(&graph[e.source()])))
            .collect();
        for (e, w) in wires {
            graph[e] = w;
        }
        let mut circuit = Circuit {
            name,
            hardware,
            graph,
            spans,
            warnings: Diagnostics::new(),
        };
        // A crossbar whose ends could not be resolved is missing from the graph; judging
        // connectivity then would only repeat that error in other words.
        let complete = !pending
            .iter()
            .any(|d| matches!(d.code, Code::UnknownReference | Code::WrongPortKind));
        let mut diags = pending;
        diags.extend(validate::run(&circuit, complete));
        let diags = diags.sorted();
        if diags.has_errors() {
            Err(diags)
        } else {
            circuit.warnings = diags;
            Ok(circuit)
        }
    }
}

/// The type of the wire leaving a node's output port.
fn port_type(n: &Node) -> Wire {
    match n {
        Node::Input(i) => Wire::Spikes { width: i.channels },
        Node::Population(p) => Wire::Spikes { width: p.neurons },
        Node::Crossbar(x) => Wire::Weighted {
            width: x.weights.cols() as i64,
            bits: x.weight_bits,
        },
        Node::Output(_) => Wire::Spikes { width: 0 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lif;

    #[test]
    fn ragged_rows_are_a_diagnostic_not_a_panic() {
        let mut d = Design::new("r");
        let i = d.input("in", 2);
        let p = d.population("p", 2, Lif::new(1));
        d.crossbar(i, p, vec![vec![1, 2], vec![3]]);
        d.output(p);
        let err = d.finish().unwrap_err();
        let codes: Vec<_> = err.iter().map(|d| d.code).collect();
        assert!(codes.contains(&Code::RaggedWeights), "{codes:?}");
    }

    #[test]
    fn wires_carry_port_types() {
        let mut d = Design::new("w");
        let i = d.input("in", 3);
        let p = d.population("p", 2, Lif::new(1));
        let x = d.crossbar(i, p, [[1, 0], [0, 1], [1, 1]]);
        d.set_weight_bits(x, 4);
        d.output(p);
        let c = d.finish().unwrap();
        let wires: Vec<_> = c.graph().edge_weights().copied().collect();
        assert_eq!(
            wires,
            vec![
                Wire::Spikes { width: 3 },
                Wire::Weighted { width: 2, bits: 4 },
                Wire::Spikes { width: 2 },
            ]
        );
        assert_eq!(c.crossbar_source(x.node()), i.node());
        assert_eq!(c.crossbar_target(x.node()), p.node());
    }
}
