//! Snapshot tests of the place-and-route diagnostics: one per code spikeforge-pnr adds
//! (mesh_overflow, axon_overflow, table_overflow, key_space_overflow), rendered with
//! miette's plain theme against the design source, as tests/diagnostics.rs does for the
//! front end's codes.

use std::path::Path;

use spikeforge_frontend::parse_design;
use spikeforge_ir::{diagnostic::render, Code, Source, Style};
use spikeforge_pnr::{place_and_route, Options};

const HEAD: &str = r#"name = "overflow"

[[input]]
name = "in"
channels = 3
"#;

/// Places `text` and renders the single diagnostic it must give.
fn diagnose(file: &str, text: &str, code: Code) -> String {
    let source = Source::new(file, text);
    let circuit = parse_design(&source, Path::new(".")).expect("the design itself is valid");
    let diags = match place_and_route(&circuit, &Options::default()) {
        Ok(_) => panic!("{file}: expected {code}, but it placed"),
        Err(d) => d,
    };
    let got: Vec<Code> = diags.iter().map(|d| d.code).collect();
    assert_eq!(got, vec![code], "{file}");
    render(
        diags.iter().next().expect("one"),
        Some(&source),
        Style::Plain,
    )
}

#[test]
fn mesh_overflow() {
    let text = format!(
        r#"{HEAD}
[hardware]
tile_neurons = 2
mesh = [1, 2]

[[population]]
name = "p"
neurons = 5
threshold = 10
output = true

[[crossbar]]
from = "in"
to = "p"
weights = [[1, 1, 1, 1, 1], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]
"#
    );
    insta::assert_snapshot!(diagnose("mesh_overflow.toml", &text, Code::MeshOverflow));
}

#[test]
fn axon_overflow() {
    let text = format!(
        r#"{HEAD}
[hardware]
tile_axons = 2

[[population]]
name = "p"
neurons = 2
threshold = 10
output = true

[[crossbar]]
from = "in"
to = "p"
weights = [[1, 1], [1, 0], [1, 0]]
"#
    );
    insta::assert_snapshot!(diagnose("axon_overflow.toml", &text, Code::AxonOverflow));
}

#[test]
fn table_overflow() {
    let text = format!(
        r#"{HEAD}
[hardware]
tile_neurons = 1
table_entries = 2

[[population]]
name = "p"
neurons = 3
threshold = 10
output = true

[[crossbar]]
from = "in"
to = "p"
weights = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]
"#
    );
    insta::assert_snapshot!(diagnose("table_overflow.toml", &text, Code::TableOverflow));
}

#[test]
fn key_space_overflow() {
    // No design small enough for a test can exhaust 32-bit keys, so the check is run on
    // a real design's spans with the group count of a (hypothetical) huge one.
    let text = format!(
        r#"{HEAD}
[hardware]
tile_neurons = 65536

[[population]]
name = "p"
neurons = 1
threshold = 10
output = true

[[crossbar]]
from = "in"
to = "p"
weights = [[1], [1], [1]]
"#
    );
    let source = Source::new("key_space_overflow.toml", text.as_str());
    let circuit = parse_design(&source, Path::new(".")).expect("valid");
    assert!(spikeforge_pnr::key_space(65536, 16, &circuit).is_ok());
    let diags = spikeforge_pnr::key_space(70_000, 16, &circuit).expect_err("overflows");
    let d = diags.iter().next().expect("one");
    assert_eq!(d.code, Code::KeySpaceOverflow);
    insta::assert_snapshot!(render(d, Some(&source), Style::Plain));
}
