//! `spikeforge bench --quick --json` end to end: the JSON has the documented keys, and
//! every comparison's correctness check held (identical cycle-simulator and Verilator
//! traces, rasters and cycle counts; equal functional-model and Brian2 spike counts per
//! neuron). Speed is never asserted. Then `--report` turns that JSON into the page and
//! plots, deterministically, and a bad JSON file is a clean error.
//!
//! Needs Verilator and a Python with Brian2 (`SPIKEFORGE_PYTHON`; scripts/test.sh makes
//! one from bench/requirements.txt); fails loudly without them.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_spikeforge");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("`{key}` is not a number in {v}"))
}

#[test]
fn quick_bench_json_has_the_keys_and_every_check_holds() {
    let scratch = std::env::temp_dir().join(format!("sf-bench-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    let json_file = scratch.join("results.json");
    let out = Command::new(BIN)
        .current_dir(root())
        .args(["bench", "--quick", "--json", "--out"])
        .arg(&json_file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench failed:\n{stderr}");
    let r: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(
        std::fs::read(&json_file).unwrap(),
        out.stdout,
        "--out writes what --json prints"
    );

    assert_eq!(r["schema"], 1);
    assert_eq!(r["quick"], true);
    assert_eq!(r["checks_passed"], true, "{stderr}");
    for key in [
        "cycle_vs_verilator_speedup",
        "functional_vs_brian2_speedup",
        "functional_events_per_s_b",
        "functional_cpu_events_per_s_b",
        "total_s",
    ] {
        assert!(num(&r, key) > 0.0, "{key}");
    }
    for key in ["cpu", "os"] {
        assert!(r["machine"][key].is_string(), "machine.{key}");
    }
    assert!(num(&r["machine"], "cores") >= 1.0);
    for key in [
        "spikeforge",
        "rustc",
        "verilator",
        "brian2",
        "numpy",
        "python",
    ] {
        let v = r["versions"][key].as_str().unwrap_or("");
        assert!(!v.is_empty() && v != "unknown", "versions.{key} = {v:?}");
    }

    // Cycle simulator vs Verilator: 1, 5 and 20%, identical traces and rasters, and the
    // headline is the 5% point.
    let points = r["cycle"]["points"].as_array().unwrap();
    let acts: Vec<f64> = points.iter().map(|p| num(p, "activity")).collect();
    assert_eq!(acts, vec![0.01, 0.05, 0.20]);
    for p in points {
        assert_eq!(p["trace_equal"], true, "{p}");
        assert_eq!(p["raster_equal"], true, "{p}");
        assert!(num(p, "cycles") > 0.0);
    }
    assert_eq!(
        num(&r, "cycle_vs_verilator_speedup"),
        num(&points[1], "speedup")
    );
    assert!(r["cycle"]["verilator_build_s"].is_number());

    // Functional model vs Brian2: both workloads, equal spike counts, events counted
    // as delivered spikes x fan-out, and some neurons fired.
    let ws = r["functional"]["workloads"].as_array().unwrap();
    let names: Vec<&str> = ws.iter().map(|w| w["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["a", "b"]);
    for w in ws {
        assert_eq!(w["spike_counts_equal"], true, "{w}");
        assert_eq!(
            num(w, "synaptic_events"),
            num(w, "input_spikes") * num(w, "neurons")
        );
        assert!(num(w, "output_spikes") > 0.0, "{w}");
        assert!(num(w, "brian2_build_s") >= 0.0);
        assert!(!w["brian2_run_s"].as_array().unwrap().is_empty());
    }
    let min = ws
        .iter()
        .map(|w| num(w, "speedup"))
        .fold(f64::INFINITY, f64::min);
    assert_eq!(num(&r, "functional_vs_brian2_speedup"), min);

    // Compile flow: growing sizes, each with its phases and peak memory.
    let cps = r["compile"]["points"].as_array().unwrap();
    assert!(cps.len() >= 3);
    let mut last = 0.0;
    for p in cps {
        assert!(num(p, "neurons") > last);
        last = num(p, "neurons");
        for key in ["check_s", "place_route_s", "emit_s", "total_s"] {
            assert!(num(p, key) >= 0.0, "{key}");
        }
        assert!(num(p, "peak_rss_bytes") > 0.0);
        assert!(num(p, "emit_bytes") > 0.0);
    }

    // The report: same JSON, same bytes; the plots are SVG and the page names them.
    let docs = |n: u32| scratch.join(format!("docs{n}"));
    for n in [1, 2] {
        let out = Command::new(BIN)
            .args(["bench", "--report"])
            .arg(&json_file)
            .arg("--docs")
            .arg(docs(n))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for f in [
        "benchmarks.md",
        "benchmarks-activity.svg",
        "benchmarks-compile.svg",
    ] {
        let a = std::fs::read(docs(1).join(f)).unwrap();
        assert_eq!(a, std::fs::read(docs(2).join(f)).unwrap(), "{f} differs");
        if f.ends_with(".svg") {
            assert!(a.starts_with(b"<svg"), "{f}");
        }
    }
    let page = std::fs::read_to_string(docs(1).join("benchmarks.md")).unwrap();
    assert!(page.contains("(benchmarks-activity.svg)"));
    assert!(page.contains("(benchmarks-compile.svg)"));
    let _ = std::fs::remove_dir_all(&scratch);
}

#[test]
fn report_of_a_bad_file_is_an_error_and_writes_nothing() {
    let scratch = std::env::temp_dir().join(format!("sf-bench-bad-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    let bad = scratch.join("bad.json");
    std::fs::write(&bad, "{\"schema\": 1}").unwrap();
    let docs = scratch.join("docs");
    for input in [bad.clone(), scratch.join("missing.json")] {
        let out = Command::new(BIN)
            .args(["bench", "--report"])
            .arg(&input)
            .arg("--docs")
            .arg(&docs)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("error:"), "{err}");
        assert!(!docs.exists(), "nothing written");
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
