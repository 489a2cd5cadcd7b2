//! `spikeforge stimulus`, `sim` and `verify` through the binary: worked case 1 on every
//! engine gives the raster of the semantics page byte for byte, `verify` passes on every
//! shipped design with output backpressure, malformed stimuli and bad flags exit 1 with
//! their diagnostic code, and the divergence reports of `verify` name the first
//! difference of a hand-edited reference.
//!
//! Verilator and Icarus are required (scripts/test.sh installs them). Each design's
//! Verilator model is compiled once and then found in the cache of
//! `spikeforge_sim::hdl`; the tests that run Verilator take turns so two of them never
//! compile the same model at once.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use spikeforge::cli::cmd_verify::{raster_divergence, trace_divergence};
use spikeforge::sim::{cycle, run_functional, Raster, Spike};

const BIN: &str = env!("CARGO_BIN_EXE_spikeforge");

/// The raster of worked case 1 (output population `p`): fires at ticks 1 and 3.
const CASE1_OUT: &str = "tick,port,index\n1,p,0\n3,p,0\n";
/// Its stimulus: channel 0 of input `in` at ticks 0..=3.
const CASE1_STIM: &str = "tick,port,index\n0,in,0\n1,in,0\n2,in,0\n3,in,0\n";

/// Held by the tests that compile Verilator models.
static VERILATOR: Mutex<()> = Mutex::new(());

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh scratch folder, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("sf-cli-sim-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Out {
    fn show(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs the binary in the package root (so design paths are relative and short).
fn spikeforge<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Out {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

#[test]
fn case1_on_every_engine_gives_the_worked_raster() {
    let _turn = VERILATOR.lock().unwrap_or_else(|e| e.into_inner());
    let dir = Scratch::new("case1");
    let design = "designs/case1_integrate.toml";
    // The design's output population is `p`, its input `in` with one channel.
    let circuit = spikeforge::frontend::load_design(&root().join(design))
        .result
        .unwrap();
    let outputs: Vec<_> = circuit.outputs().map(|(_, p)| p.name.clone()).collect();
    assert_eq!(outputs, ["p"]);

    // At rate 1 every channel spikes every tick: exactly the fixed stimulus.
    let stim = dir.path("s.csv");
    let r = spikeforge(&[
        "stimulus",
        design,
        "--rate",
        "1",
        "--ticks",
        "4",
        "--seed",
        "9",
        "--out",
        &s(&stim),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.show());
    assert_eq!(std::fs::read_to_string(&stim).unwrap(), CASE1_STIM);

    for engine in ["functional", "cycle", "verilator", "icarus"] {
        let out = dir.path(&format!("{engine}.csv"));
        let mut args = vec![
            "sim".to_string(),
            design.into(),
            "--stimulus".into(),
            s(&stim),
            "--ticks".into(),
            "4".into(),
            "--engine".into(),
            engine.into(),
            "--out".into(),
            s(&out),
        ];
        if engine == "cycle" {
            args.extend(["--vcd".into(), s(&dir.path("wave.vcd"))]);
        }
        let r = spikeforge(&args);
        assert_eq!(r.code, Some(0), "{engine}: {}", r.show());
        // Not a terminal: no progress display on stderr.
        assert_eq!(r.stderr, "", "{engine}");
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            CASE1_OUT,
            "{engine}"
        );
    }
    let vcd = std::fs::read_to_string(dir.path("wave.vcd")).unwrap();
    assert!(vcd.starts_with("$date spikeforge $end\n"), "{vcd}");
    for port in [
        "clk",
        "rst",
        "in_valid",
        "in_channel",
        "in_ready",
        "out_valid",
        "out_port",
        "out_index",
        "out_ready",
        "tick",
        "busy",
        "tick_done",
    ] {
        assert!(
            vcd.contains(&format!(" {port} $end\n")),
            "no {port} in\n{vcd}"
        );
    }

    let r = spikeforge(&[
        "verify",
        design,
        "--stimulus",
        &s(&stim),
        "--ticks",
        "4",
        "--ready-pct",
        "50",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.show());
    for engine in ["functional", "cycle", "verilator", "icarus"] {
        assert!(r.stdout.contains(engine), "{}", r.show());
    }
    assert!(
        r.stdout.contains("agree on 2 output spikes"),
        "{}",
        r.show()
    );

    // --quiet: nothing on either stream.
    let r = spikeforge(&[
        "sim",
        design,
        "--stimulus",
        &s(&stim),
        "--ticks",
        "4",
        "--engine",
        "cycle",
        "--out",
        &s(&dir.path("q.csv")),
        "--quiet",
    ]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (Some(0), "", "")
    );
}

#[test]
fn verify_passes_on_every_shipped_design_with_backpressure() {
    let _turn = VERILATOR.lock().unwrap_or_else(|e| e.into_inner());
    let dir = Scratch::new("every");
    let mut designs: Vec<PathBuf> = std::fs::read_dir(root().join("designs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    designs.sort();
    assert!(designs.len() >= 9, "{designs:?}");
    let mut failures = Vec::new();
    for (k, design) in designs.iter().enumerate() {
        let name = design.file_stem().unwrap().to_string_lossy().to_string();
        let rel = format!("designs/{name}.toml");
        let stim = dir.path(&format!("{name}.csv"));
        let r = spikeforge(&[
            "stimulus",
            &rel,
            "--rate",
            "0.5",
            "--ticks",
            "5",
            "--seed",
            &(20 + k).to_string(),
            "--out",
            &s(&stim),
            "--quiet",
        ]);
        assert_eq!(r.code, Some(0), "{name}: {}", r.show());
        let r = spikeforge(&[
            "verify",
            &rel,
            "--stimulus",
            &s(&stim),
            "--ticks",
            "5",
            "--seed",
            &(3 + k).to_string(),
            "--ready-pct",
            "60",
        ]);
        if r.code != Some(0) || !r.stdout.contains(": ok: 4 engines") {
            failures.push(format!("{name}: {}", r.show()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// One malformed stimulus per diagnostic code, for worked case 1 run for 4 ticks.
const BAD_STIMULI: &[(&str, &str)] = &[
    ("stimulus_header", "time,port,index\n0,in,0\n"),
    ("stimulus_syntax", "tick,port,index\n0,in\n"),
    ("unknown_port", "tick,port,index\n0,input,0\n"),
    ("channel_out_of_range", "tick,port,index\n0,in,1\n"),
    ("unsorted_rows", "tick,port,index\n2,in,0\n1,in,0\n"),
    ("duplicate_row", "tick,port,index\n1,in,0\n1,in,0\n"),
    ("tick_beyond_run", "tick,port,index\n0,in,0\n4,in,0\n"),
];

#[test]
fn every_stimulus_diagnostic_exits_1_with_its_code() {
    let dir = Scratch::new("diags");
    for (code, text) in BAD_STIMULI {
        let stim = dir.path(&format!("{code}.csv"));
        std::fs::write(&stim, text).unwrap();
        let out = dir.path(&format!("{code}-out.csv"));
        for cmd in ["sim", "verify"] {
            let mut args = vec![
                cmd.to_string(),
                "designs/case1_integrate.toml".into(),
                "--stimulus".into(),
                s(&stim),
                "--ticks".into(),
                "4".into(),
            ];
            if cmd == "sim" {
                args.extend(["--out".into(), s(&out)]);
            }
            let r = spikeforge(&args);
            assert_eq!(r.code, Some(1), "{cmd} {code}: {}", r.show());
            assert!(r.stderr.contains(code), "{cmd} {code}: {}", r.show());
            // Rendered against the stimulus file, with its line number.
            let line = text.lines().count();
            let at = if *code == "stimulus_header" { 1 } else { line };
            assert!(
                r.stderr.contains(&format!("{code}.csv:{at}:")),
                "{cmd} {code}: no line {at} in\n{}",
                r.show()
            );
            assert!(!out.exists(), "{cmd} {code}: an output was written");
        }
    }
}

#[test]
fn bad_flags_and_files_exit_1_with_a_message() {
    let dir = Scratch::new("flags");
    let stim = dir.path("s.csv");
    std::fs::write(&stim, CASE1_STIM).unwrap();
    let design = "designs/case1_integrate.toml";
    let out = s(&dir.path("o.csv"));
    let st = s(&stim);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "stimulus", design, "--rate", "1.5", "--ticks", "4", "--out", &out,
            ],
            "--rate is 1.5",
        ),
        (
            vec![
                "stimulus", design, "--rate", "-0.1", "--ticks", "4", "--out", &out,
            ],
            "between 0 and 1",
        ),
        (
            vec![
                "stimulus", design, "--rate", "NaN", "--ticks", "4", "--out", &out,
            ],
            "between 0 and 1",
        ),
        (
            vec![
                "stimulus", design, "--rate", "0.5", "--ticks", "0", "--out", &out,
            ],
            "at least 1 tick",
        ),
        (
            vec![
                "stimulus", design, "--rate", "0.5", "--ticks", "-3", "--out", &out,
            ],
            "--ticks",
        ),
        (
            vec![
                "stimulus",
                "designs/nope.toml",
                "--rate",
                "0.5",
                "--ticks",
                "3",
                "--out",
                &out,
            ],
            "design_unreadable",
        ),
        (
            vec![
                "sim",
                design,
                "--stimulus",
                &st,
                "--ticks",
                "0",
                "--out",
                &out,
            ],
            "at least 1 tick",
        ),
        (
            vec![
                "sim",
                design,
                "--stimulus",
                &st,
                "--ticks",
                "99999999999",
                "--out",
                &out,
            ],
            "at most",
        ),
        (
            vec![
                "sim",
                design,
                "--stimulus",
                &st,
                "--ticks",
                "4",
                "--engine",
                "spice",
                "--out",
                &out,
            ],
            "spice",
        ),
        (
            vec![
                "sim",
                design,
                "--stimulus",
                &st,
                "--ticks",
                "4",
                "--ready-pct",
                "0",
                "--out",
                &out,
            ],
            "--ready-pct",
        ),
        (
            vec![
                "sim",
                design,
                "--stimulus",
                &st,
                "--ticks",
                "4",
                "--vcd",
                "w.vcd",
                "--out",
                &out,
            ],
            "--vcd",
        ),
        (
            vec![
                "sim",
                design,
                "--stimulus",
                "no/such.csv",
                "--ticks",
                "4",
                "--out",
                &out,
            ],
            "cannot read the stimulus",
        ),
        (
            vec![
                "sim",
                design,
                "--stimulus",
                design,
                "--ticks",
                "4",
                "--out",
                &out,
            ],
            "stimulus_header",
        ),
        (
            vec![
                "verify",
                design,
                "--stimulus",
                &st,
                "--ticks",
                "4",
                "--engines",
                "cycle,spice",
            ],
            "unknown engine `spice`",
        ),
        (
            vec![
                "verify",
                design,
                "--stimulus",
                &st,
                "--ticks",
                "4",
                "--engines",
                "cycle,cycle",
            ],
            "twice",
        ),
        (
            vec![
                "verify",
                design,
                "--stimulus",
                &st,
                "--ticks",
                "4",
                "--ready-pct",
                "101",
            ],
            "--ready-pct",
        ),
    ];
    for (args, says) in &cases {
        let r = spikeforge(args);
        assert_eq!(r.code, Some(1), "{args:?}: {}", r.show());
        assert!(r.stderr.contains(says), "{args:?}: {}", r.show());
        assert!(!dir.path("o.csv").exists(), "{args:?} wrote a file");
    }
    // A stimulus that cannot be written leaves nothing behind.
    let r = spikeforge(&[
        "stimulus",
        design,
        "--rate",
        "0.5",
        "--ticks",
        "3",
        "--out",
        &s(&dir.path("no/such/dir/s.csv")),
    ]);
    assert_eq!(r.code, Some(1), "{}", r.show());
    assert_eq!(std::fs::read_dir(&dir.0).unwrap().count(), 1);
    // Not UTF-8.
    std::fs::write(dir.path("bin.csv"), [0xff, 0xfe, 0x00]).unwrap();
    let r = spikeforge(&[
        "sim",
        design,
        "--stimulus",
        &s(&dir.path("bin.csv")),
        "--ticks",
        "4",
        "--out",
        &out,
    ]);
    assert_eq!(r.code, Some(1), "{}", r.show());
    assert!(r.stderr.contains("not UTF-8"), "{}", r.show());
}

#[test]
fn engines_subset_without_hdl_runs_fast() {
    let dir = Scratch::new("subset");
    let stim = dir.path("s.csv");
    std::fs::write(&stim, CASE1_STIM).unwrap();
    let r = spikeforge(&[
        "verify",
        "designs/case7_delay.toml",
        "--stimulus",
        &s(&stim),
        "--ticks",
        "4",
        "--engines",
        "cycle,functional",
        "--ready-pct",
        "30",
        "--quiet",
    ]);
    // The stimulus names input `in`, which case 7 has too.
    assert_eq!(r.code, Some(0), "{}", r.show());
    assert!(
        r.stdout.contains(": ok: 2 engines (cycle, functional)"),
        "{}",
        r.show()
    );
    assert!(
        !r.stdout.contains("wall"),
        "--quiet prints no table: {}",
        r.show()
    );
}

#[test]
fn a_wrong_reference_is_reported_at_its_first_divergence() {
    let circuit = spikeforge::frontend::load_design(&root().join("designs/case1_integrate.toml"))
        .result
        .unwrap();
    let source = spikeforge::ir::Source::new("s.csv", CASE1_STIM);
    let stim = Raster::parse_stimulus(&source, &circuit, Some(4)).unwrap();
    let golden = run_functional(&circuit, &stim, 4);
    assert_eq!(golden.to_csv(), CASE1_OUT);

    // A hand-edited reference: the spike of tick 3 moved to tick 2.
    let edited = Raster::from_spikes(vec![
        Spike {
            tick: 1,
            port: "p".into(),
            index: 0,
        },
        Spike {
            tick: 2,
            port: "p".into(),
            index: 0,
        },
    ]);
    let d = raster_divergence(&edited, &golden).expect("they differ");
    let text = d.describe("reference", "functional");
    assert_eq!(
        text,
        "output rasters differ, first at tick 2, port `p`: reference has spike `2,p,0` and functional does not\n  expected (reference): 1 spike [0]\n  got (functional): no spike"
    );
    assert_eq!(raster_divergence(&golden, &golden.clone()), None);

    // A port trace of the cycle simulator with one value changed by hand.
    let plan = spikeforge::pnr::place_and_route(&circuit, &Default::default())
        .unwrap()
        .plan;
    let run = cycle::run(&plan, &stim, 4, cycle::Drive::default(), true).unwrap();
    let trace = run.trace.unwrap();
    assert_eq!(trace_divergence(&trace, &trace).unwrap(), None);
    let mut lines: Vec<String> = trace.lines().map(String::from).collect();
    // The first line where out_valid is 1: make it 0 there.
    let header: Vec<&str> = lines[0].split(' ').collect();
    let col = header.iter().position(|&h| h == "out_valid").unwrap();
    let k = lines
        .iter()
        .position(|l| l.split(' ').nth(col) == Some("1"))
        .unwrap();
    let cycle_at: u64 = lines[k].split(' ').next().unwrap().parse().unwrap();
    let mut f: Vec<String> = lines[k].split(' ').map(String::from).collect();
    f[col] = "0".into();
    lines[k] = f.join(" ");
    let edited = lines.join("\n") + "\n";
    let d = trace_divergence(&trace, &edited)
        .unwrap()
        .expect("they differ");
    assert_eq!(
        d.describe("cycle", "edited"),
        format!(
            "port traces differ, first at cycle {cycle_at}, port `out_valid`: expected 1 (cycle), got 0 (edited)"
        )
    );
}

/// Ctrl-C during a run removes the temporary build folder, writes no output and exits
/// with 130.
#[test]
fn an_interrupted_run_leaves_nothing_behind() {
    let dir = Scratch::new("interrupt");
    let stim = dir.0.join("s.csv");
    let out = spikeforge(&[
        "stimulus",
        "designs/layered.toml",
        "--rate",
        "0.3",
        "--ticks",
        "5000",
        "--quiet",
        "--out",
        &s(&stim),
    ]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let raster = dir.0.join("r.csv");
    let mut child = Command::new(BIN)
        .args([
            "sim",
            "designs/layered.toml",
            "--engine",
            "icarus",
            "--ticks",
            "5000",
        ])
        .args(["--quiet", "--stimulus", &s(&stim), "--out", &s(&raster)])
        .current_dir(root())
        .spawn()
        .unwrap();
    let prefix = format!("spikeforge-build-{}-", child.id());
    let build_dirs = || -> Vec<PathBuf> {
        std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(&prefix)
            })
            .collect()
    };
    // Wait until the build folder exists (Icarus then runs for many seconds).
    let start = std::time::Instant::now();
    while build_dirs().is_empty() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "sim ended before it was interrupted"
        );
        assert!(
            start.elapsed().as_secs() < 120,
            "no temporary build folder appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status:?}");
    assert!(build_dirs().is_empty(), "left behind: {:?}", build_dirs());
    assert!(!raster.exists());
}
