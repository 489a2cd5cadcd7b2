//! Property test: the functional model's dense fast path (i8/i16 rows, 16-bit lanes,
//! SIMD, rows gathered per tick) gives exactly the plain path's rasters and membranes
//! (every crossbar as sparse rows, one synapse at a time), on random designs covering
//! every membrane width 8..=32, weight widths 2..=16 (extreme weights included, so
//! 16-bit lanes wrap and partial sums reach their flush bound), densities from sparse
//! to full, recurrence, and every tick's fired set.

use spikeforge_ir::{Circuit, Design, Lif, Reset, SourceRef, WeightMatrix};
use spikeforge_sim::functional::Storage;
use spikeforge_sim::stimulus::SplitMix64;
use spikeforge_sim::FunctionalModel;

struct Gen(SplitMix64);

impl Gen {
    fn below(&mut self, n: u64) -> u64 {
        self.0.next_u64() % n
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
}

fn weights(g: &mut Gen, rows: usize, cols: usize, bits: i64, density: f64) -> WeightMatrix {
    let max = (1i64 << (bits - 1)) - 1;
    // 0..=2: extreme weights of random sign, all the largest, all the most negative
    // (so a long run of rows drives 16-bit partial sums to their flush bound).
    let extreme = g.below(6);
    let values: Vec<i64> = (0..rows * cols)
        .map(|_| {
            if g.0.next_f64() >= density {
                0
            } else if extreme == 0 {
                // The widest values, both signs: -2^(b-1) and 2^(b-1) - 1.
                if g.below(2) == 0 {
                    -max - 1
                } else {
                    max
                }
            } else if extreme == 1 {
                max
            } else if extreme == 2 {
                -max - 1
            } else {
                g.range(-max - 1, max)
            }
        })
        .collect();
    WeightMatrix::from_dense(rows, cols, values).unwrap()
}

fn random_design(seed: u64) -> Circuit {
    let mut g = Gen(SplitMix64::new(seed.wrapping_mul(0x9E37_79B9) ^ 0x5eed));
    let mut d = Design::new(format!("fast{seed}"));
    let inputs = g.range(1, 2);
    let srcs: Vec<(SourceRef, usize)> = (0..inputs)
        .map(|i| {
            let n = g.range(1, 600);
            (SourceRef::Input(d.input(format!("in{i}"), n)), n as usize)
        })
        .collect();
    let npops = g.range(1, 3);
    let mut pops = Vec::new();
    for k in 0..npops {
        let v = g.range(8, 32);
        let theta = g.range(1, (1i64 << (v - 1)) - 1).min(g.range(1, 3000));
        let lif = Lif::new(theta)
            .leak_shift(g.range(0, (v - 1).min(6)))
            .reset(if g.below(2) == 0 {
                Reset::Zero
            } else {
                Reset::Subtract
            })
            .refractory(g.range(0, 2));
        let n = g.range(1, 300);
        let p = d.population(format!("p{k}"), n, lif);
        d.set_membrane_bits(p, v);
        pops.push((p, v, n as usize));
    }
    for (k, &(p, v, n)) in pops.iter().enumerate() {
        // Each population is driven by an input (or an earlier population), maybe
        // also by itself.
        // The first population hears every input, so none is left unconnected.
        let mut from: Vec<(SourceRef, usize)> = if k == 0 {
            srcs.clone()
        } else {
            vec![srcs[g.below(srcs.len() as u64) as usize]]
        };
        if k > 0 {
            let (q, _, m) = pops[g.below(k as u64) as usize];
            from.push((SourceRef::Population(q), m));
        }
        if g.below(3) == 0 {
            from.push((SourceRef::Population(p), n));
        }
        for (s, rows) in from {
            let bits = g.range(2, 16.min(v));
            let density = [0.01, 0.05, 0.2, 0.6, 1.0][g.below(5) as usize];
            let m = weights(&mut g, rows, n, bits, density);
            let x = d.crossbar(s, p, m);
            d.set_weight_bits(x, bits);
        }
        d.output(p);
    }
    d.finish().unwrap_or_else(|e| panic!("seed {seed}: {e:?}"))
}

#[test]
fn dense_fast_path_equals_plain_path() {
    let mut fired = 0usize;
    let mut dense_crossbars = 0;
    for seed in 0..150u64 {
        let c = random_design(seed);
        let mut plain = FunctionalModel::with_storage(&c, Storage::Sparse);
        let mut auto = FunctionalModel::with_storage(&c, Storage::Auto);
        let mut dense = FunctionalModel::with_storage(&c, Storage::Dense);
        dense_crossbars += dense.storage_counts().0;
        let mut g = Gen(SplitMix64::new(seed ^ 0xabc));
        let rate = [0.02, 0.1, 0.5, 0.9][g.below(4) as usize];
        let channels: Vec<i64> = c.inputs().map(|(_, i)| i.channels).collect();
        let mut events = Vec::new();
        for tick in 0..40 {
            events.clear();
            for (i, &n) in channels.iter().enumerate() {
                for ch in 0..n as u32 {
                    if g.0.next_f64() < rate {
                        events.push((i, ch));
                    }
                }
            }
            plain.step(&events);
            auto.step(&events);
            dense.step(&events);
            for (k, (_, pop)) in c.populations().enumerate() {
                assert_eq!(
                    plain.fired(k),
                    auto.fired(k),
                    "seed {seed} tick {tick} pop {k}"
                );
                assert_eq!(
                    plain.fired(k),
                    dense.fired(k),
                    "seed {seed} tick {tick} pop {k}"
                );
                fired += plain.fired(k).len();
                for j in 0..pop.neurons as usize {
                    assert_eq!(plain.membrane(k, j), dense.membrane(k, j), "seed {seed}");
                }
            }
        }
    }
    assert!(
        dense_crossbars >= 200,
        "only {dense_crossbars} dense crossbars"
    );
    assert!(fired >= 10_000, "only {fired} spikes compared");
}
