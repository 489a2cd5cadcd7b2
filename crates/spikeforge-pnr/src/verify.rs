//! Analysis: check a plan against the hardware's rules and the circuit it came from, by
//! replaying the routers' tables the way the hardware will.
//!
//! Invariant checked: every tile within capacity, every neuron in exactly one tile, every
//! table within budget with disjoint entries, every group's packets (followed through the
//! tables from their source) reaching each target tile and the host exactly as planned,
//! exactly once, without loops or drops; and (with the circuit) every synapse present,
//! once, with its weight.

use std::collections::BTreeMap;

use spikeforge_ir::Circuit;

use crate::plan::{GroupSource, Plan, Port, Ports};

/// What a group's packets do when followed through the tables.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// Slots whose Local port the packet reaches, in visit order.
    pub local: Vec<u32>,
    /// Times it leaves to the host.
    pub host: u32,
    /// Mesh links crossed: (slot, direction index N=0 E=1 S=2 W=3).
    pub links: Vec<(u32, u8)>,
    /// Sum over deliveries (local and host) of the hops from the source.
    pub depth_sum: u64,
    /// Every router visited: (slot, how the packet arrived — mesh direction of travel
    /// N=0 E=1 S=2 W=3, `FROM_TILE` or `FROM_HOST` — and the ports it leaves by).
    pub visits: Vec<(u32, u8, Ports)>,
}

/// `Trace::visits` arrival: injected by the router's own tile (the group's source).
pub const FROM_TILE: u8 = 4;
/// `Trace::visits` arrival: injected by the host (an input group at the host router).
pub const FROM_HOST: u8 = 5;

/// Follows group `g`'s key through the tables; an error describes a drop, loop or exit.
pub fn trace(plan: &Plan, g: usize) -> Result<Trace, String> {
    let w = plan.width();
    let h = plan.height();
    let group = &plan.groups[g];
    let host_slot = plan.host.y * w + plan.host.x;
    let (root, injected) = match group.source {
        GroupSource::Input { .. } => (host_slot, FROM_HOST),
        GroupSource::Population { tile, .. } => {
            let t = &plan.tiles[tile as usize];
            (t.y * w + t.x, FROM_TILE)
        }
    };
    let mut out = Trace::default();
    if group.targets.is_empty() && !group.to_host {
        return Ok(out);
    }
    let mut visited = std::collections::BTreeSet::new();
    let mut stack = vec![(root, 0u64, injected)];
    while let Some((s, depth, arrived)) = stack.pop() {
        let (x, y) = (s % w, s / w);
        if !visited.insert(s) {
            return Err(format!(
                "group {g}: key {:#x} reaches router ({x}, {y}) twice (loop or duplicate)",
                group.key
            ));
        }
        let entry = plan
            .router_at(x, y)
            .and_then(|r| r.lookup(group.key))
            .ok_or_else(|| {
                format!(
                    "group {g}: key {:#x} has no entry at router ({x}, {y}) (dropped)",
                    group.key
                )
            })?;
        out.visits.push((s, arrived, entry.ports));
        for p in entry.ports.iter() {
            if p == Port::Local {
                out.local.push(s);
                out.depth_sum += depth;
                continue;
            }
            if s == host_slot && p == plan.host.port {
                out.host += 1;
                out.depth_sum += depth;
                continue;
            }
            let (dx, dy) = p.delta();
            let (nx, ny) = (x as i64 + dx, y as i64 + dy);
            if nx < 0 || ny < 0 || nx >= w as i64 || ny >= h as i64 {
                return Err(format!(
                    "group {g}: router ({x}, {y}) sends key {:#x} off the mesh",
                    group.key
                ));
            }
            out.links.push((s, p as u8));
            stack.push(((ny as u32) * w + nx as u32, depth + 1, p as u8));
        }
    }
    Ok(out)
}

/// Checks the plan's own invariants; returns every problem found.
pub fn verify(plan: &Plan) -> Vec<String> {
    let mut errs = Vec::new();
    let hw = plan.hardware;
    let (w, h) = (plan.width(), plan.height());
    let mut slot_tile = vec![u32::MAX; (w * h) as usize];
    let mut covered: Vec<Vec<(u32, u32)>> = vec![Vec::new(); plan.populations.len()];
    let mut targets: Vec<Vec<u32>> = vec![Vec::new(); plan.groups.len()];
    for (i, t) in plan.tiles.iter().enumerate() {
        if t.id as usize != i {
            errs.push(format!("tile {i} has id {}", t.id));
        }
        if t.x >= w || t.y >= h {
            errs.push(format!("tile {i} at ({}, {}) is off the mesh", t.x, t.y));
            continue;
        }
        let s = (t.y * w + t.x) as usize;
        if slot_tile[s] != u32::MAX {
            errs.push(format!(
                "tiles {} and {i} share slot ({}, {})",
                slot_tile[s], t.x, t.y
            ));
        }
        slot_tile[s] = i as u32;
        if t.neurons > hw.tile_neurons {
            errs.push(format!(
                "tile {i} holds {} neurons > {}",
                t.neurons, hw.tile_neurons
            ));
        }
        if t.axons() as u32 > hw.tile_axons {
            errs.push(format!(
                "tile {i} holds {} axon rows > {}",
                t.axons(),
                hw.tile_axons
            ));
        }
        let mut local = 0;
        for sl in &t.slices {
            if sl.local != local {
                errs.push(format!("tile {i}: slice locals not contiguous"));
            }
            local += sl.count;
            covered[sl.population as usize].push((sl.first, sl.count));
            let g = &plan.groups[sl.group as usize];
            if g.source
                != (GroupSource::Population {
                    population: sl.population,
                    tile: i as u32,
                })
                || g.first != sl.first
                || g.count != sl.count
            {
                errs.push(format!(
                    "tile {i}: slice group {} does not describe it",
                    sl.group
                ));
            }
        }
        if local != t.neurons {
            errs.push(format!(
                "tile {i}: slices hold {local} neurons, tile says {}",
                t.neurons
            ));
        }
        if t.axon_start.len() != t.axons() + 1
            || t.axon_start.last().copied() != Some(t.synapses.len() as u32)
            || t.axon_start.windows(2).any(|p| p[0] >= p[1])
        {
            errs.push(format!("tile {i}: axon_start is malformed"));
            continue;
        }
        if t.axon_keys.windows(2).any(|p| p[0] >= p[1]) {
            errs.push(format!("tile {i}: axon keys not strictly ascending"));
        }
        for r in 0..t.axons() {
            let row = t.row(r);
            if row.windows(2).any(|p| p[0].0 >= p[1].0) || row.iter().any(|s| s.0 >= t.neurons) {
                errs.push(format!("tile {i}: axon row {r} has bad neuron indices"));
            }
            let g = plan.keys.group_of(t.axon_keys[r]) as usize;
            if g >= plan.groups.len() || plan.keys.index_of(t.axon_keys[r]) >= plan.groups[g].count
            {
                errs.push(format!("tile {i}: axon row {r} listens to no line"));
                continue;
            }
            if targets[g].last() != Some(&(i as u32)) {
                targets[g].push(i as u32);
            }
        }
    }
    for (p, mut runs) in covered.into_iter().enumerate() {
        runs.sort_unstable();
        let mut next = 0;
        for (first, count) in runs {
            if first != next {
                errs.push(format!(
                    "population {p}: neurons {next}.. not covered exactly once"
                ));
            }
            next = first + count;
        }
        if next != plan.populations[p].neurons {
            errs.push(format!(
                "population {p}: covers {next} of {} neurons",
                plan.populations[p].neurons
            ));
        }
    }
    for r in &plan.routers {
        if r.entries.len() as u32 > hw.table_entries {
            errs.push(format!(
                "router ({}, {}) has {} entries > {}",
                r.x,
                r.y,
                r.entries.len(),
                hw.table_entries
            ));
        }
        for e in &r.entries {
            if e.key & e.mask != e.key {
                errs.push(format!(
                    "router ({}, {}): entry key has bits outside its mask",
                    r.x, r.y
                ));
            }
        }
        for p in r.entries.windows(2) {
            if (p[0].key | !p[0].mask) >= p[1].key {
                errs.push(format!(
                    "router ({}, {}): entries overlap or are unsorted",
                    r.x, r.y
                ));
            }
        }
    }
    for (g, group) in plan.groups.iter().enumerate() {
        if group.targets != targets[g] {
            errs.push(format!(
                "group {g}: targets {:?} but axon rows in {:?}",
                group.targets, targets[g]
            ));
        }
        match trace(plan, g) {
            Err(e) => errs.push(e),
            Ok(tr) => {
                let mut got: Vec<u32> = tr.local.iter().map(|&s| slot_tile[s as usize]).collect();
                got.sort_unstable();
                if got != group.targets {
                    errs.push(format!(
                        "group {g}: delivered to tiles {got:?}, needed {:?} once each",
                        group.targets
                    ));
                }
                if tr.host != u32::from(group.to_host) {
                    errs.push(format!("group {g}: reaches the host {} times", tr.host));
                }
            }
        }
    }
    errs.extend(crate::deadlock::turn_violations(plan));
    if let Err(e) = crate::deadlock::check_acyclic(plan) {
        errs.push(e);
    }
    errs
}

/// Checks that the plan holds exactly the circuit's synapses (summed per source line and
/// neuron, wrapped to the neuron's membrane width) and neuron parameters.
pub fn verify_synapses(circuit: &Circuit, plan: &Plan) -> Vec<String> {
    let mut errs = Vec::new();
    // Where each population's neurons live: (first, count, tile, local, group) sorted.
    let mut runs: Vec<Vec<(u32, u32, u32, u32, u32)>> = vec![Vec::new(); plan.populations.len()];
    for t in &plan.tiles {
        for s in &t.slices {
            runs[s.population as usize].push((s.first, s.count, t.id, s.local, s.group));
        }
    }
    for r in &mut runs {
        r.sort_unstable();
    }
    let find = |p: usize, j: u32| -> (u32, u32, u32) {
        let r = &runs[p];
        let i = r.partition_point(|x| x.0 <= j) - 1;
        let (first, _, tile, local, group) = r[i];
        (tile, local + j - first, plan.keys.key(group, j - first))
    };
    let pops: Vec<_> = circuit.populations().map(|(n, _)| n).collect();
    let ins: Vec<_> = circuit.inputs().map(|(n, _)| n).collect();
    let tn = plan.hardware.tile_neurons;
    let mut want: BTreeMap<(u32, u32, u32), i64> = BTreeMap::new();
    for (x, xb) in circuit.crossbars() {
        let src = circuit.crossbar_source(x);
        let dst = pops
            .iter()
            .position(|&n| n == circuit.crossbar_target(x))
            .expect("target is a population");
        for (r, c, wt) in xb.weights.iter() {
            let key = if let Some(i) = ins.iter().position(|&n| n == src) {
                plan.keys
                    .key(plan.inputs[i].first_group + r as u32 / tn, r as u32 % tn)
            } else {
                let p = pops.iter().position(|&n| n == src).expect("source");
                find(p, r as u32).2
            };
            let (tile, local, _) = find(dst, c as u32);
            *want.entry((tile, key, local)).or_default() += wt as i64;
        }
    }
    let mut got: BTreeMap<(u32, u32, u32), i64> = BTreeMap::new();
    for t in &plan.tiles {
        for r in 0..t.axons() {
            for s in t.row(r) {
                if got
                    .insert((t.id, t.axon_keys[r], s.0), s.1 as i64)
                    .is_some()
                {
                    errs.push(format!("tile {}: synapse listed twice", t.id));
                }
            }
        }
    }
    let mut expected = BTreeMap::new();
    for ((tile, key, local), sum) in want {
        let t = &plan.tiles[tile as usize];
        let bits = t
            .slices
            .iter()
            .find(|s| s.local <= local && local < s.local + s.count)
            .map_or(32, |s| s.params.membrane_bits);
        let v = crate::wrap(sum, bits);
        if v != 0 {
            expected.insert((tile, key, local), v);
        }
    }
    if expected != got {
        let missing = expected.keys().filter(|k| !got.contains_key(k)).count();
        let extra = got.keys().filter(|k| !expected.contains_key(k)).count();
        errs.push(format!(
            "synapses differ from the circuit: {missing} missing, {extra} extra, {} total expected",
            expected.len()
        ));
    }
    for (i, (_, p)) in circuit.populations().enumerate() {
        let pp = &plan.populations[i];
        if pp.name != p.name || pp.neurons as i64 != p.neurons {
            errs.push(format!("population {i} is not `{}`", p.name));
        }
    }
    errs
}
