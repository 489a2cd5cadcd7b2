//! Shared helpers of the RTL tool tests: the design corpus (shipped, random DSL,
//! generator, multi-tile), emission into a temp dir, running the HDL tools, and a
//! comment/string stripper for looking at the Verilog code itself.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use spikeforge_ir::{Circuit, Design, Hardware, Lif, PopulationRef, Reset, SourceRef};
use spikeforge_pnr::generator::{self, Kind, Spec};
use spikeforge_pnr::Plan;

/// The fixed input digest written in every header by these tests.
pub const SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One design of the corpus.
pub struct Case {
    pub name: String,
    /// How the design was made, for failure messages (enough to rebuild it).
    pub recipe: String,
    pub circuit: Circuit,
}

pub fn place(c: &Circuit) -> Plan {
    spikeforge_pnr::place_and_route(c, &Default::default())
        .unwrap_or_else(|e| panic!("`{}` does not place: {e:?}", c.name()))
        .plan
}

pub fn emit(c: &Circuit) -> spikeforge_rtl::Emitted {
    spikeforge_rtl::emit(&place(c), SHA)
        .unwrap_or_else(|e| panic!("`{}` does not emit: {e:?}", c.name()))
}

/// Every `designs/*.toml`, sorted by file name.
pub fn shipped() -> Vec<Case> {
    let mut paths: Vec<_> = std::fs::read_dir(root().join("designs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 8, "designs/ should hold the shipped designs");
    paths
        .into_iter()
        .map(|p| {
            let circuit = spikeforge_frontend::load_design(&p)
                .result
                .unwrap_or_else(|e| panic!("{}: {e:?}", p.display()));
            Case {
                name: p.file_stem().unwrap().to_string_lossy().into_owned(),
                recipe: format!("designs/{}", p.file_name().unwrap().to_string_lossy()),
                circuit,
            }
        })
        .collect()
}

pub fn load(rel: &str) -> Circuit {
    let p = root().join(rel);
    spikeforge_frontend::load_design(&p)
        .result
        .unwrap_or_else(|e| panic!("{rel}: {e:?}"))
}

/// splitmix64: a tiny seeded generator owned by the test, so the corpus never changes
/// under it.
pub struct Prng(u64);

impl Prng {
    pub fn new(seed: u64) -> Self {
        Prng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }
    pub fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
}

/// Parameters of a random DSL design (kept so a failure can be reproduced by hand).
#[derive(Clone, Debug)]
pub struct RandomParams {
    pub seed: u64,
    pub hardware: Hardware,
    pub inputs: Vec<i64>,
    /// (neurons, membrane_bits, threshold, leak_shift, reset_subtract, refractory)
    pub pops: Vec<(i64, i64, i64, i64, bool, i64)>,
    /// (from: input k or population k, to population, weight_bits, density %)
    pub crossbars: Vec<(SrcIdx, usize, i64, u64)>,
    pub outputs: Vec<usize>,
}

#[derive(Clone, Copy, Debug)]
pub enum SrcIdx {
    Input(usize),
    Pop(usize),
}

/// Draws the parameters of random design `seed`. `tile` forces a small
/// `tile_neurons`/`tile_axons` (a multi-tile mesh); `max_neurons` bounds each population.
pub fn random_params(seed: u64, max_neurons: i64, tile: Option<(i64, i64)>) -> RandomParams {
    let mut g = Prng::new(seed.wrapping_mul(0x1234_5678_9abc_def1) ^ 0x5eed);
    let mut hardware = Hardware {
        membrane_bits: g.range(8, 24),
        weight_bits: g.range(2, 8),
        ..Hardware::default()
    };
    if let Some((n, a)) = tile {
        hardware.tile_neurons = n;
        hardware.tile_axons = a;
    }
    let inputs: Vec<i64> = (0..g.range(1, 3)).map(|_| g.range(1, 12)).collect();
    let npops = g.range(1, 3) as usize;
    let pops: Vec<_> = (0..npops)
        .map(|_| {
            let v = g.range(8, 24);
            let max = (1i64 << (v - 1)) - 1;
            let threshold = g.range(1, max.min(200));
            let leak = if g.chance(40) { 0 } else { g.range(1, v - 1) };
            let sub = g.chance(50);
            let refractory = match g.range(0, 3) {
                0 => 0,
                1 => 1,
                2 => g.range(2, 20),
                _ => 255,
            };
            (g.range(1, max_neurons), v, threshold, leak, sub, refractory)
        })
        .collect();
    let mut crossbars = Vec::new();
    let mut draws = Vec::new();
    // Every input drives some population; every population is driven.
    for k in 0..inputs.len() {
        draws.push((SrcIdx::Input(k), k % npops));
    }
    for p in 0..npops {
        if p > 0 {
            draws.push((SrcIdx::Pop(p - 1), p));
        }
    }
    let mut g2 = Prng::new(seed ^ 0xc0ffee);
    for p in 0..npops {
        // Recurrence: self loops and back edges.
        if g2.chance(60) {
            draws.push((SrcIdx::Pop(p), p));
        }
        if p > 0 && g2.chance(40) {
            draws.push((SrcIdx::Pop(p), g2.range(0, p as i64 - 1) as usize));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for (s, t) in draws {
        let key = (format!("{s:?}"), t);
        if seen.insert(key) {
            crossbars.push((s, t, g2.range(2, 8), g2.range(10, 90) as u64));
        }
    }
    // The last population is an output; others sometimes.
    let mut outputs = vec![npops - 1];
    for p in 0..npops - 1 {
        if g2.chance(50) {
            outputs.push(p);
        }
    }
    // A population that drives nothing must be an output.
    for p in 0..npops {
        let drives = crossbars
            .iter()
            .any(|(s, _, _, _)| matches!(s, SrcIdx::Pop(q) if *q == p));
        if !drives && !outputs.contains(&p) {
            outputs.push(p);
        }
    }
    outputs.sort();
    RandomParams {
        seed,
        hardware,
        inputs,
        pops,
        crossbars,
        outputs,
    }
}

/// Builds a random design with the DSL.
pub fn random_design(name: &str, rp: &RandomParams) -> Circuit {
    let mut d = Design::with_hardware(name, rp.hardware);
    let ins: Vec<_> = rp
        .inputs
        .iter()
        .enumerate()
        .map(|(k, &c)| d.input(format!("in{k}"), c))
        .collect();
    let ps: Vec<PopulationRef> = rp
        .pops
        .iter()
        .enumerate()
        .map(|(k, &(n, v, thr, leak, sub, refr))| {
            let lif = Lif::new(thr)
                .leak_shift(leak)
                .reset(if sub { Reset::Subtract } else { Reset::Zero })
                .refractory(refr);
            let p = d.population(format!("p{k}"), n, lif);
            d.set_membrane_bits(p, v);
            p
        })
        .collect();
    let mut g = Prng::new(rp.seed ^ 0xabcdef);
    for (k, &(s, t, wb, density)) in rp.crossbars.iter().enumerate() {
        let (src, rows) = match s {
            SrcIdx::Input(i) => (SourceRef::Input(ins[i]), rp.inputs[i]),
            SrcIdx::Pop(p) => (SourceRef::Population(ps[p]), rp.pops[p].0),
        };
        let cols = rp.pops[t].0;
        let lim = 1i64 << (wb - 1);
        let mut w = vec![vec![0i64; cols as usize]; rows as usize];
        for row in w.iter_mut() {
            for x in row.iter_mut() {
                if g.chance(density) {
                    *x = g.range(-lim, lim - 1);
                }
            }
        }
        // At least one non-zero weight somewhere, the most negative value included.
        w[0][0] = -lim;
        let x = d.crossbar(src, ps[t], w);
        d.set_weight_bits(x, wb);
        d.set_crossbar_name(x, format!("x{k}"));
    }
    for &o in &rp.outputs {
        d.output(ps[o]);
    }
    d.finish()
        .unwrap_or_else(|e| panic!("random design {name} {rp:?} is invalid: {e:?}"))
}

pub fn random_case(seed: u64, max_neurons: i64, tile: Option<(i64, i64)>) -> Case {
    let rp = random_params(seed, max_neurons, tile);
    let name = format!("rand{seed}");
    let circuit = random_design(&name, &rp);
    Case {
        name,
        recipe: format!("common::random_params({seed}, {max_neurons}, {tile:?}) = {rp:?}"),
        circuit,
    }
}

pub fn generated_case(kind: Kind, neurons: usize, seed: u64, tile: Option<(i64, i64)>) -> Case {
    let mut spec = Spec::new(kind, neurons, seed);
    spec.fanout = 4;
    if let Some((n, a)) = tile {
        spec.hardware.tile_neurons = n;
        spec.hardware.tile_axons = a;
    }
    let circuit = generator::generate(&spec)
        .unwrap_or_else(|e| panic!("generator {kind:?} {neurons} {seed}: {e:?}"));
    Case {
        name: format!("gen_{}_{neurons}_{seed}", kind.as_str().replace('-', "_")),
        recipe: format!(
            "generator::Spec {{ kind: {kind:?}, neurons: {neurons}, seed: {seed}, fanout: 4, tile: {tile:?} }}"
        ),
        circuit,
    }
}

/// A fresh, empty temp dir for one design.
pub fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "spikeforge-tools-{}-{}-{tag}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn write(emitted: &spikeforge_rtl::Emitted, dir: &Path) {
    for (name, text) in &emitted.files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// The Verilog files of `files.f`, in its order.
pub fn verilog_files(emitted: &spikeforge_rtl::Emitted) -> Vec<String> {
    emitted
        .file("files.f")
        .expect("files.f is emitted")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// Fails loudly (never skips) if an HDL tool is missing.
pub fn require_tool(tool: &str) {
    let ok = Command::new(tool)
        .arg(if tool == "iverilog" {
            "-V"
        } else {
            "--version"
        })
        .output()
        .is_ok();
    assert!(
        ok,
        "`{tool}` is not installed; the RTL tests need it. Install the HDL tools with \
         `scripts/test.sh` (or `sudo apt-get install verilator iverilog yosys nextpnr-ice40 \
         fpga-icestorm`)"
    );
}

/// Output of one tool run: exit success and stdout+stderr.
pub struct Run {
    pub ok: bool,
    pub text: String,
    pub cmdline: String,
    pub secs: f64,
}

/// Runs `prog args` in `dir`, killing it after `timeout`.
pub fn run(dir: &Path, prog: &str, args: &[&str], timeout: Duration) -> Run {
    static N: AtomicUsize = AtomicUsize::new(0);
    let log = dir.join(format!("tool-{}.log", N.fetch_add(1, Ordering::Relaxed)));
    let file = std::fs::File::create(&log).unwrap();
    let mut child = Command::new(prog)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `{prog}` ({e}); install it with scripts/test.sh"));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut text = String::from_utf8_lossy(&std::fs::read(&log).unwrap()).into_owned();
    if status.is_none() {
        text.push_str(&format!("\n[killed after {timeout:?}]\n"));
    }
    Run {
        ok: status.is_some_and(|s| s.success()),
        text,
        cmdline: format!("{prog} {}", args.join(" ")),
        secs: start.elapsed().as_secs_f64(),
    }
}

/// Verilog text with comments removed and every string literal replaced by `""`;
/// returns the code and the string literals.
pub fn strip(text: &str) -> (String, Vec<String>) {
    let b: Vec<char> = text.chars().collect();
    let (mut out, mut strings) = (String::new(), Vec::new());
    let mut i = 0;
    while i < b.len() {
        if b[i] == '/' && b.get(i + 1) == Some(&'/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if b[i] == '/' && b.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == '*' && b[i + 1] == '/') {
                i += 1;
            }
            i += 2;
            out.push(' ');
        } else if b[i] == '"' {
            let mut s = String::new();
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    s.push(b[i]);
                    i += 1;
                }
                s.push(b[i]);
                i += 1;
            }
            i += 1;
            strings.push(s);
            out.push_str("\"\"");
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    (out, strings)
}

/// Identifier-like tokens of stripped code (with a leading `$` or `` ` `` kept).
pub fn identifiers(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_tick = false; // inside a based literal such as 8'hff
    for c in code.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '$' || (c == '`' && cur.is_empty()) {
            cur.push(c);
        } else {
            if !cur.is_empty() && !prev_tick {
                out.push(std::mem::take(&mut cur));
            }
            cur.clear();
            prev_tick = c == '\'';
        }
    }
    if !cur.is_empty() && !prev_tick {
        out.push(cur);
    }
    out.retain(|t| !t.starts_with(|c: char| c.is_ascii_digit()));
    out
}
