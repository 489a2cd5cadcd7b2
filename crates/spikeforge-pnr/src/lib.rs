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
pub mod split;
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
    /// The price of one more routing group when the `anneal` flow cuts slices into
    /// runs of similar target tiles ([`split`]), in spikes x tiles; `f64::INFINITY`
    /// keeps one group per slice. Raised 8x at a time (up to whole slices) while the
    /// routing tables or key space overflow.
    pub split_lambda: f64,
}

impl Options {
    /// The estimated spikes per tick of source line `line` (1 without `rates`).
    fn rate(&self, line: u32) -> f64 {
        self.rates
            .as_ref()
            .and_then(|r| r.get(line as usize).copied())
            .unwrap_or(1.0)
    }
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
            split_lambda: 1.0,
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

    let fanin = fanin::Fanin::new(circuit);
    let part = partition::partition(circuit, &fanin, tile_neurons, tile_axons)?;
    let (w, h) = partition::choose_mesh(circuit, part.tiles.len())?;
    let rate = |line: u32| opts.rate(line);
    let outputs: std::collections::BTreeSet<_> = circuit.outputs().map(|(n, _)| n).collect();
    let output: Vec<bool> = fanin
        .populations
        .iter()
        .map(|n| outputs.contains(n))
        .collect();
    // Only the optimising flow compares partitions and cuts slices into finer groups;
    // the baselines keep sequential fill and one group per slice, as PACMAN does.
    if opts.placer != Placer::Anneal {
        let plan = build(circuit, &fanin, &part, (w, h), opts, None).map_err(|(d, _)| d)?;
        return Ok(Placed {
            plan,
            runtime_ms: started.elapsed().as_secs_f64() * 1000.0,
        });
    }
    // Candidates: sequential fill and the alignment of populations by relative
    // position. Each is cut as finely as `split_lambda` asks, unless that makes the
    // annealer's work more than 3x that of sequential fill's whole slices or needs
    // more pins than the routing tables can plausibly hold; then coarser. The candidate whose cut promises
    // the least traffic wins (a placement-independent bound; ties: sequential).
    let schedule = |from: f64| -> Vec<f64> {
        if from.is_finite() {
            vec![
                from,
                from * 4.0 + 1.0,
                from * 16.0 + 4.0,
                from * 64.0 + 16.0,
            ]
        } else {
            Vec::new()
        }
    };
    let lambda0 = opts.split_lambda.max(0.0);
    let budget = hw.table_entries as u64;
    let sequential = (part.clone(), (w, h));
    let mut candidates = vec![(part, (w, h))];
    if let Ok(aligned) = partition::partition_aligned(circuit, &fanin, tile_neurons, tile_axons) {
        if let Ok(m) = partition::choose_mesh(circuit, aligned.tiles.len()) {
            candidates.push((aligned, m));
        }
    }
    let mut best: Option<Chosen> = None;
    let mut reference_work: Option<f64> = None;
    for (cand, m) in candidates {
        let targets = split::Targets::new(&cand, &fanin);
        let mut whole = cand.clone();
        let inf = f64::INFINITY;
        let whole_cut = split::split(
            &mut whole,
            &fanin,
            &targets,
            &output,
            &rate,
            inf,
            tile_neurons,
        );
        let slots = m.0 as u64 * m.1 as u64;
        let cap = budget * slots / TABLE_PINS;
        let tiles = cand.tiles.len();
        let moves = opts
            .anneal
            .max_moves
            .min(opts.anneal.budget_per_tile * tiles as u64);
        // Work is measured against sequential fill's whole slices (the first candidate).
        let work =
            *reference_work.get_or_insert(ANNEAL_WORK_RATIO * whole_cut.anneal_work(tiles, moves));
        if whole_cut.anneal_work(tiles, moves) > work {
            continue;
        }
        let mut chosen = (whole_cut, inf);
        for l in schedule(lambda0) {
            let mut c = cand.clone();
            let cut = split::split(&mut c, &fanin, &targets, &output, &rate, l, tile_neurons);
            if cut.pins <= cap && cut.anneal_work(tiles, moves) <= work {
                chosen = (cut, l);
                break;
            }
        }
        if best.as_ref().is_none_or(|b| chosen.0.traffic < b.0.traffic) {
            best = Some((chosen.0, chosen.1, cand, m, targets));
        }
    }
    let (_, lambda, best, (w, h), targets) = best.expect("at least one candidate");
    let aligned_won = best.tiles != sequential.0.tiles;
    // Tables or key space still overflowing: keep the placement, cut coarser, re-route.
    let mut lambdas: Vec<f64> = schedule(lambda0)
        .into_iter()
        .filter(|&l| l >= lambda)
        .collect();
    lambdas.push(f64::INFINITY);
    let mut fixed: Option<Vec<u32>> = None;
    let mut last = None;
    for (i, &lambda) in lambdas.iter().enumerate() {
        let mut attempt = best.clone();
        split::split(
            &mut attempt,
            &fanin,
            &targets,
            &output,
            &rate,
            lambda,
            tile_neurons,
        );
        match build(circuit, &fanin, &attempt, (w, h), opts, fixed.as_deref()) {
            Ok(plan) => {
                return Ok(Placed {
                    plan,
                    runtime_ms: started.elapsed().as_secs_f64() * 1000.0,
                })
            }
            Err((d, pos))
                if (i + 1 < lambdas.len() || aligned_won)
                    && d.iter().all(|d| {
                        matches!(d.code, Code::TableOverflow | Code::KeySpaceOverflow)
                    }) =>
            {
                last = Some(d);
                if pos.is_some() {
                    fixed = pos;
                }
            }
            Err((d, _)) => return Err(d),
        }
    }
    // Even whole slices of the aligned partition overflow: fall back to sequential
    // fill's whole slices, which overflow only where the baselines do too.
    if aligned_won {
        let (part, mesh) = sequential;
        return match build(circuit, &fanin, &part, mesh, opts, None) {
            Ok(plan) => Ok(Placed {
                plan,
                runtime_ms: started.elapsed().as_secs_f64() * 1000.0,
            }),
            Err((d, _)) => Err(d),
        };
    }
    Err(last.expect("the last attempt keeps whole slices and returns"))
}

/// A candidate partition with its chosen cut: (the cut's figures, its `lambda`, the
/// whole-slice partition, its mesh, its lines' target tiles).
type Chosen = (
    split::Cut,
    f64,
    partition::Partition,
    (u32, u32),
    split::Targets,
);

/// Routing-table entries a placement pin is assumed to cost when deciding how finely
/// slices may be cut: total pins may not exceed `table_entries x slots / TABLE_PINS`.
const TABLE_PINS: u64 = 2;

/// Largest groups x slots for which the annealed placement's mesh symmetries are
/// routed and compared (eight routings instead of one).
const SYMMETRY_WORK: usize = 4_000_000;

/// A symmetric image may cost up to this factor of the annealed placement's spike hops
/// (as routed) if it lowers the busiest link's load.
const SYMMETRY_HOPS: f64 = 1.05;

/// How many times the annealer's work on whole slices a cut may cost.
const ANNEAL_WORK_RATIO: f64 = 3.0;

/// Keys, groups, axon rows, placement and routing for a partition.
fn build(
    circuit: &Circuit,
    fanin: &fanin::Fanin,
    part: &partition::Partition,
    (w, h): (u32, u32),
    opts: &Options,
    fixed: Option<&[u32]>,
) -> Result<Plan, (Diagnostics, Option<Vec<u32>>)> {
    let hw = circuit.hardware();
    let tile_neurons = hw.tile_neurons as u32;
    let tile_axons = hw.tile_axons as u32;
    let budget = hw.table_entries as u32;

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
    key_space(total_groups, shift, circuit).map_err(|d| (d, None))?;

    let rate = |line: u32| opts.rate(line);
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
    let pos = match fixed {
        Some(p) => p.to_vec(),
        None => place::place(
            tiles.len(),
            (w, h),
            (host.x, host.y),
            &nets,
            opts.placer,
            opts.seed,
            &opts.anneal,
        ),
    };
    drop(nets);

    // Route.
    let host_slot = host.y * w + host.x;
    // The relief phase belongs to the optimising flow: the baselines route exactly as
    // they always did, so they stay the reference the targets are measured against.
    let route_opts = RouteOptions {
        relief: if opts.placer == Placer::Anneal {
            opts.route.relief
        } else {
            0
        },
        ..opts.route
    };
    let route_with = |pos: &[u32]| -> (route::Trees, f64, f64) {
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
            &route_opts,
        );
        let (max_load, hops) = route::load_and_hops(&trees, &route_nets, w, (w * h) as usize);
        (trees, max_load, hops)
    };
    let (mut pos, mut trees) = (pos, None);
    // The annealer sees hops, not link loads; of the mesh's symmetric images of its
    // placement (same distances between tiles, other paths to the host and other
    // west-first detours), keep the one whose routes load the busiest link least,
    // among those within 5% of the annealed placement's spike hops.
    let slots = (w * h) as usize;
    if opts.placer == Placer::Anneal
        && fixed.is_none()
        && groups.len().saturating_mul(slots) <= SYMMETRY_WORK
    {
        let (t0, load0, hops0) = route_with(&pos);
        let mut best = (load0, pos.clone(), t0);
        for k in 1..8u32 {
            if k >= 4 && w != h {
                break;
            }
            let image: Vec<u32> = pos
                .iter()
                .map(|&s| {
                    let (x, y) = (s % w, s / w);
                    let (x, y) = match k {
                        1 => (w - 1 - x, y),
                        2 => (x, h - 1 - y),
                        3 => (w - 1 - x, h - 1 - y),
                        4 => (y, x),
                        5 => (w - 1 - y, x),
                        6 => (y, h - 1 - x),
                        _ => (w - 1 - y, h - 1 - x),
                    };
                    y * w + x
                })
                .collect();
            let (t, load, hops) = route_with(&image);
            if hops <= hops0 * SYMMETRY_HOPS && load < best.0 - 1e-9 {
                best = (load, image, t);
            }
        }
        pos = best.1;
        trees = Some(best.2);
    }
    let trees = trees.unwrap_or_else(|| route_with(&pos).0);
    for (t, &s) in tiles.iter_mut().zip(&pos) {
        t.x = s % w;
        t.y = s / w;
    }
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
    table_budget(&routers, budget, circuit).map_err(|d| (d, Some(pos.clone())))?;

    Ok(Plan {
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
