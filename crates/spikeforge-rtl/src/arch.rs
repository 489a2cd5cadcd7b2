//! The dimensions of the generated hardware, derived once from a [`Plan`]. Tiles are
//! identical, so every width here is the maximum over the tiles; each tile's own
//! contents come from its memory images.

use spikeforge_pnr::Plan;
use spikeforge_verilog::index_bits;

/// Widths and sizes shared by every generated module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arch {
    /// Bits of a routing key (the whole packet). Chosen so the all-ones key is never a
    /// real key: it pads the axon-key memories.
    pub key_bits: u32,
    /// log2 of the neuron slots of a tile.
    pub nb: u32,
    /// log2 of the axon rows of a tile.
    pub ab: u32,
    /// Membrane and accumulator width: the widest population's `membrane_bits`.
    pub vm: u32,
    /// Stored weight width: the bits the widest synapse needs.
    pub wb: u32,
    /// Routing-table entries per router (the most any router has, at least one).
    pub entries: u32,
    /// Mesh size.
    pub w: u32,
    pub h: u32,
    /// Input channels over all inputs, and bits to index them.
    pub channels: u32,
    pub cb: u32,
    /// Output populations, and bits to index them and their neurons.
    pub outputs: u32,
    pub ob: u32,
    pub ib: u32,
}

/// Bits of the per-neuron parameter word: key, vshift(5), refractory(8), reset(1),
/// leak(5), threshold(vm).
pub fn param_bits(a: &Arch) -> u32 {
    a.key_bits + 5 + 8 + 1 + 5 + a.vm
}

impl Arch {
    pub fn of(plan: &Plan) -> Arch {
        let shift = plan.keys.group_shift;
        let max_group_key = plan
            .groups
            .iter()
            .map(|g| (g.key as u64) + g.count.saturating_sub(1) as u64)
            .max()
            .unwrap_or(0);
        let max_key = plan
            .tiles
            .iter()
            .flat_map(|t| t.axon_keys.iter().map(|&k| k as u64))
            .chain([max_group_key])
            .max()
            .unwrap_or(0);
        // +1 so all-ones is free; at least `shift + 1` bits so a key has a group part.
        let key_bits = bits_for(max_key + 1).max(shift + 1);
        let neurons = plan.tiles.iter().map(|t| t.neurons).max().unwrap_or(1);
        let axons = plan
            .tiles
            .iter()
            .map(|t| t.axons() as u32)
            .max()
            .unwrap_or(1);
        let vm = plan
            .populations
            .iter()
            .map(|p| p.params.membrane_bits)
            .max()
            .unwrap_or(8);
        let wb = plan
            .tiles
            .iter()
            .flat_map(|t| t.synapses.iter().map(|s| signed_bits(s.1 as i64)))
            .max()
            .unwrap_or(2)
            .clamp(2, vm);
        let entries = plan
            .routers
            .iter()
            .map(|r| r.entries.len() as u32)
            .max()
            .unwrap_or(1)
            .max(1);
        let channels: u32 = plan.inputs.iter().map(|i| i.channels).sum();
        let outs: Vec<u32> = plan
            .populations
            .iter()
            .filter(|p| p.output)
            .map(|p| p.neurons)
            .collect();
        Arch {
            key_bits,
            nb: index_bits(neurons.max(2)),
            ab: index_bits(axons.max(2)),
            vm,
            wb,
            entries,
            w: plan.mesh[0],
            h: plan.mesh[1],
            channels,
            cb: index_bits(channels.max(1)),
            outputs: outs.len() as u32,
            ob: index_bits((outs.len() as u32).max(1)),
            ib: index_bits(outs.iter().copied().max().unwrap_or(1)),
        }
    }

    /// Neuron slots of a tile.
    pub fn nc(&self) -> u32 {
        1 << self.nb
    }

    /// Axon rows of a tile.
    pub fn ac(&self) -> u32 {
        1 << self.ab
    }
}

/// Bits to hold the unsigned value `v` (at least one).
pub fn bits_for(v: u64) -> u32 {
    (64 - v.leading_zeros()).max(1)
}

/// Bits of the smallest two's-complement width holding `v`.
pub fn signed_bits(v: i64) -> u32 {
    let mag = if v < 0 { !v } else { v } as u64;
    bits_for(mag) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths() {
        assert_eq!(signed_bits(0), 2);
        assert_eq!(signed_bits(-1), 2);
        assert_eq!(signed_bits(1), 2);
        assert_eq!(signed_bits(127), 8);
        assert_eq!(signed_bits(-128), 8);
        assert_eq!(signed_bits(128), 9);
        assert_eq!(bits_for(0), 1);
        assert_eq!(bits_for(255), 8);
        assert_eq!(bits_for(256), 9);
    }
}
