//! `spikeforge synth` through the binary and the real tools (yosys, nextpnr-ice40):
//! designs/mesh2x2.toml fits an iCE40HX8K with its weights in block RAM and closes at
//! 50 MHz or more (nextpnr is deterministic for a seed, so this is a check of the
//! design, not of the machine), a design with too much weight memory is refused with
//! what overflowed, and a missing tool gets an install hint. The table and JSON shapes
//! are pinned by the snapshots of crates/spikeforge-synth.
//!
//! The tools are required (scripts/test.sh installs them); a missing one fails loudly.

use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_spikeforge");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn spikeforge(args: &[&str], path: Option<&str>) -> Out {
    let mut c = Command::new(BIN);
    c.args(args).current_dir(root()).env("NO_COLOR", "1");
    if let Some(p) = path {
        c.env("PATH", p);
    }
    let o = c.output().expect("the spikeforge binary runs");
    Out {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn require_tools() {
    for t in ["yosys", "nextpnr-ice40"] {
        assert!(
            Command::new(t).arg("--version").output().is_ok(),
            "`{t}` is not installed; tests/synth.rs needs it. Install the tools with \
             `scripts/test.sh` (or `sudo apt-get install yosys nextpnr-ice40 fpga-icestorm`)"
        );
    }
}

/// A scratch folder, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("sf-synth-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The target: the 2x2 mesh of 64-neuron, 64-axon tiles with 4-bit weights
/// places and routes on an HX8K at 50 MHz or more, weights in SB_RAM40_4K.
#[test]
fn mesh2x2_closes_at_50_mhz_on_hx8k_with_weights_in_block_ram() {
    require_tools();
    let keep = Scratch::new("mesh2x2");
    let out_dir = keep.0.join("out");
    let o = spikeforge(
        &[
            "synth",
            "designs/mesh2x2.toml",
            "--target",
            "ice40-hx8k",
            "--seed",
            "1",
            "--json",
            "--out",
            out_dir.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(
        o.code,
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        o.stdout,
        o.stderr
    );
    let r: serde_json::Value = serde_json::from_str(&o.stdout).expect("--json prints JSON");
    let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    insta::assert_snapshot!("report_keys", keys.join("\n"));
    assert_eq!(r["target"], "ice40-hx8k");
    assert_eq!(r["fits"], true);
    assert_eq!(r["overflow"].as_array().unwrap().len(), 0);
    let fmax = r["fmax_mhz"].as_f64().expect("nextpnr reports an Fmax");
    assert!(
        fmax >= 50.0,
        "Fmax {fmax} MHz is below 50 MHz:\n{}",
        o.stdout
    );
    assert_eq!(r["meets_timing"], true);
    let (luts, ffs, brams) = (
        r["luts"].as_u64().unwrap(),
        r["ffs"].as_u64().unwrap(),
        r["brams"].as_u64().unwrap(),
    );
    assert!(
        luts > 500 && luts < r["capacity"]["luts"].as_u64().unwrap(),
        "{luts}"
    );
    assert!(ffs > 100, "{ffs}");
    assert_eq!(r["capacity"]["brams"], 32);
    // Every tile's weights (4096 x 4 bits) are block RAM: 4 tiles x 4 SB_RAM40_4K at
    // least, and yosys mapped every weights_mem to it.
    assert!(brams >= 16, "{brams} SB_RAM40_4K");
    let mems = r["memories"].as_array().unwrap();
    let weights: Vec<&serde_json::Value> = mems
        .iter()
        .filter(|m| m["memory"].as_str().unwrap().ends_with("weights_mem"))
        .collect();
    assert_eq!(weights.len(), 4, "{mems:?}");
    assert!(weights.iter().all(|m| m["mapped_to"] == "bram"), "{mems:?}");
    // synth_ice40 and `check -assert` pass without a warning (the RTL conventions;
    // crates/spikeforge-rtl/tests/tools.rs leaves this design's synth_ice40 to here).
    let log = std::fs::read_to_string(out_dir.join("yosys.log")).unwrap();
    let warnings: Vec<&str> = log.lines().filter(|l| l.starts_with("Warning:")).collect();
    assert!(warnings.is_empty(), "yosys warns:\n{}", warnings.join("\n"));
    assert!(
        log.contains("check -assert"),
        "the runner checks the netlist"
    );
    // --out keeps the build, the netlist, the reports and the logs.
    for f in [
        "mesh2x2_top.v",
        "files.f",
        "netlist.json",
        "yosys.log",
        "yosys_stat.json",
        "nextpnr.log",
        "nextpnr_report.json",
    ] {
        assert!(out_dir.join(f).is_file(), "--out lacks {f}");
    }
}

/// One tile of 256 axon rows x 64 neurons with 16-bit weights: 256 kbit of weights,
/// 64 SB_RAM40_4K, more than either part has. Little logic, so yosys is quick and
/// nextpnr never runs.
fn too_much_weight_memory(dir: &std::path::Path) -> PathBuf {
    let rows: Vec<String> = (0..256)
        .map(|i| {
            let row: Vec<String> = (0..64)
                .map(|j| {
                    let v: i64 = ((i * 64 + j) * 2654435761i64) % 65536 - 32768;
                    v.to_string()
                })
                .collect();
            format!("  [{}],", row.join(", "))
        })
        .collect();
    let toml = format!(
        "name = \"bigweights\"\n\n[hardware]\ntile_neurons = 64\ntile_axons = 256\n\
         membrane_bits = 16\nweight_bits = 16\n\n[[input]]\nname = \"in\"\nchannels = 256\n\n\
         [[population]]\nname = \"p\"\nneurons = 64\nthreshold = 1000\noutput = true\n\n\
         [[crossbar]]\nfrom = \"in\"\nto = \"p\"\nweights = [\n{}\n]\n",
        rows.join("\n")
    );
    let path = dir.join("bigweights.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

#[test]
fn a_design_that_does_not_fit_says_what_overflowed() {
    require_tools();
    let s = Scratch::new("big");
    let design = too_much_weight_memory(&s.0);
    let o = spikeforge(
        &["synth", design.to_str().unwrap(), "--target", "ice40-up5k"],
        None,
    );
    assert_eq!(
        o.code,
        Some(1),
        "stdout:\n{}\nstderr:\n{}",
        o.stdout,
        o.stderr
    );
    let last = o.stderr.lines().last().unwrap_or_default();
    let shown = last.replace(design.to_str().unwrap(), "<design>");
    // The number of block RAMs is yosys's; the shape of the message is ours.
    let re_brams = shown
        .split("SB_RAM40_4K: ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no SB_RAM40_4K overflow in {shown:?}"));
    assert!(re_brams >= 64, "{shown}");
    assert_eq!(
        shown.replace(&re_brams.to_string(), "N"),
        "error: <design> does not fit ice40-up5k: SB_RAM40_4K: N needed, 30 on ice40-up5k"
    );
    assert!(o.stdout.contains("does not fit ice40-up5k"), "{}", o.stdout);
}

#[test]
fn a_missing_tool_gets_an_install_hint() {
    let empty = Scratch::new("nopath");
    let o = spikeforge(
        &["synth", "designs/case1_integrate.toml"],
        Some(empty.0.to_str().unwrap()),
    );
    assert_eq!(o.code, Some(1));
    assert!(o.stdout.is_empty(), "{}", o.stdout);
    insta::assert_snapshot!("missing_tool", o.stderr);
}

#[test]
fn bad_flags_exit_1() {
    for args in [
        &[
            "synth",
            "designs/case1_integrate.toml",
            "--target",
            "ice40-hx1k",
        ][..],
        &["synth", "designs/case1_integrate.toml", "--freq", "0"][..],
        &["synth", "designs/case1_integrate.toml", "--seed", "-1"][..],
        &["synth"][..],
    ] {
        let o = spikeforge(args, None);
        assert_eq!(o.code, Some(1), "{args:?}: {}", o.stderr);
        assert!(o.stderr.contains("error"), "{args:?}: {}", o.stderr);
    }
}

#[test]
fn a_design_with_errors_is_reported_before_any_tool_runs() {
    require_tools();
    let s = Scratch::new("bad");
    let design = s.0.join("bad.toml");
    std::fs::write(
        &design,
        "name = \"bad\"\n[[input]]\nname = \"in\"\nchannels = 0\n",
    )
    .unwrap();
    let o = spikeforge(&["synth", design.to_str().unwrap()], None);
    assert_eq!(o.code, Some(1));
    assert!(o.stdout.is_empty(), "{}", o.stdout);
    assert!(o.stderr.contains("error"), "{}", o.stderr);
}
