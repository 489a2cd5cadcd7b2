//! One insta snapshot per diagnostic code: how each code renders (miette's plain theme),
//! for one design that produces it. The snapshot is named by the code
//! (`tests/snapshots/diagnostics__<code>.snap`), and `every_code_has_a_snapshot_case`
//! fails when a code is added without a case here.
//!
//! Paths are relative to the package root (cargo runs integration tests there), so the
//! snapshots hold no absolute paths.

use std::path::Path;

use spikeforge::sim::Raster;
use spikeforge_frontend::{load_design, require_workload};
use spikeforge_ir::diagnostic::render;
use spikeforge_ir::{Code, Diagnostic, Severity, Source, Style};

macro_rules! snapshot_cases {
    ($($test:ident => $path:literal;)*) => {
        /// Each code with the design that shows it.
        const CASES: &[(&str, &str)] = &[$((stringify!($test), $path),)*];
        $(
            #[test]
            fn $test() {
                snapshot(stringify!($test), $path);
            }
        )*
    };
}

snapshot_cases! {
    design_unreadable => "tests/malformed/no-such-design.toml";
    not_utf8 => "tests/malformed/not_utf8--garbage.toml";
    empty_design => "tests/malformed/empty_design--no-input.toml";
    toml_syntax => "tests/malformed/toml_syntax--duplicate-key.toml";
    nesting_too_deep => "tests/malformed/nesting_too_deep--arrays.toml";
    unknown_key => "tests/malformed/unknown_key--population-typo.toml";
    missing_key => "tests/malformed/missing_key--population-threshold.toml";
    wrong_type => "tests/malformed/wrong_type--channels-float-1e300.toml";
    invalid_value => "tests/malformed/invalid_value--reset.toml";
    unknown_model => "tests/malformed/unknown_model--izhikevich.toml";
    unknown_reference => "tests/malformed/unknown_reference--to.toml";
    wrong_port_kind => "tests/malformed/wrong_port_kind--to-input.toml";
    weight_file_unreadable => "tests/malformed/weight_file_unreadable--missing-npy.toml";
    weight_file_format => "tests/malformed/weight_file_format--npy-float-dtype.toml";
    ragged_weights => "tests/malformed/ragged_weights--inline.toml";
    empty_name => "tests/malformed/empty_name--population.toml";
    invalid_name => "tests/malformed/invalid_name--comma.toml";
    duplicate_name => "tests/malformed/duplicate_name--input-and-population.toml";
    param_out_of_range => "tests/malformed/param_out_of_range--threshold-above-membrane.toml";
    weight_out_of_range => "tests/malformed/weight_out_of_range--npy.toml";
    weight_bits_exceed_membrane => "tests/malformed/weight_bits_exceed_membrane--crossbar.toml";
    shape_mismatch => "tests/malformed/shape_mismatch--inline-rows.toml";
    unconnected_input => "tests/malformed/unconnected_input--extra-input.toml";
    population_without_input => "tests/malformed/population_without_input--orphan.toml";
    no_output => "tests/warnings/no_output--no-output-population.toml";
    unobserved_population => "tests/warnings/unobserved_population--hidden-layer.toml";
    accumulator_may_wrap => "tests/warnings/accumulator_may_wrap--wide-fan-in.toml";
}

/// The stimulus codes: each with a stimulus for worked case 1 (input `in`, one channel)
/// in a 4-tick run, rendered with the stimulus as the source, as `spikeforge sim` does.
macro_rules! stimulus_cases {
    ($($test:ident => $text:literal;)*) => {
        /// Each stimulus code with the stimulus that shows it.
        const STIMULUS_CASES: &[(&str, &str)] = &[$((stringify!($test), $text),)*];
        $(
            #[test]
            fn $test() {
                stimulus_snapshot(stringify!($test), $text);
            }
        )*
    };
}

stimulus_cases! {
    stimulus_header => "time,port,index\n0,in,0\n";
    stimulus_syntax => "tick,port,index\n0,in,0\n1;in;0\n";
    unknown_port => "tick,port,index\n0,in,0\n1,input,0\n";
    channel_out_of_range => "tick,port,index\n0,in,0\n1,in,1\n";
    unsorted_rows => "tick,port,index\n0,in,0\n2,in,0\n1,in,0\n";
    duplicate_row => "tick,port,index\n0,in,0\n1,in,0\n1,in,0\n";
    tick_beyond_run => "tick,port,index\n0,in,0\n3,in,0\n4,in,0\n";
}

/// The workload codes: each with a design whose [workload] shows it (tests/workload/),
/// rendered with the text the diagnostic points into, as `spikeforge run` does.
macro_rules! workload_cases {
    ($($test:ident => $path:literal;)*) => {
        /// Each workload code with the design that shows it.
        const WORKLOAD_CASES: &[(&str, &str)] = &[$((stringify!($test), $path),)*];
        $(
            #[test]
            fn $test() {
                workload_snapshot(stringify!($test), $path);
            }
        )*
    };
}

workload_cases! {
    no_workload => "designs/case1_integrate.toml";
    workload_file_unreadable => "tests/workload/workload_file_unreadable.toml";
    labels_format => "tests/workload/labels_format.toml";
    bad_readout => "tests/workload/bad_readout.toml";
}

fn workload_snapshot(code: &str, path: &str) {
    let code = code_named(code);
    let loaded = load_design(Path::new(path));
    let source = loaded.source.expect("the design reads");
    let circuit = loaded.result.expect("the design loads");
    let e = match require_workload(Path::new(path), &source, &circuit) {
        Ok(_) => panic!("{path}: the workload was accepted"),
        Err(e) => e,
    };
    let [d] = &e.diagnostics.iter().collect::<Vec<_>>()[..] else {
        panic!(
            "{path}: expected one diagnostic, got:\n{:#?}",
            e.diagnostics
        );
    };
    assert_eq!(d.code, code, "{path}");
    let source = e.source.expect("workload diagnostics point into a file");
    assert!(d.labels[0].primary && d.labels[0].span.end <= source.text.len());
    insta::assert_snapshot!(code.as_str(), render(d, Some(&source), Style::Plain));
}

/// The design the stimulus cases are read against, and the run's length.
const STIMULUS_DESIGN: &str = "designs/case1_integrate.toml";
const STIMULUS_TICKS: u64 = 4;

fn stimulus_snapshot(code: &str, text: &str) {
    let code = code_named(code);
    let circuit = load_design(Path::new(STIMULUS_DESIGN))
        .result
        .expect("the design loads");
    let source = Source::new(format!("{}.csv", code.as_str()), text);
    let diags = match Raster::parse_stimulus(&source, &circuit, Some(STIMULUS_TICKS)) {
        Ok(_) => panic!("{code}: the stimulus was accepted"),
        Err(d) => d,
    };
    let with_code: Vec<&Diagnostic> = diags.iter().filter(|d| d.code == code).collect();
    let [d] = with_code[..] else {
        panic!("{code}: expected exactly one {code} diagnostic, got:\n{diags:#?}");
    };
    assert_eq!(d.severity, code.severity());
    assert!(!d.labels.is_empty(), "{code} has no label");
    assert!(
        d.labels[0].primary,
        "{code}: the first label is not primary"
    );
    for l in &d.labels {
        assert!(
            l.span.start <= l.span.end && l.span.end <= text.len(),
            "{code}: label {l:?} lies outside the file"
        );
    }
    insta::assert_snapshot!(code.as_str(), render(d, Some(&source), Style::Plain));
}

fn code_named(name: &str) -> Code {
    Code::ALL
        .iter()
        .copied()
        .find(|c| c.as_str() == name)
        .unwrap_or_else(|| panic!("`{name}` is not a diagnostic code"))
}

/// Loads `path`, finds its one diagnostic of `code` and snapshots its rendering.
fn snapshot(code: &str, path: &str) {
    let code = code_named(code);
    let loaded = load_design(Path::new(path));
    // Errors fail the design; a warning code's design must be valid and carry it.
    let diags: Vec<Diagnostic> = match (&loaded.result, code.severity()) {
        (Err(d), Severity::Error) => d.iter().cloned().collect(),
        (Ok(c), Severity::Warning) => c.warnings().iter().cloned().collect(),
        (Ok(_), Severity::Error) => panic!("{path}: accepted, but should fail with {code}"),
        (Err(d), Severity::Warning) => panic!("{path}: should be valid, but:\n{d}"),
    };
    let with_code: Vec<&Diagnostic> = diags.iter().filter(|d| d.code == code).collect();
    let [d] = with_code[..] else {
        panic!("{path}: expected exactly one {code} diagnostic, got:\n{diags:#?}");
    };
    assert_eq!(d.severity, code.severity(), "{path}");
    // Where there is text to point into, the diagnostic points into it, inside it.
    if let Some(source) = &loaded.source {
        assert!(!d.labels.is_empty(), "{path}: {code} has no label");
        assert!(
            d.labels[0].primary,
            "{path}: the first label is not primary"
        );
        for l in &d.labels {
            assert!(
                l.span.start <= l.span.end && l.span.end <= source.text.len(),
                "{path}: label {l:?} lies outside the file"
            );
        }
    }
    let text = render(d, loaded.source.as_ref(), Style::Plain);
    assert!(
        !text.contains(env!("CARGO_MANIFEST_DIR")),
        "absolute path in:\n{text}"
    );
    insta::assert_snapshot!(code.as_str(), text);
}

/// Codes snapshotted by tests/pnr_diagnostics.rs (place and route needs a placed
/// design, so its cases live there); their snapshots must exist.
const SNAPSHOTTED_IN_PNR_TEST: &[&str] = &[
    "mesh_overflow",
    "axon_overflow",
    "table_overflow",
    "key_space_overflow",
];

#[test]
fn every_code_has_a_snapshot_case() {
    let has_case = |c: &str| {
        CASES.iter().any(|(name, _)| *name == c)
            || STIMULUS_CASES.iter().any(|(name, _)| *name == c)
            || WORKLOAD_CASES.iter().any(|(name, _)| *name == c)
    };
    let missing: Vec<_> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !has_case(c))
        .filter(|c| !SNAPSHOTTED_IN_PNR_TEST.contains(c))
        .collect();
    assert!(
        missing.is_empty(),
        "add a case to tests/diagnostics.rs for: {missing:?}"
    );
    for name in SNAPSHOTTED_IN_PNR_TEST {
        code_named(name);
        assert!(!has_case(name), "`{name}` is snapshotted twice");
        let snap = format!(
            "{}/tests/snapshots/pnr_diagnostics__{name}.snap",
            env!("CARGO_MANIFEST_DIR")
        );
        assert!(std::path::Path::new(&snap).exists(), "no snapshot {snap}");
    }
    // And the other way round: no case for a code that no longer exists, and no
    // snapshot left behind by one.
    for (name, _) in CASES.iter().chain(STIMULUS_CASES).chain(WORKLOAD_CASES) {
        code_named(name);
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    for entry in std::fs::read_dir(&dir).expect("tests/snapshots exists") {
        let file = entry.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(code) = file
            .strip_prefix("diagnostics__")
            .and_then(|f| f.strip_suffix(".snap"))
        {
            assert!(has_case(code), "stale snapshot tests/snapshots/{file}");
        }
    }
}
