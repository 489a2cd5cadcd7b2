//! Memory images for `$readmemh`: one line per word, lower-case hex, exactly as many
//! digits as the word has bits (rounded up to a nibble), exactly as many lines as the
//! memory has words. Each tile's images hold its axon keys (padded with the all-ones
//! key, which is never a real key), its weight rows (dense, zero where there is no
//! synapse) and its neuron parameters; the top's channel ROM maps input channels to keys.

use spikeforge_pnr::plan::Tile;
use spikeforge_pnr::Plan;

use crate::arch::{param_bits, Arch};

fn hex_lines(words: impl Iterator<Item = u128>, bits: u32) -> String {
    // The same bytes as `writeln!(out, "{:0digits$x}", w & mask)` for every word (a
    // test below checks it), written digit by digit: formatting a u128 through
    // `core::fmt` dominated emission of large designs (~90% of `emit` at 100k neurons).
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digits = (bits.div_ceil(4) as usize).max(1);
    let mask = if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    let mut out = Vec::with_capacity(words.size_hint().0 * (digits + 1));
    for w in words {
        let v = w & mask;
        if digits <= 16 {
            // Most words (weights, keys) fit 64 bits: cheaper shifts.
            let v = v as u64;
            for i in (0..digits).rev() {
                out.push(HEX[((v >> (4 * i)) & 0xf) as usize]);
            }
        } else {
            for i in (0..digits).rev() {
                out.push(HEX[((v >> (4 * i)) & 0xf) as usize]);
            }
        }
        out.push(b'\n');
    }
    String::from_utf8(out).expect("hex digits are ASCII")
}

pub fn keys(a: &Arch, t: &Tile) -> String {
    let pad = (1u128 << a.key_bits) - 1;
    let words = (0..a.ac() as usize).map(|r| t.axon_keys.get(r).map_or(pad, |&k| k as u128));
    hex_lines(words, a.key_bits)
}

pub fn weights(a: &Arch, t: &Tile) -> String {
    let nc = a.nc() as usize;
    let mut dense = vec![0i64; a.ac() as usize * nc];
    for r in 0..t.axons() {
        for s in t.row(r) {
            dense[r * nc + s.0 as usize] = s.1 as i64;
        }
    }
    hex_lines(dense.into_iter().map(|v| v as u128), a.wb)
}

/// Parameter word of every neuron slot: {key, vshift, refractory, reset, leak, threshold}.
/// Unused slots get the largest threshold and no synapses, so they never fire.
pub fn neurons(a: &Arch, plan: &Plan, t: &Tile) -> String {
    let vm = a.vm;
    let mut words = vec![(1u128 << (vm - 1)) - 1; a.nc() as usize];
    for s in &t.slices {
        let p = &s.params;
        for i in 0..s.count {
            let mut w = (p.threshold as u128) & ((1u128 << vm) - 1);
            w |= (p.leak_shift as u128) << vm;
            w |= ((p.reset == "subtract") as u128) << (vm + 5);
            w |= (p.refractory as u128) << (vm + 6);
            w |= ((vm - p.membrane_bits) as u128) << (vm + 14);
            w |= (plan.keys.key(s.group, i) as u128) << (vm + 19);
            words[(s.local + i) as usize] = w;
        }
    }
    hex_lines(words.into_iter(), param_bits(a))
}

/// The channel ROM: input channels in declaration order, each `{valid, key}`.
pub fn channels(a: &Arch, plan: &Plan) -> String {
    let per_group = plan.hardware.tile_neurons;
    let mut words = Vec::new();
    for i in &plan.inputs {
        for c in 0..i.channels {
            let key = plan.keys.key(i.first_group + c / per_group, c % per_group) as u128;
            words.push((1u128 << a.key_bits) | key);
        }
    }
    words.resize(1 << a.cb, 0);
    hex_lines(words.into_iter(), a.key_bits + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `hex_lines` writes exactly what `format!("{:0digits$x}\n")` writes, for every
    /// width from 0 to 128 bits and values around the mask's edges.
    #[test]
    fn hex_lines_match_the_formatter() {
        for bits in 0..=128u32 {
            let digits = bits.div_ceil(4) as usize;
            let mask = if bits >= 128 {
                u128::MAX
            } else {
                (1u128 << bits) - 1
            };
            let words = [
                0u128,
                1,
                0xa5,
                mask,
                mask.wrapping_add(1),
                u128::MAX,
                0x0123_4567_89ab_cdef_fedc_ba98_7654_3210,
            ];
            let want: String = words
                .iter()
                .map(|&w| format!("{:0digits$x}\n", w & mask))
                .collect();
            assert_eq!(hex_lines(words.into_iter(), bits), want, "bits {bits}");
        }
    }
}
