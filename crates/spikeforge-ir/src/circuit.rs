//! The typed circuit graph: the single source of truth every later pass reads.
//!
//! Nodes are spike inputs, crossbars, neuron populations and output markings; edges are
//! typed wires between their ports. The only way to obtain a [`Circuit`] is through
//! [`crate::Design::finish`], which runs the validation pipeline, so every `Circuit` in
//! existence satisfies the invariants listed on [`Circuit`].

use std::collections::BTreeMap;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::diagnostic::{Diagnostics, Span};
use crate::weights::WeightMatrix;

/// What happens to the membrane potential after a spike.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reset {
    /// v <- 0
    Zero,
    /// v <- v - threshold
    Subtract,
}

impl Reset {
    pub fn as_str(self) -> &'static str {
        match self {
            Reset::Zero => "zero",
            Reset::Subtract => "subtract",
        }
    }
}

/// Parameters of the leaky integrate-and-fire model of the semantics page. Values are
/// held wide so an out-of-range value from the user can be reported, not truncated;
/// validation guarantees they are in range in a finished circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Lif {
    pub threshold: i64,
    pub leak_shift: i64,
    pub reset: Reset,
    pub refractory: i64,
}

impl Lif {
    /// Integrate-and-fire with the given threshold: no leak, reset to zero, no refractory period.
    pub fn new(threshold: i64) -> Self {
        Lif {
            threshold,
            leak_shift: 0,
            reset: Reset::Zero,
            refractory: 0,
        }
    }

    pub fn leak_shift(mut self, shift: i64) -> Self {
        self.leak_shift = shift;
        self
    }

    pub fn reset(mut self, reset: Reset) -> Self {
        self.reset = reset;
        self
    }

    pub fn refractory(mut self, ticks: i64) -> Self {
        self.refractory = ticks;
        self
    }
}

/// A neuron model. Only `lif` exists today; the enum leaves room for more.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NeuronModel {
    Lif(Lif),
}

impl NeuronModel {
    pub fn name(&self) -> &'static str {
        match self {
            NeuronModel::Lif(_) => "lif",
        }
    }
}

impl From<Lif> for NeuronModel {
    fn from(l: Lif) -> Self {
        NeuronModel::Lif(l)
    }
}

/// A spike input of `channels` channels, driven by the stimulus.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Input {
    pub name: String,
    pub channels: i64,
}

/// A population of neurons sharing one model and one membrane width `V`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Population {
    pub name: String,
    pub neurons: i64,
    pub membrane_bits: i64,
    pub model: NeuronModel,
}

impl Population {
    /// The LIF parameters (the only model today).
    pub fn lif(&self) -> &Lif {
        match &self.model {
            NeuronModel::Lif(l) => l,
        }
    }
}

/// A projection from a spike source to a population: `rows` = source width,
/// `cols` = target neurons, signed weights of `weight_bits` bits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Crossbar {
    pub name: String,
    pub weight_bits: i64,
    pub weights: WeightMatrix,
    /// The file the weights came from, as the user wrote it, for messages.
    pub weights_file: Option<String>,
}

/// Marks a population as observable; its spikes form the output raster under `name`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Output {
    pub name: String,
}

/// A node of the circuit graph.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    Input(Input),
    Crossbar(Crossbar),
    Population(Population),
    Output(Output),
}

impl Node {
    pub fn name(&self) -> &str {
        match self {
            Node::Input(n) => &n.name,
            Node::Crossbar(n) => &n.name,
            Node::Population(n) => &n.name,
            Node::Output(n) => &n.name,
        }
    }

    /// The kind of block, as a user would call it.
    pub fn kind(&self) -> &'static str {
        match self {
            Node::Input(_) => "input",
            Node::Crossbar(_) => "crossbar",
            Node::Population(_) => "population",
            Node::Output(_) => "output",
        }
    }
}

/// The type carried by a wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Wire {
    /// A spike bus of `width` lines: input or population -> crossbar rows, or population -> output.
    Spikes { width: i64 },
    /// Weighted spikes: crossbar columns -> population, `width` columns of `bits`-bit weights.
    Weighted { width: i64, bits: i64 },
}

/// Which part of a block a span points at, so a diagnostic can name the offending key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// The whole declaration (a `[[population]]` header, say).
    Decl,
    Name,
    Channels,
    Neurons,
    Model,
    Threshold,
    LeakShift,
    Reset,
    Refractory,
    MembraneBits,
    WeightBits,
    Weights,
    From,
    To,
    Output,
    TileNeurons,
    TileAxons,
    Mesh,
    TableEntries,
}

/// What a span belongs to: a node, the design itself, or its `[hardware]` table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Owner {
    Design,
    Hardware,
    Node(NodeIndex),
}

/// Source spans of the blocks and keys of a circuit read from a file. Empty for
/// circuits built in Rust.
#[derive(Clone, Debug, Default)]
pub struct SpanTable(BTreeMap<(Owner, Field), Span>);

impl SpanTable {
    pub fn insert(&mut self, owner: Owner, field: Field, span: Span) {
        self.0.insert((owner, field), span);
    }

    /// The span of `field` of `owner`, falling back to its name, then its declaration.
    pub fn get(&self, owner: Owner, field: Field) -> Option<Span> {
        [field, Field::Name, Field::Decl]
            .iter()
            .find_map(|f| self.0.get(&(owner, *f)).copied())
    }

    /// The span of exactly `field` of `owner`, without fallback.
    pub fn exact(&self, owner: Owner, field: Field) -> Option<Span> {
        self.0.get(&(owner, field)).copied()
    }
}

/// The `[hardware]` table: the target's capacities and the design's default widths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Hardware {
    /// Neurons a tile holds.
    pub tile_neurons: i64,
    /// Distinct incoming spike sources (axon rows) a tile holds.
    pub tile_axons: i64,
    /// Mesh width and height; `None` lets place-and-route choose the smallest square that fits.
    pub mesh: Option<(i64, i64)>,
    /// Routing-table entries per router.
    pub table_entries: i64,
    /// Default `membrane_bits` of populations that do not set their own.
    pub membrane_bits: i64,
    /// Default `weight_bits` of crossbars that do not set their own.
    pub weight_bits: i64,
}

impl Default for Hardware {
    fn default() -> Self {
        Hardware {
            tile_neurons: 256,
            tile_axons: 256,
            mesh: None,
            table_entries: 1024,
            membrane_bits: 16,
            weight_bits: 8,
        }
    }
}

/// A validated circuit graph.
///
/// Invariants (guaranteed by the validation pipeline run in [`crate::Design::finish`]):
/// - names are non-empty, legal and unique (inputs and populations in one namespace,
///   crossbars in another);
/// - every parameter is within the ranges of the semantics page, every weight fits its
///   crossbar's `weight_bits`, and `weight_bits <= membrane_bits` of the target;
/// - every crossbar has exactly one incoming `Spikes` wire from an input or population
///   whose width equals the matrix rows, and one outgoing `Weighted` wire to a population
///   whose size equals the matrix columns;
/// - every input drives at least one crossbar and every population has at least one
///   incoming crossbar; each output marks exactly one population.
#[derive(Clone, Debug)]
pub struct Circuit {
    pub(crate) name: String,
    pub(crate) hardware: Hardware,
    pub(crate) graph: DiGraph<Node, Wire>,
    pub(crate) spans: SpanTable,
    pub(crate) warnings: Diagnostics,
}

impl PartialEq for Circuit {
    /// Structural equality: same name, hardware, nodes in the same order and the same
    /// wires. Spans and warnings (which carry spans) are not compared, so a circuit built
    /// in Rust equals its twin read from TOML.
    fn eq(&self, other: &Self) -> bool {
        let edges = |c: &Circuit| {
            c.graph
                .edge_references()
                .map(|e| (e.source(), e.target(), *e.weight()))
                .collect::<Vec<_>>()
        };
        self.name == other.name
            && self.hardware == other.hardware
            && self.graph.node_weights().eq(other.graph.node_weights())
            && edges(self) == edges(other)
    }
}

impl Circuit {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn hardware(&self) -> &Hardware {
        &self.hardware
    }

    /// The underlying petgraph graph, for analyses.
    pub fn graph(&self) -> &DiGraph<Node, Wire> {
        &self.graph
    }

    pub fn spans(&self) -> &SpanTable {
        &self.spans
    }

    /// Warnings found while validating.
    pub fn warnings(&self) -> &Diagnostics {
        &self.warnings
    }

    pub fn node(&self, n: NodeIndex) -> &Node {
        &self.graph[n]
    }

    pub fn inputs(&self) -> impl Iterator<Item = (NodeIndex, &Input)> {
        self.graph
            .node_indices()
            .filter_map(move |n| match &self.graph[n] {
                Node::Input(i) => Some((n, i)),
                _ => None,
            })
    }

    pub fn populations(&self) -> impl Iterator<Item = (NodeIndex, &Population)> {
        self.graph
            .node_indices()
            .filter_map(move |n| match &self.graph[n] {
                Node::Population(p) => Some((n, p)),
                _ => None,
            })
    }

    pub fn crossbars(&self) -> impl Iterator<Item = (NodeIndex, &Crossbar)> {
        self.graph
            .node_indices()
            .filter_map(move |n| match &self.graph[n] {
                Node::Crossbar(x) => Some((n, x)),
                _ => None,
            })
    }

    /// The populations marked as outputs, in declaration order of the markings.
    pub fn outputs(&self) -> impl Iterator<Item = (NodeIndex, &Population)> {
        self.graph
            .node_indices()
            .filter_map(move |n| match &self.graph[n] {
                Node::Output(_) => {
                    let p = source_of(&self.graph, n)?;
                    match &self.graph[p] {
                        Node::Population(pop) => Some((p, pop)),
                        _ => None,
                    }
                }
                _ => None,
            })
    }

    /// The spike source (input or population) feeding crossbar `x`.
    pub fn crossbar_source(&self, x: NodeIndex) -> NodeIndex {
        source_of(&self.graph, x).expect("validated crossbar has a source")
    }

    /// The population crossbar `x` projects onto.
    pub fn crossbar_target(&self, x: NodeIndex) -> NodeIndex {
        target_of(&self.graph, x).expect("validated crossbar has a target")
    }

    /// Number of spike lines a source node has (input channels or population neurons).
    pub fn width(&self, n: NodeIndex) -> usize {
        match &self.graph[n] {
            Node::Input(i) => i.channels as usize,
            Node::Population(p) => p.neurons as usize,
            Node::Crossbar(x) => x.weights.cols(),
            Node::Output(_) => 0,
        }
    }

    /// Crossbars leaving a spike source, in declaration order.
    pub fn crossbars_from(&self, n: NodeIndex) -> Vec<NodeIndex> {
        let mut v: Vec<_> = self
            .graph
            .edges_directed(n, Direction::Outgoing)
            .map(|e| e.target())
            .filter(|t| matches!(self.graph[*t], Node::Crossbar(_)))
            .collect();
        v.sort();
        v
    }

    /// Crossbars entering a population, in declaration order.
    pub fn crossbars_into(&self, n: NodeIndex) -> Vec<NodeIndex> {
        let mut v: Vec<_> = self
            .graph
            .edges_directed(n, Direction::Incoming)
            .map(|e| e.source())
            .collect();
        v.sort();
        v
    }

    /// Finds an input or population by name.
    pub fn find(&self, name: &str) -> Option<NodeIndex> {
        self.graph.node_indices().find(|&n| {
            matches!(self.graph[n], Node::Input(_) | Node::Population(_))
                && self.graph[n].name() == name
        })
    }
}

pub(crate) fn source_of(g: &DiGraph<Node, Wire>, n: NodeIndex) -> Option<NodeIndex> {
    g.edges_directed(n, Direction::Incoming)
        .map(|e| e.source())
        .next()
}

pub(crate) fn target_of(g: &DiGraph<Node, Wire>, n: NodeIndex) -> Option<NodeIndex> {
    g.edges_directed(n, Direction::Outgoing)
        .map(|e| e.target())
        .next()
}
