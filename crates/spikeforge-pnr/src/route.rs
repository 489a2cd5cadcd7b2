//! Transformation: route every group's spikes to its target tiles (and the host) as a
//! multicast tree on the mesh, then fill the routers' tables.
//!
//! - `xy`: dimension-order routing, X first then Y. The union of the XY paths from one
//!   root to its sinks is a tree, because a node's XY path from the root is unique.
//! - `congestion`: a Steiner-tree heuristic: sinks are joined nearest-first, each by an
//!   A* search backwards from the sink to the growing tree (heuristic: distance to the
//!   tree's bounding box), inside the net's bounding box plus a margin. Link cost grows
//!   with the link's present load (negotiated congestion: every group is ripped up and
//!   re-routed against the others' loads, a few rounds), and a router whose table is
//!   full costs so much that trees go around it. The search runs over (router, direction
//!   of travel) states so that every turn of every tree obeys the west-first turn
//!   model ([`turn_allowed`]); a sink it cannot join that way (inside the window,
//!   without crossing the tree) makes the group fall back to its XY tree, which obeys
//!   the model too. Hence the routes are deadlock-free ([`crate::deadlock`] checks it).
//!
//! Tables: one entry per (router, group) on the group's tree, `key/mask` matching the
//! whole group, then buddy groups with the same port set at that router are merged into
//! one entry with a shorter mask. Invariant: every tree is loop-free, reaches each of
//! its sinks exactly once and turns only as the west-first model allows; entries of
//! one router are disjoint and sorted by key.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::plan::{Entry, KeyLayout, Port, Ports, RouterKind};

/// What one group needs routed.
#[derive(Clone, Debug)]
pub struct RouteNet {
    /// Slot of the source tile, or of the host tile for input groups.
    pub root: u32,
    /// Slots of the target tiles (distinct).
    pub targets: Vec<u32>,
    /// Whether the spikes also go to the host.
    pub to_host: bool,
    pub weight: f64,
}

/// Multicast trees: for each group, the routers it passes and the ports it leaves by.
#[derive(Clone, Debug, Default)]
pub struct Trees {
    pub start: Vec<u32>,
    pub nodes: Vec<(u32, Ports)>,
}

impl Trees {
    pub fn of(&self, g: usize) -> &[(u32, Ports)] {
        &self.nodes[self.start[g] as usize..self.start[g + 1] as usize]
    }
}

/// Tunables of the congestion-aware router.
#[derive(Clone, Copy, Debug)]
pub struct RouteOptions {
    /// Rip-up and re-route rounds after the XY start.
    pub rounds: u32,
    /// Weight of the congestion term of a link's cost.
    pub congestion: f64,
    /// How far outside a net's bounding box a tree may go.
    pub margin: u32,
    /// Re-routes allowed in the final phase that lowers the most loaded link.
    pub relief: u32,
}

impl Default for RouteOptions {
    fn default() -> Self {
        RouteOptions {
            rounds: 2,
            congestion: 1.0,
            margin: 1,
            relief: 256,
        }
    }
}

const DIRS: [Port; 4] = Port::MESH;

fn opposite(d: usize) -> usize {
    (d + 2) % 4
}

/// The west-first turn model (Glass and Ni, 1992): a packet travelling in mesh
/// direction `from` (`None`: just injected, by its tile or by the host) may leave a
/// router in direction `to` unless that is a U-turn or a turn *into* west (from north
/// or south). So every path makes all its west hops first, straight along its source's
/// row, then moves north, east and south adaptively. XY paths obey it, so the XY router
/// and the congestion router's XY fallback do too. Every tree edge obeys this rule, so
/// the channel dependency graph of any set of trees is a subgraph of the west-first
/// one, which is acyclic: the routes cannot deadlock (see docs/place-and-route.md).
/// Ejection (the Local port, the host link) is a sink and always allowed. Directions
/// are `Port::MESH` indices (N=0, E=1, S=2, W=3).
pub fn turn_allowed(from: Option<usize>, to: usize) -> bool {
    const WEST: usize = 3;
    match from {
        None => true,
        Some(f) => to != opposite(f) && (to != WEST || f == WEST),
    }
}

/// `Scratch::indir` of a tree node the packet is injected at (the root).
const INJECTED: u8 = 4;

struct Mesh {
    w: u32,
    h: u32,
    host: u32,
}

impl Mesh {
    fn step(&self, s: u32, d: usize) -> Option<u32> {
        let (x, y) = (s % self.w, s / self.w);
        match d {
            0 if y > 0 => Some(s - self.w),
            1 if x + 1 < self.w => Some(s + 1),
            2 if y + 1 < self.h => Some(s + self.w),
            3 if x > 0 => Some(s - 1),
            _ => None,
        }
    }

    fn xy(&self, s: u32) -> (u32, u32) {
        (s % self.w, s / self.w)
    }

    /// Sinks of a net: (slot, port the packet leaves by there).
    fn sinks(&self, net: &RouteNet) -> Vec<(u32, Port)> {
        let mut v: Vec<(u32, Port)> = net.targets.iter().map(|&t| (t, Port::Local)).collect();
        if net.to_host {
            v.push((self.host, Port::West));
        }
        let (rx, ry) = self.xy(net.root);
        v.sort_by_key(|&(s, p)| {
            let (x, y) = self.xy(s);
            (x.abs_diff(rx) + y.abs_diff(ry), s, p)
        });
        v
    }
}

/// Per-slot scratch for building one tree.
struct Scratch {
    stamp: Vec<u32>,
    ports: Vec<Ports>,
    /// Direction (N=0..W=3) the tree's packet travels when it reaches each tree node,
    /// or `INJECTED` at the root.
    indir: Vec<u8>,
    serial: u32,
    list: Vec<u32>,
    // A* state, per (slot, direction of travel leaving the slot; 4 = ejected there).
    seen: Vec<u32>,
    g: Vec<f64>,
    next: Vec<u8>,
    closed: Vec<u32>,
    search: u32,
}

impl Scratch {
    fn new(slots: usize) -> Self {
        Scratch {
            stamp: vec![0; slots],
            ports: vec![Ports::default(); slots],
            indir: vec![INJECTED; slots],
            serial: 0,
            list: Vec::new(),
            seen: vec![0; slots * 5],
            g: vec![0.0; slots * 5],
            next: vec![0; slots * 5],
            closed: vec![0; slots * 5],
            search: 0,
        }
    }

    fn begin(&mut self) {
        self.serial += 1;
        self.list.clear();
    }

    fn in_tree(&self, s: u32) -> bool {
        self.stamp[s as usize] == self.serial
    }

    /// Adds `s` to the tree (reached travelling in direction `indir`, or `INJECTED`)
    /// and, if given, the port `p` to its outputs.
    fn add(&mut self, s: u32, indir: u8, p: Option<Port>) {
        if !self.in_tree(s) {
            self.stamp[s as usize] = self.serial;
            self.ports[s as usize] = Ports::default();
            self.indir[s as usize] = indir;
            self.list.push(s);
        }
        if let Some(p) = p {
            self.ports[s as usize].insert(p);
        }
    }

    fn emit(&self, out: &mut Vec<(u32, Ports)>) {
        let mut v: Vec<(u32, Ports)> = self
            .list
            .iter()
            .map(|&s| (s, self.ports[s as usize]))
            .collect();
        v.sort_unstable();
        out.extend(v);
    }
}

fn xy_tree(m: &Mesh, net: &RouteNet, sc: &mut Scratch) {
    sc.begin();
    sc.add(net.root, INJECTED, None);
    for (t, p) in m.sinks(net) {
        let (tx, ty) = m.xy(t);
        let mut cur = net.root;
        loop {
            let (x, y) = m.xy(cur);
            let d = if x < tx {
                1
            } else if x > tx {
                3
            } else if y < ty {
                2
            } else if y > ty {
                0
            } else {
                break;
            };
            sc.add(cur, INJECTED, Some(DIRS[d]));
            cur = m.step(cur, d).expect("XY stays on the mesh");
            sc.add(cur, d as u8, None);
        }
        sc.add(t, INJECTED, Some(p));
    }
}

struct Costs<'a> {
    load: &'a [f64],
    table: &'a [u32],
    budget: u32,
    reference: f64,
    weight: f64,
    congestion: f64,
    /// A link whose load would reach `cap` with this group on it is all but forbidden.
    cap: f64,
}

impl Costs<'_> {
    fn link(&self, l: usize) -> f64 {
        let r = (self.load[l] + self.weight) / self.reference;
        let over = if self.load[l] + self.weight >= self.cap {
            1.0e6
        } else {
            0.0
        };
        1.0 + self.congestion * r * r + over
    }

    fn node(&self, s: u32) -> f64 {
        let c = self.table[s as usize];
        if c >= self.budget {
            1.0e6
        } else {
            let r = c as f64 / self.budget as f64;
            0.5 * r * r
        }
    }
}

/// Builds a turn-model-respecting Steiner tree for `net` in `sc`; returns false when
/// some sink cannot be joined inside the window without breaking the turn model or
/// revisiting a router (the caller then falls back to the XY tree, which always obeys
/// it).
fn steiner_tree(m: &Mesh, net: &RouteNet, sc: &mut Scratch, costs: &Costs, margin: u32) -> bool {
    let sinks = m.sinks(net);
    // Search window: bounding box of all pins plus the margin.
    let (rx, ry) = m.xy(net.root);
    let (mut wx0, mut wx1, mut wy0, mut wy1) = (rx, rx, ry, ry);
    for &(s, _) in &sinks {
        let (x, y) = m.xy(s);
        wx0 = wx0.min(x);
        wx1 = wx1.max(x);
        wy0 = wy0.min(y);
        wy1 = wy1.max(y);
    }
    wx0 = wx0.saturating_sub(margin);
    wy0 = wy0.saturating_sub(margin);
    wx1 = (wx1 + margin).min(m.w - 1);
    wy1 = (wy1 + margin).min(m.h - 1);
    sc.begin();
    sc.add(net.root, INJECTED, None);
    let (mut tx0, mut tx1, mut ty0, mut ty1) = (rx, rx, ry, ry);
    let mut heap: BinaryHeap<Reverse<(u64, u32)>> = BinaryHeap::new();
    let mut path: Vec<(u32, usize)> = Vec::new();
    for (t, p) in sinks {
        if sc.in_tree(t) {
            sc.add(t, INJECTED, Some(p));
            continue;
        }
        let h = |s: u32| -> f64 {
            let (x, y) = m.xy(s);
            let dx = if x < tx0 {
                tx0 - x
            } else {
                x.saturating_sub(tx1)
            };
            let dy = if y < ty0 {
                ty0 - y
            } else {
                y.saturating_sub(ty1)
            };
            (dx + dy) as f64
        };
        // States are (slot, direction the packet leaves it by towards the sink; 4 at
        // the sink itself, where it is ejected). The search runs from the sink back to
        // the tree: from state (v, out) it may step to the neighbour u that sends the
        // packet to v travelling in direction d when the turn d -> out is allowed at v.
        sc.search += 1;
        let id = sc.search;
        heap.clear();
        let st = t * 5 + 4;
        sc.seen[st as usize] = id;
        sc.g[st as usize] = costs.node(t);
        heap.push(Reverse(((sc.g[st as usize] + h(t)).to_bits(), st)));
        let mut found = None;
        while let Some(Reverse((_, sv))) = heap.pop() {
            if sc.closed[sv as usize] == id {
                continue;
            }
            sc.closed[sv as usize] = id;
            let (v, vout) = (sv / 5, (sv % 5) as usize);
            if sc.in_tree(v) {
                // Only reached as an attachment point (checked when pushed).
                found = Some(sv);
                break;
            }
            for d in 0..4 {
                // u is the neighbour the packet comes from, travelling in direction d.
                let Some(u) = m.step(v, opposite(d)) else {
                    continue;
                };
                if vout < 4 && !turn_allowed(Some(d), vout) {
                    continue;
                }
                let (ux, uy) = m.xy(u);
                if ux < wx0 || ux > wx1 || uy < wy0 || uy > wy1 {
                    continue;
                }
                let su = u * 5 + d as u32;
                if sc.closed[su as usize] == id {
                    continue;
                }
                let attach = sc.in_tree(u);
                if attach {
                    let from = sc.indir[u as usize];
                    let from = (from != INJECTED).then_some(from as usize);
                    // A tree router can only be joined by a legal turn, never crossed.
                    if sc.ports[u as usize].contains(DIRS[d]) || !turn_allowed(from, d) {
                        continue;
                    }
                }
                let mut c = sc.g[sv as usize] + costs.link(u as usize * 4 + d);
                if !attach {
                    c += costs.node(u);
                }
                if sc.seen[su as usize] != id || c < sc.g[su as usize] {
                    sc.seen[su as usize] = id;
                    sc.g[su as usize] = c;
                    sc.next[su as usize] = vout as u8;
                    heap.push(Reverse(((c + h(u)).to_bits(), su)));
                }
            }
        }
        let Some(mut cur) = found else {
            return false;
        };
        // Walk from the attachment point to the sink; refuse paths that revisit a
        // router (possible in principle under the turn model's detours).
        path.clear();
        loop {
            let (v, d) = (cur / 5, (cur % 5) as usize);
            path.push((v, d));
            if d == 4 {
                break;
            }
            let n = m.step(v, d).expect("search stays on the mesh");
            cur = n * 5 + u32::from(sc.next[cur as usize]);
        }
        let mut nodes: Vec<u32> = path.iter().map(|&(v, _)| v).collect();
        nodes.sort_unstable();
        if nodes.windows(2).any(|p| p[0] == p[1]) {
            return false;
        }
        let mut indir = INJECTED;
        for &(v, d) in &path {
            sc.add(v, indir, (d < 4).then(|| DIRS[d]));
            indir = d as u8;
            let (x, y) = m.xy(v);
            tx0 = tx0.min(x);
            tx1 = tx1.max(x);
            ty0 = ty0.min(y);
            ty1 = ty1.max(y);
        }
        sc.add(t, INJECTED, Some(p));
    }
    true
}

fn account(tree: &[(u32, Ports)], w: f64, sign: f64, load: &mut [f64], table: &mut [u32]) {
    for &(s, ports) in tree {
        for (d, p) in DIRS.iter().enumerate() {
            if ports.contains(*p) {
                load[s as usize * 4 + d] += sign * w;
            }
        }
        if sign > 0.0 {
            table[s as usize] += 1;
        } else {
            table[s as usize] -= 1;
        }
    }
}

/// Routes every net; `host` is the slot the host link attaches to (through its West port).
pub fn route(
    (w, h): (u32, u32),
    host: u32,
    nets: &[RouteNet],
    kind: RouterKind,
    table_budget: u32,
    opts: &RouteOptions,
) -> Trees {
    let m = Mesh { w, h, host };
    let slots = (w * h) as usize;
    let mut sc = Scratch::new(slots);
    let mut trees: Vec<Vec<(u32, Ports)>> = nets
        .iter()
        .map(|n| {
            xy_tree(&m, n, &mut sc);
            let mut v = Vec::new();
            sc.emit(&mut v);
            v
        })
        .collect();
    if kind == RouterKind::Congestion {
        let mut load = vec![0.0; slots * 4];
        let mut table = vec![0u32; slots];
        for (n, t) in nets.iter().zip(&trees) {
            account(t, n.weight, 1.0, &mut load, &mut table);
        }
        for _ in 0..opts.rounds {
            let reference = load.iter().copied().fold(0.0, f64::max).max(1e-9);
            for (g, n) in nets.iter().enumerate() {
                account(&trees[g], n.weight, -1.0, &mut load, &mut table);
                let costs = Costs {
                    load: &load,
                    table: &table,
                    budget: table_budget,
                    reference,
                    weight: n.weight,
                    congestion: opts.congestion,
                    cap: f64::INFINITY,
                };
                if !steiner_tree(&m, n, &mut sc, &costs, opts.margin) {
                    xy_tree(&m, n, &mut sc);
                }
                let mut v = Vec::new();
                sc.emit(&mut v);
                account(&v, n.weight, 1.0, &mut load, &mut table);
                trees[g] = v;
            }
        }
        relieve(
            &m,
            nets,
            &mut trees,
            &mut load,
            &mut table,
            table_budget,
            opts,
            &mut sc,
        );
    }
    let mut out = Trees {
        start: vec![0],
        nodes: Vec::new(),
    };
    for t in trees {
        out.nodes.extend(t);
        out.start.push(out.nodes.len() as u32);
    }
    out
}

/// The last phase of the congestion router: lower the most loaded link, one group at a
/// time. A group crossing it (heaviest first) is re-routed with every link that would
/// reach the present maximum with it all but forbidden, and the new tree is kept only
/// if all its links stay below that maximum and every router within budget; so the
/// maximum never rises. Stops when no group can leave the hottest link, or after
/// `opts.relief` re-routes.
#[allow(clippy::too_many_arguments)]
fn relieve(
    m: &Mesh,
    nets: &[RouteNet],
    trees: &mut [Vec<(u32, Ports)>],
    load: &mut [f64],
    table: &mut [u32],
    budget: u32,
    opts: &RouteOptions,
    sc: &mut Scratch,
) {
    let mut users: Vec<usize> = Vec::new();
    for _ in 0..opts.relief {
        let Some((hot, max)) = load
            .iter()
            .copied()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        else {
            return;
        };
        if max <= 0.0 {
            return;
        }
        let (slot, dir) = (hot / 4, DIRS[hot % 4]);
        users.clear();
        users.extend((0..nets.len()).filter(|&g| {
            trees[g]
                .binary_search_by_key(&(slot as u32), |&(s, _)| s)
                .is_ok_and(|i| trees[g][i].1.contains(dir))
        }));
        users.sort_by(|&a, &b| nets[b].weight.total_cmp(&nets[a].weight).then(a.cmp(&b)));
        let mut moved = false;
        for &g in &users {
            let n = &nets[g];
            account(&trees[g], n.weight, -1.0, load, table);
            let costs = Costs {
                load,
                table,
                budget,
                reference: max,
                weight: n.weight,
                congestion: opts.congestion,
                cap: max,
            };
            let mut v = Vec::new();
            if steiner_tree(m, n, sc, &costs, opts.margin + 1) {
                sc.emit(&mut v);
            }
            let fits = !v.is_empty()
                && v.iter().all(|&(s, ports)| {
                    table[s as usize] < budget
                        && DIRS.iter().enumerate().all(|(d, p)| {
                            !ports.contains(*p) || load[s as usize * 4 + d] + n.weight < max
                        })
                });
            if fits {
                account(&v, n.weight, 1.0, load, table);
                trees[g] = v;
                moved = true;
                break;
            }
            account(&trees[g], n.weight, 1.0, load, table);
        }
        if !moved {
            return;
        }
    }
}

/// The largest weight on one directed mesh link, and the sum over nets of weight x
/// mesh links of its tree (spike hops), of routed `trees` on a mesh `w` wide with
/// `slots` routers (a West port in column 0 is the host link, not a mesh link).
pub fn load_and_hops(trees: &Trees, nets: &[RouteNet], w: u32, slots: usize) -> (f64, f64) {
    let mut load = vec![0.0; slots * 4];
    let mut hops = 0.0;
    for (g, n) in nets.iter().enumerate() {
        for &(s, ports) in trees.of(g) {
            for (d, p) in DIRS.iter().enumerate() {
                if ports.contains(*p) && !(*p == Port::West && s % w == 0) {
                    load[s as usize * 4 + d] += n.weight;
                    hops += n.weight;
                }
            }
        }
    }
    (load.iter().copied().fold(0.0, f64::max), hops)
}

/// Fills the routers' tables: one `key/mask` entry per (router, group), with aligned
/// buddy groups of equal port sets merged. Returns the entries of every slot.
pub fn tables(trees: &Trees, groups: usize, keys: KeyLayout, slots: usize) -> Vec<Vec<Entry>> {
    let mut per: Vec<Vec<Entry>> = vec![Vec::new(); slots];
    for g in 0..groups {
        for &(s, ports) in trees.of(g) {
            per[s as usize].push(Entry {
                key: keys.key(g as u32, 0),
                mask: keys.group_mask(),
                ports,
            });
        }
    }
    for entries in &mut per {
        merge_buddies(entries);
    }
    per
}

/// Merges pairs of aligned, adjacent entries with the same ports (sorted input).
fn merge_buddies(entries: &mut Vec<Entry>) {
    let mut out: Vec<Entry> = Vec::with_capacity(entries.len());
    for &e in entries.iter() {
        out.push(e);
        while out.len() >= 2 {
            let b = out[out.len() - 1];
            let a = out[out.len() - 2];
            let bit = a.mask & a.mask.wrapping_neg(); // lowest set bit of the mask
            if bit != 0
                && a.mask == b.mask
                && a.ports == b.ports
                && a.key & bit == 0
                && b.key == a.key | bit
            {
                out.pop();
                let last = out.last_mut().expect("two entries");
                last.mask &= !bit;
            } else {
                break;
            }
        }
    }
    *entries = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buddies_merge_when_ports_agree() {
        let k = KeyLayout { group_shift: 4 };
        let e = |g: u32, p: u8| Entry {
            key: k.key(g, 0),
            mask: k.group_mask(),
            ports: Ports(p),
        };
        let mut v = vec![e(0, 1), e(1, 1), e(2, 1), e(3, 1), e(4, 2), e(5, 1)];
        merge_buddies(&mut v);
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].mask, u32::MAX << 6);
        for g in 0..4 {
            assert!(v[0].matches(k.key(g, 7)));
        }
        assert!(!v[0].matches(k.key(4, 0)));
    }

    #[test]
    fn xy_and_steiner_trees_reach_every_sink_once() {
        let m = Mesh {
            w: 6,
            h: 5,
            host: 0,
        };
        let net = RouteNet {
            root: 14,
            targets: vec![0, 5, 29, 24, 14, 17],
            to_host: true,
            weight: 1.0,
        };
        let load = vec![0.0; 30 * 4];
        let table = vec![0; 30];
        let costs = Costs {
            load: &load,
            table: &table,
            budget: 10,
            reference: 1.0,
            weight: 1.0,
            congestion: 1.0,
            cap: f64::INFINITY,
        };
        for which in 0..2 {
            let mut sc = Scratch::new(30);
            if which == 0 {
                xy_tree(&m, &net, &mut sc);
            } else {
                assert!(steiner_tree(&m, &net, &mut sc, &costs, 1));
            }
            let mut tree = Vec::new();
            sc.emit(&mut tree);
            // Walk the tree from the root.
            let find = |s: u32| tree.iter().find(|(t, _)| *t == s).map(|(_, p)| *p);
            let mut seen = vec![0; 30];
            let mut local = vec![0; 30];
            let mut host = 0;
            let mut stack = vec![net.root];
            while let Some(s) = stack.pop() {
                seen[s as usize] += 1;
                let p = find(s).expect("on tree");
                for d in 0..4 {
                    if p.contains(DIRS[d]) {
                        match m.step(s, d) {
                            Some(n) => stack.push(n),
                            None => {
                                assert_eq!((s, d), (0, 3));
                                host += 1;
                            }
                        }
                    }
                }
                if p.contains(Port::Local) {
                    local[s as usize] += 1;
                }
            }
            assert!(seen.iter().all(|&c| c <= 1), "loop: {seen:?}");
            assert_eq!(host, 1);
            for t in 0..30u32 {
                let want = u32::from(net.targets.contains(&t));
                assert_eq!(local[t as usize], want, "slot {t}");
            }
            assert_eq!(seen.iter().sum::<u32>() as usize, tree.len());
        }
    }

    #[test]
    fn relief_lowers_the_hottest_link_and_keeps_every_sink() {
        // Heavy groups all sent from column 0 to column 3 of a 4x4 mesh: XY puts them
        // on the same eastward links; relief must spread them without dropping sinks.
        let (w, h) = (4u32, 4u32);
        let nets: Vec<RouteNet> = (0..12u32)
            .map(|i| RouteNet {
                root: (i % 4) * w,
                targets: vec![(i % 4) * w + 3, ((i + 1) % 4) * w + 3],
                to_host: false,
                weight: 10.0 + i as f64,
            })
            .collect();
        let measure = |relief: u32| {
            let opts = RouteOptions {
                relief,
                ..RouteOptions::default()
            };
            let trees = route((w, h), 0, &nets, RouterKind::Congestion, 64, &opts);
            for (g, n) in nets.iter().enumerate() {
                for &t in &n.targets {
                    let hits = trees
                        .of(g)
                        .iter()
                        .filter(|&&(s, p)| s == t && p.contains(Port::Local))
                        .count();
                    assert_eq!(hits, 1, "group {g} reaches {t} {hits} times");
                }
            }
            load_and_hops(&trees, &nets, w, (w * h) as usize).0
        };
        let (before, after) = (measure(0), measure(256));
        assert!(
            after <= before,
            "relief raised the maximum: {before} -> {after}"
        );
    }
}
