//! The functional model against Brian2 on the standard workloads of issue 7:
//!
//! - (a) 1000 Bernoulli inputs at p = 0.05, all-to-all onto 1000 LIF neurons, 1000 ticks;
//! - (b) 4096 inputs at p = 0.05 onto 1024 neurons, 500 ticks.
//!
//! Weights are 8-bit integers, every one a synapse (drawn from -8..=12 without 0 by a
//! seeded splitmix64), so a delivered spike is `neurons` synaptic events; the neurons
//! leak `v >> 4`, fire at the threshold and reset to zero, with 32-bit membranes (the
//! sums never reach the wrap, so Brian2's 32-bit integers compute the same thing).
//! The harness writes the weights and the input raster to files that
//! `bench/brian2_workload.py` loads, so both run the same network on the same spikes,
//! and compares every neuron's spike count.
//!
//! Brian2 runs in C++ standalone mode with one thread (its fastest mode here); its
//! build (code generation and compilation) is timed apart, and its run time is the
//! network run Brian2 itself reports (`device._last_run_time`), which excludes the
//! binary's start-up and loading of the synapses. The functional model is timed over
//! the same ticks, delivery and update included, on a model built beforehand. Brian2
//! runs `repeats` times, the functional model `repeats` times before and `repeats`
//! times after it, and each side's fastest run counts.

use std::process::Command;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use spikeforge_ir::{Circuit, Design, Lif, Reset, WeightMatrix};
use spikeforge_sim::functional::Storage;
use spikeforge_sim::stimulus::SplitMix64;
use spikeforge_sim::FunctionalModel;

use crate::{Options, TempDir};

/// A standard workload.
#[derive(Clone, Debug)]
pub struct Workload {
    pub name: &'static str,
    pub inputs: usize,
    pub neurons: usize,
    pub ticks: u64,
    pub rate: f64,
    pub threshold: i64,
    pub leak_shift: u32,
    pub seed: u64,
}

impl Workload {
    /// The two workloads; `quick` keeps the networks and shortens the runs.
    pub fn standard(quick: bool) -> Vec<Workload> {
        let q = |t: u64| if quick { t / 5 } else { t };
        vec![
            Workload {
                name: "a",
                inputs: 1000,
                neurons: 1000,
                ticks: q(1000),
                rate: 0.05,
                threshold: 1000,
                leak_shift: 4,
                seed: 0xa,
            },
            Workload {
                name: "b",
                inputs: 4096,
                neurons: 1024,
                ticks: q(500),
                rate: 0.05,
                threshold: 4000,
                leak_shift: 4,
                seed: 0xb,
            },
        ]
    }

    /// The weights, row-major `inputs x neurons`, none zero.
    pub fn weights(&self) -> Vec<i8> {
        let mut r = SplitMix64::new(self.seed);
        (0..self.inputs * self.neurons)
            .map(|_| match (r.next_u64() % 20) as i8 - 8 {
                0 => 12,
                w => w,
            })
            .collect()
    }

    /// The input spikes of each tick, channels ascending.
    pub fn raster(&self) -> Vec<Vec<u32>> {
        let mut r = SplitMix64::new(self.seed ^ 0x5151);
        (0..self.ticks)
            .map(|_| {
                (0..self.inputs as u32)
                    .filter(|_| r.next_f64() < self.rate)
                    .collect()
            })
            .collect()
    }

    /// The workload as a spikeforge circuit.
    pub fn circuit(&self, weights: &[i8]) -> Circuit {
        let mut d = Design::new(format!("workload_{}", self.name));
        let i = d.input("in", self.inputs as i64);
        let lif = Lif::new(self.threshold)
            .leak_shift(self.leak_shift as i64)
            .reset(Reset::Zero);
        let p = d.population("out", self.neurons as i64, lif);
        d.set_membrane_bits(p, 32);
        let w =
            WeightMatrix::from_dense(self.inputs, self.neurons, weights.iter().map(|&w| w as i64))
                .expect("8-bit weights fit");
        let x = d.crossbar(i, p, w);
        d.set_weight_bits(x, 8);
        d.output(p);
        d.finish().expect("the workload is a valid design")
    }
}

/// One workload's numbers.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WorkloadResult {
    pub name: String,
    pub inputs: usize,
    pub neurons: usize,
    pub ticks: u64,
    pub rate: f64,
    pub input_spikes: u64,
    /// Delivered spikes x fan-out (every weight is a synapse).
    pub synaptic_events: u64,
    pub output_spikes: u64,
    pub spikeforge_run_s: Vec<f64>,
    /// Events per second of wall-clock time (the number compared with Brian2's).
    pub spikeforge_events_per_s: f64,
    /// The same runs' thread CPU time, and events per CPU second: what one core
    /// reaches when the machine's other work is not counted.
    pub spikeforge_cpu_s: Vec<f64>,
    pub spikeforge_cpu_events_per_s: f64,
    /// The plain path (every crossbar sparse, one synapse at a time), for reference.
    pub spikeforge_sparse_run_s: f64,
    pub spikeforge_sparse_events_per_s: f64,
    pub brian2_build_s: f64,
    pub brian2_build_cached: bool,
    /// Brian2's own network run times.
    pub brian2_run_s: Vec<f64>,
    /// Wall time of the whole standalone binary (start-up, synapse loading, run).
    pub brian2_binary_s: Vec<f64>,
    pub brian2_events_per_s: f64,
    /// `spikeforge_events_per_s / brian2_events_per_s`.
    pub speedup: f64,
    /// Every neuron fired equally often in both.
    pub spike_counts_equal: bool,
    /// The first neuron whose counts differ: (neuron, spikeforge, brian2).
    pub first_difference: Option<(usize, u64, u64)>,
}

/// The section's results.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Section {
    pub brian2_version: String,
    pub numpy_version: String,
    pub python_version: String,
    pub repeats: usize,
    /// The functional model's storage of the workloads' crossbar ("dense"/"sparse").
    pub storage: String,
    pub workloads: Vec<WorkloadResult>,
}

#[derive(Deserialize)]
struct Brian2Out {
    brian2_version: String,
    numpy_version: String,
    python_version: String,
    build_s: f64,
    run_s: Vec<f64>,
    binary_s: Vec<f64>,
    counts: Vec<u64>,
}

/// Runs the functional model on a workload `repeats` times with `storage`; returns the
/// run times (wall clock, and this thread's CPU time, which a shared machine's other
/// work does not inflate) and the per-neuron spike counts.
pub fn time_model(
    circuit: &Circuit,
    raster: &[Vec<u32>],
    storage: Storage,
    repeats: usize,
) -> (Vec<f64>, Vec<f64>, Vec<u64>) {
    let events: Vec<Vec<(usize, u32)>> = raster
        .iter()
        .map(|t| t.iter().map(|&c| (0, c)).collect())
        .collect();
    let neurons = circuit.populations().map(|(_, p)| p.neurons as usize).sum();
    let (mut times, mut cpu) = (Vec::new(), Vec::new());
    let mut counts = vec![0u64; neurons];
    for _ in 0..repeats.max(1) {
        let mut model = FunctionalModel::with_storage(circuit, storage);
        counts.iter_mut().for_each(|c| *c = 0);
        let (t, c) = (Instant::now(), crate::thread_cpu_s());
        for ev in &events {
            model.step(ev);
            for &j in model.fired(0) {
                counts[j as usize] += 1;
            }
        }
        cpu.push(crate::thread_cpu_s() - c);
        times.push(t.elapsed().as_secs_f64());
    }
    (times, cpu, counts)
}

fn min(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

/// Runs both workloads on both simulators.
pub fn run(opts: &Options, log: &mut dyn FnMut(&str)) -> Result<Section, String> {
    let repeats = if opts.quick { 1 } else { 3 };
    log(&format!(
        "== functional model vs Brian2 (C++ standalone, 1 thread), best of {repeats} =="
    ));
    log(&format!(
        "{:>8} {:>11} {:>10} {:>10} {:>11} {:>11} {:>10} {:>9} {:>8} {:>6}",
        "workload",
        "events",
        "sf s",
        "sf G/s",
        "sparse G/s",
        "brian2 s",
        "b2 G/s",
        "b2 build",
        "speedup",
        "same"
    ));
    let mut results = Vec::new();
    let mut versions = None;
    let mut storage = String::new();
    for w in Workload::standard(opts.quick) {
        let weights = w.weights();
        let raster = w.raster();
        let circuit = w.circuit(&weights);
        let (dense, _) = FunctionalModel::new(&circuit).storage_counts();
        storage = if dense > 0 { "dense" } else { "sparse" }.into();
        let input_spikes: u64 = raster.iter().map(|t| t.len() as u64).sum();
        let synaptic_events = input_spikes * w.neurons as u64;

        // The model runs before and after Brian2, so a burst of other work on a shared
        // machine is less likely to fall on one side only.
        let (mut sf_times, mut sf_cpu, sf_counts) =
            time_model(&circuit, &raster, Storage::Auto, repeats);
        let (sparse_times, _, sparse_counts) = time_model(&circuit, &raster, Storage::Sparse, 1);
        if sparse_counts != sf_counts {
            return Err(format!(
                "workload ({}): the functional model's dense and sparse paths disagree",
                w.name
            ));
        }
        let b2 = brian2(opts, &w, &weights, &raster, repeats)?;
        let (after_times, after_cpu, after_counts) =
            time_model(&circuit, &raster, Storage::Auto, repeats);
        if after_counts != sf_counts {
            return Err(format!(
                "workload ({}): the functional model is not deterministic",
                w.name
            ));
        }
        sf_times.extend(after_times);
        sf_cpu.extend(after_cpu);
        let first_difference = sf_counts
            .iter()
            .zip(&b2.counts)
            .position(|(a, b)| a != b)
            .map(|j| (j, sf_counts[j], b2.counts[j]))
            .or_else(|| {
                (sf_counts.len() != b2.counts.len()).then(|| {
                    let j = sf_counts.len().min(b2.counts.len());
                    (j, 0, 0)
                })
            });
        let sf_eps = synaptic_events as f64 / min(&sf_times);
        let b2_eps = synaptic_events as f64 / min(&b2.out.run_s);
        let r = WorkloadResult {
            name: w.name.into(),
            inputs: w.inputs,
            neurons: w.neurons,
            ticks: w.ticks,
            rate: w.rate,
            input_spikes,
            synaptic_events,
            output_spikes: sf_counts.iter().sum(),
            spikeforge_events_per_s: sf_eps,
            spikeforge_run_s: sf_times,
            spikeforge_cpu_events_per_s: synaptic_events as f64 / min(&sf_cpu),
            spikeforge_cpu_s: sf_cpu,
            spikeforge_sparse_events_per_s: synaptic_events as f64 / min(&sparse_times),
            spikeforge_sparse_run_s: min(&sparse_times),
            brian2_build_s: b2.out.build_s,
            brian2_build_cached: b2.cached,
            brian2_run_s: b2.out.run_s.clone(),
            brian2_binary_s: b2.out.binary_s.clone(),
            brian2_events_per_s: b2_eps,
            speedup: sf_eps / b2_eps,
            spike_counts_equal: first_difference.is_none(),
            first_difference,
        };
        log(&format!(
            "{:>8} {:>11} {:>10.4} {:>10.2} {:>11.2} {:>11.4} {:>10.2} {:>8.1}s {:>7.1}x {:>6}",
            format!("({})", r.name),
            r.synaptic_events,
            min(&r.spikeforge_run_s),
            r.spikeforge_events_per_s / 1e9,
            r.spikeforge_sparse_events_per_s / 1e9,
            min(&r.brian2_run_s),
            r.brian2_events_per_s / 1e9,
            r.brian2_build_s,
            r.speedup,
            if r.spike_counts_equal { "yes" } else { "NO" }
        ));
        versions = Some((
            b2.out.brian2_version.clone(),
            b2.out.numpy_version.clone(),
            b2.out.python_version.clone(),
        ));
        results.push(r);
    }
    let (brian2_version, numpy_version, python_version) = versions.unwrap_or_default();
    Ok(Section {
        brian2_version,
        numpy_version,
        python_version,
        repeats,
        storage,
        workloads: results,
    })
}

struct Brian2Run {
    out: Brian2Out,
    counts: Vec<u64>,
    cached: bool,
}

/// Writes the workload's files and runs bench/brian2_workload.py on them. The Brian2
/// build folder is kept under the cache, one per workload shape, so later runs reuse
/// its compiled objects.
fn brian2(
    opts: &Options,
    w: &Workload,
    weights: &[i8],
    raster: &[Vec<u32>],
    repeats: usize,
) -> Result<Brian2Run, String> {
    let dir = TempDir::new(&format!("brian2-{}", w.name))?;
    let io = |e: std::io::Error| format!("{}: {e}", dir.0.display());
    let params = serde_json::json!({
        "inputs": w.inputs,
        "neurons": w.neurons,
        "ticks": w.ticks,
        "threshold": w.threshold,
        "leak_shift": w.leak_shift,
    });
    std::fs::write(dir.0.join("params.json"), params.to_string()).map_err(io)?;
    let bytes: Vec<u8> = weights.iter().map(|&x| x as u8).collect();
    std::fs::write(dir.0.join("weights.i8"), bytes).map_err(io)?;
    let mut pairs = Vec::new();
    for (t, chans) in raster.iter().enumerate() {
        for &c in chans {
            pairs.extend_from_slice(&(t as u32).to_le_bytes());
            pairs.extend_from_slice(&c.to_le_bytes());
        }
    }
    std::fs::write(dir.0.join("input.u32"), pairs).map_err(io)?;
    let build = opts.cache.join(format!(
        "brian2-build-{}-{}x{}-{}t",
        w.name, w.inputs, w.neurons, w.ticks
    ));
    let cached = build.join("main").exists();
    let script = crate::bench_dir().join("brian2_workload.py");
    let out = Command::new(&opts.python)
        .arg(&script)
        .arg(&dir.0)
        .arg(&build)
        .arg(repeats.to_string())
        .output()
        .map_err(|e| {
            format!(
                "cannot run {} ({e}); install Brian2 with `pip install -r bench/requirements.txt` and pass --python or set SPIKEFORGE_PYTHON",
                opts.python.display()
            )
        })?;
    if !out.status.success() {
        return Err(format!(
            "{} {} failed ({}); is Brian2 installed (pip install -r bench/requirements.txt)?\n{}",
            opts.python.display(),
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or("");
    let parsed: Brian2Out = serde_json::from_str(line)
        .map_err(|e| format!("brian2_workload.py printed no result ({e}):\n{stdout}"))?;
    Ok(Brian2Run {
        counts: parsed.counts.clone(),
        out: parsed,
        cached,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workloads_have_the_issue_shapes_and_no_zero_weight() {
        let [a, b] = <[Workload; 2]>::try_from(Workload::standard(false)).unwrap();
        assert_eq!((a.inputs, a.neurons, a.ticks), (1000, 1000, 1000));
        assert_eq!((b.inputs, b.neurons, b.ticks), (4096, 1024, 500));
        let w = a.weights();
        assert!(w.iter().all(|&x| x != 0 && (-8..=12).contains(&x)));
        let spikes: usize = a.raster().iter().map(Vec::len).sum();
        let expected = 0.05 * 1000.0 * 1000.0;
        assert!(
            (spikes as f64 - expected).abs() < 0.05 * expected,
            "{spikes}"
        );
    }

    /// The workload's circuit is stored dense by the model (the fast path is what is
    /// measured) and its sparse and dense runs agree.
    #[test]
    fn small_workload_dense_equals_sparse() {
        let w = Workload {
            name: "t",
            inputs: 300,
            neurons: 200,
            ticks: 50,
            rate: 0.05,
            threshold: 300,
            leak_shift: 4,
            seed: 3,
        };
        let weights = w.weights();
        let c = w.circuit(&weights);
        assert_eq!(FunctionalModel::new(&c).storage_counts(), (1, 0));
        let raster = w.raster();
        let (_, _, dense) = time_model(&c, &raster, Storage::Auto, 1);
        let (_, _, sparse) = time_model(&c, &raster, Storage::Sparse, 1);
        assert_eq!(dense, sparse);
        assert!(dense.iter().sum::<u64>() > 100);
    }
}
