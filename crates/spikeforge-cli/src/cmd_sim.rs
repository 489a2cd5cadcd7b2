//! `spikeforge sim <design> --stimulus s.csv --ticks T --engine E --out raster.csv`:
//! runs one engine (the functional model, the cycle-accurate simulator, Verilator or
//! Icarus) on a stimulus raster and writes the output raster; `--vcd` also writes the
//! top's port trace as a waveform (cycle, Verilator and Icarus).
//!
//! The pieces `verify` shares live here too: reading a stimulus with diagnostics,
//! building the hardware into a temporary folder that is removed afterwards, running an
//! engine with a progress display, and writing a file atomically.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use spikeforge_frontend::Loaded;
use spikeforge_ir::{Circuit, Source};
use spikeforge_pnr::{Options, Plan};
use spikeforge_sim::{cycle, hdl, Raster};

use crate::report;

/// The longest run the commands accept (the engines keep per-tick tables).
pub(crate) const MAX_TICKS: u64 = 10_000_000;

/// One way to run a design.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Engine {
    Functional,
    Cycle,
    Verilator,
    Icarus,
}

impl Engine {
    pub(crate) const ALL: [Engine; 4] = [
        Engine::Functional,
        Engine::Cycle,
        Engine::Verilator,
        Engine::Icarus,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Engine::Functional => "functional",
            Engine::Cycle => "cycle",
            Engine::Verilator => "verilator",
            Engine::Icarus => "icarus",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| e.name() == s)
    }

    /// Whether the engine writes a per-cycle port trace.
    pub(crate) fn traces(self) -> bool {
        self != Engine::Functional
    }

    fn hdl(self) -> Option<hdl::Engine> {
        match self {
            Engine::Verilator => Some(hdl::Engine::Verilator),
            Engine::Icarus => Some(hdl::Engine::Icarus),
            _ => None,
        }
    }
}

/// Flags of `sim`.
pub struct SimArgs {
    pub design: PathBuf,
    pub stimulus: PathBuf,
    pub ticks: u64,
    pub engine: String,
    pub out: PathBuf,
    pub vcd: Option<PathBuf>,
    pub seed: u32,
    pub ready_pct: u32,
    pub quiet: bool,
}

/// Returns whether the run succeeded and its files were written.
pub fn run(args: &SimArgs) -> bool {
    let Some(engine) = Engine::parse(&args.engine) else {
        eprintln!(
            "error: unknown engine `{}`; the engines are: {}",
            args.engine,
            engine_names()
        );
        return false;
    };
    if !check_run_flags(args.ticks, args.ready_pct) {
        return false;
    }
    if args.vcd.is_some() && !engine.traces() {
        eprintln!("error: --vcd needs an engine with a port trace (cycle, verilator or icarus); the functional model has no ports");
        return false;
    }
    let Some(loaded) = report::load(&args.design) else {
        return false;
    };
    let circuit = loaded
        .result
        .as_ref()
        .expect("report::load returns loaded designs");
    let Some(stimulus) = load_stimulus(&args.stimulus, circuit, args.ticks) else {
        return false;
    };
    let Some(ctx) = Context::prepare(&args.design, &loaded, &[engine]) else {
        return false;
    };
    let drive = (args.seed, args.ready_pct);
    let result = ctx.run(
        engine,
        &stimulus,
        args.ticks,
        drive,
        args.vcd.is_some(),
        args.quiet,
    );
    let run = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: the {} engine failed: {e}", engine.name());
            return false;
        }
    };
    let vcd = match (&args.vcd, &run.trace) {
        (None, _) => None,
        (Some(_), None) => {
            eprintln!("error: the {} engine wrote no port trace", engine.name());
            return false;
        }
        (Some(_), Some(trace)) => match ctx.vcd(trace, run.cycles.unwrap_or(0)) {
            Ok(v) => Some(v),
            Err(e) => {
                eprintln!("error: cannot turn the port trace into VCD: {e}");
                return false;
            }
        },
    };
    drop(ctx); // removes the temporary build folder
    if let Err(e) = write_file_atomically(&args.out, &run.raster.to_csv()) {
        eprintln!("error: cannot write `{}`: {e}", args.out.display());
        return false;
    }
    if let (Some(path), Some(vcd)) = (&args.vcd, &vcd) {
        if let Err(e) = write_file_atomically(path, vcd) {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            return false;
        }
    }
    if !args.quiet {
        let mut line = format!(
            "{}: {}: {} over {} into {}",
            args.design.display(),
            engine.name(),
            report::plural(run.raster.len(), "output spike"),
            report::plural(args.ticks as usize, "tick"),
            args.out.display()
        );
        if let Some(c) = run.cycles {
            line += &format!(", {}", report::plural(c as usize, "cycle"));
        }
        if let Some(v) = &args.vcd {
            line += &format!(", waveform {}", v.display());
        }
        line += &format!(" ({})", seconds(run.wall));
        println!("{line}");
    }
    true
}

pub(crate) fn engine_names() -> String {
    Engine::ALL.map(Engine::name).join(", ")
}

/// Checks `--ticks` and `--ready-pct`, saying what is wrong.
pub(crate) fn check_run_flags(ticks: u64, ready_pct: u32) -> bool {
    check_ticks(ticks)
        && if (1..=100).contains(&ready_pct) {
            true
        } else {
            eprintln!(
                "error: --ready-pct is {ready_pct}; it must be between 1 and 100 (the percentage of cycles in which the host takes output spikes)"
            );
            false
        }
}

pub(crate) fn check_ticks(ticks: u64) -> bool {
    if ticks == 0 {
        eprintln!("error: --ticks is 0; a run needs at least 1 tick");
        false
    } else if ticks > MAX_TICKS {
        eprintln!("error: --ticks is {ticks}; at most {MAX_TICKS} ticks are supported");
        false
    } else {
        true
    }
}

/// Reads a stimulus raster for `circuit`, printing its diagnostics (with the stimulus
/// file as the source) when it is malformed.
pub(crate) fn load_stimulus(path: &Path, circuit: &Circuit, ticks: u64) -> Option<Raster> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read the stimulus `{}`: {e}", path.display());
            return None;
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        eprintln!(
            "error: the stimulus `{}` is not UTF-8 text (expected a CSV raster)",
            path.display()
        );
        return None;
    };
    let source = Source::new(path.display().to_string(), text);
    match Raster::parse_stimulus(&source, circuit, Some(ticks)) {
        Ok(r) => Some(r),
        Err(diags) => {
            report::print(&diags, Some(&source));
            eprintln!(
                "{}: {}",
                path.display(),
                report::counts(diags.error_count(), diags.warning_count())
            );
            None
        }
    }
}

/// A temporary build folder, removed when dropped (or on Ctrl-C).
pub(crate) struct TempDir {
    path: PathBuf,
    _on_interrupt: crate::interrupt::Guard,
}

impl TempDir {
    pub(crate) fn with_files(files: &[(String, String)]) -> std::io::Result<TempDir> {
        let base = std::env::temp_dir();
        for attempt in 0u32.. {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let path = base.join(format!(
                "spikeforge-build-{}-{nanos:08x}-{attempt}",
                std::process::id()
            ));
            match std::fs::create_dir(&path) {
                Ok(()) => {
                    let dir = TempDir {
                        _on_interrupt: crate::interrupt::Guard::remove(&path),
                        path,
                    };
                    for (name, text) in files {
                        std::fs::write(dir.path.join(name), text)?;
                    }
                    return Ok(dir);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {}
                Err(e) => return Err(e),
            }
        }
        unreachable!("the loop returns")
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// What the engines of one command share: the circuit, the plan of its hardware (when
/// an engine needs it) and the built RTL (when an HDL engine runs).
pub(crate) struct Context<'a> {
    circuit: &'a Circuit,
    plan: Option<Plan>,
    top: String,
    build: Option<TempDir>,
}

/// The result of one engine run.
pub(crate) struct EngineRun {
    pub raster: Raster,
    /// Clock cycles (engines that model the hardware).
    pub cycles: Option<u64>,
    pub trace: Option<String>,
    /// Wall time of the whole run, compilation included.
    pub wall: Duration,
    /// Seconds of it spent compiling (HDL engines; 0 on a Verilator cache hit).
    pub build_secs: Option<f64>,
}

impl<'a> Context<'a> {
    /// Places, routes and emits the design when an engine other than the functional
    /// model is among `engines`, and writes the build into a temporary folder when an
    /// HDL engine is. Prints what went wrong and returns `None` on failure.
    pub(crate) fn prepare(
        design: &Path,
        loaded: &'a Loaded,
        engines: &[Engine],
    ) -> Option<Context<'a>> {
        let circuit = loaded.result.as_ref().ok()?;
        let mut ctx = Context {
            circuit,
            plan: None,
            top: String::new(),
            build: None,
        };
        if engines.iter().all(|&e| e == Engine::Functional) {
            return Some(ctx);
        }
        let (plan, emitted) = crate::cmd_build::build_loaded(loaded, design, &Options::default())?;
        if engines.iter().any(|e| e.hdl().is_some()) {
            match TempDir::with_files(&emitted.files) {
                Ok(d) => ctx.build = Some(d),
                Err(e) => {
                    eprintln!("error: cannot write a temporary build folder: {e}");
                    return None;
                }
            }
        }
        ctx.plan = Some(plan);
        ctx.top = emitted.top;
        Some(ctx)
    }

    /// Runs `engine` for `ticks` ticks; `drive` is the harness's (seed, ready_pct).
    pub(crate) fn run(
        &self,
        engine: Engine,
        stimulus: &Raster,
        ticks: u64,
        drive: (u32, u32),
        trace: bool,
        quiet: bool,
    ) -> Result<EngineRun, String> {
        let start = Instant::now();
        let (seed, ready_pct) = drive;
        match engine {
            Engine::Functional => {
                let bar = progress(quiet, Some(ticks), engine.name());
                let raster =
                    spikeforge_sim::run_functional_with(self.circuit, stimulus, ticks, |t| {
                        if t % 64 == 0 || t == ticks {
                            bar.set_position(t);
                        }
                    });
                bar.finish_and_clear();
                Ok(EngineRun {
                    raster,
                    cycles: None,
                    trace: None,
                    wall: start.elapsed(),
                    build_secs: None,
                })
            }
            Engine::Cycle => {
                let plan = self.plan.as_ref().ok_or("no plan was built")?;
                let bar = progress(quiet, None, "cycle: simulating");
                let drive = cycle::Drive {
                    seed,
                    ready_pct,
                    ..cycle::Drive::default()
                };
                let run = cycle::run(plan, stimulus, ticks, drive, trace);
                bar.finish_and_clear();
                let run = run?;
                Ok(EngineRun {
                    raster: run.raster,
                    cycles: Some(run.cycles),
                    trace: run.trace,
                    wall: start.elapsed(),
                    build_secs: None,
                })
            }
            Engine::Verilator | Engine::Icarus => {
                let kind = engine.hdl().expect("an HDL engine");
                let dir = self.build.as_ref().ok_or("no build folder was written")?;
                let bar = progress(
                    quiet,
                    None,
                    &format!("{}: compiling the harness", engine.name()),
                );
                let compiled = hdl::compile(kind, dir.path());
                let compiled = match compiled {
                    Ok(c) => c,
                    Err(e) => {
                        bar.finish_and_clear();
                        return Err(e);
                    }
                };
                bar.set_message(format!("{}: simulating", engine.name()));
                let run = compiled.run(
                    dir.path(),
                    stimulus,
                    ticks,
                    hdl::Drive { seed, ready_pct },
                    trace,
                );
                bar.finish_and_clear();
                let run = run?;
                Ok(EngineRun {
                    raster: run.raster,
                    cycles: Some(run.cycles),
                    trace: run.trace,
                    wall: start.elapsed(),
                    build_secs: Some(run.build_secs),
                })
            }
        }
    }

    /// A port trace as VCD, with the widths and module name of this design's top.
    pub(crate) fn vcd(&self, trace: &str, cycles: u64) -> Result<String, String> {
        let plan = self.plan.as_ref().ok_or("no plan was built")?;
        vcd_of(plan, &self.top, trace, cycles)
    }
}

/// A port trace of `plan`'s top (module `top`) as VCD.
pub(crate) fn vcd_of(plan: &Plan, top: &str, trace: &str, cycles: u64) -> Result<String, String> {
    let a = spikeforge_rtl::Arch::of(plan);
    let widths = [
        ("in_channel", a.cb),
        ("out_port", a.ob),
        ("out_index", a.ib),
    ];
    spikeforge_sim::vcd::trace_to_vcd(trace, &widths, top, cycles)
}

/// A progress display on standard error: a bar over `len` steps, or a spinner. Hidden
/// with `--quiet` and whenever standard error is not a terminal.
pub(crate) fn progress(quiet: bool, len: Option<u64>, message: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match len {
        Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30}] {pos}/{len} ticks, {elapsed} (eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        ),
        None => {
            let s = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            s.enable_steady_tick(Duration::from_millis(120));
            s
        }
    };
    bar.set_message(message.to_string());
    bar
}

/// "0.123 s".
pub(crate) fn seconds(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

/// Writes `text` to `path` through a temporary file beside it and a rename, so `path`
/// holds either its old contents or all of the new ones, and no partial file is left.
pub(crate) fn write_file_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    if path.is_dir() {
        return Err(std::io::Error::other("it is a folder"));
    }
    let leaf = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("it does not name a file"))?
        .to_string_lossy()
        .to_string();
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = parent.join(format!(".{leaf}.spikeforge-tmp-{}", std::process::id()));
    let _removing = crate::interrupt::Guard::remove(&tmp);
    let written = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_leaves_no_temporary_file() {
        let base = std::env::temp_dir().join(format!("sf-file-{}", std::process::id()));
        std::fs::create_dir_all(&base).unwrap();
        let out = base.join("r.csv");
        write_file_atomically(&out, "a\n").unwrap();
        write_file_atomically(&out, "b\n").unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "b\n");
        // Into a folder that does not exist: an error, and nothing left behind.
        assert!(write_file_atomically(&base.join("no/r.csv"), "c").is_err());
        // Onto a folder: an error.
        assert!(write_file_atomically(&base, "c").is_err());
        assert_eq!(std::fs::read_dir(&base).unwrap().count(), 1);
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn engines_parse_by_name() {
        for e in Engine::ALL {
            assert_eq!(Engine::parse(e.name()), Some(e));
        }
        assert_eq!(Engine::parse("spice"), None);
    }
}
