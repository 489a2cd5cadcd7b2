//! Invariant tests on random designs: capacities respected, every synapse present and
//! routed to its tile exactly once (by replaying the tables), tables within budget, no
//! loops, and the same plan, byte for byte, for the same design and seed.

use spikeforge_ir::Hardware;
use spikeforge_pnr::generator::{generate, Kind, Spec};
use spikeforge_pnr::rng::Rng;
use spikeforge_pnr::{place_and_route, verify, Options, Placer, RouterKind};

fn random_spec(rng: &mut Rng, case: u64) -> Spec {
    let kind = Kind::ALL[rng.below(Kind::ALL.len())];
    let mut spec = Spec::new(kind, 40 + rng.below(600), case);
    spec.fanout = 1 + rng.below(8);
    spec.hardware = Hardware {
        tile_neurons: [3, 8, 16, 32, 64][rng.below(5)],
        tile_axons: [96, 200, 1024][rng.below(3)],
        mesh: None,
        table_entries: 4096,
        membrane_bits: [8, 16][rng.below(2)],
        weight_bits: 8,
    };
    spec
}

#[test]
fn random_designs_give_valid_plans() {
    let mut rng = Rng::new(2024);
    let mut checked = 0;
    for case in 0..24u64 {
        let spec = random_spec(&mut rng, case);
        let Ok(circuit) = generate(&spec) else {
            continue; // e.g. weights wider than 8-bit membranes allow
        };
        for placer in Placer::ALL {
            for router in RouterKind::ALL {
                let opts = Options {
                    placer,
                    router,
                    seed: case,
                    ..Options::default()
                };
                let placed = match place_and_route(&circuit, &opts) {
                    Ok(p) => p,
                    Err(d) => {
                        // Only capacity diagnostics are allowed, never a panic.
                        assert!(
                            d.iter().all(|d| d.code.as_str().ends_with("overflow")),
                            "{d}"
                        );
                        continue;
                    }
                };
                let plan = &placed.plan;
                let errs = verify::verify(plan);
                assert!(
                    errs.is_empty(),
                    "{} {placer:?} {router:?}: {errs:?}",
                    circuit.name()
                );
                let errs = verify::verify_synapses(&circuit, plan);
                assert!(
                    errs.is_empty(),
                    "{} {placer:?} {router:?}: {errs:?}",
                    circuit.name()
                );
                let hw = circuit.hardware();
                for t in &plan.tiles {
                    assert!(t.neurons as i64 <= hw.tile_neurons);
                    assert!(t.axons() as i64 <= hw.tile_axons);
                }
                for r in &plan.routers {
                    assert!(r.entries.len() as i64 <= hw.table_entries);
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 60, "only {checked} plans checked");
}

#[test]
fn same_seed_same_plan_bytes() {
    for kind in Kind::ALL {
        let circuit = generate(&Spec::new(kind, 1500, 3)).expect("valid");
        for placer in Placer::ALL {
            let opts = Options {
                placer,
                seed: 11,
                ..Options::default()
            };
            let a = place_and_route(&circuit, &opts)
                .expect("fits")
                .plan
                .to_json();
            let b = place_and_route(&circuit, &opts)
                .expect("fits")
                .plan
                .to_json();
            assert_eq!(a, b, "{kind:?} {placer:?}");
            let back: spikeforge_pnr::Plan = serde_json::from_str(&a).expect("round trip");
            assert_eq!(back.to_json(), a);
        }
    }
}

#[test]
fn tight_tables_are_respected_or_reported() {
    // The congestion router steers around full tables; whatever it cannot fit must be
    // a table_overflow diagnostic, never an over-full table.
    let mut spec = Spec::new(Kind::Random, 3000, 5);
    spec.hardware.tile_neurons = 32;
    for budget in [8, 16, 24, 32, 64] {
        spec.hardware.table_entries = budget;
        let circuit = generate(&spec).expect("valid");
        match place_and_route(&circuit, &Options::default()) {
            Ok(p) => {
                assert!(verify::verify(&p.plan).is_empty());
                assert!(p
                    .plan
                    .routers
                    .iter()
                    .all(|r| r.entries.len() <= budget as usize));
            }
            Err(d) => assert_eq!(
                d.iter().next().map(|d| d.code.as_str()),
                Some("table_overflow")
            ),
        }
    }
}
