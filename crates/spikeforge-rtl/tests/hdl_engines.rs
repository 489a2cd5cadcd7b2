//! The two HDL engines against each other and against the functional model: every
//! shipped design, emitted and run with seeded output backpressure (ready_pct 60),
//! gives the same output raster and cycle count under Verilator and Icarus, both equal
//! to the functional model's raster, and the same per-cycle port trace from both
//! harnesses. And the Verilator cache: a second compile of the same RTL finds the
//! cached binary without running verilator, the key follows the RTL, and the memory
//! images are read at run time (one binary serves any images).
//!
//! Verilator and Icarus are required: a missing tool fails with an install hint.
//! Each design's Verilator model is built once per test run (and not at all when the
//! cache at `spikeforge_sim::hdl::verilator_cache_root()` already has it).

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use common::Case;
use spikeforge_sim::hdl::{self, Compiled, Drive, Engine};
use spikeforge_sim::Raster;

const TICKS: u64 = 20;

fn tools_present() {
    for t in ["verilator", "iverilog", "vvp"] {
        common::require_tool(t);
    }
}

/// One shipped design emitted into a fresh directory, with its stimulus and golden raster.
struct Built {
    name: String,
    dir: PathBuf,
    stim: Raster,
    golden: Raster,
    drive: Drive,
}

fn build(k: usize, case: &Case) -> Built {
    let dir = common::temp_dir(&format!("engines-{}", case.name));
    common::write(&common::emit(&case.circuit), &dir);
    let stim = spikeforge_sim::stimulus::bernoulli(&case.circuit, 0.6, TICKS, 7 + k as u64);
    let golden = spikeforge_sim::run_functional(&case.circuit, &stim, TICKS);
    Built {
        name: case.name.clone(),
        dir,
        stim,
        golden,
        drive: Drive {
            seed: 3 + k as u32,
            ready_pct: 60,
        },
    }
}

/// The Verilator model of a shipped design, compiled at most once per test process
/// (both tests ask for some of the same designs, possibly at the same time).
fn verilator_model(name: &str, dir: &Path) -> Result<Compiled, String> {
    type Slot = Arc<OnceLock<Result<Compiled, String>>>;
    static MODELS: OnceLock<Mutex<HashMap<String, Slot>>> = OnceLock::new();
    let slot = MODELS
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .entry(name.to_string())
        .or_default()
        .clone();
    slot.get_or_init(|| hdl::compile(Engine::Verilator, dir))
        .clone()
}

/// One trace line: the cycle and the 11 values as printed.
fn parse_trace(text: &str) -> Result<Vec<(u64, Vec<String>)>, String> {
    const HEADER: &str = "cycle rst in_valid in_channel in_ready out_valid out_port out_index \
                          out_ready tick busy tick_done";
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        return Err("the trace does not start with the header line".into());
    }
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            match (f.len(), f[0].parse()) {
                (12, Ok(c)) => Ok((c, f[1..].iter().map(|s| s.to_string()).collect())),
                _ => Err(format!("unreadable trace line `{l}`")),
            }
        })
        .collect()
}

/// Compares the Icarus and Verilator traces line for line, with one documented
/// exception: at cycle 0 (the first rising edge, before any edge has reset the design)
/// Icarus shows the design's unreset output registers as `x` where Verilator, a 2-state
/// simulator, has 0 (or the register's reset-free value); an `x` field there matches
/// any value. An `x` anywhere else is a failure. Because the cycle-0 values may differ,
/// the cycle-1 line is compared as the state at cycle 1 whether or not either trace had
/// to print it.
fn compare_traces(icarus: &str, verilator: &str) -> Result<usize, String> {
    let (i, v) = (parse_trace(icarus)?, parse_trace(verilator)?);
    let unknown = |s: &str| s.chars().any(|c| matches!(c, 'x' | 'X' | 'z' | 'Z'));
    for (c, f) in &i {
        if *c != 0 && f.iter().any(|s| unknown(s)) {
            return Err(format!("icarus shows an unknown value at cycle {c}: {f:?}"));
        }
    }
    if v.iter().flat_map(|(_, f)| f).any(|s| unknown(s)) {
        return Err("verilator printed an unknown value".into());
    }
    let (Some((0, i0)), Some((0, v0))) = (i.first(), v.first()) else {
        return Err("a trace does not start at cycle 0".into());
    };
    let mut xs = 0;
    for (a, b) in i0.iter().zip(v0) {
        if unknown(a) {
            xs += 1;
        } else if a != b {
            return Err(format!("cycle 0 differs: icarus {i0:?}, verilator {v0:?}"));
        }
    }
    let rest = |t: &[(u64, Vec<String>)]| -> Vec<(u64, Vec<String>)> {
        let at1 = t.iter().rev().find(|(c, _)| *c <= 1).unwrap().1.clone();
        std::iter::once((1, at1))
            .chain(t.iter().filter(|(c, _)| *c >= 2).cloned())
            .collect()
    };
    let (ri, rv) = (rest(&i), rest(&v));
    if let Some(k) = (0..ri.len().max(rv.len())).find(|&k| ri.get(k) != rv.get(k)) {
        return Err(format!(
            "traces differ from line {k} on (cycle-1 state is line 0): icarus {:?}, verilator {:?}",
            ri.get(k),
            rv.get(k)
        ));
    }
    Ok(xs)
}

/// Runs one design on both engines; returns a summary line or the failures.
fn check(b: &Built) -> Result<String, Vec<String>> {
    let name = &b.name;
    let mut failures = Vec::new();
    let icarus = hdl::run_hdl(Engine::Icarus, &b.dir, &b.stim, TICKS, b.drive, true)
        .map_err(|e| vec![format!("{name}: icarus: {e}")])?;
    let verilator = verilator_model(name, &b.dir)
        .and_then(|m| m.run(&b.dir, &b.stim, TICKS, b.drive, true))
        .map_err(|e| vec![format!("{name}: verilator: {e}")])?;
    if icarus.raster != b.golden {
        failures.push(format!(
            "{name}: icarus differs from the functional model\n--- functional\n{}--- icarus\n{}",
            b.golden.to_csv(),
            icarus.raster.to_csv()
        ));
    }
    if verilator.raster != icarus.raster {
        failures.push(format!(
            "{name}: verilator differs from icarus\n--- icarus\n{}--- verilator\n{}",
            icarus.raster.to_csv(),
            verilator.raster.to_csv()
        ));
    }
    if verilator.cycles != icarus.cycles {
        failures.push(format!(
            "{name}: {} cycles under icarus, {} under verilator",
            icarus.cycles, verilator.cycles
        ));
    }
    let (ti, tv) = (icarus.trace.unwrap(), verilator.trace.unwrap());
    let xs = match compare_traces(&ti, &tv) {
        Ok(xs) => xs,
        Err(e) => {
            failures.push(format!(
                "{name}: traces differ: {e}\n  (kept in {}: icarus_trace.txt, verilator_trace.txt)",
                b.dir.display()
            ));
            0
        }
    };
    // The output files themselves, byte for byte.
    let out = |e: &str| std::fs::read(b.dir.join(format!("{e}_out.txt"))).unwrap();
    if out("icarus") != out("verilator") {
        failures.push(format!("{name}: the output files differ"));
    }
    if !failures.is_empty() {
        return Err(failures);
    }
    let summary = format!(
        "{name}: {} spikes, {} cycles, {} trace lines ({xs} x at cycle 0 in icarus); \
         icarus build {:.1}s run {:.1}s; verilator build {:.1}s{} run {:.2}s",
        b.golden.len(),
        icarus.cycles,
        ti.lines().count() - 1,
        icarus.build_secs,
        icarus.run_secs,
        verilator.build_secs,
        if verilator.cached { " (cached)" } else { "" },
        verilator.run_secs
    );
    let _ = std::fs::remove_dir_all(&b.dir);
    Ok(summary)
}

#[test]
fn verilator_icarus_and_functional_agree_cycle_for_cycle() {
    tools_present();
    let cases = common::shipped();
    let next = Mutex::new(0usize);
    let results = Mutex::new(Vec::new());
    // Two workers: one design's Verilator build overlaps another's Icarus run.
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let k = {
                    let mut n = next.lock().unwrap();
                    *n += 1;
                    *n - 1
                };
                let Some(case) = cases.get(k) else { break };
                let r = check(&build(k, case));
                results.lock().unwrap().push((k, r));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(k, _)| *k);
    let mut failures = Vec::new();
    for (_, r) in results {
        match r {
            Ok(summary) => eprintln!("{summary}"),
            Err(f) => failures.extend(f),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn mtime(p: &Path) -> std::time::SystemTime {
    std::fs::metadata(p)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn verilator_models_are_cached_by_rtl_and_read_their_images_at_run_time() {
    tools_present();
    let cases = common::shipped();
    let (k, case) = cases
        .iter()
        .enumerate()
        .find(|(_, c)| c.name == "case1_integrate")
        .expect("designs/case1_integrate.toml is shipped");
    let b = build(k, case);
    let first = verilator_model(&case.name, &b.dir).unwrap_or_else(|e| panic!("{e}"));
    let root = hdl::verilator_cache_root();
    let entry = root.join(&first.key);
    assert_eq!(first.program, entry.join("Vharness"));
    let marker = entry.join("key.txt");
    let account = std::fs::read_to_string(&marker).unwrap();
    for part in [
        "version Verilator",
        "flags --cc --exe --build",
        "rtl ",
        "harness ",
    ] {
        assert!(account.contains(part), "key.txt lacks `{part}`:\n{account}");
    }
    let stamps = |dir: &Path| ["key.txt", "Vharness", "build.log"].map(|f| mtime(&dir.join(f)));
    let before = (stamps(&entry), mtime(&entry));

    // The second compile finds the binary: nothing in the entry is rewritten.
    let second = hdl::compile(Engine::Verilator, &b.dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(second.cached, "the second compile rebuilt the model");
    assert_eq!(second.build_secs, 0.0);
    assert_eq!(
        (second.key.as_str(), &second.program),
        (first.key.as_str(), &first.program)
    );
    assert_eq!(
        (stamps(&entry), mtime(&entry)),
        before,
        "the cache entry was touched"
    );
    let run = second
        .run(&b.dir, &b.stim, TICKS, b.drive, false)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run.raster, b.golden);
    assert!(run.cached && run.build_secs == 0.0);

    // Same RTL, other images: the same key and binary, and the run follows the images
    // in its working directory (every weight zero: nothing can fire).
    let other = common::temp_dir("engines-images");
    for e in std::fs::read_dir(&b.dir).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, other.join(p.file_name().unwrap())).unwrap();
    }
    let mut changed = 0;
    for e in std::fs::read_dir(&other).unwrap() {
        let p = e.unwrap().path();
        if p.to_string_lossy().ends_with("_weights.hex") {
            let text = std::fs::read_to_string(&p).unwrap();
            let zeros: String = text
                .lines()
                .map(|l| {
                    if l.trim().is_empty() || l.starts_with("//") {
                        format!("{l}\n")
                    } else {
                        format!("{}\n", "0".repeat(l.trim().len()))
                    }
                })
                .collect();
            std::fs::write(&p, zeros).unwrap();
            changed += 1;
        }
    }
    assert!(changed > 0, "no weight image in {}", other.display());
    let (key, _) = hdl::verilator_cache_key(&other).unwrap();
    assert_eq!(key, first.key, "the images must not be part of the key");
    let zeroed = hdl::compile(Engine::Verilator, &other).unwrap_or_else(|e| panic!("{e}"));
    assert!(zeroed.cached);
    let v = zeroed
        .run(&other, &b.stim, TICKS, b.drive, false)
        .unwrap_or_else(|e| panic!("{e}"));
    let (i, _) = hdl::run_icarus(&other, &b.stim, TICKS, b.drive).unwrap_or_else(|e| panic!("{e}"));
    assert!(!b.golden.is_empty());
    assert!(
        v.raster.is_empty(),
        "zero weights still fire:\n{}",
        v.raster.to_csv()
    );
    assert_eq!(
        v.raster, i,
        "verilator and icarus differ on the zeroed images"
    );

    // Any change to the RTL text changes the key.
    let top = other.join(format!("{}_top.v", case.name));
    let mut text = std::fs::read_to_string(&top).unwrap();
    text.push_str("// changed\n");
    std::fs::write(&top, text).unwrap();
    let (key2, _) = hdl::verilator_cache_key(&other).unwrap();
    assert_ne!(key2, first.key, "the key ignores the RTL text");

    let _ = std::fs::remove_dir_all(&other);
    let _ = std::fs::remove_dir_all(&b.dir);
}
