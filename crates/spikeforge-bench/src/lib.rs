//! The measurements behind `spikeforge bench` (issue 7), in one library so the command
//! line and `cargo bench` share them:
//!
//! - [`cycle`]: the cycle-accurate simulator against Verilator on the same RTL,
//!   stimulus and cycles, single-threaded each, at several input activities; traces,
//!   rasters and cycle counts must be identical.
//! - [`functional`]: the functional model against Brian2 (C++ standalone, one thread)
//!   on two standard workloads; per-neuron spike counts must be identical.
//! - [`compile`]: the compile flow (check, place and route, emit) at growing sizes,
//!   each size in a child process so its peak memory is its own.
//! - [`report`]: `docs/benchmarks.md` and its SVG plots, made from the JSON alone.
//!
//! Every speed is a ratio of two runs made side by side in one process run, because
//! the machines this runs on are shared; absolute times are reported too.

pub mod compile;
pub mod cycle;
pub mod functional;
pub mod report;

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// Version of the JSON layout below.
pub const SCHEMA: u32 = 1;

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Fewer and smaller points (for CI; under two minutes once the Verilator and
    /// Brian2 builds are cached).
    pub quick: bool,
    /// The design of the cycle-simulator comparison.
    pub design: PathBuf,
    /// The Python interpreter that has Brian2 (bench/requirements.txt).
    pub python: PathBuf,
    /// This program, re-run with the hidden `__bench-compile` subcommand for each
    /// compile-flow size.
    pub exe: PathBuf,
    /// Where Brian2 builds are kept between runs.
    pub cache: PathBuf,
}

/// The machine the numbers come from.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub avx2: bool,
    pub memory_gib: f64,
    pub os: String,
}

/// Versions of everything measured.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Versions {
    pub spikeforge: String,
    pub rustc: String,
    pub verilator: String,
    pub brian2: String,
    pub numpy: String,
    pub python: String,
}

/// Everything one run of the benchmark measured.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Results {
    pub schema: u32,
    pub quick: bool,
    /// Cycle simulator vs Verilator run time at 5% input activity.
    pub cycle_vs_verilator_speedup: f64,
    /// Functional model vs Brian2, synaptic events per second: the smaller of the
    /// workloads' ratios.
    pub functional_vs_brian2_speedup: f64,
    /// The functional model's events per second on workload (b) (wall clock).
    pub functional_events_per_s_b: f64,
    /// The same per second of the thread's CPU time (not inflated by other work).
    pub functional_cpu_events_per_s_b: f64,
    /// Every comparison's correctness check held (identical traces, rasters, cycle
    /// counts and spike counts).
    pub checks_passed: bool,
    pub machine: Machine,
    pub versions: Versions,
    pub cycle: cycle::Section,
    pub functional: functional::Section,
    pub compile: compile::Section,
    /// Seconds the whole run took.
    pub total_s: f64,
    /// What came from caches instead of being built in this run.
    pub cached: Vec<String>,
}

/// Runs every section; `log` receives progress lines (the human-readable table).
pub fn run(opts: &Options, log: &mut dyn FnMut(&str)) -> Result<Results, String> {
    let start = Instant::now();
    let machine = machine();
    log(&format!(
        "machine: {} ({} cores, {:.0} GiB, AVX2 {})",
        machine.cpu,
        machine.cores,
        machine.memory_gib,
        if machine.avx2 { "yes" } else { "no" }
    ));
    let cycle = cycle::run(&cycle::Config::new(&opts.design, opts.quick), log)?;
    let functional = functional::run(opts, log)?;
    let compile = compile::run(&opts.exe, &compile::sizes(opts.quick), log)?;
    let mut cached = Vec::new();
    if cycle.verilator_cached {
        cached.push("verilator model (binary cache hit, no verilator process ran)".into());
    }
    for w in &functional.workloads {
        if w.brian2_build_cached {
            cached.push(format!(
                "brian2 build of workload ({}) (objects reused from {})",
                w.name,
                opts.cache.display()
            ));
        }
    }
    let at5 = cycle
        .points
        .iter()
        .find(|p| (p.activity - 0.05).abs() < 1e-9)
        .map_or(f64::NAN, |p| p.speedup);
    let speedup = functional
        .workloads
        .iter()
        .map(|w| w.speedup)
        .fold(f64::INFINITY, f64::min);
    let b = functional.workloads.iter().find(|w| w.name == "b");
    let events_b = b.map_or(f64::NAN, |w| w.spikeforge_events_per_s);
    let cpu_events_b = b.map_or(f64::NAN, |w| w.spikeforge_cpu_events_per_s);
    let checks_passed = cycle.points.iter().all(|p| p.trace_equal && p.raster_equal)
        && functional.workloads.iter().all(|w| w.spike_counts_equal);
    let versions = Versions {
        spikeforge: env!("CARGO_PKG_VERSION").into(),
        rustc: env!("SPIKEFORGE_RUSTC_VERSION").into(),
        verilator: cycle.verilator_version.clone(),
        brian2: functional.brian2_version.clone(),
        numpy: functional.numpy_version.clone(),
        python: functional.python_version.clone(),
    };
    Ok(Results {
        schema: SCHEMA,
        quick: opts.quick,
        cycle_vs_verilator_speedup: at5,
        functional_vs_brian2_speedup: speedup,
        functional_events_per_s_b: events_b,
        functional_cpu_events_per_s_b: cpu_events_b,
        checks_passed,
        machine,
        versions,
        cycle,
        functional,
        compile,
        total_s: start.elapsed().as_secs_f64(),
        cached,
    })
}

/// The CPU model, cores, memory and OS of this machine (Linux `/proc`; "unknown"
/// elsewhere).
pub fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown".into(), |(_, v)| v.trim().to_string());
    let memory_gib = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / (1024.0 * 1024.0));
    #[cfg(target_arch = "x86_64")]
    let avx2 = std::arch::is_x86_feature_detected!("avx2");
    #[cfg(not(target_arch = "x86_64"))]
    let avx2 = false;
    let os = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|r| format!("{} {}", std::env::consts::OS, r.trim()))
        .unwrap_or_else(|_| std::env::consts::OS.into());
    Machine {
        cpu,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        avx2,
        memory_gib,
        os,
    }
}

/// This process's peak resident memory (VmHWM) in bytes, from `/proc/self/status`.
pub fn peak_rss_bytes() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
}

/// CPU seconds this thread has run (`CLOCK_THREAD_CPUTIME_ID`); 0 where unavailable.
pub fn thread_cpu_s() -> f64 {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid timespec for the call to fill.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0 {
            return ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9;
        }
    }
    0.0
}

/// The repository's `bench/` folder (the Brian2 script).
pub fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench")
}

/// A fresh, empty temporary folder for one run, removed on drop.
pub(crate) struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Result<TempDir, String> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "spikeforge-bench-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
