//! Generates the weight files of `designs/layered.toml`, deterministically:
//!
//! - `designs/layered/w_in_hidden.npy`: 64 x 128, int8 (NumPy `|i1`, C order);
//! - `designs/layered/w_hidden_out.csv`: 128 x 10, with a `#` comment header.
//!
//! Run it with `cargo run --example gen_layered_weights` (it writes beside the design, or
//! into the folder given as its one argument). `tests/designs.rs` includes this file and
//! checks that the files in `designs/layered/` are exactly what it generates. The same seed gives the same bytes on
//! every platform: the random numbers come from splitmix64, written out below, and the
//! weights are decided by integer arithmetic only.
//!
//! The structure is that of a small feature-detecting network:
//!
//! - The 64 inputs are pixels of an 8 x 8 image. Each of the 128 hidden neurons has a
//!   centre-surround receptive field at a random place: excitatory weights (+20..=48) from
//!   the pixels within 1.5 pixels of its centre, inhibitory ones (-20..=-6) from about half
//!   of the ring out to 3 pixels, and nothing from farther away. About a fifth of the
//!   matrix is non-zero (1768 synapses).
//! - Each of the 10 output neurons pools a random third of the hidden neurons with
//!   excitatory weights (+8..=32) and is inhibited (-16..=-4) by a further tenth of them
//!   (539 synapses).
//!
//! The scale fits `designs/layered.toml`'s neurons (hidden: threshold 64, leak_shift 2,
//! refractory 1; output: threshold 256, leak_shift 2). In a functional simulation of the
//! semantics page over 1000 ticks, with every input channel spiking independently at 10%
//! of the ticks, the median hidden neuron fires at about 11% of the ticks (the range is
//! 0.6% to 20%, depending on where its field lies) and the outputs at 4% to 24%; without
//! input nothing fires.

use std::fs;
use std::io::Write;
use std::path::PathBuf;

pub const INPUTS: usize = 64;
const SIDE: usize = 8; // the inputs form an 8 x 8 image
pub const HIDDEN: usize = 128;
pub const OUTPUTS: usize = 10;
const SEED: u64 = 0x5EED_1A7E_12ED_0001;

/// splitmix64 (Steele, Lea and Flood 2014): a tiny, well-mixed, fixed PRNG.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi` (the modulo bias is far below anything that matters here).
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

/// Input -> hidden: centre-surround receptive fields on the 8 x 8 input image.
fn in_hidden(rng: &mut SplitMix64) -> Vec<[i8; HIDDEN]> {
    let mut w = vec![[0i8; HIDDEN]; INPUTS];
    for j in 0..HIDDEN {
        // The centre, in quarter pixels so the geometry is exact integer arithmetic.
        let cx = rng.range(0, 4 * (SIDE as i64 - 1));
        let cy = rng.range(0, 4 * (SIDE as i64 - 1));
        for (i, row) in w.iter_mut().enumerate() {
            let (x, y) = (4 * (i % SIDE) as i64, 4 * (i / SIDE) as i64);
            let d2 = (x - cx).pow(2) + (y - cy).pow(2); // squared distance, in 1/16 pixel^2
            let v = if d2 <= 36 {
                // within 1.5 pixels: the excitatory centre
                rng.range(20, 48)
            } else if d2 <= 144 && rng.chance(50) {
                // out to 3 pixels: half of the inhibitory surround
                -rng.range(6, 20)
            } else {
                0
            };
            row[j] = v as i8;
        }
    }
    w
}

/// Hidden -> output: each output pools a random third of the hidden layer and is
/// inhibited by a further tenth.
fn hidden_out(rng: &mut SplitMix64) -> Vec<[i8; OUTPUTS]> {
    let mut w = vec![[0i8; OUTPUTS]; HIDDEN];
    for row in w.iter_mut() {
        for cell in row.iter_mut() {
            let roll = rng.next_u64() % 100;
            *cell = if roll < 33 {
                rng.range(8, 32) as i8
            } else if roll < 43 {
                -rng.range(4, 16) as i8
            } else {
                0
            };
        }
    }
    w
}

/// A NumPy .npy file (format 1.0) holding a C-order `rows x cols` int8 array.
fn npy_i8(rows: &[[i8; HIDDEN]]) -> Vec<u8> {
    let mut header = format!(
        "{{'descr': '|i1', 'fortran_order': False, 'shape': ({}, {}), }}",
        rows.len(),
        HIDDEN
    );
    // Magic (6) + version (2) + header length (2) + header + '\n' is a multiple of 64.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    out.extend(rows.iter().flatten().map(|&v| v as u8));
    out
}

fn csv(rows: &[[i8; OUTPUTS]]) -> String {
    let mut s = String::new();
    s.push_str("# Hidden -> output weights of designs/layered.toml: 128 rows (hidden neurons) x 10 columns\n");
    s.push_str(
        "# (output neurons). Generated by examples/gen_layered_weights.rs; do not edit by hand.\n",
    );
    for row in rows {
        let cells: Vec<String> = row.iter().map(|v| v.to_string()).collect();
        s.push_str(&cells.join(","));
        s.push('\n');
    }
    s
}

#[allow(dead_code)]
fn stats(name: &str, rows: usize, cols: usize, values: impl Iterator<Item = i8> + Clone) {
    let nnz = values.clone().filter(|&v| v != 0).count();
    let exc = values.clone().filter(|&v| v > 0).count();
    println!(
        "{name}: {rows} x {cols}, {nnz} synapses ({:.1}% dense), {exc} excitatory, {} inhibitory",
        100.0 * nnz as f64 / (rows * cols) as f64,
        nnz - exc
    );
}

/// The two weight matrices, input -> hidden (64 rows of 128) and hidden -> output (128
/// rows of 10), from the fixed seed.
pub fn weights() -> (Vec<[i8; HIDDEN]>, Vec<[i8; OUTPUTS]>) {
    let mut rng = SplitMix64(SEED);
    let w1 = in_hidden(&mut rng);
    let w2 = hidden_out(&mut rng);
    (w1, w2)
}

/// The contents of `w_in_hidden.npy` and `w_hidden_out.csv`.
pub fn weight_files() -> (Vec<u8>, String) {
    let (w1, w2) = weights();
    (npy_i8(&w1), csv(&w2))
}

#[allow(dead_code)] // unused when a test includes this file as a module
fn main() -> std::io::Result<()> {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("designs/layered"));
    fs::create_dir_all(&dir)?;

    let (w1, w2) = weights();
    let (npy_bytes, csv_text) = weight_files();
    let npy = dir.join("w_in_hidden.npy");
    fs::File::create(&npy)?.write_all(&npy_bytes)?;
    let csv_path = dir.join("w_hidden_out.csv");
    fs::write(&csv_path, csv_text)?;

    stats("w_in_hidden", INPUTS, HIDDEN, w1.iter().flatten().copied());
    stats(
        "w_hidden_out",
        HIDDEN,
        OUTPUTS,
        w2.iter().flatten().copied(),
    );
    // The accumulator-bound pass warns when the sum of |w| into a neuron exceeds
    // 2^(V-1) - 1 (32767 for V = 16); report the worst case of each layer.
    let worst1 = (0..HIDDEN)
        .map(|j| w1.iter().map(|r| (r[j] as i64).abs()).sum::<i64>())
        .max()
        .unwrap_or(0);
    let worst2 = (0..OUTPUTS)
        .map(|k| w2.iter().map(|r| (r[k] as i64).abs()).sum::<i64>())
        .max()
        .unwrap_or(0);
    println!("worst-case synaptic sum: hidden {worst1}, output {worst2} (V = 16 allows 32767)");
    println!("wrote {} and {}", npy.display(), csv_path.display());
    Ok(())
}
