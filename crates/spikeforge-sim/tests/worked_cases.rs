//! The seven worked cases of ../shared/spec/semantics.md, on the functional model.
//! Each design is built with the Rust DSL exactly as the page states it (V = 16,
//! weight_bits = 8, no leak, reset zero, R = 0 unless said).

use spikeforge_ir::{Design, Lif, Reset};
use spikeforge_sim::{run_functional, FunctionalModel, Raster, Spike};

fn stim(port: &str, ticks: &[u64], channels: &[u32]) -> Raster {
    Raster::from_spikes(
        ticks
            .iter()
            .flat_map(|&t| {
                channels.iter().map(move |&c| Spike {
                    tick: t,
                    port: port.into(),
                    index: c,
                })
            })
            .collect(),
    )
}

fn ticks_of(r: &Raster, port: &str) -> Vec<u64> {
    r.spikes()
        .iter()
        .filter(|s| s.port == port)
        .map(|s| s.tick)
        .collect()
}

fn single(w: i64, lif: Lif) -> spikeforge_ir::Circuit {
    let mut d = Design::new("case");
    let i = d.input("in", 1);
    let p = d.population("p", 1, lif);
    d.crossbar(i, p, [[w]]);
    d.output(p);
    d.finish().unwrap()
}

#[test]
fn case1_integrate_and_fire() {
    let c = single(5, Lif::new(10));
    let out = run_functional(&c, &stim("in", &[0, 1, 2, 3], &[0]), 4);
    assert_eq!(ticks_of(&out, "p"), vec![1, 3]);
    assert_eq!(out.to_csv(), "tick,port,index\n1,p,0\n3,p,0\n");
}

#[test]
fn case2_leak() {
    let c = single(5, Lif::new(10).leak_shift(1));
    let mut m = FunctionalModel::new(&c);
    let mut vs = Vec::new();
    for _ in 0..4 {
        m.step(&[(0, 0)]);
        vs.push((m.membrane(0, 0), m.fired(0).to_vec()));
    }
    // 5; 5 - 2 + 5 = 8; 8 - 4 + 5 = 9; 9 - 4 + 5 = 10 -> fires at tick 3, v = 0.
    assert_eq!(
        vs,
        vec![(5, vec![]), (8, vec![]), (9, vec![]), (0, vec![0])]
    );
}

#[test]
fn case3_negative_leak_rounds_down() {
    let c = single(-3, Lif::new(10).leak_shift(1));
    let mut m = FunctionalModel::new(&c);
    m.step(&[(0, 0)]);
    assert_eq!(m.membrane(0, 0), -3);
    m.step(&[]);
    // leak = -3 >> 1 = -2, so v = -3 - (-2) + 0 = -1.
    assert_eq!(m.membrane(0, 0), -1);
}

#[test]
fn case4_accumulator_wraps() {
    let mut d = Design::new("case4");
    let i = d.input("in", 2);
    let p = d.population("p", 1, Lif::new(127));
    d.set_membrane_bits(p, 8);
    d.crossbar(i, p, [[100], [100]]);
    d.output(p);
    let c = d.finish().unwrap();
    assert_eq!(
        c.warnings()
            .iter()
            .map(|w| w.code.as_str())
            .collect::<Vec<_>>(),
        ["accumulator_may_wrap"]
    );
    let mut m = FunctionalModel::new(&c);
    m.step(&[(0, 0), (0, 1)]);
    assert_eq!(m.membrane(0, 0), -56);
    assert!(m.fired(0).is_empty());
}

#[test]
fn case5_refractory() {
    let c = single(20, Lif::new(10).refractory(2));
    let out = run_functional(&c, &stim("in", &(0..10).collect::<Vec<_>>(), &[0]), 10);
    assert_eq!(ticks_of(&out, "p"), vec![0, 3, 6, 9]);
}

#[test]
fn case6_reset_subtract() {
    let c = single(15, Lif::new(10).reset(Reset::Subtract));
    let mut m = FunctionalModel::new(&c);
    let mut seen = Vec::new();
    for _ in 0..4 {
        m.step(&[(0, 0)]);
        seen.push((m.fired(0).len(), m.membrane(0, 0)));
    }
    assert_eq!(seen, vec![(1, 5), (1, 10), (1, 15), (1, 20)]);
}

#[test]
fn case7_one_tick_delay() {
    let mut d = Design::new("case7");
    let i = d.input("in", 1);
    let a = d.population("a", 1, Lif::new(10));
    let b = d.population("b", 1, Lif::new(10));
    d.crossbar(i, a, [[10]]);
    d.crossbar(a, b, [[10]]);
    d.output(a);
    d.output(b);
    let c = d.finish().unwrap();
    let out = run_functional(&c, &stim("in", &[0], &[0]), 4);
    assert_eq!(out.to_csv(), "tick,port,index\n0,a,0\n1,b,0\n");
}

#[test]
fn recurrence_feeds_back_one_tick_later() {
    // A neuron that excites itself keeps firing every tick after one kick.
    let mut d = Design::new("loop");
    let i = d.input("in", 1);
    let p = d.population("p", 1, Lif::new(10));
    d.crossbar(i, p, [[10]]);
    d.crossbar(p, p, [[10]]);
    d.output(p);
    let c = d.finish().unwrap();
    let out = run_functional(&c, &stim("in", &[0], &[0]), 5);
    assert_eq!(ticks_of(&out, "p"), vec![0, 1, 2, 3, 4]);
}

#[test]
fn stimulus_past_the_run_is_ignored() {
    let c = single(10, Lif::new(10));
    let out = run_functional(&c, &stim("in", &[0, 7], &[0]), 3);
    assert_eq!(ticks_of(&out, "p"), vec![0]);
}
