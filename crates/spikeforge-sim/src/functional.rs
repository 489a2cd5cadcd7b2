//! The functional model: ../shared/spec/semantics.md executed directly, tick by tick,
//! from the circuit graph alone (no plan). It is the golden reference every other
//! execution is compared with.
//!
//! Speed comes from two facts of the semantics. Accumulation wraps modulo 2^V with
//! V <= 32, so accumulating in wrapping 32-bit arithmetic and wrapping to V bits once at
//! the update gives the same value as wrapping after every event; and a zero weight is
//! no synapse, so delivering a spike walks one sparse weight row.

use spikeforge_ir::{Circuit, NodeIndex, Reset};

/// `wrap_V(x)`: `x` reduced to the signed `bits`-bit range modulo 2^bits.
pub fn wrap(x: i64, bits: u32) -> i64 {
    let s = 64 - bits;
    (x << s) >> s
}

/// `sat_V(x)`: `x` clamped to the signed `bits`-bit range.
pub fn sat(x: i64, bits: u32) -> i64 {
    let max = (1i64 << (bits - 1)) - 1;
    x.clamp(-max - 1, max)
}

/// Parameters of one population, widened once.
#[derive(Clone, Debug)]
struct Params {
    threshold: i64,
    leak_shift: u32,
    reset: Reset,
    refractory: u8,
    bits: u32,
}

/// A projection flattened for delivery: the crossbar's sparse rows and the index of
/// the target population.
#[derive(Clone, Debug)]
struct Projection {
    target: usize,
    row_start: Vec<usize>,
    col: Vec<u32>,
    val: Vec<i32>,
}

/// The state of one population.
#[derive(Clone, Debug)]
struct PopState {
    params: Params,
    v: Vec<i64>,
    acc: Vec<i32>,
    refr: Vec<u8>,
    /// Indices of the neurons that fired in the last update, ascending.
    fired: Vec<u32>,
    /// Projections whose source is this population.
    out: Vec<usize>,
}

/// The functional model of one circuit.
#[derive(Clone, Debug)]
pub struct FunctionalModel {
    pops: Vec<PopState>,
    pop_nodes: Vec<NodeIndex>,
    /// Per input (in `Circuit::inputs` order): the projections it drives.
    input_out: Vec<Vec<usize>>,
    input_nodes: Vec<NodeIndex>,
    projections: Vec<Projection>,
    tick: u64,
}

impl FunctionalModel {
    pub fn new(circuit: &Circuit) -> Self {
        let pop_nodes: Vec<NodeIndex> = circuit.populations().map(|(n, _)| n).collect();
        let input_nodes: Vec<NodeIndex> = circuit.inputs().map(|(n, _)| n).collect();
        let pop_index = |n: NodeIndex| pop_nodes.iter().position(|&p| p == n);
        let mut projections = Vec::new();
        let mut pops: Vec<PopState> = circuit
            .populations()
            .map(|(_, p)| {
                let l = p.lif();
                let n = p.neurons as usize;
                PopState {
                    params: Params {
                        threshold: l.threshold,
                        leak_shift: l.leak_shift as u32,
                        reset: l.reset,
                        refractory: l.refractory as u8,
                        bits: p.membrane_bits as u32,
                    },
                    v: vec![0; n],
                    acc: vec![0; n],
                    refr: vec![0; n],
                    fired: Vec::new(),
                    out: Vec::new(),
                }
            })
            .collect();
        let mut input_out = vec![Vec::new(); input_nodes.len()];
        for (x, xb) in circuit.crossbars() {
            let target = pop_index(circuit.crossbar_target(x)).expect("validated target");
            let w = &xb.weights;
            let mut p = Projection {
                target,
                row_start: Vec::with_capacity(w.rows() + 1),
                col: Vec::with_capacity(w.nnz()),
                val: Vec::with_capacity(w.nnz()),
            };
            p.row_start.push(0);
            for r in 0..w.rows() {
                let (cols, vals) = w.row(r);
                p.col.extend_from_slice(cols);
                p.val.extend(vals.iter().map(|&v| v as i32));
                p.row_start.push(p.col.len());
            }
            let id = projections.len();
            projections.push(p);
            let src = circuit.crossbar_source(x);
            if let Some(i) = pop_index(src) {
                pops[i].out.push(id);
            } else if let Some(i) = input_nodes.iter().position(|&n| n == src) {
                input_out[i].push(id);
            }
        }
        FunctionalModel {
            pops,
            pop_nodes,
            input_out,
            input_nodes,
            projections,
            tick: 0,
        }
    }

    /// The tick the next call to [`step`](Self::step) computes.
    pub fn tick(&self) -> u64 {
        self.tick
    }

    fn deliver(projections: &[Projection], pops: &mut [PopState], proj: usize, line: usize) {
        let p = &projections[proj];
        let (a, b) = (p.row_start[line], p.row_start[line + 1]);
        let acc = &mut pops[p.target].acc;
        for (&c, &w) in p.col[a..b].iter().zip(&p.val[a..b]) {
            let slot = &mut acc[c as usize];
            *slot = slot.wrapping_add(w);
        }
    }

    /// Runs one tick. `stimulus` lists `(input, channel)` spikes of this tick, where
    /// `input` indexes `Circuit::inputs()` order; channels must be in range.
    pub fn step(&mut self, stimulus: &[(usize, u32)]) {
        let FunctionalModel {
            pops,
            input_out,
            projections,
            ..
        } = self;
        // 1. Deliver: stimulus of this tick, and every spike fired at the previous tick.
        for &(input, ch) in stimulus {
            for &proj in &input_out[input] {
                Self::deliver(projections, pops, proj, ch as usize);
            }
        }
        for src in 0..pops.len() {
            let fired = std::mem::take(&mut pops[src].fired);
            for k in 0..pops[src].out.len() {
                let proj = pops[src].out[k];
                for &j in &fired {
                    Self::deliver(projections, pops, proj, j as usize);
                }
            }
            pops[src].fired = fired;
        }
        // 2-3. Update every neuron at once.
        for pop in pops.iter_mut() {
            pop.fired.clear();
            let p = &pop.params;
            for j in 0..pop.v.len() {
                let acc = wrap(pop.acc[j] as i64, p.bits);
                pop.acc[j] = 0;
                if pop.refr[j] > 0 {
                    pop.refr[j] -= 1;
                    continue;
                }
                let v = pop.v[j];
                let leak = if p.leak_shift == 0 {
                    0
                } else {
                    v >> p.leak_shift
                };
                let mut v = sat(v - leak + acc, p.bits);
                if v >= p.threshold {
                    pop.fired.push(j as u32);
                    v = match p.reset {
                        Reset::Zero => 0,
                        Reset::Subtract => v - p.threshold,
                    };
                    pop.refr[j] = p.refractory;
                }
                pop.v[j] = v;
            }
        }
        self.tick += 1;
    }

    /// Neurons of population `pop` (in `Circuit::populations()` order) that fired at
    /// the last tick computed.
    pub fn fired(&self, pop: usize) -> &[u32] {
        &self.pops[pop].fired
    }

    /// Membrane potential of neuron `j` of population `pop`.
    pub fn membrane(&self, pop: usize, j: usize) -> i64 {
        self.pops[pop].v[j]
    }

    /// The population nodes, in the order `fired` and `membrane` index them.
    pub fn population_nodes(&self) -> &[NodeIndex] {
        &self.pop_nodes
    }

    /// The input nodes, in the order `step` indexes them.
    pub fn input_nodes(&self) -> &[NodeIndex] {
        &self.input_nodes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_and_saturate() {
        assert_eq!(wrap(200, 8), -56);
        assert_eq!(wrap(-129, 8), 127);
        assert_eq!(wrap(i32::MAX as i64 + 1, 32), i32::MIN as i64);
        assert_eq!(sat(200, 8), 127);
        assert_eq!(sat(-200, 8), -128);
        assert_eq!(sat(5, 16), 5);
    }

    #[test]
    fn leak_rounds_toward_minus_infinity() {
        // Worked case 3: v = -3, leak = -3 >> 1 = -2, v = -3 - (-2) = -1.
        assert_eq!(-3i64 >> 1, -2);
    }
}
