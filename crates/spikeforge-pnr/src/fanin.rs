//! Analysis: the circuit's synapses seen from the target side. Every spike line (input
//! channel or population neuron) gets a dense global id, and every population neuron
//! gets the list of (source line, weight) pairs that feed it, over all crossbars.
//!
//! Invariant: the lists hold exactly the circuit's synapses (one pair per non-zero
//! weight of every crossbar), so memory is linear in the synapse count.

use spikeforge_ir::{Circuit, NodeIndex};

/// Target-side view of all synapses, plus the numbering of spike lines.
pub struct Fanin {
    /// Input nodes, in declaration order.
    pub inputs: Vec<NodeIndex>,
    /// Population nodes, in declaration order.
    pub populations: Vec<NodeIndex>,
    /// First global line id of input i (inputs come first).
    pub input_base: Vec<u32>,
    /// First global line id of population p.
    pub pop_base: Vec<u32>,
    /// Total number of lines.
    pub lines: u32,
    /// Per population, CSR over its neurons: neuron j is fed by `src/weight[start[j]..start[j+1]]`.
    pub start: Vec<Vec<u64>>,
    pub src: Vec<Vec<u32>>,
    pub weight: Vec<Vec<i16>>,
    /// Whether a line drives at least one synapse.
    pub drives: Vec<bool>,
}

impl Fanin {
    pub fn new(c: &Circuit) -> Fanin {
        let inputs: Vec<NodeIndex> = c.inputs().map(|(n, _)| n).collect();
        let populations: Vec<NodeIndex> = c.populations().map(|(n, _)| n).collect();
        let mut next = 0u32;
        let mut base_of = std::collections::BTreeMap::new();
        let input_base: Vec<u32> = inputs
            .iter()
            .map(|&n| {
                let b = next;
                base_of.insert(n, b);
                next += c.width(n) as u32;
                b
            })
            .collect();
        let pop_base: Vec<u32> = populations
            .iter()
            .map(|&n| {
                let b = next;
                base_of.insert(n, b);
                next += c.width(n) as u32;
                b
            })
            .collect();
        let mut drives = vec![false; next as usize];
        let mut start = Vec::with_capacity(populations.len());
        let mut src = Vec::with_capacity(populations.len());
        let mut weight = Vec::with_capacity(populations.len());
        for &p in &populations {
            let n = c.width(p);
            let xs = c.crossbars_into(p);
            let mut count = vec![0u64; n + 1];
            for &x in &xs {
                if let spikeforge_ir::Node::Crossbar(xb) = c.node(x) {
                    for (_, col, _) in xb.weights.iter() {
                        count[col + 1] += 1;
                    }
                }
            }
            for j in 0..n {
                count[j + 1] += count[j];
            }
            let total = count[n] as usize;
            let mut s = vec![0u32; total];
            let mut w = vec![0i16; total];
            let mut fill = count.clone();
            for &x in &xs {
                let from = base_of[&c.crossbar_source(x)];
                if let spikeforge_ir::Node::Crossbar(xb) = c.node(x) {
                    for (row, col, v) in xb.weights.iter() {
                        let at = fill[col] as usize;
                        s[at] = from + row as u32;
                        w[at] = v;
                        fill[col] += 1;
                        drives[(from + row as u32) as usize] = true;
                    }
                }
            }
            start.push(count);
            src.push(s);
            weight.push(w);
        }
        Fanin {
            inputs,
            populations,
            input_base,
            pop_base,
            lines: next,
            start,
            src,
            weight,
            drives,
        }
    }

    /// Sources and weights feeding neuron `j` of population index `p`.
    pub fn of(&self, p: usize, j: usize) -> (&[u32], &[i16]) {
        let (a, b) = (self.start[p][j] as usize, self.start[p][j + 1] as usize);
        (&self.src[p][a..b], &self.weight[p][a..b])
    }

    /// Total synapse count.
    pub fn synapses(&self) -> usize {
        self.src.iter().map(Vec::len).sum()
    }
}
