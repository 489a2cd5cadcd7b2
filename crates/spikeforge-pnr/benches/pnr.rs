//! The place-and-route benchmark: the placers compared over the synthetic suite
//! (spike_hops and max_link_load of `anneal` against `seq` and `random`, with geometric
//! means), then the 1,000,000-neuron design timed, in one run.
//!
//! `cargo bench -p spikeforge-pnr --bench pnr` runs both parts. Arguments (after `--`):
//! `--suite-only`, `--million-only`, `--million N` (neurons of the large design),
//! `--sizes A,B` (neurons of the suite designs), `--router xy|congestion`, `--lambda L`
//! (`Options::split_lambda`), `--kinds ff-deep,conv` (families of the suite).
//! Timing is reported, never asserted.

use std::time::Instant;

use spikeforge_ir::Hardware;
use spikeforge_pnr::generator::{generate, Kind, Spec};
use spikeforge_pnr::report::measure;
use spikeforge_pnr::{place_and_route, verify, Options, Placer, RouterKind};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let has = |f: &str| args.iter().any(|a| a == f);
    let value = |f: &str| {
        args.iter()
            .position(|a| a == f)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let million: usize = value("--million")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let sizes: Vec<usize> = value("--sizes")
        .map(|v| v.split(',').filter_map(|x| x.parse().ok()).collect())
        .unwrap_or_else(|| vec![4_000, 30_000]);
    let router = value("--router")
        .and_then(|r| RouterKind::parse(&r))
        .unwrap_or(RouterKind::Congestion);
    let kinds: Vec<Kind> = value("--kinds")
        .map(|v| v.split(',').filter_map(Kind::parse).collect())
        .unwrap_or_else(|| Kind::ALL.to_vec());
    let lambda: f64 = value("--lambda")
        .and_then(|v| v.parse().ok())
        .unwrap_or(Options::default().split_lambda);
    if !has("--million-only") {
        suite(&sizes, &kinds, router, lambda);
    }
    if !has("--suite-only") {
        large(million);
    }
}

fn suite(sizes: &[usize], kinds: &[Kind], router: RouterKind, lambda: f64) {
    println!("== synthetic suite (router {}) ==", router.as_str());
    println!(
        "{:<22} {:>7} {:>6} {:>6} {:>14} {:>9} {:>12} {:>9} {:>9} {:>12} {:>6}",
        "design",
        "placer",
        "tiles",
        "mesh",
        "spike_hops",
        "mean_hops",
        "max_link",
        "max_tab",
        "ms",
        "tree_bound",
        "/bound"
    );
    let (mut lseq, mut lrand) = (0.0f64, 0.0f64);
    let mut n = 0;
    let mut link_ok = 0;
    let mut link_ratios = 0.0f64;
    for &size in sizes {
        for &kind in kinds {
            let c = generate(&Spec::new(kind, size, 7)).expect("generated designs are valid");
            let mut res = Vec::new();
            for placer in Placer::ALL {
                let opts = Options {
                    placer,
                    router,
                    seed: 1,
                    split_lambda: lambda,
                    ..Options::default()
                };
                let placed = match place_and_route(&c, &opts) {
                    Ok(p) => p,
                    Err(d) => {
                        println!("{:<22} {:>7} failed: {d}", c.name(), placer.as_str());
                        continue;
                    }
                };
                let errs = verify::verify(&placed.plan);
                assert!(errs.is_empty(), "{}: {errs:?}", c.name());
                let r = measure(&placed.plan, placed.runtime_ms);
                let lb = tree_bound(&placed.plan);
                println!(
                    "{:<22} {:>7} {:>6} {:>6} {:>14.1} {:>9.3} {:>12.1} {:>9} {:>9.1} {:>12.1} {:>6.3}",
                    c.name(),
                    placer.as_str(),
                    r.tiles_used,
                    format!("{}x{}", r.mesh[0], r.mesh[1]),
                    r.spike_hops,
                    r.mean_hops,
                    r.max_link_load,
                    r.max_table_entries,
                    r.runtime_ms,
                    lb,
                    r.spike_hops / lb.max(1e-9)
                );
                res.push(r);
            }
            if res.len() == 3 {
                let (s, rd, a) = (&res[0], &res[1], &res[2]);
                let (q1, q2) = (a.spike_hops / s.spike_hops, a.spike_hops / rd.spike_hops);
                println!(
                    "{:<22} anneal/seq {:.3}  anneal/random {:.3}  max_link anneal/seq {:.3}",
                    "",
                    q1,
                    q2,
                    a.max_link_load / s.max_link_load
                );
                lseq += q1.ln();
                lrand += q2.ln();
                link_ratios += (a.max_link_load / s.max_link_load).ln();
                if a.max_link_load <= s.max_link_load {
                    link_ok += 1;
                }
                n += 1;
            }
        }
    }
    if n > 0 {
        println!(
            "geometric mean over {n} designs: spike_hops anneal/seq {:.3} (target <= 0.7), anneal/random {:.3} (target <= 0.5); max_link_load anneal/seq {:.3}, no worse on {link_ok}/{n}",
            (lseq / n as f64).exp(),
            (lrand / n as f64).exp(),
            (link_ratios / n as f64).exp()
        );
    }
}

/// A lower bound on `spike_hops` for the plan's partition and placement: a tree that
/// touches k distinct routers has at least k - 1 links, so each group costs at least
/// traffic x (distinct routers of its source, targets and host - 1). Placement can only
/// approach it; only partitioning (which tiles each group must reach) lowers it.
fn tree_bound(plan: &spikeforge_pnr::Plan) -> f64 {
    use spikeforge_pnr::plan::GroupSource;
    let w = plan.width();
    let slot = |t: u32| {
        let t = &plan.tiles[t as usize];
        t.y * w + t.x
    };
    let host = plan.host.y * w + plan.host.x;
    plan.groups
        .iter()
        .map(|g| {
            let mut s: Vec<u32> = g.targets.iter().map(|&t| slot(t)).collect();
            s.push(match g.source {
                GroupSource::Input { .. } => host,
                GroupSource::Population { tile, .. } => slot(tile),
            });
            if g.to_host {
                s.push(host);
            }
            s.sort_unstable();
            s.dedup();
            g.traffic * (s.len() - 1) as f64
        })
        .sum()
}

fn large(neurons: usize) {
    println!("== large design: {neurons} neurons, conv, 64x64 mesh ==");
    let t0 = Instant::now();
    let mut spec = Spec::new(Kind::Conv, neurons, 7);
    spec.hardware = Hardware {
        mesh: Some((64, 64)),
        ..spec.hardware
    };
    let c = generate(&spec).expect("valid");
    let synapses: usize = c.crossbars().map(|(_, x)| x.weights.nnz()).sum();
    println!(
        "generated in {:.0} ms: {} neurons, {synapses} synapses",
        t0.elapsed().as_secs_f64() * 1000.0,
        c.populations().map(|(_, p)| p.neurons).sum::<i64>()
    );
    let placed = place_and_route(&c, &Options::default()).expect("the large design fits");
    println!(
        "partition + place (anneal) + route (congestion): {:.0} ms",
        placed.runtime_ms
    );
    let r = measure(&placed.plan, placed.runtime_ms);
    println!(
        "tiles {} mesh {}x{} spike_hops {:.0} mean_hops {:.3} max_link_load {:.0} max_table_entries {}",
        r.tiles_used, r.mesh[0], r.mesh[1], r.spike_hops, r.mean_hops, r.max_link_load, r.max_table_entries
    );
}
