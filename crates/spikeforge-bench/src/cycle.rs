//! Cycle-accurate simulator vs Verilator on the same RTL, stimulus and number of
//! cycles, single-threaded each (the Verilator model is built without threads; the
//! simulator is one thread). For each input activity both first run a short traced
//! run whose per-cycle port traces must be identical, then the timed untraced run,
//! whose output rasters and cycle counts must be identical. Verilator's build time is
//! reported apart from its run time; its run time is the harness process's wall time.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use spikeforge_sim::hdl::{self, Drive, Engine};
use spikeforge_sim::{cycle, stimulus};

use crate::TempDir;

/// What to measure.
#[derive(Clone, Debug)]
pub struct Config {
    pub design: PathBuf,
    pub ticks: u64,
    /// Ticks of the traced run that checks the traces.
    pub trace_ticks: u64,
    pub activities: Vec<f64>,
}

impl Config {
    pub fn new(design: &Path, quick: bool) -> Config {
        Config {
            design: design.to_path_buf(),
            ticks: if quick { 400 } else { 2000 },
            trace_ticks: 100,
            activities: vec![0.01, 0.05, 0.20],
        }
    }
}

/// One input activity.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Point {
    /// Probability that an input channel spikes in a tick.
    pub activity: f64,
    pub cycles: u64,
    pub output_spikes: usize,
    pub cycle_sim_s: f64,
    pub verilator_run_s: f64,
    pub cycle_sim_cycles_per_s: f64,
    pub verilator_cycles_per_s: f64,
    /// `verilator_run_s / cycle_sim_s`.
    pub speedup: f64,
    /// The traced runs' per-cycle port traces were identical.
    pub trace_equal: bool,
    /// The timed runs' output rasters and cycle counts were identical.
    pub raster_equal: bool,
}

/// The section's results.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Section {
    pub design: String,
    pub tiles: usize,
    pub mesh: [u32; 2],
    pub ticks: u64,
    pub trace_ticks: u64,
    pub verilator_version: String,
    pub verilator_build_s: f64,
    pub verilator_cached: bool,
    pub points: Vec<Point>,
}

/// Runs the comparison; every failure to build or run is an error, a mismatch is
/// recorded (and fails the run's checks).
pub fn run(cfg: &Config, log: &mut dyn FnMut(&str)) -> Result<Section, String> {
    let loaded = spikeforge_frontend::load_design(&cfg.design);
    let circuit = loaded.result.map_err(|_| {
        format!(
            "{}: not a valid design (run `spikeforge check`)",
            cfg.design.display()
        )
    })?;
    let plan = spikeforge_pnr::place_and_route(&circuit, &Default::default())
        .map_err(|_| format!("{}: does not place and route", cfg.design.display()))?
        .plan;
    let emitted = spikeforge_rtl::emit(&plan, "bench").map_err(|e| e.join("\n"))?;
    let dir = TempDir::new("cycle")?;
    for (name, text) in &emitted.files {
        std::fs::write(dir.0.join(name), text).map_err(|e| format!("{name}: {e}"))?;
    }
    let version = hdl::verilator_version()?;
    let t0 = Instant::now();
    let verilator = hdl::compile(Engine::Verilator, &dir.0)?;
    let build_s = if verilator.cached {
        verilator.build_secs
    } else {
        t0.elapsed().as_secs_f64()
    };
    log(&format!(
        "== cycle simulator vs Verilator: {}, {} tiles on a {}x{} mesh, {} ticks ==",
        cfg.design.display(),
        plan.tiles.len(),
        plan.mesh[0],
        plan.mesh[1],
        cfg.ticks
    ));
    log(&format!(
        "verilator build: {build_s:.1} s{} ({version})",
        if verilator.cached {
            " (cached binary)"
        } else {
            ""
        }
    ));
    log(&format!(
        "{:>8} {:>10} {:>8} {:>11} {:>11} {:>10} {:>10} {:>8} {:>6}",
        "activity",
        "cycles",
        "spikes",
        "cycle s",
        "verilator s",
        "cyc Mc/s",
        "ver Mc/s",
        "speedup",
        "same"
    ));
    let mut points = Vec::new();
    for &rate in &cfg.activities {
        let stim = stimulus::bernoulli(&circuit, rate, cfg.ticks, 42);
        let drive = Drive {
            seed: 7,
            ready_pct: 100,
        };
        let cdrive = cycle::Drive {
            seed: drive.seed,
            ready_pct: drive.ready_pct,
            ..Default::default()
        };
        let short = cfg.ticks.min(cfg.trace_ticks);
        let sim_t = cycle::run(&plan, &stim, short, cdrive, true)?;
        let ver_t = verilator.run(&dir.0, &stim, short, drive, true)?;
        let trace_equal = sim_t.trace.is_some() && sim_t.trace == ver_t.trace;
        let t = Instant::now();
        let sim = cycle::run(&plan, &stim, cfg.ticks, cdrive, false)?;
        let sim_s = t.elapsed().as_secs_f64();
        let ver = verilator.run(&dir.0, &stim, cfg.ticks, drive, false)?;
        let raster_equal = sim.raster == ver.raster && sim.cycles == ver.cycles;
        let p = Point {
            activity: rate,
            cycles: sim.cycles,
            output_spikes: sim.raster.len(),
            cycle_sim_s: sim_s,
            verilator_run_s: ver.run_secs,
            cycle_sim_cycles_per_s: sim.cycles as f64 / sim_s,
            verilator_cycles_per_s: ver.cycles as f64 / ver.run_secs,
            speedup: ver.run_secs / sim_s,
            trace_equal,
            raster_equal,
        };
        log(&format!(
            "{:>7.0}% {:>10} {:>8} {:>11.3} {:>11.3} {:>10.2} {:>10.2} {:>7.1}x {:>6}",
            rate * 100.0,
            p.cycles,
            p.output_spikes,
            p.cycle_sim_s,
            p.verilator_run_s,
            p.cycle_sim_cycles_per_s / 1e6,
            p.verilator_cycles_per_s / 1e6,
            p.speedup,
            if trace_equal && raster_equal {
                "yes"
            } else {
                "NO"
            }
        ));
        points.push(p);
    }
    Ok(Section {
        design: cfg.design.display().to_string(),
        tiles: plan.tiles.len(),
        mesh: plan.mesh,
        ticks: cfg.ticks,
        trace_ticks: cfg.trace_ticks,
        verilator_version: version,
        verilator_build_s: build_s,
        verilator_cached: verilator.cached,
        points,
    })
}
