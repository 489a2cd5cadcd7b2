//! The bundled digit classifier (designs/digits.toml, made by scripts/digits/train.py):
//! its hardware reaches the accuracy the training script computed, image for image; the
//! functional model, the cycle simulator and Verilator give identical output rasters on
//! the first 20 test images; and `spikeforge run` reports it, deterministically.

use std::path::{Path, PathBuf};
use std::process::Command;

use spikeforge::frontend::{load_design, require_workload, Workload};
use spikeforge::ir::Circuit;
use spikeforge::sim::classify::{classify, run_functional_activity};
use spikeforge::sim::{cycle, hdl, run_functional, Raster};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn design() -> PathBuf {
    root().join("designs/digits.toml")
}

fn load() -> (Circuit, Workload, Raster) {
    let loaded = load_design(&design());
    let source = loaded.source.clone().unwrap();
    let circuit = loaded.result.unwrap();
    let w = require_workload(&design(), &source, &circuit).unwrap();
    let text = std::fs::read_to_string(&w.stimulus).unwrap();
    let stim = Raster::parse_stimulus(
        &spikeforge::ir::Source::new("stimulus", text),
        &circuit,
        Some(w.total_ticks()),
    )
    .unwrap();
    (circuit, w, stim)
}

/// A number from designs/digits/training.json (written by the training script).
fn training() -> serde_json::Value {
    let text = std::fs::read_to_string(root().join("designs/digits/training.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn hardware_accuracy_is_the_training_scripts_and_at_least_90_percent() {
    let (circuit, w, stim) = load();
    let t = training();
    assert_eq!(w.images(), 360);
    assert_eq!(t["images"].as_u64(), Some(w.images() as u64));
    assert_eq!(t["ticks_per_image"].as_u64(), Some(w.ticks_per_image));
    // The script's integer simulation predicted every image; the functional model must
    // predict the same, image for image.
    let expected: Vec<Option<u32>> = t["predictions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| u32::try_from(p.as_i64().unwrap()).ok())
        .collect();
    assert_eq!(expected.len(), w.images());
    let mut correct = 0;
    for (k, &want) in expected.iter().enumerate() {
        let tpi = w.ticks_per_image;
        let raster = run_functional(&circuit, &stim.window(k as u64 * tpi, tpi), tpi);
        let p = classify(&raster, &w.readout);
        assert_eq!(p, want, "image {k}");
        correct += usize::from(p == Some(w.labels[k]));
    }
    let accuracy = correct as f64 / w.images() as f64;
    assert!(accuracy >= 0.90, "accuracy {accuracy}");
    assert!((accuracy - t["hardware_accuracy"].as_f64().unwrap()).abs() < 1e-6);
    assert_eq!(w.float_accuracy, t["float_accuracy"].as_f64());
}

/// The CI check: the first 20 test images, three engines, identical rasters
/// (and equal cycle counts between the two that model the hardware).
#[test]
fn first_20_images_agree_on_functional_cycle_and_verilator() {
    let (circuit, w, stim) = load();
    let plan = spikeforge::pnr::place_and_route(&circuit, &Default::default())
        .unwrap()
        .plan;
    let emitted = spikeforge::rtl::emit(&plan, "test").unwrap();
    let dir = std::env::temp_dir().join(format!("sf-digits-{}", std::process::id()));
    spikeforge::cli::build::write_atomically(&dir, &emitted.files).unwrap();
    let verilator =
        hdl::compile(hdl::Engine::Verilator, &dir).expect("Verilator builds the digits RTL");
    let mut spikes = 0;
    for k in 0..20u64 {
        let tpi = w.ticks_per_image;
        let image = stim.window(k * tpi, tpi);
        let functional = run_functional(&circuit, &image, tpi);
        let sim = cycle::run(&plan, &image, tpi, cycle::Drive::default(), false).unwrap();
        let rtl = verilator
            .run(
                &dir,
                &image,
                tpi,
                hdl::Drive {
                    seed: 1,
                    ready_pct: 100,
                },
                false,
            )
            .unwrap();
        assert_eq!(sim.raster, functional, "image {k}: cycle vs functional");
        assert_eq!(rtl.raster, functional, "image {k}: Verilator vs functional");
        assert_eq!(sim.cycles, rtl.cycles, "image {k}: cycle counts");
        spikes += functional.len();
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        spikes > 20 * 5,
        "the readout barely spiked: {spikes} spikes"
    );
}

#[test]
fn activity_counts_synaptic_events_per_row() {
    let (circuit, w, stim) = load();
    let tpi = w.ticks_per_image;
    let image = stim.window(0, tpi);
    let a = run_functional_activity(&circuit, &image, tpi);
    assert_eq!(a.raster, run_functional(&circuit, &image, tpi));
    assert_eq!(a.input_spikes, image.len() as u64);
    assert_eq!(a.inputs.iter().flatten().sum::<u64>(), a.input_spikes);
    assert_eq!(a.populations.iter().flatten().sum::<u64>(), a.neuron_spikes);
    // The bias channel spikes every tick and drives 64 hidden + 10 output synapses
    // (its non-zero weights), so the events are at least that.
    assert!(a.synaptic_events >= tpi * 60, "{}", a.synaptic_events);
}

fn spikeforge(args: &[&str], cwd: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_spikeforge"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// `spikeforge run <args> --json --out <out>`, which must succeed; its JSON.
fn run_json(args: &[&str], out: &Path) -> serde_json::Value {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.extend(["--json", "--out", out.to_str().unwrap()]);
    let o = spikeforge(&all, &root());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(std::fs::read(out.join("run.json")).unwrap(), o.stdout);
    json
}

#[test]
fn run_reports_and_writes_the_same_every_time() {
    let base = std::env::temp_dir().join(format!("sf-run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let mut outputs = Vec::new();
    for (k, jobs) in ["1", "2"].iter().enumerate() {
        let out = base.join(format!("out{k}"));
        let json = run_json(&["--images", "12", "--jobs", jobs], &out);
        for key in [
            "accuracy",
            "images",
            "cycles_per_image",
            "float_accuracy",
            "latency_us_per_image",
            "synaptic_ops_per_image",
            "tiles_used",
            "spike_hops_per_image",
        ] {
            assert!(json.get(key).is_some(), "no `{key}` in {json}");
        }
        assert_eq!(json["images"], 12);
        assert_eq!(json["functional_equals_cycle"], true);
        let run_json = std::fs::read(out.join("run.json")).unwrap();
        for f in [
            "digits_top.v",
            "plan.json",
            "mesh.svg",
            "image0.vcd",
            "results.csv",
        ] {
            assert!(out.join(f).is_file(), "{f} was not written");
        }
        let results = std::fs::read_to_string(out.join("results.csv")).unwrap();
        assert_eq!(results.lines().count(), 13);
        outputs.push((
            run_json,
            results,
            std::fs::read(out.join("image0.vcd")).unwrap(),
        ));
    }
    // Same files whatever the number of workers, except the folder named inside run.json.
    let strip = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .replace("out0", "outK")
            .replace("out1", "outK")
    };
    assert_eq!(strip(&outputs[0].0), strip(&outputs[1].0));
    assert_eq!(outputs[0].1, outputs[1].1);
    assert_eq!(outputs[0].2, outputs[1].2);
    std::fs::remove_dir_all(&base).unwrap();
}

#[test]
fn run_without_a_workload_fails_and_writes_nothing() {
    let base = std::env::temp_dir().join(format!("sf-run-bad-{}", std::process::id()));
    let out = base.join("out");
    let o = spikeforge(
        &[
            "run",
            "designs/layered.toml",
            "--out",
            out.to_str().unwrap(),
        ],
        &root(),
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no_workload"), "{err}");
    assert!(!out.exists());
    for bad in [["--images", "0"], ["--jobs", "0"]] {
        let o = spikeforge(
            &["run", "--out", out.to_str().unwrap(), bad[0], bad[1]],
            &root(),
        );
        assert_eq!(o.status.code(), Some(1), "{bad:?}");
        assert!(!out.exists());
    }
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn run_without_a_design_uses_the_bundled_one() {
    let base = std::env::temp_dir().join(format!("sf-run-default-{}", std::process::id()));
    let out = base.join("out");
    let json = run_json(&["--images", "2"], &out);
    assert!(json["design"]
        .as_str()
        .unwrap()
        .ends_with("designs/digits.toml"));
    let _ = std::fs::remove_dir_all(&base);
}

/// Any design with a [workload] runs: two images of four ticks on a one-neuron chain.
#[test]
fn a_small_workload_runs_and_check_validates_workloads() {
    let base = std::env::temp_dir().join(format!("sf-run-small-{}", std::process::id()));
    let out = base.join("out");
    let json = run_json(&["tests/workload/ok.toml"], &out);
    assert_eq!(json["images"], 2);
    assert_eq!(json["ticks_per_image"], 4);
    let results = std::fs::read_to_string(out.join("results.csv")).unwrap();
    assert!(
        results.starts_with("image,label,prediction,correct,cycles,"),
        "{results}"
    );
    let o = spikeforge(&["check", "tests/workload/ok.toml"], &root());
    assert!(String::from_utf8_lossy(&o.stdout).contains("workload: 2 images of 4 ticks"));
    for bad in ["bad_readout", "labels_format", "workload_file_unreadable"] {
        let o = spikeforge(&["check", &format!("tests/workload/{bad}.toml")], &root());
        assert_eq!(o.status.code(), Some(1), "{bad}");
        assert!(String::from_utf8_lossy(&o.stderr).contains(bad), "{bad}");
    }
    // A readout that is a population but not an output says so.
    let text = std::fs::read_to_string(root().join("tests/workload/bad_readout.toml")).unwrap();
    let design = root()
        .join("tests/workload")
        .join(format!(".not-output-{}.toml", std::process::id()));
    std::fs::write(&design, text.replace("readout = \"q\"", "readout = \"h\"")).unwrap();
    let o = spikeforge(&["check", design.to_str().unwrap()], &root());
    let _ = std::fs::remove_file(&design);
    assert!(String::from_utf8_lossy(&o.stderr).contains("is a population but not an output"));
    let _ = std::fs::remove_dir_all(&base);
}
