//! Synthetic designs for benchmarks and tests: feed-forward (deep and wide), recurrent
//! (a ring lattice with long-range shortcuts, excitatory and inhibitory), random sparse
//! (populations wired at random), and locally connected (3x3 convolutions over 2-D
//! maps). Circuits are built directly through [`Design`] and
//! [`WeightMatrix::from_sorted_triplets`], one row at a time, so a million-neuron design
//! never goes through TOML and never holds more than its own synapses.
//!
//! Invariant: the same kind, size and seed always give the same circuit, and every
//! generated circuit passes validation (every population driven, one output).

use std::fmt::Write as _;
use std::path::Path;

use spikeforge_ir::{Circuit, Design, Diagnostics, Hardware, Lif, WeightMatrix};

use crate::rng::Rng;

/// The families of synthetic designs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    FfDeep,
    FfWide,
    Recurrent,
    Random,
    Conv,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::FfDeep,
        Kind::FfWide,
        Kind::Recurrent,
        Kind::Random,
        Kind::Conv,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::FfDeep => "ff-deep",
            Kind::FfWide => "ff-wide",
            Kind::Recurrent => "recurrent",
            Kind::Random => "random",
            Kind::Conv => "conv",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub kind: Kind,
    /// Neurons over all populations (approximately, rounded to the family's shape).
    pub neurons: usize,
    /// Synapses leaving each source line (random families) on average.
    pub fanout: usize,
    pub seed: u64,
    pub hardware: Hardware,
}

impl Spec {
    pub fn new(kind: Kind, neurons: usize, seed: u64) -> Spec {
        Spec {
            kind,
            neurons,
            fanout: 8,
            seed,
            hardware: Hardware {
                tile_neurons: 256,
                tile_axons: 1024,
                mesh: None,
                table_entries: 1024,
                membrane_bits: 16,
                weight_bits: 8,
            },
        }
    }
}

/// Builds a weight matrix row by row; `row(r, out)` pushes (col, weight) pairs.
fn matrix(
    rows: usize,
    cols: usize,
    mut row: impl FnMut(usize, &mut Vec<(usize, i64)>),
) -> WeightMatrix {
    let mut buf = Vec::new();
    let it = (0..rows).flat_map(move |r| {
        buf.clear();
        row(r, &mut buf);
        buf.sort_unstable_by_key(|e| e.0);
        buf.dedup_by_key(|e| e.0);
        buf.iter().map(move |&(c, w)| (r, c, w)).collect::<Vec<_>>()
    });
    WeightMatrix::from_sorted_triplets(rows, cols, it).expect("generated weights fit 16 bits")
}

fn weight(rng: &mut Rng, inhibitory: bool) -> i64 {
    let w = 1 + rng.below(7) as i64;
    if inhibitory {
        -w
    } else {
        w
    }
}

/// `fanout` random targets per source row, anywhere in `cols`.
fn random_matrix(
    rng: &mut Rng,
    rows: usize,
    cols: usize,
    fanout: usize,
    inhibitory: bool,
) -> WeightMatrix {
    matrix(rows, cols, |_, out| {
        for _ in 0..fanout.min(cols) {
            out.push((rng.below(cols), weight(rng, inhibitory)));
        }
    })
}

/// Targets near the source's relative position (scaled index), within `radius`, plus a
/// fraction `long` of the fan-out anywhere.
fn local_matrix(
    rng: &mut Rng,
    rows: usize,
    cols: usize,
    fanout: usize,
    radius: usize,
    long: f64,
    inhibitory: bool,
) -> WeightMatrix {
    matrix(rows, cols, |r, out| {
        let centre = r * cols / rows.max(1);
        for _ in 0..fanout.min(cols) {
            let c = if rng.unit() < long {
                rng.below(cols)
            } else {
                let off = rng.below(2 * radius + 1);
                (centre + cols + off).saturating_sub(radius) % cols
            };
            out.push((c, weight(rng, inhibitory)));
        }
    })
}

/// A 3x3 "same" convolution between two `side x side` maps, with one shared kernel.
fn conv_matrix(rng: &mut Rng, side: usize) -> WeightMatrix {
    let kernel: Vec<i64> = (0..9).map(|_| weight(rng, false)).collect();
    matrix(side * side, side * side, |r, out| {
        let (y, x) = ((r / side) as i64, (r % side) as i64);
        for dy in -1..=1i64 {
            for dx in -1..=1i64 {
                let (ty, tx) = (y + dy, x + dx);
                if ty >= 0 && tx >= 0 && (ty as usize) < side && (tx as usize) < side {
                    // The target at (ty, tx) sees this source through kernel tap (-dy, -dx).
                    let k = ((1 - dy) * 3 + (1 - dx)) as usize;
                    out.push((ty as usize * side + tx as usize, kernel[k]));
                }
            }
        }
    })
}

/// Generates the circuit a spec describes.
pub fn generate(spec: &Spec) -> Result<Circuit, Diagnostics> {
    let mut rng = Rng::new(spec.seed);
    let name = format!("{}_{}", spec.kind.as_str().replace('-', "_"), spec.neurons);
    let mut d = Design::with_hardware(name, spec.hardware);
    let n = spec.neurons.max(4);
    let f = spec.fanout.max(1);
    let lif = Lif::new(20).leak_shift(3);
    match spec.kind {
        Kind::FfDeep | Kind::FfWide => {
            let layers = if spec.kind == Kind::FfDeep { 10 } else { 3 };
            let width = (n / layers).max(1);
            let input = d.input("in", width as i64);
            let mut prev = None;
            for l in 0..layers {
                let p = d.population(format!("layer{l}"), width as i64, lif);
                let w = random_matrix(&mut rng, width, width, f, false);
                match prev {
                    None => d.crossbar(input, p, w),
                    Some(q) => d.crossbar(q, p, w),
                };
                prev = Some(p);
            }
            d.output(prev.expect("at least one layer"));
        }
        Kind::Recurrent => {
            let ne = (n * 4 / 5).max(1);
            let ni = (n - ne).max(1);
            let channels = (n / 16).max(1);
            let input = d.input("in", channels as i64);
            let e = d.population("exc", ne as i64, lif);
            let i = d.population("inh", ni as i64, lif);
            d.crossbar(
                input,
                e,
                local_matrix(&mut rng, channels, ne, 16, 8, 0.0, false),
            );
            d.crossbar(e, e, local_matrix(&mut rng, ne, ne, f, 64, 0.05, false));
            d.crossbar(
                e,
                i,
                local_matrix(&mut rng, ne, ni, f / 2 + 1, 16, 0.05, false),
            );
            d.crossbar(i, e, local_matrix(&mut rng, ni, ne, f, 64, 0.05, true));
            d.crossbar(
                i,
                i,
                local_matrix(&mut rng, ni, ni, f / 2 + 1, 16, 0.05, true),
            );
            d.output(e);
        }
        Kind::Random => {
            let pops = 8;
            let size = (n / pops).max(1);
            let input = d.input("in", (size / 4).max(1) as i64);
            let ps: Vec<_> = (0..pops)
                .map(|k| d.population(format!("p{k}"), size as i64, lif))
                .collect();
            d.crossbar(
                input,
                ps[0],
                random_matrix(&mut rng, (size / 4).max(1), size, f, false),
            );
            for k in 1..pops {
                d.crossbar(
                    ps[k - 1],
                    ps[k],
                    random_matrix(&mut rng, size, size, f, false),
                );
            }
            for k in 0..pops {
                let j = rng.below(pops);
                if j + 1 == k {
                    continue; // already wired by the chain
                }
                let inhibitory = rng.unit() < 0.3;
                let w = random_matrix(&mut rng, size, size, f / 2 + 1, inhibitory);
                let x = d.crossbar(ps[j], ps[k], w);
                d.set_crossbar_name(x, format!("p{j}_to_p{k}_extra"));
            }
            d.output(ps[pops - 1]);
        }
        Kind::Conv => {
            let layers = 4;
            let side = (((n / layers) as f64).sqrt().round() as usize).max(1);
            let input = d.input("image", (side * side) as i64);
            let mut prev = None;
            for l in 0..layers {
                let p = d.population(format!("conv{l}"), (side * side) as i64, lif);
                let w = conv_matrix(&mut rng, side);
                match prev {
                    None => d.crossbar(input, p, w),
                    Some(q) => d.crossbar(q, p, w),
                };
                prev = Some(p);
            }
            d.output(prev.expect("at least one layer"));
        }
    }
    d.finish()
}

/// Writes a circuit as a TOML design; matrices go inline when small and to CSV files
/// beside the design otherwise. Refuses matrices of more than 50 million entries (dense
/// CSV); build larger designs in Rust instead.
pub fn write_toml(c: &Circuit, path: &Path) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("design");
    let hw = c.hardware();
    let mut s = String::new();
    let _ = writeln!(s, "name = \"{}\"\n", c.name());
    let _ = writeln!(s, "[hardware]");
    let _ = writeln!(s, "tile_neurons = {}", hw.tile_neurons);
    let _ = writeln!(s, "tile_axons = {}", hw.tile_axons);
    if let Some((w, h)) = hw.mesh {
        let _ = writeln!(s, "mesh = [{w}, {h}]");
    }
    let _ = writeln!(s, "table_entries = {}", hw.table_entries);
    let _ = writeln!(s, "membrane_bits = {}", hw.membrane_bits);
    let _ = writeln!(s, "weight_bits = {}", hw.weight_bits);
    for (_, i) in c.inputs() {
        let _ = writeln!(
            s,
            "\n[[input]]\nname = \"{}\"\nchannels = {}",
            i.name, i.channels
        );
    }
    let outputs: Vec<_> = c.outputs().map(|(n, _)| n).collect();
    for (n, p) in c.populations() {
        let l = p.lif();
        let _ = writeln!(
            s,
            "\n[[population]]\nname = \"{}\"\nneurons = {}\nthreshold = {}\nleak_shift = {}\nreset = \"{}\"\nrefractory = {}\nmembrane_bits = {}",
            p.name, p.neurons, l.threshold, l.leak_shift, l.reset.as_str(), l.refractory, p.membrane_bits
        );
        if outputs.contains(&n) {
            let _ = writeln!(s, "output = true");
        }
    }
    for (x, xb) in c.crossbars() {
        let from = c.node(c.crossbar_source(x)).name();
        let to = c.node(c.crossbar_target(x)).name();
        let (rows, cols) = (xb.weights.rows(), xb.weights.cols());
        let _ = writeln!(
            s,
            "\n[[crossbar]]\nname = \"{}\"\nfrom = \"{from}\"\nto = \"{to}\"\nweight_bits = {}",
            xb.name, xb.weight_bits
        );
        let dense_row = |r: usize| -> Vec<i64> {
            let mut v = vec![0i64; cols];
            let (cs, ws) = xb.weights.row(r);
            for (&cc, &w) in cs.iter().zip(ws) {
                v[cc as usize] = w as i64;
            }
            v
        };
        let join = |v: Vec<i64>| {
            v.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if rows * cols <= 64 {
            let body: Vec<String> = (0..rows)
                .map(|r| format!("[{}]", join(dense_row(r))))
                .collect();
            let _ = writeln!(s, "weights = [{}]", body.join(", "));
        } else {
            if rows * cols > 50_000_000 {
                return Err(std::io::Error::other(format!(
                    "crossbar `{}` is {rows}x{cols}, too large for a dense CSV weight file",
                    xb.name
                )));
            }
            let file = format!("{stem}_{}.csv", xb.name);
            let mut csv = String::with_capacity(rows * cols * 2);
            for r in 0..rows {
                let row = dense_row(r);
                for (k, v) in row.iter().enumerate() {
                    if k > 0 {
                        csv.push(',');
                    }
                    let _ = write!(csv, "{v}");
                }
                csv.push('\n');
            }
            std::fs::write(dir.join(&file), csv)?;
            let _ = writeln!(s, "weights = \"{file}\"");
        }
    }
    std::fs::write(path, s)
}
