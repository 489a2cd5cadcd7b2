//! The designs written in the Rust DSL build exactly the IR of their TOML twins.
//!
//! `Circuit`'s `PartialEq` is structural (name, hardware, nodes in order, wires in
//! order; spans and warnings are not compared), so equality here means the two
//! descriptions give every later stage the same circuit.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use spikeforge::ir::Node;
use spikeforge::prelude::{load_design, Circuit};

#[path = "../designs/case7_delay_dsl.rs"]
mod case7;
#[path = "../designs/recurrent_dsl.rs"]
mod recurrent;

fn design_path(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("designs")
        .join(file)
}

fn load(file: &str) -> Circuit {
    match load_design(&design_path(file)).result {
        Ok(c) => c,
        Err(diags) => panic!("designs/{file} does not load:\n{diags}"),
    }
}

/// Where two circuits first differ, in words, or `None` when they are equal. The
/// `Debug` of a whole circuit is too long to read in a failed assertion.
fn difference(a: &Circuit, b: &Circuit) -> Option<String> {
    if a == b {
        return None;
    }
    let mut out = String::new();
    if a.name() != b.name() {
        let _ = writeln!(out, "name: {:?} vs {:?}", a.name(), b.name());
    }
    if a.hardware() != b.hardware() {
        let _ = writeln!(out, "hardware: {:?} vs {:?}", a.hardware(), b.hardware());
    }
    let (ga, gb) = (a.graph(), b.graph());
    if ga.node_count() != gb.node_count() {
        let _ = writeln!(
            out,
            "node count: {} vs {}",
            ga.node_count(),
            gb.node_count()
        );
    }
    for (i, (na, nb)) in ga.node_weights().zip(gb.node_weights()).enumerate() {
        if na != nb {
            let _ = writeln!(out, "node {i}: {}", node_difference(na, nb));
            break;
        }
    }
    let ea: Vec<_> = ga
        .raw_edges()
        .iter()
        .map(|e| (e.source().index(), e.target().index(), e.weight))
        .collect();
    let eb: Vec<_> = gb
        .raw_edges()
        .iter()
        .map(|e| (e.source().index(), e.target().index(), e.weight))
        .collect();
    if ea != eb {
        let _ = writeln!(out, "wires:\n  {ea:?}\nvs\n  {eb:?}");
    }
    Some(out)
}

/// How two nodes differ; for crossbars of one shape, the first differing weight.
fn node_difference(a: &Node, b: &Node) -> String {
    if let (Node::Crossbar(x), Node::Crossbar(y)) = (a, b) {
        let (wx, wy) = (&x.weights, &y.weights);
        if x.name == y.name
            && x.weight_bits == y.weight_bits
            && x.weights_file == y.weights_file
            && (wx.rows(), wx.cols()) == (wy.rows(), wy.cols())
        {
            for r in 0..wx.rows() {
                for c in 0..wx.cols() {
                    if wx.get(r, c) != wy.get(r, c) {
                        return format!(
                            "crossbar `{}`: weight at row {r}, column {c} is {} vs {}",
                            x.name,
                            wx.get(r, c),
                            wy.get(r, c)
                        );
                    }
                }
            }
        }
        return format!(
            "crossbar `{}` ({}x{}, {} bits, file {:?}) vs crossbar `{}` ({}x{}, {} bits, file {:?})",
            x.name,
            wx.rows(),
            wx.cols(),
            x.weight_bits,
            x.weights_file,
            y.name,
            wy.rows(),
            wy.cols(),
            y.weight_bits,
            y.weights_file
        );
    }
    format!("{a:?} vs {b:?}")
}

#[test]
fn case7_dsl_builds_the_toml_circuit() {
    let dsl = case7::design().finish().expect("the DSL design is valid");
    let toml = load("case7_delay.toml");
    if let Some(diff) = difference(&dsl, &toml) {
        panic!("designs/case7_delay_dsl.rs and designs/case7_delay.toml differ:\n{diff}");
    }
    assert!(dsl.warnings().is_empty() && toml.warnings().is_empty());
}

#[test]
fn recurrent_dsl_builds_the_toml_circuit() {
    let dsl = recurrent::design()
        .finish()
        .expect("the DSL design is valid");
    let toml = load("recurrent.toml");
    if let Some(diff) = difference(&dsl, &toml) {
        panic!("designs/recurrent_dsl.rs and designs/recurrent.toml differ:\n{diff}");
    }
    assert!(dsl.warnings().is_empty() && toml.warnings().is_empty());
}

/// The comparison is not vacuous: one weight changed in the DSL, and the circuits differ,
/// with the difference pointing at the crossbar that holds it.
#[test]
fn an_altered_weight_makes_the_twins_differ() {
    let altered = recurrent::design_with(recurrent::cue_weight, |j, k| {
        if (j, k) == (5, 6) {
            19 // the rule says 20
        } else {
            recurrent::ring_weight(j, k)
        }
    })
    .finish()
    .expect("the altered design is still valid");
    let toml = load("recurrent.toml");
    assert!(altered != toml, "a changed weight went unnoticed");
    let diff = difference(&altered, &toml).expect("the circuits differ");
    assert!(
        diff.contains("crossbar `ring_recurrent`: weight at row 5, column 6 is 19 vs 20"),
        "{diff}"
    );

    // A change of the input crossbar is caught as well.
    let altered = recurrent::design_with(
        |i, k| {
            if (i, k) == (15, 31) {
                0
            } else {
                recurrent::cue_weight(i, k)
            }
        },
        recurrent::ring_weight,
    )
    .finish()
    .expect("the altered design is still valid");
    let diff = difference(&altered, &toml).expect("the circuits differ");
    assert!(
        diff.contains("crossbar `cue_to_ring`: weight at row 15, column 31 is 0 vs 32"),
        "{diff}"
    );
}

/// Two different designs are not equal either: the case 7 twins are not the recurrent ones.
#[test]
fn different_designs_differ() {
    let case7 = case7::design().finish().unwrap();
    let recurrent = load("recurrent.toml");
    assert!(case7 != recurrent);
    assert!(difference(&case7, &recurrent).is_some());
}
