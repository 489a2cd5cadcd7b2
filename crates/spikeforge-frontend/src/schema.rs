//! The TOML schema of a design file, as serde types with spans. This is the file format
//! of docs/design-format.md, key for key; `deny_unknown_fields` everywhere so a misspelt
//! key is an error, not a silently ignored line.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignToml {
    pub name: Spanned<String>,
    #[serde(default)]
    pub hardware: Option<Spanned<HardwareToml>>,
    #[serde(default)]
    pub input: Vec<Spanned<InputToml>>,
    #[serde(default)]
    pub population: Vec<Spanned<PopulationToml>>,
    #[serde(default)]
    pub crossbar: Vec<Spanned<CrossbarToml>>,
    #[serde(default)]
    pub workload: Option<Spanned<WorkloadToml>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HardwareToml {
    pub tile_neurons: Option<Spanned<i64>>,
    pub tile_axons: Option<Spanned<i64>>,
    /// `[W, H]`; its length is checked when lowering (serde would drop extra values).
    pub mesh: Option<Spanned<Vec<i64>>>,
    pub table_entries: Option<Spanned<i64>>,
    pub membrane_bits: Option<Spanned<i64>>,
    pub weight_bits: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputToml {
    pub name: Spanned<String>,
    pub channels: Spanned<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationToml {
    pub name: Spanned<String>,
    pub neurons: Spanned<i64>,
    pub model: Option<Spanned<String>>,
    pub threshold: Spanned<i64>,
    pub leak_shift: Option<Spanned<i64>>,
    pub reset: Option<Spanned<String>>,
    pub refractory: Option<Spanned<i64>>,
    pub membrane_bits: Option<Spanned<i64>>,
    pub output: Option<Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrossbarToml {
    pub name: Option<Spanned<String>>,
    pub from: Spanned<String>,
    pub to: Spanned<String>,
    pub weight_bits: Option<Spanned<i64>>,
    /// An array of rows of integers, or the path of a `.npy` or `.csv` file.
    pub weights: Spanned<toml::Value>,
}

/// `[workload]`: a labelled stimulus that `spikeforge run` classifies, image by image.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadToml {
    pub stimulus: Spanned<String>,
    pub labels: Spanned<String>,
    pub ticks_per_image: Spanned<i64>,
    pub readout: Option<Spanned<String>>,
    pub float_accuracy: Option<Spanned<f64>>,
}
