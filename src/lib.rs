//! spikeforge: neuromorphic hardware from one description.
//!
//! This facade re-exports the libraries of the workspace. Most users want the
//! [`prelude`]: build a design in Rust with [`prelude::Design`], or read one from TOML
//! with [`prelude::load_design`].

pub use spikeforge_cli as cli;
pub use spikeforge_frontend as frontend;
pub use spikeforge_ir as ir;
pub use spikeforge_pnr as pnr;
pub use spikeforge_rtl as rtl;
pub use spikeforge_sim as sim;
pub use spikeforge_verilog as verilog;

/// Builds a design file's hardware exactly as `spikeforge build` does (default place and
/// route); `Emitted::snapshot()` of the result is made for snapshot tests.
pub use spikeforge_cli::build::build_file;

/// The names most programs need.
pub mod prelude {
    pub use spikeforge_frontend::{load_design, parse_design, Loaded};
    pub use spikeforge_ir::{
        Circuit, Code, CrossbarRef, Design, Diagnostic, Diagnostics, Hardware, InputRef, Lif,
        NeuronModel, PopulationRef, Reset, Severity, Source, SpikeSource, Style, WeightMatrix,
    };
}
