//! Every design in `designs/` is valid: `spikeforge check` accepts it (exit code 0), and
//! read through the library it has the structure its comments promise.

use std::path::{Path, PathBuf};
use std::process::Command;

use spikeforge::ir::{Circuit, Code, Population, Reset};
use spikeforge::prelude::load_design;

#[path = "../examples/gen_layered_weights.rs"]
mod gen_layered_weights;

fn designs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("designs")
}

/// Every `designs/*.toml`, sorted.
fn toml_designs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(designs_dir())
        .expect("designs/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

fn load(file: &str) -> Circuit {
    match load_design(&designs_dir().join(file)).result {
        Ok(c) => c,
        Err(diags) => panic!("designs/{file} does not load:\n{diags}"),
    }
}

fn population<'a>(c: &'a Circuit, name: &str) -> &'a Population {
    c.populations()
        .find(|(_, p)| p.name == name)
        .map(|(_, p)| p)
        .unwrap_or_else(|| panic!("no population `{name}`"))
}

/// The only crossbar of a one-crossbar design, as (rows, cols, weight at (0, 0), nnz).
fn only_crossbar(c: &Circuit) -> (usize, usize, i16, usize) {
    let xs: Vec<_> = c.crossbars().collect();
    assert_eq!(xs.len(), 1);
    let w = &xs[0].1.weights;
    (w.rows(), w.cols(), w.get(0, 0), w.nnz())
}

#[test]
fn the_expected_designs_exist() {
    let names: Vec<String> = toml_designs()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for expected in [
        "case1_integrate.toml",
        "case2_leak.toml",
        "case3_negative_leak.toml",
        "case4_wrap.toml",
        "case5_refractory.toml",
        "case6_reset_subtract.toml",
        "case7_delay.toml",
        "digits.toml",
        "layered.toml",
        "mesh2x2.toml",
        "recurrent.toml",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} is missing");
    }
}

#[test]
fn every_design_passes_check() {
    let designs = toml_designs();
    assert!(!designs.is_empty());
    for path in designs {
        let out = Command::new(env!("CARGO_BIN_EXE_spikeforge"))
            .arg("check")
            .arg(&path)
            .env("NO_COLOR", "1")
            .output()
            .expect("the spikeforge binary runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(0),
            "spikeforge check {} failed:\n{stdout}{stderr}",
            path.display()
        );
        assert!(stdout.contains(": ok: design `"), "{stdout}");
        assert!(!stderr.contains("error"), "{stderr}");
    }
}

/// Only case 4 has a warning, and it is exactly the intended accumulator_may_wrap.
#[test]
fn warnings_are_only_the_intended_one() {
    for path in toml_designs() {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let c = load(&file);
        let codes: Vec<Code> = c.warnings().iter().map(|d| d.code).collect();
        if file == "case4_wrap.toml" {
            assert_eq!(codes, vec![Code::AccumulatorMayWrap], "{file}");
            let w = c.warnings().iter().next().unwrap();
            assert!(w.message.contains("can reach 200"), "{}", w.message);
        } else {
            assert!(codes.is_empty(), "{file} warns: {codes:?}");
        }
    }
}

/// The worked cases carry the parameters of the semantics page.
#[test]
fn worked_cases_have_the_semantics_page_parameters() {
    // file, V, threshold, leak_shift, reset, refractory, weight, input channels
    let cases = [
        ("case1_integrate.toml", 16, 10, 0, Reset::Zero, 0, 5, 1),
        ("case2_leak.toml", 16, 10, 1, Reset::Zero, 0, 5, 1),
        ("case3_negative_leak.toml", 16, 10, 1, Reset::Zero, 0, -3, 1),
        ("case4_wrap.toml", 8, 127, 0, Reset::Zero, 0, 100, 2),
        ("case5_refractory.toml", 16, 10, 0, Reset::Zero, 2, 20, 1),
        (
            "case6_reset_subtract.toml",
            16,
            10,
            0,
            Reset::Subtract,
            0,
            15,
            1,
        ),
    ];
    for (file, v, threshold, leak, reset, refractory, w, channels) in cases {
        let c = load(file);
        let p = population(&c, "p");
        let l = p.lif();
        assert_eq!(p.neurons, 1, "{file}");
        assert_eq!(p.membrane_bits, v, "{file}");
        assert_eq!(
            (l.threshold, l.leak_shift, l.reset, l.refractory),
            (threshold, leak, reset, refractory),
            "{file}"
        );
        assert_eq!(c.inputs().map(|(_, i)| i.channels).sum::<i64>(), channels);
        let (rows, cols, w00, nnz) = only_crossbar(&c);
        assert_eq!(
            (rows, cols, w00, nnz),
            (channels as usize, 1, w, channels as usize),
            "{file}"
        );
        let (_, x) = c.crossbars().next().unwrap();
        assert_eq!(x.weight_bits, 8, "{file}");
        let outputs: Vec<_> = c.outputs().map(|(_, p)| p.name.as_str()).collect();
        assert_eq!(outputs, ["p"], "{file}");
    }
}

#[test]
fn case7_is_a_chain_of_two_outputs() {
    let c = load("case7_delay.toml");
    let outputs: Vec<_> = c.outputs().map(|(_, p)| p.name.as_str()).collect();
    assert_eq!(outputs, ["A", "B"]);
    let chain: Vec<_> = c
        .crossbars()
        .map(|(x, xb)| {
            let from = c.node(c.crossbar_source(x)).name();
            let to = c.node(c.crossbar_target(x)).name();
            (xb.name.as_str(), from, to, xb.weights.get(0, 0))
        })
        .collect();
    assert_eq!(
        chain,
        [("in_to_A", "in", "A", 10), ("A_to_B", "A", "B", 10)]
    );
    for name in ["A", "B"] {
        assert_eq!(population(&c, name).lif().threshold, 10);
    }
}

#[test]
fn recurrent_feeds_itself_with_mixed_signs() {
    let c = load("recurrent.toml");
    let ring = population(&c, "ring");
    assert_eq!((ring.neurons, ring.membrane_bits), (32, 12));
    let n = c.find("ring").unwrap();
    let into: Vec<_> = c.crossbars_into(n);
    assert_eq!(into.len(), 2);
    let names: Vec<_> = c.crossbars().map(|(_, x)| x.name.as_str()).collect();
    // The input crossbar has no `name` key, so it gets the default `<from>_to_<to>`.
    assert_eq!(names, ["cue_to_ring", "ring_recurrent"]);
    let (x, rec) = c
        .crossbars()
        .find(|(_, x)| x.name == "ring_recurrent")
        .unwrap();
    assert_eq!(c.crossbar_source(x), n);
    assert_eq!(c.crossbar_target(x), n);
    assert_eq!(rec.weight_bits, 6);
    assert_eq!((rec.weights.rows(), rec.weights.cols()), (32, 32));
    let excitatory = rec.weights.iter().filter(|&(_, _, w)| w > 0).count();
    let inhibitory = rec.weights.iter().filter(|&(_, _, w)| w < 0).count();
    assert_eq!((excitatory, inhibitory), (32 * 4, 32 * 25));
    assert!(
        (0..32).all(|j| rec.weights.get(j, j) == 0),
        "no self-synapse"
    );
    let (_, cue) = c
        .crossbars()
        .find(|(_, x)| x.name == "cue_to_ring")
        .unwrap();
    assert_eq!(
        (cue.weights.rows(), cue.weights.cols(), cue.weights.nnz()),
        (16, 32, 32)
    );
    assert_eq!(cue.weight_bits, 8, "inherited from [hardware]");
}

#[test]
fn layered_has_its_sizes_and_file_weights() {
    let c = load("layered.toml");
    let sizes: Vec<_> = c
        .inputs()
        .map(|(_, i)| (i.name.as_str(), i.channels))
        .chain(c.populations().map(|(_, p)| (p.name.as_str(), p.neurons)))
        .collect();
    assert_eq!(sizes, [("pixels", 64), ("hidden", 128), ("out", 10)]);
    let outputs: Vec<_> = c.outputs().map(|(_, p)| p.name.as_str()).collect();
    assert_eq!(outputs, ["out"]);

    let xs: Vec<_> = c.crossbars().map(|(_, x)| x).collect();
    assert_eq!(xs.len(), 2);
    let (w1, w2) = (&xs[0], &xs[1]);
    assert_eq!(w1.weights_file.as_deref(), Some("layered/w_in_hidden.npy"));
    assert_eq!((w1.weights.rows(), w1.weights.cols()), (64, 128));
    assert_eq!(w1.weights.nnz(), 1768);
    assert_eq!(w2.weights_file.as_deref(), Some("layered/w_hidden_out.csv"));
    assert_eq!((w2.weights.rows(), w2.weights.cols()), (128, 10));
    assert_eq!(w2.weights.nnz(), 539);
    for x in [w1, w2] {
        assert!(
            x.weights.iter().any(|(_, _, w)| w < 0),
            "{}: mixed sign",
            x.name
        );
        assert!(
            x.weights.iter().any(|(_, _, w)| w > 0),
            "{}: mixed sign",
            x.name
        );
    }
    // Every hidden neuron has input, and every output pools some hidden neurons.
    let mut fan_in = vec![0; 128];
    for (_, col, _) in w1.weights.iter() {
        fan_in[col] += 1;
    }
    assert!(fan_in.iter().all(|&f| f > 0), "{fan_in:?}");

    // The matrices read from the files are the generator's, entry for entry.
    let (g1, g2) = gen_layered_weights::weights();
    for (r, row) in g1.iter().enumerate() {
        for (col, &w) in row.iter().enumerate() {
            assert_eq!(w1.weights.get(r, col), w as i16, "w_in_hidden[{r}][{col}]");
        }
    }
    for (r, row) in g2.iter().enumerate() {
        for (col, &w) in row.iter().enumerate() {
            assert_eq!(w2.weights.get(r, col), w as i16, "w_hidden_out[{r}][{col}]");
        }
    }
}

/// The checked-in weight files are byte for byte what examples/gen_layered_weights.rs
/// writes, so regenerating them changes nothing.
#[test]
fn layered_weight_files_are_generated() {
    let (npy, csv) = gen_layered_weights::weight_files();
    let dir = designs_dir().join("layered");
    let on_disk = std::fs::read(dir.join("w_in_hidden.npy")).unwrap();
    assert!(
        on_disk == npy,
        "w_in_hidden.npy is stale: run `cargo run --example gen_layered_weights`"
    );
    let on_disk = std::fs::read_to_string(dir.join("w_hidden_out.csv")).unwrap();
    assert!(
        on_disk == csv,
        "w_hidden_out.csv is stale: run `cargo run --example gen_layered_weights`"
    );
    assert_eq!(
        (
            gen_layered_weights::INPUTS,
            gen_layered_weights::HIDDEN,
            gen_layered_weights::OUTPUTS
        ),
        (64, 128, 10)
    );
}

/// The weight of designs/mesh2x2.toml's layer `l`, source line `i`, target `j`: the
/// formula in the design's header, in 32-bit wrapping arithmetic.
fn mesh2x2_weight(l: u32, i: u32, j: u32) -> i64 {
    let mut x = ((l * 64 + i) * 64 + j).wrapping_mul(2654435761);
    x ^= x >> 15;
    x = x.wrapping_mul(2246822519);
    x ^= x >> 13;
    if x % 4 == 0 {
        i64::from((x >> 8) % 12) - 4
    } else {
        0
    }
}

/// designs/mesh2x2.toml: four layers of 64 neurons on a 2x2 mesh of 64-neuron, 64-axon
/// tiles with 4-bit weights, whose weight files are the header's formula.
#[test]
fn mesh2x2_is_the_fpga_reference_design() {
    let c = load("mesh2x2.toml");
    let hw = c.hardware();
    assert_eq!(
        (hw.tile_neurons, hw.tile_axons, hw.mesh),
        (64, 64, Some((2, 2)))
    );
    let names = ["in_l1", "l1_l2", "l2_l3", "l3_out"];
    let xs: Vec<_> = c.crossbars().collect();
    assert_eq!(xs.len(), 4);
    for (l, name) in names.iter().enumerate() {
        let file = designs_dir().join(format!("mesh2x2/w_{name}.csv"));
        let mut want = format!("# 64 x 64, layer {l}: see designs/mesh2x2.toml for the formula\n");
        for i in 0..64 {
            let row: Vec<String> = (0..64)
                .map(|j| mesh2x2_weight(l as u32, i, j).to_string())
                .collect();
            want.push_str(&row.join(","));
            want.push('\n');
        }
        assert!(
            std::fs::read_to_string(&file).unwrap() == want,
            "{} is not the formula of designs/mesh2x2.toml",
            file.display()
        );
        let x = xs[l].1;
        assert_eq!(x.weight_bits, 4);
        assert_eq!((x.weights.rows(), x.weights.cols()), (64, 64));
    }
}
