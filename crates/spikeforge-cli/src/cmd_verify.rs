//! `spikeforge verify <design> --stimulus s.csv --ticks T [--engines ...]`: runs several
//! engines on one stimulus and checks that they agree: every output raster against the
//! first engine's, and the per-cycle port traces of the engines that model the hardware
//! (cycle, Verilator, Icarus) against the first of them, with their cycle counts. A
//! mismatch is reported at its first divergence: for rasters the tick, port and spike,
//! for traces the cycle, port and the two values, each side named by its engine.
//!
//! The comparisons ([`raster_divergence`], [`trace_divergence`]) are public so tests can
//! feed them hand-made references.

pub use spikeforge_sim::trace::{trace_divergence, TraceDivergence};
use std::path::PathBuf;

use spikeforge_sim::{Raster, Spike};

use crate::cmd_sim::{
    check_run_flags, engine_names, load_stimulus, seconds, Context, Engine, EngineRun,
};
use crate::report;

/// Flags of `verify`.
pub struct VerifyArgs {
    pub design: PathBuf,
    pub stimulus: PathBuf,
    pub ticks: u64,
    /// Comma-separated engine names; `None` for all four.
    pub engines: Option<String>,
    pub seed: u32,
    pub ready_pct: u32,
    pub quiet: bool,
}

/// Returns whether every engine ran and all agree.
pub fn run(args: &VerifyArgs) -> bool {
    let engines = match &args.engines {
        None => Engine::ALL.to_vec(),
        Some(list) => match parse_engines(list) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("error: {e}");
                return false;
            }
        },
    };
    if !check_run_flags(args.ticks, args.ready_pct) {
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
    let Some(ctx) = Context::prepare(&args.design, &loaded, &engines) else {
        return false;
    };
    let tracing: Vec<Engine> = engines.iter().copied().filter(|e| e.traces()).collect();
    let want_trace = tracing.len() >= 2;
    let mut runs: Vec<(Engine, Result<EngineRun, String>)> = Vec::new();
    for &e in &engines {
        let r = ctx.run(
            e,
            &stimulus,
            args.ticks,
            (args.seed, args.ready_pct),
            want_trace && e.traces(),
            args.quiet,
        );
        runs.push((e, r));
    }
    drop(ctx); // removes the temporary build folder

    let mut problems = Vec::new();
    for (e, r) in &runs {
        if let Err(msg) = r {
            problems.push(format!("the {} engine failed: {msg}", e.name()));
        }
    }
    let ok_runs: Vec<(Engine, &EngineRun)> = runs
        .iter()
        .filter_map(|(e, r)| r.as_ref().ok().map(|r| (*e, r)))
        .collect();
    // Rasters against the first engine that ran.
    if let Some(&(reference, expected)) = ok_runs.first() {
        for &(e, got) in &ok_runs[1..] {
            if let Some(d) = raster_divergence(&expected.raster, &got.raster) {
                problems.push(d.describe(reference.name(), e.name()));
            }
        }
    }
    // Cycle counts and port traces against the first engine with a trace.
    let traced: Vec<(Engine, &EngineRun)> = ok_runs
        .iter()
        .copied()
        .filter(|(e, _)| e.traces())
        .collect();
    if let Some(&(reference, expected)) = traced.first() {
        for &(e, got) in &traced[1..] {
            if let (Some(a), Some(b)) = (expected.cycles, got.cycles) {
                if a != b {
                    problems.push(format!(
                        "cycle counts differ: expected {a} ({}), got {b} ({})",
                        reference.name(),
                        e.name()
                    ));
                }
            }
            let (Some(ta), Some(tb)) = (&expected.trace, &got.trace) else {
                continue;
            };
            match trace_divergence(ta, tb) {
                Ok(None) => {}
                Ok(Some(d)) => problems.push(d.describe(reference.name(), e.name())),
                Err(msg) => problems.push(format!(
                    "port traces of {} and {} cannot be compared: {msg}",
                    reference.name(),
                    e.name()
                )),
            }
        }
    }

    if !args.quiet {
        print!("{}", table(&runs));
    }
    let shown = args.design.display();
    if problems.is_empty() {
        let spikes = ok_runs.first().map_or(0, |(_, r)| r.raster.len());
        let mut line = format!(
            "{shown}: ok: {} agree on {} over {}",
            match engines.len() {
                1 => format!("{} (alone)", engines[0].name()),
                _ => format!(
                    "{} engines ({})",
                    engines.len(),
                    engines
                        .iter()
                        .map(|e| e.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            report::plural(spikes, "output spike"),
            report::plural(args.ticks as usize, "tick"),
        );
        if traced.len() >= 2 {
            line += &format!(
                "; port traces agree over {}",
                report::plural(traced[0].1.cycles.unwrap_or(0) as usize, "cycle")
            );
        }
        println!("{line}");
        true
    } else {
        for p in &problems {
            eprintln!("mismatch: {p}");
        }
        eprintln!(
            "{shown}: verification failed: {}",
            report::plural(problems.len(), "problem")
        );
        false
    }
}

/// The engines of `--engines`: comma-separated names, each at most once.
fn parse_engines(list: &str) -> Result<Vec<Engine>, String> {
    let mut out = Vec::new();
    for name in list.split(',').map(str::trim) {
        let Some(e) = Engine::parse(name) else {
            return Err(format!(
                "--engines: unknown engine `{name}`; the engines are: {}",
                engine_names()
            ));
        };
        if out.contains(&e) {
            return Err(format!("--engines: `{name}` is listed twice"));
        }
        out.push(e);
    }
    Ok(out)
}

/// The summary table: engine, output spikes, cycles and wall time.
fn table(runs: &[(Engine, Result<EngineRun, String>)]) -> String {
    let mut out = format!(
        "{:<11} {:>8} {:>10} {:>10}\n",
        "engine", "spikes", "cycles", "wall"
    );
    for (e, r) in runs {
        match r {
            Ok(r) => {
                let cycles = r.cycles.map_or("-".to_string(), |c| c.to_string());
                let mut line = format!(
                    "{:<11} {:>8} {:>10} {:>10}",
                    e.name(),
                    r.raster.len(),
                    cycles,
                    seconds(r.wall)
                );
                if let Some(b) = r.build_secs {
                    line += &if b > 0.0 {
                        format!("  (compile {b:.3} s)")
                    } else {
                        "  (cached model)".to_string()
                    };
                }
                out += &line;
            }
            Err(_) => out += &format!("{:<11} {:>8} {:>10} {:>10}", e.name(), "-", "-", "failed"),
        }
        out.push('\n');
    }
    out
}

/// Where two rasters first differ (in the canonical order: tick, port, index).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RasterDivergence {
    pub tick: u64,
    pub port: String,
    /// Indices of `port` firing at `tick` in the expected raster, and in the other.
    pub expected: Vec<u32>,
    pub got: Vec<u32>,
    /// The first spike in one raster and not the other.
    pub spike: Spike,
    /// Whether `spike` is the expected raster's (missing from the other) or an extra one.
    pub missing: bool,
}

/// The first divergence between two rasters, or `None` when they are equal.
pub fn raster_divergence(expected: &Raster, got: &Raster) -> Option<RasterDivergence> {
    let (a, b) = (expected.spikes(), got.spikes());
    let n = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (spike, missing) = match (a.get(n), b.get(n)) {
        (None, None) => return None,
        (Some(x), None) => (x.clone(), true),
        (None, Some(y)) => (y.clone(), false),
        (Some(x), Some(y)) if x < y => (x.clone(), true),
        (_, Some(y)) => (y.clone(), false),
    };
    let at = |r: &Raster| -> Vec<u32> {
        r.at_tick(spike.tick)
            .iter()
            .filter(|s| s.port == spike.port)
            .map(|s| s.index)
            .collect()
    };
    Some(RasterDivergence {
        tick: spike.tick,
        port: spike.port.clone(),
        expected: at(expected),
        got: at(got),
        spike,
        missing,
    })
}

impl RasterDivergence {
    /// A report naming both engines.
    pub fn describe(&self, expected_engine: &str, got_engine: &str) -> String {
        let list = |v: &[u32]| {
            if v.is_empty() {
                "no spike".to_string()
            } else {
                format!(
                    "{} [{}]",
                    report::plural(v.len(), "spike"),
                    v.iter()
                        .map(|i| i.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        };
        let s = &self.spike;
        let which = if self.missing {
            format!(
                "{expected_engine} has spike `{},{},{}` and {got_engine} does not",
                s.tick, s.port, s.index
            )
        } else {
            format!(
                "{got_engine} has spike `{},{},{}` and {expected_engine} does not",
                s.tick, s.port, s.index
            )
        };
        format!(
            "output rasters differ, first at tick {}, port `{}`: {which}\n  expected ({expected_engine}): {}\n  got ({got_engine}): {}",
            self.tick,
            self.port,
            list(&self.expected),
            list(&self.got)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raster(rows: &[(u64, &str, u32)]) -> Raster {
        Raster::from_spikes(
            rows.iter()
                .map(|&(tick, port, index)| Spike {
                    tick,
                    port: port.into(),
                    index,
                })
                .collect(),
        )
    }

    #[test]
    fn equal_rasters_do_not_diverge() {
        let r = raster(&[(1, "p", 0), (3, "p", 0)]);
        assert_eq!(raster_divergence(&r, &r.clone()), None);
        assert_eq!(
            raster_divergence(&Raster::default(), &Raster::default()),
            None
        );
    }

    #[test]
    fn a_missing_spike_is_named() {
        let expected = raster(&[(1, "p", 0), (3, "p", 0), (3, "p", 2)]);
        let got = raster(&[(1, "p", 0), (3, "p", 2)]);
        let d = raster_divergence(&expected, &got).unwrap();
        assert_eq!(
            (d.tick, d.port.as_str(), d.spike.index, d.missing),
            (3, "p", 0, true)
        );
        assert_eq!((d.expected, d.got), (vec![0, 2], vec![2]));
        let text = raster_divergence(&expected, &got)
            .unwrap()
            .describe("functional", "cycle");
        assert!(text.contains("first at tick 3, port `p`"), "{text}");
        assert!(
            text.contains("functional has spike `3,p,0` and cycle does not"),
            "{text}"
        );
        assert!(
            text.contains("expected (functional): 2 spikes [0, 2]"),
            "{text}"
        );
        assert!(text.contains("got (cycle): 1 spike [2]"), "{text}");
    }

    #[test]
    fn an_extra_spike_is_named() {
        let expected = raster(&[(1, "p", 0)]);
        let got = raster(&[(0, "q", 5), (1, "p", 0)]);
        let d = raster_divergence(&expected, &got).unwrap();
        assert_eq!(
            (d.tick, d.port.as_str(), d.spike.index, d.missing),
            (0, "q", 5, false)
        );
        // A raster cut short.
        let d = raster_divergence(&expected, &Raster::default()).unwrap();
        assert!(d.missing);
        assert!(d.describe("a", "b").contains("got (b): no spike"));
    }

    const H: &str = "cycle rst busy out_valid\n";

    #[test]
    fn traces_diverge_at_the_first_differing_cycle_and_port() {
        let a = format!("{H}0 1 1 0\n3 0 1 0\n9 0 0 1\n12 0 0 0\n");
        assert_eq!(trace_divergence(&a, &a).unwrap(), None);
        // Same values, one cycle later: the first differing cycle is 9 (b still has the
        // values of cycle 3 there), and out_valid comes after busy in the header.
        let b = format!("{H}0 1 1 0\n3 0 1 0\n10 0 0 1\n12 0 0 0\n");
        let d = trace_divergence(&a, &b).unwrap().unwrap();
        assert_eq!(
            d,
            TraceDivergence {
                cycle: 9,
                port: "busy".into(),
                expected: "0".into(),
                got: "1".into()
            }
        );
        assert_eq!(
            d.describe("cycle", "verilator"),
            "port traces differ, first at cycle 9, port `busy`: expected 0 (cycle), got 1 (verilator)"
        );
        // A differing value on one line.
        let c = format!("{H}0 1 1 0\n3 0 1 1\n9 0 0 1\n12 0 0 0\n");
        let d = trace_divergence(&a, &c).unwrap().unwrap();
        assert_eq!((d.cycle, d.port.as_str()), (3, "out_valid"));
        // A redundant line is no divergence.
        let e = format!("{H}0 1 1 0\n3 0 1 0\n5 0 1 0\n9 0 0 1\n12 0 0 0\n");
        assert_eq!(trace_divergence(&a, &e).unwrap(), None);
        // A trace that stops changing early.
        let f = format!("{H}0 1 1 0\n3 0 1 0\n9 0 0 1\n");
        let d = trace_divergence(&a, &f).unwrap().unwrap();
        assert_eq!((d.cycle, d.port.as_str()), (12, "out_valid"));
        // Unknown values before reset (Icarus) agree with anything.
        let g = format!("{H}0 1 x x\n1 1 1 0\n3 0 1 0\n9 0 0 1\n12 0 0 0\n");
        assert_eq!(trace_divergence(&a, &g).unwrap(), None);
    }

    #[test]
    fn unreadable_traces_are_errors() {
        assert!(trace_divergence("", H).is_err());
        assert!(trace_divergence(H, "cycle rst busy\n").is_err());
        assert!(trace_divergence(&format!("{H}0 1 1\n"), H).is_err());
        assert!(trace_divergence(&format!("{H}4 1 1 0\n2 0 0 0\n"), H).is_err());
    }

    #[test]
    fn engine_lists_parse() {
        assert_eq!(
            parse_engines("cycle, functional").unwrap(),
            vec![Engine::Cycle, Engine::Functional]
        );
        assert!(parse_engines("cycle,cycle").is_err());
        assert!(parse_engines("spice").is_err());
        assert!(parse_engines("").is_err());
    }
}
