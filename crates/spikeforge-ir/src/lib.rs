//! spikeforge's intermediate representation: the typed circuit graph ([`Circuit`]), the
//! Rust DSL that builds it ([`Design`]), the diagnostics every stage reports in
//! ([`Diagnostic`]) and the validation pipeline ([`validate`]) that guards its invariants.
//!
//! Data enters here from the TOML front end or from Rust code, and every later pass
//! (place and route, Verilog emission, simulation) reads the validated `Circuit`.

mod builder;
mod circuit;
pub mod diagnostic;
pub mod validate;
mod weights;

pub use builder::{
    CrossbarRef, Design, InputRef, IntoWeights, PopulationRef, SourceRef, SpikeSource,
};
pub use circuit::{
    Circuit, Crossbar, Field, Hardware, Input, Lif, NeuronModel, Node, Output, Owner, Population,
    Reset, SpanTable, Wire,
};
pub use diagnostic::{Code, Diagnostic, Diagnostics, Label, Severity, Source, Span, Style};
pub use petgraph::graph::NodeIndex;
pub use weights::{WeightError, WeightMatrix};
