//! Deadlock freedom of routes: every plan the router makes obeys the west-first turn
//! model and has an acyclic channel dependency graph; a plan whose tables make a
//! forbidden turn, or close a dependency cycle, is rejected by `verify`.

use spikeforge_ir::{Design, Hardware, Lif};
use spikeforge_pnr::deadlock::{check_acyclic, turn_violations};
use spikeforge_pnr::generator::{generate, Kind, Spec};
use spikeforge_pnr::plan::{Entry, Port, Ports, Router};
use spikeforge_pnr::rng::Rng;
use spikeforge_pnr::{place_and_route, verify, Options, Placer, Plan, RouterKind};

#[test]
fn routed_plans_obey_the_turn_model_and_are_acyclic() {
    let mut rng = Rng::new(77);
    let mut checked = 0;
    for case in 0..16u64 {
        let kind = Kind::ALL[case as usize % Kind::ALL.len()];
        let mut spec = Spec::new(kind, 300 + rng.below(2500), case);
        spec.hardware.tile_neurons = [8, 16, 32, 64][rng.below(4)];
        spec.hardware.table_entries = 4096;
        let Ok(c) = generate(&spec) else { continue };
        for placer in Placer::ALL {
            for router in RouterKind::ALL {
                let opts = Options {
                    placer,
                    router,
                    seed: case,
                    ..Options::default()
                };
                let Ok(placed) = place_and_route(&c, &opts) else {
                    continue;
                };
                let plan = &placed.plan;
                let turns = turn_violations(plan);
                assert!(
                    turns.is_empty(),
                    "{} {placer:?} {router:?}: {turns:?}",
                    c.name()
                );
                check_acyclic(plan).unwrap_or_else(|e| panic!("{}: {e}", c.name()));
                checked += 1;
            }
        }
    }
    assert!(checked >= 60, "only {checked} plans checked");
}

/// Four one-neuron populations on a 2x2 mesh, placed row-major (p0 at (0,0), p1 at
/// (1,0), p2 at (0,1), p3 at (1,1)), each sending to the diagonally opposite tile:
/// p0 -> p3, p1 -> p2, p3 -> p0, p2 -> p1.
fn square() -> Plan {
    let hw = Hardware {
        tile_neurons: 1,
        tile_axons: 4,
        mesh: Some((2, 2)),
        table_entries: 16,
        membrane_bits: 16,
        weight_bits: 8,
    };
    let mut d = Design::with_hardware("square", hw);
    let i = d.input("in", 1);
    let p: Vec<_> = (0..4)
        .map(|k| d.population(format!("p{k}"), 1, Lif::new(10)))
        .collect();
    d.crossbar(i, p[0], [[5]]);
    for (a, b) in [(0, 3), (1, 2), (3, 0), (2, 1)] {
        d.crossbar(p[a], p[b], [[5]]);
    }
    d.output(p[0]);
    let c = d.finish().expect("valid");
    let opts = Options {
        placer: Placer::Seq,
        router: RouterKind::Xy,
        ..Options::default()
    };
    let plan = place_and_route(&c, &opts).expect("fits").plan;
    assert!(
        verify::verify(&plan).is_empty(),
        "{:?}",
        verify::verify(&plan)
    );
    plan
}

/// The group whose spikes come from population `p`.
fn group_of(plan: &Plan, p: u32) -> u32 {
    plan.tiles
        .iter()
        .flat_map(|t| &t.slices)
        .find(|s| s.population == p)
        .expect("placed")
        .group
}

/// Replaces group `g`'s route by `hops` ((x, y) and the ports it leaves by).
fn set_route(plan: &mut Plan, g: u32, hops: &[((u32, u32), &[Port])]) {
    let keys = plan.keys;
    let mut per: std::collections::BTreeMap<(u32, u32), Vec<Entry>> = Default::default();
    for r in &plan.routers {
        for e in &r.entries {
            // Undo buddy merging: one entry per group.
            let span = (!e.mask >> keys.group_shift) + 1;
            for k in 0..span {
                let group = keys.group_of(e.key) + k;
                if group != g {
                    per.entry((r.y, r.x)).or_default().push(Entry {
                        key: keys.key(group, 0),
                        mask: keys.group_mask(),
                        ports: e.ports,
                    });
                }
            }
        }
    }
    for &((x, y), ports) in hops {
        let mut p = Ports::default();
        for &q in ports {
            p.insert(q);
        }
        per.entry((y, x)).or_default().push(Entry {
            key: keys.key(g, 0),
            mask: keys.group_mask(),
            ports: p,
        });
    }
    plan.routers = per
        .into_iter()
        .map(|((y, x), mut entries)| {
            entries.sort_unstable();
            Router { x, y, entries }
        })
        .collect();
}

#[test]
fn a_forbidden_turn_is_rejected() {
    let mut plan = square();
    // p1 (1,0) -> p2 (0,1) by south then west: a south-going packet turning west.
    let g = group_of(&plan, 1);
    set_route(
        &mut plan,
        g,
        &[
            ((1, 0), &[Port::South]),
            ((1, 1), &[Port::West]),
            ((0, 1), &[Port::Local]),
        ],
    );
    let errs = verify::verify(&plan);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("west-first"), "{errs:?}");
    assert!(errs[0].contains("(1, 1)"), "{errs:?}");
    // Alone it closes no cycle.
    assert!(check_acyclic(&plan).is_ok());
}

#[test]
fn a_dependency_cycle_is_rejected() {
    let mut plan = square();
    // Clockwise round the square: p0 east then south (XY already), p1 south then west,
    // p3 west then north (XY already), p2 north then east.
    let g1 = group_of(&plan, 1);
    set_route(
        &mut plan,
        g1,
        &[
            ((1, 0), &[Port::South]),
            ((1, 1), &[Port::West]),
            ((0, 1), &[Port::Local]),
        ],
    );
    let g2 = group_of(&plan, 2);
    set_route(
        &mut plan,
        g2,
        &[
            ((0, 1), &[Port::North]),
            ((0, 0), &[Port::East]),
            ((1, 0), &[Port::Local]),
        ],
    );
    let err = check_acyclic(&plan).expect_err("a cycle");
    assert!(err.contains("cycle"), "{err}");
    for link in [
        "link (0, 0) east",
        "link (1, 0) south",
        "link (1, 1) west",
        "link (0, 1) north",
    ] {
        assert!(err.contains(link), "{err}");
    }
    let errs = verify::verify(&plan);
    assert!(errs.iter().any(|e| e.contains("deadlock")), "{errs:?}");
    assert!(errs.iter().any(|e| e.contains("west-first")), "{errs:?}");
}
