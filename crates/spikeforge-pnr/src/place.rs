//! Transformation: put tiles on the W x H mesh.
//!
//! The placement problem is given as weighted nets: one per routing group, whose pins
//! are the source tile (or the host), every target tile (and the host for output
//! populations), weighted by the group's estimated spike traffic. The cost is the
//! traffic-weighted half-perimeter of each net's bounding box, the classic estimate of a
//! rectilinear Steiner tree's length, i.e. of spike hops under multicast.
//!
//! - `seq`: tile i in slot i, row-major (sequential fill, the PACMAN baseline);
//! - `random`: a seeded random permutation of the slots;
//! - `anneal`: tiles in partition order along a Hilbert curve (so neighbours in the
//!   declaration order are neighbours on the mesh), then VPR-style simulated annealing
//!   with swap/move moves inside a shrinking range window and an adaptive schedule.
//!
//! Invariant: the result is a one-to-one map from tiles to slots; for a given input and
//! seed it is always the same (a deterministic move budget, never a wall-clock limit).

use crate::plan::Placer;
use crate::rng::Rng;

/// Placement nets in compressed form.
#[derive(Clone, Debug, Default)]
pub struct Nets {
    /// Pins of net n are `pins[start[n]..start[n + 1]]` (tile ids, distinct).
    pub start: Vec<u32>,
    pub pins: Vec<u32>,
    /// Whether net n also has a pin at the host (slot (host_x, host_y)).
    pub host: Vec<bool>,
    /// The source pin of net n: a tile id, or `u32::MAX` when the host sends.
    pub root: Vec<u32>,
    pub weight: Vec<f64>,
}

impl Nets {
    pub fn push(
        &mut self,
        root: Option<u32>,
        pins: impl IntoIterator<Item = u32>,
        host: bool,
        weight: f64,
    ) {
        if self.start.is_empty() {
            self.start.push(0);
        }
        self.pins.extend(pins);
        self.start.push(self.pins.len() as u32);
        self.host.push(host);
        self.root.push(root.unwrap_or(u32::MAX));
        self.weight.push(weight);
    }

    pub fn len(&self) -> usize {
        self.host.len()
    }

    pub fn is_empty(&self) -> bool {
        self.host.is_empty()
    }

    fn pins_of(&self, n: usize) -> &[u32] {
        &self.pins[self.start[n] as usize..self.start[n + 1] as usize]
    }
}

/// Options of the annealer.
#[derive(Clone, Copy, Debug)]
pub struct AnnealOptions {
    /// Moves per temperature = `inner * tiles` (at least 200).
    pub inner: f64,
    /// Starting temperature as a multiple of the standard deviation of local move deltas.
    pub start_temperature: f64,
    /// Upper bound on the number of moves over the whole run.
    pub max_moves: u64,
    /// Upper bound on the number of moves per tile over the whole run.
    pub budget_per_tile: u64,
}

impl Default for AnnealOptions {
    fn default() -> Self {
        AnnealOptions {
            inner: 10.0,
            start_temperature: 1.0,
            max_moves: 4_000_000,
            budget_per_tile: 500,
        }
    }
}

/// The slot (y * W + x) of every tile.
pub fn place(
    tiles: usize,
    (w, h): (u32, u32),
    host: (u32, u32),
    nets: &Nets,
    placer: Placer,
    seed: u64,
    opts: &AnnealOptions,
) -> Vec<u32> {
    let slots = (w * h) as usize;
    assert!(
        tiles <= slots,
        "partition checked that the mesh is large enough"
    );
    match placer {
        Placer::Seq => (0..tiles as u32).collect(),
        Placer::Random => {
            let mut all: Vec<u32> = (0..slots as u32).collect();
            Rng::new(seed).shuffle(&mut all);
            all.truncate(tiles);
            all
        }
        Placer::Anneal => {
            let order = hilbert_order(w, h);
            let hilbert: Vec<u32> = order[..tiles].to_vec();
            let rows: Vec<u32> = (0..tiles as u32).collect();
            let pos = if wirelength(nets, &rows, w, host) < wirelength(nets, &hilbert, w, host) {
                rows
            } else {
                hilbert
            };
            let mut a = Annealer::new(tiles, (w, h), host, nets, pos);
            a.run(seed, opts);
            a.pos
        }
    }
}

/// Slots of a W x H mesh in Hilbert-curve order (curve over the enclosing 2^k square,
/// slots outside the mesh skipped).
pub fn hilbert_order(w: u32, h: u32) -> Vec<u32> {
    let n = w.max(h).next_power_of_two() as u64;
    let mut keyed: Vec<(u64, u32)> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (hilbert_d(n, x as u64, y as u64), y * w + x)))
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, s)| s).collect()
}

fn hilbert_d(n: u64, mut x: u64, mut y: u64) -> u64 {
    let mut d = 0;
    let mut s = n / 2;
    while s > 0 {
        let rx = u64::from(x & s > 0);
        let ry = u64::from(y & s > 0);
        d += s * s * ((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = n - 1 - x;
                y = n - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    d
}

/// The annealer's cost of a placement: sum over nets of traffic x net cost.
pub fn wirelength(nets: &Nets, pos: &[u32], w: u32, host: (u32, u32)) -> f64 {
    (0..nets.len())
        .map(|n| nets.weight[n] * net_cost(nets, n, pos, w, host))
        .sum()
}

/// Cost of one net: half-perimeter of its bounding box (the Steiner-tree estimate, good
/// for small nets) plus the mean Manhattan distance from its source to its sinks (which
/// still sees clustering when a large net's box already spans the mesh).
fn net_cost(nets: &Nets, n: usize, pos: &[u32], w: u32, host: (u32, u32)) -> f64 {
    let (mut x0, mut x1, mut y0, mut y1) = (u32::MAX, 0, u32::MAX, 0);
    if nets.host[n] {
        (x0, x1, y0, y1) = (host.0, host.0, host.1, host.1);
    }
    let root = nets.root[n];
    let (rx, ry) = if root == u32::MAX {
        host
    } else {
        let s = pos[root as usize];
        (s % w, s / w)
    };
    let (mut star, mut sinks) = (0u32, 0u32);
    if nets.host[n] && root != u32::MAX {
        star += rx.abs_diff(host.0) + ry.abs_diff(host.1);
        sinks += 1;
    }
    for &t in nets.pins_of(n) {
        let s = pos[t as usize];
        let (x, y) = (s % w, s / w);
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
        if t != root {
            star += x.abs_diff(rx) + y.abs_diff(ry);
            sinks += 1;
        }
    }
    if x0 > x1 {
        return 0.0;
    }
    let hpwl = (x1 - x0) + (y1 - y0);
    hpwl as f64
        + if sinks > 0 {
            star as f64 / sinks as f64
        } else {
            0.0
        }
}

struct Annealer<'a> {
    w: u32,
    h: u32,
    host: (u32, u32),
    nets: &'a Nets,
    pos: Vec<u32>,
    /// Tile in each slot, or u32::MAX.
    occ: Vec<u32>,
    /// Nets of each tile (CSR).
    tn_start: Vec<u32>,
    tn: Vec<u32>,
    cost: Vec<f64>,
    stamp: Vec<u32>,
    serial: u32,
    touched: Vec<(u32, f64)>,
}

impl<'a> Annealer<'a> {
    fn new(
        tiles: usize,
        (w, h): (u32, u32),
        host: (u32, u32),
        nets: &'a Nets,
        pos: Vec<u32>,
    ) -> Self {
        let mut occ = vec![u32::MAX; (w * h) as usize];
        for (t, &s) in pos.iter().enumerate() {
            occ[s as usize] = t as u32;
        }
        let mut count = vec![0u32; tiles + 1];
        for n in 0..nets.len() {
            for &t in nets.pins_of(n) {
                count[t as usize + 1] += 1;
            }
        }
        for t in 0..tiles {
            count[t + 1] += count[t];
        }
        let mut fill = count.clone();
        let mut tn = vec![0u32; count[tiles] as usize];
        for n in 0..nets.len() {
            for &t in nets.pins_of(n) {
                tn[fill[t as usize] as usize] = n as u32;
                fill[t as usize] += 1;
            }
        }
        let cost = (0..nets.len())
            .map(|n| net_cost(nets, n, &pos, w, host))
            .collect();
        Annealer {
            w,
            h,
            host,
            nets,
            pos,
            occ,
            tn_start: count,
            tn,
            cost,
            stamp: vec![0; nets.len()],
            serial: 0,
            touched: Vec::new(),
        }
    }

    /// Picks a slot for tile `a` within `rlim` of it; None if it is its own slot.
    fn pick(&self, rng: &mut Rng, a: u32, rlim: u32) -> Option<u32> {
        let s = self.pos[a as usize];
        let (x, y) = (s % self.w, s / self.w);
        let lo_x = x.saturating_sub(rlim);
        let hi_x = (x + rlim).min(self.w - 1);
        let lo_y = y.saturating_sub(rlim);
        let hi_y = (y + rlim).min(self.h - 1);
        let nx = lo_x + rng.below((hi_x - lo_x + 1) as usize) as u32;
        let ny = lo_y + rng.below((hi_y - lo_y + 1) as usize) as u32;
        let t = ny * self.w + nx;
        (t != s).then_some(t)
    }

    /// Moves tile `a` to `slot` (swapping with its occupant); returns the cost delta and
    /// leaves the move applied, with the new net costs in `touched`.
    fn try_move(&mut self, a: u32, slot: u32) -> (f64, u32) {
        let from = self.pos[a as usize];
        let b = self.occ[slot as usize];
        self.pos[a as usize] = slot;
        self.occ[slot as usize] = a;
        self.occ[from as usize] = b;
        if b != u32::MAX {
            self.pos[b as usize] = from;
        }
        self.serial += 1;
        self.touched.clear();
        let mut delta = 0.0;
        for t in [a, b] {
            if t == u32::MAX {
                continue;
            }
            let range = self.tn_start[t as usize] as usize..self.tn_start[t as usize + 1] as usize;
            for i in range {
                let n = self.tn[i];
                if self.stamp[n as usize] == self.serial {
                    continue;
                }
                self.stamp[n as usize] = self.serial;
                let c = net_cost(self.nets, n as usize, &self.pos, self.w, self.host);
                delta += self.nets.weight[n as usize] * (c - self.cost[n as usize]);
                self.touched.push((n, c));
            }
        }
        (delta, b)
    }

    fn commit(&mut self) {
        for &(n, c) in &self.touched {
            self.cost[n as usize] = c;
        }
    }

    fn run(&mut self, seed: u64, opts: &AnnealOptions) {
        let tiles = self.pos.len() as u32;
        if tiles < 2 || self.nets.is_empty() {
            return;
        }
        let mut rng = Rng::new(seed);
        let maxr = self.w.max(self.h);
        // Starting temperature from the spread of local move deltas around the start.
        let samples = (tiles as usize).clamp(50, 2000);
        let (mut sum, mut sq) = (0.0, 0.0);
        for _ in 0..samples {
            let a = rng.below(tiles as usize) as u32;
            if let Some(slot) = self.pick(&mut rng, a, 3.min(maxr)) {
                let from = self.pos[a as usize];
                let (d, b) = self.try_move(a, slot);
                self.revert(a, b, from, slot);
                sum += d;
                sq += d * d;
            }
        }
        let mean = sum / samples as f64;
        let std = (sq / samples as f64 - mean * mean).max(0.0).sqrt();
        let mut temp = opts.start_temperature * std;
        let mut rlim = (maxr as f64 / 4.0).max(3.0).min(maxr as f64);
        let per_temp = ((opts.inner * tiles as f64) as u64).max(200);
        let mut total_cost: f64 = (0..self.nets.len())
            .map(|n| self.nets.weight[n] * self.cost[n])
            .sum();
        let budget = opts.max_moves.min(opts.budget_per_tile * tiles as u64);
        let mut best = (total_cost, self.pos.clone());
        let mut moves = 0u64;
        let nets = self.nets.len() as f64;
        loop {
            let mut accepted = 0u64;
            for _ in 0..per_temp {
                let a = rng.below(tiles as usize) as u32;
                let Some(slot) = self.pick(&mut rng, a, rlim.round().max(1.0) as u32) else {
                    continue;
                };
                let from = self.pos[a as usize];
                let (d, b) = self.try_move(a, slot);
                let ok = d <= 0.0 || (temp > 0.0 && rng.unit() < (-d / temp).exp());
                if ok {
                    self.commit();
                    total_cost += d;
                    accepted += 1;
                } else {
                    self.revert(a, b, from, slot);
                }
            }
            moves += per_temp;
            if total_cost < best.0 - 1e-9 {
                best = (total_cost, self.pos.clone());
            }
            let rate = accepted as f64 / per_temp as f64;
            rlim = (rlim * (1.0 - 0.44 + rate)).clamp(1.0, maxr as f64);
            let alpha = if rate > 0.96 {
                0.5
            } else if rate > 0.8 {
                0.9
            } else if rate > 0.15 {
                0.95
            } else {
                0.8
            };
            if temp == 0.0 {
                break;
            }
            if moves >= budget {
                temp = 0.0; // a last greedy round
                continue;
            }
            temp *= alpha;
            if temp < 0.005 * total_cost.max(1.0) / nets {
                // One last greedy round.
                temp = 0.0;
            }
        }
        if best.0 < total_cost - 1e-9 {
            self.pos = best.1;
        }
    }

    fn revert(&mut self, a: u32, b: u32, from: u32, slot: u32) {
        self.pos[a as usize] = from;
        self.occ[from as usize] = a;
        self.occ[slot as usize] = b;
        if b != u32::MAX {
            self.pos[b as usize] = slot;
        }
    }
}
