//! Place and route: a validated [`Circuit`] becomes a physical [`Plan`] for a mesh of
//! tiles — which neuron lives in which tile, which axon row each spike source occupies
//! in each target tile, and every router's multicast table.
//!
//! The flow, one module per stage (transformations), with analyses apart:
//!
//! ```text
//! Circuit ─► fanin (analysis) ─► partition ─► keys & groups ─► place ─► route ─► Plan
//!                                                                              │
//!                                        verify (analysis), report, svg ◄──────┘
//! ```
//!
//! Every stage is deterministic for a given seed; capacity problems are diagnostics
//! (`mesh_overflow`, `axon_overflow`, `table_overflow`, `key_space_overflow`).

pub mod deadlock;
pub mod fanin;
pub mod generator;
pub mod partition;
pub mod place;
pub mod plan;
pub mod report;
pub mod rng;
pub mod route;
pub mod svg;
pub mod verify;

use std::time::Instant;

use spikeforge_ir::{Circuit, Code, Diagnostic, Diagnostics, Field, Owner};

pub use place::AnnealOptions;
pub use plan::{Placer, Plan, RouterKind};
pub use report::Report;
pub use route::RouteOptions;

use plan::{
    Group, GroupSource, Host, KeyLayout, NeuronParams, PlanHardware, PlanInput, PlanPopulation,
    Port, Router, Slice, Synapse, Tile, PLAN_FORMAT,
};

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    pub placer: Placer,
    pub router: RouterKind,
    pub seed: u64,
    pub anneal: AnnealOptions,
    pub route: RouteOptions,
    /// Measured spikes per tick of every spike line (input channels first, then
    /// population neurons, in declaration order), e.g. from running the functional
    /// model on a stimulus. `None`: every line is assumed to spike once per tick.
    pub rates: Option<Vec<f64>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            placer: Placer::Anneal,
            router: RouterKind::Congestion,
            seed: 1,
            anneal: AnnealOptions::default(),
            route: RouteOptions::default(),
            rates: None,
        }
    }
}

/// A plan and the time it took.
pub struct Placed {
    pub plan: Plan,
    pub runtime_ms: f64,
}

/// Partitions, places and routes `circuit`.
pub fn place_and_route(circuit: &Circuit, opts: &Options) -> Result<Placed, Diagnostics> {
    let started = Instant::now();
    let hw = circuit.hardware();
    let tile_neurons = hw.tile_neurons as u32;
    let tile_axons = hw.tile_axons as u32;
    let budget = hw.table_entries as u32;

    let fanin = fanin::Fanin::new(circuit);
    let part = partition::partition(circuit, &fanin, tile_neurons, tile_axons)?;
    let (w, h) = partition::choose_mesh(circuit, part.tiles.len())?;

    // Keys: a group holds at most `tile_neurons` lines.
    let shift = 32 - (tile_neurons.max(1) - 1).leading_zeros();
    let keys = KeyLayout { group_shift: shift };
    let input_groups: Vec<u32> = fanin
        .inputs
        .iter()
        .map(|&n| (circuit.width(n) as u32).div_ceil(tile_neurons))
        .collect();
    let slice_groups: usize = part.tiles.iter().map(|t| t.slices.len()).sum();
    let total_groups = input_groups.iter().sum::<u32>() as u64 + slice_groups as u64;
    key_space(total_groups, shift, circuit)?;

    let rate = |line: u32| -> f64 {
        opts.rates
            .as_ref()
            .and_then(|r| r.get(line as usize).copied())
            .unwrap_or(1.0)
    };
    let outputs: std::collections::BTreeSet<_> = circuit.outputs().map(|(n, _)| n).collect();

    // Populations and inputs.
    let populations: Vec<PlanPopulation> = fanin
        .populations
        .iter()
        .map(|&n| {
            let spikeforge_ir::Node::Population(p) = circuit.node(n) else {
                unreachable!("fanin lists populations")
            };
            PlanPopulation {
                name: p.name.clone(),
                neurons: p.neurons as u32,
                output: outputs.contains(&n),
                params: params(p),
            }
        })
        .collect();
    let mut groups: Vec<Group> = Vec::with_capacity(total_groups as usize);
    let mut inputs = Vec::new();
    for (i, &n) in fanin.inputs.iter().enumerate() {
        let channels = circuit.width(n) as u32;
        inputs.push(PlanInput {
            name: circuit.node(n).name().to_string(),
            channels,
            first_group: groups.len() as u32,
        });
        for k in 0..input_groups[i] {
            let first = k * tile_neurons;
            let count = tile_neurons.min(channels - first);
            let base = fanin.input_base[i] + first;
            let traffic = (base..base + count)
                .filter(|&l| fanin.drives[l as usize])
                .map(rate)
                .sum();
            let id = groups.len() as u32;
            groups.push(Group {
                id,
                key: keys.key(id, 0),
                source: GroupSource::Input { input: i as u32 },
                first,
                count,
                traffic,
                targets: Vec::new(),
                to_host: false,
            });
        }
    }
    // Slices and their groups, tile by tile.
    let mut tiles: Vec<Tile> = Vec::with_capacity(part.tiles.len());
    for (t, parts) in part.tiles.iter().enumerate() {
        let mut local = 0;
        let mut slices = Vec::new();
        for &(p, first, count) in &parts.slices {
            let id = groups.len() as u32;
            let pop = &populations[p as usize];
            let base = fanin.pop_base[p as usize] + first;
            let traffic = (base..base + count)
                .filter(|&l| pop.output || fanin.drives[l as usize])
                .map(rate)
                .sum();
            groups.push(Group {
                id,
                key: keys.key(id, 0),
                source: GroupSource::Population {
                    population: p,
                    tile: t as u32,
                },
                first,
                count,
                traffic,
                targets: Vec::new(),
                to_host: pop.output,
            });
            slices.push(Slice {
                population: p,
                first,
                count,
                local,
                group: id,
                params: pop.params.clone(),
            });
            local += count;
        }
        tiles.push(Tile {
            id: t as u32,
            x: 0,
            y: 0,
            neurons: parts.neurons,
            slices,
            axon_keys: Vec::new(),
            axon_start: vec![0],
            synapses: Vec::new(),
        });
    }
    // Key of every spike line.
    let mut line_keys = vec![0u32; fanin.lines as usize];
    for (i, input) in inputs.iter().enumerate() {
        for c in 0..input.channels {
            line_keys[(fanin.input_base[i] + c) as usize] =
                keys.key(input.first_group + c / tile_neurons, c % tile_neurons);
        }
    }
    for t in &tiles {
        for s in &t.slices {
            let base = fanin.pop_base[s.population as usize] + s.first;
            for k in 0..s.count {
                line_keys[(base + k) as usize] = keys.key(s.group, k);
            }
        }
    }
    // Axon rows and synapses of every tile.
    let mut triples: Vec<(u32, u32, i64)> = Vec::new();
    for tile in &mut tiles {
        triples.clear();
        for s in &tile.slices {
            let p = s.population as usize;
            for j in s.first..s.first + s.count {
                let localj = s.local + j - s.first;
                let (src, wts) = fanin.of(p, j as usize);
                for (&l, &wt) in src.iter().zip(wts) {
                    triples.push((line_keys[l as usize], localj, wt as i64));
                }
            }
        }
        triples.sort_unstable();
        let mut i = 0;
        while i < triples.len() {
            let (k, n, mut sum) = triples[i];
            i += 1;
            while i < triples.len() && triples[i].0 == k && triples[i].1 == n {
                sum += triples[i].2;
                i += 1;
            }
            let bits = membrane_bits_of(tile, n);
            let wrapped = wrap(sum, bits);
            if wrapped == 0 {
                continue;
            }
            if tile.axon_keys.last() != Some(&k) {
                if !tile.axon_keys.is_empty() {
                    tile.axon_start.push(tile.synapses.len() as u32);
                }
                tile.axon_keys.push(k);
            }
            tile.synapses.push(Synapse(n, wrapped as i32));
        }
        if !tile.axon_keys.is_empty() {
            tile.axon_start.push(tile.synapses.len() as u32);
        }
        let mut last = u32::MAX;
        for &k in &tile.axon_keys {
            let g = keys.group_of(k);
            if g != last {
                groups[g as usize].targets.push(tile.id);
                last = g;
            }
        }
    }
    drop(triples);
    drop(line_keys);

    // Place.
    let host = Host {
        x: 0,
        y: 0,
        port: Port::West,
    };
    let mut nets = place::Nets::default();
    for g in &groups {
        let (root, host_pin) = match g.source {
            GroupSource::Input { .. } => (None, true),
            GroupSource::Population { tile, .. } => (Some(tile), g.to_host),
        };
        let mut pins: Vec<u32> = root.into_iter().chain(g.targets.iter().copied()).collect();
        pins.sort_unstable();
        pins.dedup();
        nets.push(root, pins, host_pin, g.traffic);
    }
    let pos = place::place(
        tiles.len(),
        (w, h),
        (host.x, host.y),
        &nets,
        opts.placer,
        opts.seed,
        &opts.anneal,
    );
    drop(nets);
    for (t, &s) in tiles.iter_mut().zip(&pos) {
        t.x = s % w;
        t.y = s / w;
    }

    // Route.
    let host_slot = host.y * w + host.x;
    let route_nets: Vec<route::RouteNet> = groups
        .iter()
        .map(|g| route::RouteNet {
            root: match g.source {
                GroupSource::Input { .. } => host_slot,
                GroupSource::Population { tile, .. } => pos[tile as usize],
            },
            targets: g.targets.iter().map(|&t| pos[t as usize]).collect(),
            to_host: g.to_host,
            weight: g.traffic.max(1e-3),
        })
        .collect();
    let trees = route::route(
        (w, h),
        host_slot,
        &route_nets,
        opts.router,
        budget,
        &opts.route,
    );
    drop(route_nets);
    let per_slot = route::tables(&trees, groups.len(), keys, (w * h) as usize);
    drop(trees);
    let routers: Vec<Router> = per_slot
        .into_iter()
        .enumerate()
        .filter(|(_, e)| !e.is_empty())
        .map(|(s, entries)| Router {
            x: s as u32 % w,
            y: s as u32 / w,
            entries,
        })
        .collect();
    table_budget(&routers, budget, circuit)?;

    let plan = Plan {
        format: PLAN_FORMAT,
        design: circuit.name().to_string(),
        placer: opts.placer,
        router: opts.router,
        seed: opts.seed,
        mesh: [w, h],
        hardware: PlanHardware {
            tile_neurons,
            tile_axons,
            table_entries: budget,
        },
        keys,
        host,
        inputs,
        populations,
        groups,
        tiles,
        routers,
    };
    Ok(Placed {
        plan,
        runtime_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}

fn params(p: &spikeforge_ir::Population) -> NeuronParams {
    let l = p.lif();
    NeuronParams {
        threshold: l.threshold,
        leak_shift: l.leak_shift as u32,
        reset: l.reset.as_str().to_string(),
        refractory: l.refractory as u32,
        membrane_bits: p.membrane_bits as u32,
    }
}

fn membrane_bits_of(tile: &Tile, local: u32) -> u32 {
    tile.slices
        .iter()
        .find(|s| s.local <= local && local < s.local + s.count)
        .map_or(32, |s| s.params.membrane_bits)
}

/// `x` reduced to the signed `bits`-bit range (two's-complement wrap).
pub fn wrap(x: i64, bits: u32) -> i64 {
    let m = 1i64 << bits;
    let r = x.rem_euclid(m);
    if r >= m / 2 {
        r - m
    } else {
        r
    }
}

/// Checks that `groups` groups of up to 2^shift lines fit 32-bit keys.
pub fn key_space(groups: u64, shift: u32, circuit: &Circuit) -> Result<(), Diagnostics> {
    let capacity = 1u64 << (32 - shift.min(32));
    if groups <= capacity {
        return Ok(());
    }
    Err(Diagnostic::new(
        Code::KeySpaceOverflow,
        format!(
            "the design needs {groups} routing source groups, but 32-bit keys with {shift} bits \
             for the neuron within a group leave room for {capacity}: {} too many",
            groups - capacity
        ),
    )
    .label(
        circuit.spans().get(Owner::Hardware, Field::TileNeurons),
        format!("{shift} key bits per group"),
    )
    .into())
}

fn table_budget(routers: &[Router], budget: u32, circuit: &Circuit) -> Result<(), Diagnostics> {
    let over: Vec<&Router> = routers
        .iter()
        .filter(|r| r.entries.len() as u32 > budget)
        .collect();
    let Some(worst) = over
        .iter()
        .max_by_key(|r| (r.entries.len(), Reverse((r.y, r.x))))
    else {
        return Ok(());
    };
    let need = worst.entries.len();
    Err(Diagnostic::new(
        Code::TableOverflow,
        format!(
            "{} router{} need more than {budget} routing-table entries; the worst, at ({}, {}), \
             needs {need}: {} over",
            over.len(),
            if over.len() == 1 { "" } else { "s" },
            worst.x,
            worst.y,
            need as u32 - budget
        ),
    )
    .label(
        circuit.spans().get(Owner::Hardware, Field::TableEntries),
        format!("{budget} entries per router"),
    )
    .help(format!(
        "raise `table_entries` in [hardware] to at least {need}, enlarge `mesh` so routes can \
         spread, or raise `tile_neurons` so fewer source groups need entries"
    ))
    .into())
}

use std::cmp::Reverse;
