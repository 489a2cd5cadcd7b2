//! Transformation: cut each (population, tile) slice into runs of consecutive neurons
//! whose spikes go to similar target tiles, so that each run gets its own routing group
//! and multicast tree.
//!
//! A group's spikes all follow one tree: the union, over the group's lines, of the tiles
//! they feed. One stray long-range synapse of one line therefore makes every spike of
//! its whole slice travel to a far tile. Cutting the slice where the target sets change
//! shrinks those unions, at the price of more groups (keys, and table entries where
//! trees cross). The cut is a linear greedy scan over each slice: a line joins the
//! current run unless joining adds more estimated spike traffic (run traffic x new
//! tiles, plus the line's traffic x the run's tiles) than a new group costs, which is
//! `lambda` x (1 + the tiles it reaches): a group costs a table entry in every router
//! of its tree, and the annealer's work grows with its pins.
//! The greedy scan is myopic (with random fan-out every run soon reaches every tile the
//! whole slice does), so a slice's runs are kept only if their total, group costs
//! included, beats the whole slice's.
//! Raising `lambda` gives fewer, larger runs; `f64::INFINITY` keeps the slices whole
//! (and still measures them).
//!
//! Invariant: the runs of a slice are disjoint, consecutive and cover it exactly; the
//! tile of every neuron is unchanged, so capacities, axon rows and synapses are too.
//! Cost: linear in synapses (a source-side CSR of target tiles, 4 bytes per synapse).

use crate::fanin::Fanin;
use crate::partition::Partition;

/// What a cut costs and promises.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Cut {
    /// Sum over groups (inputs' too) of traffic x the tiles (and host) the group must
    /// reach besides its own: a lower bound on spike hops whatever the placement.
    pub traffic: f64,
    /// Sum over groups of 1 + the tiles it reaches: the pins of the placement nets, and
    /// a proxy for routing-table entries.
    pub pins: u64,
    /// Groups (inputs' too).
    pub groups: u64,
}

impl Cut {
    /// The annealer's work for a placement of `tiles` tiles with this cut, in pin
    /// evaluations: moves x 2 tiles x nets per tile x pins per net.
    pub fn anneal_work(&self, tiles: usize, moves: u64) -> f64 {
        let per_tile = self.pins as f64 / tiles.max(1) as f64;
        let per_net = self.pins as f64 / self.groups.max(1) as f64;
        moves as f64 * 2.0 * per_tile * per_net
    }
}

/// The distinct target tiles of every spike line under one partition (a source-side
/// CSR, 4 bytes per synapse), built once and cut many times.
pub struct Targets {
    start: Vec<u64>,
    len: Vec<u32>,
    tile: Vec<u32>,
}

impl Targets {
    pub fn new(part: &Partition, fanin: &Fanin) -> Targets {
        let lines = fanin.lines as usize;
        let mut start = vec![0u64; lines + 1];
        for p in 0..fanin.populations.len() {
            for &l in &fanin.src[p] {
                start[l as usize + 1] += 1;
            }
        }
        for l in 0..lines {
            start[l + 1] += start[l];
        }
        let mut fill = start.clone();
        let mut tile = vec![0u32; start[lines] as usize];
        for p in 0..fanin.populations.len() {
            let n = fanin.start[p].len() - 1;
            for j in 0..n {
                let t = part.tile_of[p][j];
                let (srcs, _) = fanin.of(p, j);
                for &l in srcs {
                    let at = &mut fill[l as usize];
                    tile[*at as usize] = t;
                    *at += 1;
                }
            }
        }
        drop(fill);
        // Deduplicate each line's tiles in place.
        let mut len = vec![0u32; lines];
        for l in 0..lines {
            let (a, b) = (start[l] as usize, start[l + 1] as usize);
            let s = &mut tile[a..b];
            s.sort_unstable();
            let mut k = 0;
            for i in 0..s.len() {
                if i == 0 || s[i] != s[i - 1] {
                    s[k] = s[i];
                    k += 1;
                }
            }
            len[l] = k as u32;
        }
        Targets { start, len, tile }
    }
}

/// Cuts the slices of `part` in place (they must be whole: one per tile and population
/// run, as partitioning leaves them). `rate(line)` is a line's traffic, `output[p]`
/// whether population p's spikes also go to the host, `tile_neurons` the size of an
/// input's channel groups; `targets` is [`Targets::new`] of this partition.
#[allow(clippy::too_many_arguments)]
pub fn split(
    part: &mut Partition,
    fanin: &Fanin,
    targets: &Targets,
    output: &[bool],
    rate: &dyn Fn(u32) -> f64,
    lambda: f64,
    tile_neurons: u32,
) -> Cut {
    let tiles = part.tiles.len();
    let Targets {
        start,
        len,
        tile: tile_of_syn,
    } = targets;
    let host = tiles as u32; // a pseudo-tile for output spikes to the host
    let mut stamp = vec![0u32; tiles + 1];
    let mut serial = 0u32;
    let mut estimate = 0.0;
    let mut pins = 0u64;
    let mut groups = 0u64;
    let mut runs: Vec<(u32, u32, u32)> = Vec::new();
    for (i, &base) in fanin.input_base.iter().enumerate() {
        let end = fanin
            .input_base
            .get(i + 1)
            .copied()
            .unwrap_or(fanin.pop_base.first().copied().unwrap_or(fanin.lines));
        let mut first = base;
        while first < end {
            let last = (first + tile_neurons.max(1)).min(end);
            serial += 1;
            let (mut traffic, mut union) = (0.0, 0u32);
            for l in first..last {
                let l = l as usize;
                if len[l] > 0 {
                    traffic += rate(l as u32);
                }
                for &x in &tile_of_syn[start[l] as usize..start[l] as usize + len[l] as usize] {
                    if stamp[x as usize] != serial {
                        stamp[x as usize] = serial;
                        union += 1;
                    }
                }
            }
            estimate += traffic * union as f64;
            pins += 1 + union as u64;
            groups += 1;
            first = last;
        }
    }
    for (t, parts) in part.tiles.iter_mut().enumerate() {
        let t = t as u32;
        let mut slices = Vec::with_capacity(parts.slices.len());
        for &(p, first, count) in &parts.slices {
            let base = fanin.pop_base[p as usize] + first;
            let targets = |k: u32| {
                let l = (base + k) as usize;
                let mine = &tile_of_syn[start[l] as usize..start[l] as usize + len[l] as usize];
                let r = if len[l] > 0 || output[p as usize] {
                    rate(l as u32)
                } else {
                    0.0
                };
                let sinks = mine
                    .iter()
                    .copied()
                    .filter(move |&x| x != t)
                    .chain(output[p as usize].then_some(host));
                (r, sinks)
            };
            // The whole slice as one group.
            serial += 1;
            let (mut all_traffic, mut all_union) = (0.0f64, 0u32);
            for k in 0..count {
                let (r, sinks) = targets(k);
                all_traffic += r;
                for x in sinks {
                    if stamp[x as usize] != serial {
                        stamp[x as usize] = serial;
                        all_union += 1;
                    }
                }
            }
            let whole = all_traffic * all_union as f64;
            // Greedy runs.
            runs.clear();
            let (mut cut_cost, mut cut_estimate, mut cut_pins) = (0.0f64, 0.0f64, 0u64);
            let mut run_first = 0;
            let (mut traffic, mut union) = (0.0f64, 0u32);
            serial += 1;
            for k in 0..count {
                let (r, sinks) = targets(k);
                let (mut own, mut new) = (0u32, 0u32);
                for x in sinks.clone() {
                    own += 1;
                    if stamp[x as usize] != serial {
                        new += 1;
                    }
                }
                let join = traffic * new as f64 + r * (union + new) as f64;
                let alone = r * own as f64 + lambda * (1 + own) as f64;
                if k > 0 && join > alone {
                    cut_estimate += traffic * union as f64;
                    cut_pins += 1 + union as u64;
                    cut_cost += traffic * union as f64 + lambda * (1 + union) as f64;
                    runs.push((p, first + run_first, k - run_first));
                    run_first = k;
                    traffic = 0.0;
                    union = 0;
                    serial += 1;
                }
                for x in sinks {
                    if stamp[x as usize] != serial {
                        stamp[x as usize] = serial;
                        union += 1;
                    }
                }
                traffic += r;
            }
            cut_estimate += traffic * union as f64;
            cut_pins += 1 + union as u64;
            cut_cost += traffic * union as f64 + lambda * (1 + union) as f64;
            runs.push((p, first + run_first, count - run_first));
            // Keep the cut only if it pays for its groups.
            if runs.len() > 1 && cut_cost < whole + lambda * (1 + all_union) as f64 {
                estimate += cut_estimate;
                pins += cut_pins;
                groups += runs.len() as u64;
                slices.extend_from_slice(&runs);
            } else {
                estimate += whole;
                pins += 1 + all_union as u64;
                groups += 1;
                slices.push((p, first, count));
            }
        }
        parts.slices = slices;
    }
    Cut {
        traffic: estimate,
        pins,
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generator::{generate, Kind, Spec};
    use crate::partition::{partition, partition_aligned};

    fn runs(p: &Partition) -> Vec<Vec<(u32, u32, u32)>> {
        p.tiles.iter().map(|t| t.slices.clone()).collect()
    }

    /// Merges adjacent runs of one population back into slices.
    fn merged(p: &Partition) -> Vec<Vec<(u32, u32, u32)>> {
        p.tiles
            .iter()
            .map(|t| {
                let mut v: Vec<(u32, u32, u32)> = Vec::new();
                for &(q, f, c) in &t.slices {
                    match v.last_mut() {
                        Some((lq, lf, lc)) if *lq == q && *lf + *lc == f => *lc += c,
                        _ => v.push((q, f, c)),
                    }
                }
                v
            })
            .collect()
    }

    #[test]
    fn cuts_cover_the_slices_and_only_finite_lambda_cuts() {
        let c = generate(&Spec::new(Kind::Recurrent, 2000, 3)).unwrap();
        let f = Fanin::new(&c);
        let out: Vec<bool> = vec![true, false];
        let whole = partition(&c, &f, 64, 1024).unwrap();
        let mut same = whole.clone();
        let tg = Targets::new(&whole, &f);
        let e_whole = split(&mut same, &f, &tg, &out, &|_| 1.0, f64::INFINITY, 64).traffic;
        assert_eq!(runs(&same), runs(&whole));
        let mut cut = whole.clone();
        let e_cut = split(&mut cut, &f, &tg, &out, &|_| 1.0, 0.0, 64).traffic;
        assert!(
            cut.tiles
                .iter()
                .zip(&whole.tiles)
                .any(|(a, b)| a.slices.len() > b.slices.len()),
            "the recurrent design's long-range synapses give runs"
        );
        for t in &cut.tiles {
            assert!(t.slices.iter().all(|&(_, _, n)| n > 0));
        }
        assert_eq!(merged(&cut), runs(&whole));
        assert!(e_cut < e_whole, "{e_cut} >= {e_whole}");
    }

    #[test]
    fn aligned_partition_interleaves_maps_and_respects_capacity() {
        let c = generate(&Spec::new(Kind::Conv, 4 * 400, 1)).unwrap();
        let f = Fanin::new(&c);
        let p = partition_aligned(&c, &f, 64, 1024).unwrap();
        // 4 maps of 400 neurons interleaved: every full tile holds 16 of each.
        assert_eq!(p.tiles.len(), 25);
        for t in &p.tiles {
            assert_eq!(t.neurons, 64);
            assert_eq!(t.slices.len(), 4, "{:?}", t.slices);
            assert!(t.slices.iter().all(|&(_, _, n)| n == 16));
        }
        // Every neuron in exactly one tile, and tile_of agrees.
        for (q, of) in p.tile_of.iter().enumerate() {
            for (j, &t) in of.iter().enumerate() {
                let s = &p.tiles[t as usize].slices;
                assert!(s
                    .iter()
                    .any(|&(sq, sf, sc)| sq == q as u32 && sf <= j as u32 && (j as u32) < sf + sc));
            }
        }
        // Tight axon rows close tiles early rather than overflowing them.
        let tight = partition_aligned(&c, &f, 64, 40).unwrap();
        assert!(tight.tiles.len() > 25);
        assert!(tight.tiles.iter().all(|t| t.axons <= 40));
    }
}
