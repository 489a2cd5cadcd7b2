//! The functional model alone on the bench's workloads, for profiling the fast path
//! (`perf stat -e instructions,cycles` around it): `cargo run --release -p
//! spikeforge-bench --example functional_speed [-- a|b [repeats]]`.

use spikeforge_bench::functional::{time_model, Workload};
use spikeforge_sim::functional::Storage;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let name = args.first().map_or("b", String::as_str);
    let repeats: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(5);
    let w = Workload::standard(false)
        .into_iter()
        .find(|w| w.name == name)
        .expect("workload a or b");
    let weights = w.weights();
    let raster = w.raster();
    let circuit = w.circuit(&weights);
    let events: u64 = raster.iter().map(|t| t.len() as u64).sum::<u64>() * w.neurons as u64;
    let (times, cpu, counts) = time_model(&circuit, &raster, Storage::Auto, repeats);
    let best = times.iter().copied().fold(f64::INFINITY, f64::min);
    let best_cpu = cpu.iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "workload ({name}): {events} synaptic events, {} output spikes; best of {repeats}: {:.4} s, {:.2} G events/s; CPU time {:.4} s, {:.2} G events/CPU s; all runs {:?}",
        counts.iter().sum::<u64>(),
        best,
        events as f64 / best / 1e9,
        best_cpu,
        events as f64 / best_cpu / 1e9,
        times.iter().map(|t| format!("{t:.4}")).collect::<Vec<_>>()
    );
}
