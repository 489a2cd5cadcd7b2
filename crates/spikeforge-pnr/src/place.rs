//! Transformation: put tiles on the W x H mesh.
//!
//! The placement problem is given as weighted nets: one per routing group, whose pins
//! are the source tile (or the host), every target tile (and the host for output
//! populations), weighted by the group's estimated spike traffic. The cost is the
//! traffic-weighted size of each net's multicast tree, estimated as the mean of its XY
//! and YX trees from the source (trunk along the source's row or column, branches per
//! column or row), i.e. of spike hops under multicast; unlike a bounding box it still
//! sees how compact a large net's sinks are.
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
            max_moves: 1_000_000,
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

/// Per-column scratch of [`net_cost`].
#[derive(Clone, Debug, Default)]
pub struct Columns {
    stamp: Vec<u32>,
    up: Vec<u32>,
    down: Vec<u32>,
    serial: u32,
    used: Vec<u32>,
}

impl Columns {
    pub fn new(w: u32) -> Self {
        Columns {
            stamp: vec![0; w as usize],
            up: vec![0; w as usize],
            down: vec![0; w as usize],
            serial: 0,
            used: Vec::new(),
        }
    }

    fn begin(&mut self) {
        self.serial = self.serial.wrapping_add(1);
        if self.serial == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.serial = 1;
        }
        self.used.clear();
    }

    /// Notes a sink in line `c` at offset `o` from the trunk (`before`: on the low side).
    fn note(&mut self, c: u32, o: u32, before: bool) {
        let i = c as usize;
        if self.stamp[i] != self.serial {
            self.stamp[i] = self.serial;
            self.up[i] = 0;
            self.down[i] = 0;
            self.used.push(c);
        }
        if before {
            self.up[i] = self.up[i].max(o);
        } else {
            self.down[i] = self.down[i].max(o);
        }
    }

    fn branches(&self) -> u32 {
        self.used
            .iter()
            .map(|&c| self.up[c as usize] + self.down[c as usize])
            .sum()
    }
}

/// The annealer's cost of a placement: sum over nets of traffic x net cost.
pub fn wirelength(nets: &Nets, pos: &[u32], w: u32, host: (u32, u32)) -> f64 {
    let h = pos
        .iter()
        .map(|&s| s / w + 1)
        .max()
        .unwrap_or(1)
        .max(host.1 + 1);
    let (mut cols, mut rows) = (Columns::new(w), Columns::new(h));
    (0..nets.len())
        .map(|n| nets.weight[n] * net_cost(nets, n, pos, w, host, (&mut cols, &mut rows)))
        .sum()
}

/// Cost of one net: the mean of the link counts of its XY multicast tree from the
/// source (the horizontal trunk along the source's row plus, per column, the vertical
/// branches up and down from it: exactly the tree the XY router builds and the
/// congestion router starts from) and of its YX tree (trunk along the source's column).
/// Unlike a bounding-box estimate it still sees how compact a large net's sinks are
/// when its box spans the mesh. O(pins) with per-line scratch.
fn net_cost(
    nets: &Nets,
    n: usize,
    pos: &[u32],
    w: u32,
    host: (u32, u32),
    (cols, rows): (&mut Columns, &mut Columns),
) -> f64 {
    let root = nets.root[n];
    let (rx, ry) = if root == u32::MAX {
        host
    } else {
        let s = pos[root as usize];
        (s % w, s / w)
    };
    let pins = nets.pins_of(n);
    // One sink besides the root: both trees are the shortest path.
    let single = match (nets.host[n], pins) {
        (false, [t]) => Some(pos[*t as usize]),
        (false, [a, b]) if *a == root || *b == root => {
            Some(pos[if *a == root { *b } else { *a } as usize])
        }
        (true, []) => Some(host.1 * w + host.0),
        (true, [t]) if *t == root => Some(host.1 * w + host.0),
        // An input group (rooted at the host) feeding one tile.
        (true, [t]) if root == u32::MAX => Some(pos[*t as usize]),
        _ => None,
    };
    if let Some(s) = single {
        let (x, y) = if nets.host[n] && s == host.1 * w + host.0 {
            host
        } else {
            (s % w, s / w)
        };
        return (x.abs_diff(rx) + y.abs_diff(ry)) as f64;
    }
    cols.begin();
    rows.begin();
    let (mut x0, mut x1, mut y0, mut y1) = (rx, rx, ry, ry);
    let mut sink = |x: u32, y: u32, cols: &mut Columns, rows: &mut Columns| {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
        cols.note(x, y.abs_diff(ry), y < ry);
        rows.note(y, x.abs_diff(rx), x < rx);
    };
    if nets.host[n] {
        sink(host.0, host.1, cols, rows);
    }
    for &t in pins {
        let s = pos[t as usize];
        sink(s % w, s / w, cols, rows);
    }
    let xy = (x1 - x0) + cols.branches();
    let yx = (y1 - y0) + rows.branches();
    let links = xy + yx;
    links as f64 / 2.0
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
    cols: Columns,
    rows: Columns,
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
        let (mut cols, mut rows) = (Columns::new(w), Columns::new(h));
        let cost = (0..nets.len())
            .map(|n| net_cost(nets, n, &pos, w, host, (&mut cols, &mut rows)))
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
            cols,
            rows,
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
                let c = net_cost(
                    self.nets,
                    n as usize,
                    &self.pos,
                    self.w,
                    self.host,
                    (&mut self.cols, &mut self.rows),
                );
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
