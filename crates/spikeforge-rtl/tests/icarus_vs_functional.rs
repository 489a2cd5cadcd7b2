//! Every shipped design, emitted and run under Icarus Verilog with seeded output
//! backpressure, gives the functional model's output raster byte for byte.

use std::path::{Path, PathBuf};

use spikeforge_sim::hdl::{run_icarus, Drive};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn build(design: &Path, dir: &Path) -> spikeforge_ir::Circuit {
    let circuit = spikeforge_frontend::load_design(design)
        .result
        .expect("shipped designs are valid");
    let plan = spikeforge_pnr::place_and_route(&circuit, &Default::default())
        .expect("fits")
        .plan;
    let emitted = spikeforge_rtl::emit(&plan, "test").expect("emits");
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    for (name, text) in &emitted.files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    circuit
}

#[test]
fn shipped_designs_match_the_functional_model() {
    let mut failures = Vec::new();
    let mut spikes_seen = 0;
    let mut designs: Vec<_> = std::fs::read_dir(root().join("designs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    designs.sort();
    for (k, design) in designs.iter().enumerate() {
        let name = design.file_stem().unwrap().to_string_lossy().to_string();
        let dir =
            std::env::temp_dir().join(format!("spikeforge-icarus-{}-{name}", std::process::id()));
        let circuit = build(design, &dir);
        let ticks = 20;
        let stim = spikeforge_sim::stimulus::bernoulli(&circuit, 0.6, ticks, 7 + k as u64);
        let golden = spikeforge_sim::run_functional(&circuit, &stim, ticks);
        // Only case 3 (internal state only) and case 4 (wraps, never fires) are silent.
        if !matches!(name.as_str(), "case3_negative_leak" | "case4_wrap") {
            assert!(
                golden.len() >= 2,
                "{name}: the stimulus should make outputs fire"
            );
        }
        spikes_seen += golden.len();
        match run_icarus(&dir, &stim, ticks, Drive { seed: 3 + k as u32, ready_pct: 60 }) {
            Ok((raster, _)) if raster == golden => {}
            Ok((raster, _)) => failures.push(format!(
                "{name}: icarus differs from the functional model\n--- functional\n{}--- icarus\n{}",
                golden.to_csv(),
                raster.to_csv()
            )),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        spikes_seen > 50,
        "only {spikes_seen} output spikes in all designs"
    );
    eprintln!(
        "{} designs, {spikes_seen} output spikes compared",
        designs.len()
    );
}
