//! The cycle simulator as a library: a hand-written Rust testbench pokes the top's
//! inputs, steps the clock and peeks the outputs, following docs/hardware.md's port
//! protocol, on worked case 1 of the semantics page (outputs at ticks 1 and 3).

use spikeforge_ir::{Design, Lif};
use spikeforge_sim::cycle::{Hardware, Ports};

#[test]
fn a_rust_testbench_drives_worked_case_1() {
    let mut d = Design::new("case1");
    let i = d.input("in", 1);
    let p = d.population("p", 1, Lif::new(10));
    d.crossbar(i, p, [[5]]);
    d.output(p);
    let circuit = d.finish().unwrap();
    let plan = spikeforge_pnr::place_and_route(&circuit, &Default::default())
        .unwrap()
        .plan;

    let mut hw = Hardware::new(&plan);
    let mut host = Ports {
        rst: true,
        out_ready: true,
        ..Ports::default()
    };
    for _ in 0..3 {
        hw.step(host);
    }
    host.rst = false;
    let mut guard = 0;
    while hw.step(host).busy {
        guard += 1;
        assert!(guard < 10_000, "never left the post-reset clear");
    }
    let mut fired = Vec::new();
    for tick in 0..4u64 {
        // Offer channel 0 until it is taken.
        host.in_valid = true;
        host.in_channel = 0;
        while !hw.step(host).in_ready {}
        host.in_valid = false;
        // Pulse tick, then collect outputs until tick_done.
        host.tick = true;
        hw.step(host);
        host.tick = false;
        loop {
            let seen = hw.step(host);
            if seen.out_valid && seen.out_ready {
                fired.push((tick, seen.out_port, seen.out_index));
            }
            if seen.tick_done {
                break;
            }
        }
    }
    assert_eq!(fired, vec![(1, 0, 0), (3, 0, 0)]);
}
