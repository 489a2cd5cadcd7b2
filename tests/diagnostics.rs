//! One insta snapshot per diagnostic code: how each code renders (miette's plain theme),
//! for one design that produces it. The snapshot is named by the code
//! (`tests/snapshots/diagnostics__<code>.snap`), and `every_code_has_a_snapshot_case`
//! fails when a code is added without a case here.
//!
//! Paths are relative to the package root (cargo runs integration tests there), so the
//! snapshots hold no absolute paths.

use std::path::Path;

use spikeforge_frontend::load_design;
use spikeforge_ir::diagnostic::render;
use spikeforge_ir::{Code, Diagnostic, Severity, Style};

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

/// Codes raised by crates this package's tests cannot call (the stimulus reader of
/// spikeforge-sim and spikeforge-pnr are not dependencies of the root package), so they
/// have no case here yet. This list may only shrink: a code on it that gains a case, or
/// a code missing from both, fails `every_code_has_a_snapshot_case`.
const WITHOUT_CASE_YET: &[&str] = &[
    "stimulus_header",
    "stimulus_syntax",
    "unknown_port",
    "channel_out_of_range",
    "unsorted_rows",
    "duplicate_row",
    "tick_beyond_run",
    "mesh_overflow",
    "axon_overflow",
    "table_overflow",
    "key_space_overflow",
];

#[test]
fn every_code_has_a_snapshot_case() {
    let missing: Vec<_> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !CASES.iter().any(|(name, _)| name == c))
        .filter(|c| !WITHOUT_CASE_YET.contains(c))
        .collect();
    assert!(
        missing.is_empty(),
        "add a case to tests/diagnostics.rs for: {missing:?}"
    );
    for name in WITHOUT_CASE_YET {
        code_named(name);
        assert!(
            !CASES.iter().any(|(c, _)| c == name),
            "`{name}` has a case now; remove it from WITHOUT_CASE_YET"
        );
    }
    // And the other way round: no case for a code that no longer exists, and no
    // snapshot left behind by one.
    for (name, _) in CASES {
        code_named(name);
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    for entry in std::fs::read_dir(&dir).expect("tests/snapshots exists") {
        let file = entry.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(code) = file
            .strip_prefix("diagnostics__")
            .and_then(|f| f.strip_suffix(".snap"))
        {
            assert!(
                CASES.iter().any(|(name, _)| *name == code),
                "stale snapshot tests/snapshots/{file}"
            );
        }
    }
}
