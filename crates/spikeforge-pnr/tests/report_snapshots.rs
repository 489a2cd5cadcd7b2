//! Snapshot tests of the `spikeforge place` JSON report (runtime zeroed) and of a whole
//! plan for the smallest designs, so any change to partitioning, placement, routing or
//! the plan format shows up in review.

use spikeforge_ir::{Design, Lif};
use spikeforge_pnr::generator::{generate, Kind, Spec};
use spikeforge_pnr::report::measure;
use spikeforge_pnr::{place_and_route, svg, Options, Placer};

fn report(circuit: &spikeforge_ir::Circuit, placer: Placer) -> String {
    let opts = Options {
        placer,
        ..Options::default()
    };
    let placed = place_and_route(circuit, &opts).expect("fits");
    measure(&placed.plan, 0.0).to_json()
}

/// Semantics case 7: input -> A -> B, B observed.
fn case7() -> spikeforge_ir::Circuit {
    let mut d = Design::new("case7_delay");
    let i = d.input("in", 1);
    let a = d.population("a", 1, Lif::new(10));
    let b = d.population("b", 1, Lif::new(10));
    d.crossbar(i, a, [[10]]);
    d.crossbar(a, b, [[10]]);
    d.output(b);
    d.finish().expect("valid")
}

#[test]
fn case7_plan() {
    let c = case7();
    let placed = place_and_route(&c, &Options::default()).expect("fits");
    let pretty = serde_json::to_string_pretty(&placed.plan).expect("json");
    insta::assert_snapshot!(pretty);
    insta::assert_snapshot!(report(&c, Placer::Anneal));
}

#[test]
fn small_synthetic_reports() {
    for kind in Kind::ALL {
        let mut spec = Spec::new(kind, 600, 1);
        spec.hardware.tile_neurons = 32;
        let c = generate(&spec).expect("valid");
        for placer in Placer::ALL {
            insta::assert_snapshot!(
                format!("{}_{}", kind.as_str(), placer.as_str()),
                report(&c, placer)
            );
        }
    }
}

#[test]
fn svg_is_deterministic_and_well_formed() {
    let mut spec = Spec::new(Kind::Conv, 900, 1);
    spec.hardware.tile_neurons = 32;
    let c = generate(&spec).expect("valid");
    let plan = place_and_route(&c, &Options::default()).expect("fits").plan;
    let a = svg::render(&plan);
    assert_eq!(a, svg::render(&plan));
    assert!(a.starts_with("<svg") && a.trim_end().ends_with("</svg>"));
    assert_eq!(
        a.matches("<rect").count() >= (plan.width() * plan.height()) as usize,
        true
    );
}
