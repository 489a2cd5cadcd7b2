//! Transformation: partition the populations into tiles.
//!
//! Neurons are taken in declaration order (population by population, neuron by neuron)
//! and poured into tiles; a tile is closed when the next neuron would exceed its neuron
//! capacity or would bring in more distinct source lines (axon rows) than it holds.
//! Keeping the declaration order keeps neighbours together, which is what the placer
//! builds on. Invariant: every neuron is in exactly one tile, every tile holds at most
//! `tile_neurons` neurons and `tile_axons` distinct source lines; anything that cannot
//! fit is a diagnostic (`axon_overflow`, `mesh_overflow`), never a panic or truncation.

use spikeforge_ir::{Circuit, Code, Diagnostic, Diagnostics, Field, Owner};

use crate::fanin::Fanin;

/// A tile's contents after partitioning: runs of neurons `(population, first, count)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TileParts {
    pub slices: Vec<(u32, u32, u32)>,
    pub neurons: u32,
    pub axons: u32,
}

/// The result of partitioning.
#[derive(Clone, Debug)]
pub struct Partition {
    pub tiles: Vec<TileParts>,
    /// Tile of each neuron, per population.
    pub tile_of: Vec<Vec<u32>>,
}

/// Partitions the circuit's neurons into tiles of `tile_neurons` neurons and
/// `tile_axons` axon rows, in declaration order (sequential fill).
pub fn partition(
    c: &Circuit,
    fanin: &Fanin,
    tile_neurons: u32,
    tile_axons: u32,
) -> Result<Partition, Diagnostics> {
    let order = (0..fanin.populations.len())
        .flat_map(|p| (0..c.width(fanin.populations[p]) as u32).map(move |j| (p as u32, j)));
    fill(c, fanin, tile_neurons, tile_axons, order)
}

/// Partitions with the neurons of all populations interleaved by relative position:
/// neuron j of a population of n is taken at position (j + 1/2) / n, ties in
/// declaration order. Populations wired as topographic maps (convolutions, lattices,
/// one population's neuron j feeding around neuron j x m / n of the next) then share
/// tiles region by region, so most of their synapses stay inside a tile; each tile
/// holds one run per population. The caller compares it with [`partition`].
pub fn partition_aligned(
    c: &Circuit,
    fanin: &Fanin,
    tile_neurons: u32,
    tile_axons: u32,
) -> Result<Partition, Diagnostics> {
    let sizes: Vec<u64> = fanin
        .populations
        .iter()
        .map(|&n| c.width(n) as u64)
        .collect();
    let mut order: Vec<(u32, u32)> = Vec::with_capacity(sizes.iter().sum::<u64>() as usize);
    // Merge the populations by (2j + 1) / 2n, compared exactly as fractions.
    let mut next = vec![0u64; sizes.len()];
    let mut heap: std::collections::BinaryHeap<std::cmp::Reverse<Key>> = sizes
        .iter()
        .enumerate()
        .filter(|(_, &n)| n > 0)
        .map(|(p, &n)| {
            std::cmp::Reverse(Key {
                num: 1,
                den: 2 * n,
                p: p as u32,
            })
        })
        .collect();
    while let Some(std::cmp::Reverse(k)) = heap.pop() {
        let p = k.p as usize;
        order.push((k.p, next[p] as u32));
        next[p] += 1;
        if next[p] < sizes[p] {
            heap.push(std::cmp::Reverse(Key {
                num: 2 * next[p] + 1,
                den: 2 * sizes[p],
                p: k.p,
            }));
        }
    }
    fill(c, fanin, tile_neurons, tile_axons, order.into_iter())
}

/// A neuron's relative position num/den, then its population.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key {
    num: u64,
    den: u64,
    p: u32,
}

impl Ord for Key {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        ((self.num as u128) * (o.den as u128))
            .cmp(&((o.num as u128) * (self.den as u128)))
            .then(self.p.cmp(&o.p))
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

/// How many of a tile's latest runs a neuron may extend (bounds the fill's cost when
/// many populations are interleaved).
const RUNS_SEARCHED: usize = 16;

/// Pours the neurons, in `order`, into tiles.
fn fill(
    c: &Circuit,
    fanin: &Fanin,
    tile_neurons: u32,
    tile_axons: u32,
    order: impl Iterator<Item = (u32, u32)>,
) -> Result<Partition, Diagnostics> {
    let mut diags = Diagnostics::new();
    let mut tiles: Vec<TileParts> = vec![TileParts::default()];
    let mut tile_of: Vec<Vec<u32>> = fanin
        .populations
        .iter()
        .map(|&n| vec![u32::MAX; c.width(n)])
        .collect();
    // mark[line] = 1 + the last tile that took the line as an axon row.
    let mut mark = vec![0u32; fanin.lines as usize];
    // seen[line] = 1 + serial of the last neuron that counted the line.
    let mut seen = vec![0u32; fanin.lines as usize];
    let mut serial = 0u32;
    let mut fresh: Vec<u32> = Vec::new();
    // Per population: (neuron, distinct sources) of its worst axon overflow.
    let mut worst: Vec<Option<(usize, usize)>> = vec![None; fanin.populations.len()];
    for (p, j) in order {
        let (p, j) = (p as usize, j as usize);
        serial += 1;
        let cur = tiles.len() as u32 - 1;
        fresh.clear();
        let (srcs, _) = fanin.of(p, j);
        for &s in srcs {
            let s = s as usize;
            if mark[s] != cur + 1 && seen[s] != serial {
                seen[s] = serial;
                fresh.push(s as u32);
            }
        }
        let t = tiles.last().expect("at least one tile");
        let fits = t.neurons < tile_neurons && t.axons + fresh.len() as u32 <= tile_axons;
        let cur = if fits || t.neurons == 0 {
            cur
        } else {
            tiles.push(TileParts::default());
            serial += 1;
            fresh.clear();
            for &s in srcs {
                let s = s as usize;
                if seen[s] != serial {
                    seen[s] = serial;
                    fresh.push(s as u32);
                }
            }
            tiles.len() as u32 - 1
        };
        // Only a neuron alone in its tile can overflow it: then it has too many sources.
        if fresh.len() as u32 > tile_axons && worst[p].is_none_or(|(_, d)| fresh.len() > d) {
            worst[p] = Some((j, fresh.len()));
        }
        for &s in &fresh {
            mark[s as usize] = cur + 1;
        }
        let t = &mut tiles[cur as usize];
        t.axons += fresh.len() as u32;
        t.neurons += 1;
        // Extend the tile's run of this population that ends just before j, if any
        // (with interleaved orders the tile's latest slice may be another population's).
        match t
            .slices
            .iter_mut()
            .rev()
            .take(RUNS_SEARCHED)
            .find(|(lp, first, count)| *lp == p as u32 && *first + *count == j as u32)
        {
            Some((_, _, count)) => *count += 1,
            None => t.slices.push((p as u32, j as u32, 1)),
        }
        tile_of[p][j] = cur;
    }
    for (p, w) in worst.iter().enumerate() {
        let Some((j, d)) = *w else {
            continue;
        };
        let pn = fanin.populations[p];
        let name = c.node(pn).name();
        diags.push(
            Diagnostic::new(
                Code::AxonOverflow,
                format!(
                    "population `{name}`: neuron {j} receives spikes from {d} distinct sources, \
                     {} more than the {tile_axons} axon rows of a tile",
                    d as u32 - tile_axons
                ),
            )
            .label(
                c.spans().get(Owner::Node(pn), Field::Decl),
                format!("neuron {j} has {d} distinct sources"),
            )
            .also(
                c.spans().exact(Owner::Hardware, Field::TileAxons),
                format!("a tile holds {tile_axons}"),
            )
            .help(format!(
                "raise `tile_axons` in [hardware] to at least {d} (now {tile_axons}), \
                 or prune the crossbars into `{name}`"
            )),
        );
    }
    if tiles.last().is_some_and(|t| t.neurons == 0) {
        tiles.pop();
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(Partition { tiles, tile_of })
}

/// The mesh to place `tiles` tiles on: the design's, or the smallest square that fits.
pub fn choose_mesh(c: &Circuit, tiles: usize) -> Result<(u32, u32), Diagnostics> {
    let hw = c.hardware();
    let total_neurons: i64 = c.populations().map(|(_, p)| p.neurons).sum();
    match hw.mesh {
        Some((w, h)) => {
            let slots = (w * h) as usize;
            if tiles > slots {
                let side = (tiles as f64).sqrt().ceil() as usize;
                let side = (side..).find(|s| s * s >= tiles).unwrap_or(side);
                Err(Diagnostic::new(
                    Code::MeshOverflow,
                    format!(
                        "the design needs {tiles} tiles ({total_neurons} neurons at up to {} per tile \
                         and {} axon rows per tile), but the {w}x{h} mesh has {slots}: {} too many",
                        hw.tile_neurons,
                        hw.tile_axons,
                        tiles - slots
                    ),
                )
                .label(
                    c.spans().get(Owner::Hardware, Field::Mesh),
                    format!("{slots} tiles"),
                )
                .help(format!(
                    "enlarge `mesh` to at least {side}x{side} (or leave it out), \
                     or raise `tile_neurons` / `tile_axons` so fewer tiles are needed"
                ))
                .into())
            } else {
                Ok((w as u32, h as u32))
            }
        }
        None => {
            let mut side = (tiles.max(1) as f64).sqrt().floor() as usize;
            while side * side < tiles {
                side += 1;
            }
            if side > 1024 {
                return Err(Diagnostic::new(
                    Code::MeshOverflow,
                    format!(
                        "the design needs {tiles} tiles, more than the largest mesh (1024x1024) holds"
                    ),
                )
                .label(c.spans().get(Owner::Hardware, Field::TileNeurons), "per tile")
                .help("raise `tile_neurons` / `tile_axons` so fewer tiles are needed")
                .into());
            }
            Ok((side as u32, side as u32))
        }
    }
}
