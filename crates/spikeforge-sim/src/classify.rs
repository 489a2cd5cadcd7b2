//! Classifying images on a design: a labelled stimulus cut into images of a fixed number
//! of ticks, each run from a reset, the class read from a readout population's spikes.
//! `spikeforge run` is built on these pieces; they hold no policy of their own beyond
//! the readout rule of [`classify`].

use std::collections::BTreeMap;

use spikeforge_ir::{Circuit, NodeIndex};

use crate::{FunctionalModel, Raster, Spike};

impl Raster {
    /// The spikes of ticks `start .. start + len`, moved to ticks `0 .. len`: one image
    /// of a stimulus that holds many.
    pub fn window(&self, start: u64, len: u64) -> Raster {
        let spikes = self.spikes();
        let a = spikes.partition_point(|s| s.tick < start);
        let b = spikes.partition_point(|s| s.tick < start.saturating_add(len));
        Raster::from_spikes(
            spikes[a..b]
                .iter()
                .map(|s| Spike {
                    tick: s.tick - start,
                    ..s.clone()
                })
                .collect(),
        )
    }
}

/// The class an output raster votes for: the neuron of `readout` with the most spikes;
/// a tie goes to the neuron that spiked first, then to the lowest index. `None` when the
/// readout did not spike at all (the image gets no answer, which counts as wrong).
pub fn classify(raster: &Raster, readout: &str) -> Option<u32> {
    // neuron -> (spikes, first tick)
    let mut votes: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
    for s in raster.spikes().iter().filter(|s| s.port == readout) {
        let v = votes.entry(s.index).or_insert((0, s.tick));
        v.0 += 1;
        v.1 = v.1.min(s.tick);
    }
    votes
        .into_iter()
        .max_by(|(ia, (na, fa)), (ib, (nb, fb))| na.cmp(nb).then(fb.cmp(fa)).then(ib.cmp(ia)))
        .map(|(i, _)| i)
}

/// What one run of the functional model did, beyond its output raster.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Activity {
    /// The output raster (as [`crate::run_functional`] gives it).
    pub raster: Raster,
    /// Stimulus spikes delivered.
    pub input_spikes: u64,
    /// Spikes fired by every population, outputs or not.
    pub neuron_spikes: u64,
    /// Synaptic events: for every delivered spike, the synapses (non-zero weights) of
    /// its row in every crossbar it drives.
    pub synaptic_events: u64,
    /// Spikes sent by each line: `inputs[i][channel]` in `Circuit::inputs()` order and
    /// `populations[p][neuron]` in `Circuit::populations()` order.
    pub inputs: Vec<Vec<u64>>,
    pub populations: Vec<Vec<u64>>,
}

/// Runs the functional model like [`crate::run_functional`] and counts its activity.
pub fn run_functional_activity(circuit: &Circuit, stimulus: &Raster, ticks: u64) -> Activity {
    let mut model = FunctionalModel::new(circuit);
    let fan_out = |n: NodeIndex, lines: usize| -> Vec<u64> {
        let mut f = vec![0u64; lines];
        for x in circuit.crossbars_from(n) {
            let (_, xb) = circuit
                .crossbars()
                .find(|(m, _)| *m == x)
                .expect("crossbars_from names crossbars");
            for (r, slot) in f.iter_mut().enumerate().take(xb.weights.rows()) {
                *slot += xb.weights.row(r).0.len() as u64;
            }
        }
        f
    };
    let input_names: Vec<&str> = circuit.inputs().map(|(_, i)| i.name.as_str()).collect();
    let input_fan: Vec<Vec<u64>> = circuit
        .inputs()
        .map(|(n, i)| fan_out(n, i.channels as usize))
        .collect();
    let pop_fan: Vec<Vec<u64>> = model
        .population_nodes()
        .iter()
        .map(|&n| {
            let (_, p) = circuit
                .populations()
                .find(|(m, _)| *m == n)
                .expect("the model's populations are the circuit's");
            fan_out(n, p.neurons as usize)
        })
        .collect();
    let outputs: Vec<(usize, String)> = circuit
        .outputs()
        .filter_map(|(n, p)| {
            let k = model.population_nodes().iter().position(|&m| m == n)?;
            Some((k, p.name.clone()))
        })
        .collect();
    let mut a = Activity {
        inputs: input_fan.iter().map(|f| vec![0; f.len()]).collect(),
        populations: pop_fan.iter().map(|f| vec![0; f.len()]).collect(),
        ..Activity::default()
    };
    let mut spikes = Vec::new();
    let mut events = Vec::new();
    for tick in 0..ticks {
        events.clear();
        for s in stimulus.at_tick(tick) {
            let Some(i) = input_names.iter().position(|&n| n == s.port) else {
                continue;
            };
            let Some(fan) = input_fan[i].get(s.index as usize) else {
                continue;
            };
            events.push((i, s.index));
            a.input_spikes += 1;
            a.inputs[i][s.index as usize] += 1;
            a.synaptic_events += fan;
        }
        model.step(&events);
        for (p, fan) in pop_fan.iter().enumerate() {
            for &j in model.fired(p) {
                a.neuron_spikes += 1;
                a.populations[p][j as usize] += 1;
                // Delivered next tick, unless the run ends first.
                if tick + 1 < ticks {
                    a.synaptic_events += fan[j as usize];
                }
            }
        }
        for (k, name) in &outputs {
            spikes.extend(model.fired(*k).iter().map(|&j| Spike {
                tick,
                port: name.clone(),
                index: j,
            }));
        }
    }
    a.raster = Raster::from_spikes(spikes);
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raster(spikes: &[(u64, &str, u32)]) -> Raster {
        Raster::from_spikes(
            spikes
                .iter()
                .map(|&(tick, port, index)| Spike {
                    tick,
                    port: port.into(),
                    index,
                })
                .collect(),
        )
    }

    #[test]
    fn most_spikes_win_then_the_earliest_then_the_lowest() {
        let r = raster(&[
            (0, "o", 3),
            (1, "o", 2),
            (2, "o", 2),
            (3, "x", 1),
            (4, "x", 1),
        ]);
        assert_eq!(classify(&r, "o"), Some(2));
        // Tie on two spikes each: 5 spiked first.
        let r = raster(&[(1, "o", 7), (0, "o", 5), (2, "o", 5), (3, "o", 7)]);
        assert_eq!(classify(&r, "o"), Some(5));
        // Tie on count and first tick: the lower index.
        let r = raster(&[(0, "o", 7), (0, "o", 4)]);
        assert_eq!(classify(&r, "o"), Some(4));
        assert_eq!(classify(&r, "nothing"), None);
        assert_eq!(classify(&Raster::default(), "o"), None);
    }

    #[test]
    fn a_window_is_one_image_from_tick_zero() {
        let r = raster(&[(0, "i", 0), (4, "i", 1), (5, "i", 2), (8, "i", 0)]);
        assert_eq!(r.window(4, 4), raster(&[(0, "i", 1), (1, "i", 2)]));
        assert_eq!(r.window(9, 4), Raster::default());
        assert_eq!(r.window(0, u64::MAX), r);
    }
}
