//! The rules of /work/shared/spec/rtl-conventions.md, checked on emitted RTL: every
//! shipped design and a seeded corpus of random designs (single- and multi-tile) pass
//! `verilator --lint-only -Wall` with zero warnings, compile under `iverilog -g2012`
//! (and load their memory images without complaint), synthesise under yosys with no
//! latches and a clean `check -assert`, and map to iCE40 with block RAM where the
//! memories warrant it. `synth_ice40` is the expensive step (a flattened multi-tile
//! top costs a minute or more), so it runs on the shipped designs, a few random ones
//! and the big-memory tile, not on the whole corpus; designs/mesh2x2.toml's runs in
//! tests/synth.rs, through `spikeforge synth`, which keeps the log it checks. Emission is byte-deterministic, odd user names only ever reach
//! the Verilog as predictably mangled identifiers, and snapshots pin the text of two
//! small designs.
//!
//! The HDL tools are required: a missing tool fails the test with an install hint.

mod common;

use std::time::Duration;

use common::{Case, Run};
use spikeforge_pnr::generator::Kind;

/// What the tool runs of one design found.
struct Outcome {
    name: String,
    failures: Vec<String>,
    /// SB_RAM40_4K cells after `synth_ice40`.
    brams: usize,
    /// memory_libmap's choice per memory instance.
    mapping: Vec<(String, &'static str)>,
    mesh: [u32; 2],
    secs: f64,
}

fn tools_present() {
    for t in ["verilator", "iverilog", "vvp", "yosys"] {
        common::require_tool(t);
    }
}

fn describe(case: &Case, run: &Run, what: &str) -> String {
    let mut text = run.text.clone();
    if text.len() > 6000 {
        text = format!("{}\n[...]\n{}", &text[..3000], &text[text.len() - 3000..]);
    }
    format!(
        "{}: {what}\n  design: {}\n  command: {}\n{}",
        case.name, case.recipe, run.cmdline, text
    )
}

/// A tiny bench: reset, let the memories load, run a few hundred cycles.
fn bench(top: &str) -> String {
    format!(
        "`default_nettype none\n\
         module tools_bench;\n  \
           reg clk = 1'b0;\n  \
           reg rst = 1'b1;\n  \
           {top} dut (.clk(clk), .rst(rst), .in_valid(1'b0), .in_channel('0), .out_ready(1'b1), .tick(1'b0));\n  \
           always #1 clk = ~clk;\n  \
           initial begin\n    \
             #20 rst = 1'b0;\n    \
             #600 $finish;\n  \
           end\n\
         endmodule\n\
         `default_nettype wire\n"
    )
}

/// Counts the cells of `cell` in a yosys `stat` report (the top's totals are last).
fn stat_count(stat: &str, cell: &str) -> usize {
    stat.lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            (it.next() == Some(cell))
                .then(|| it.next().and_then(|n| n.parse::<usize>().ok()))
                .flatten()
        })
        .last()
        .unwrap_or(0)
}

/// Yosys warnings, minus those that say nothing about the RTL.
fn yosys_warnings(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.starts_with("Warning:")).collect()
}

/// Above this many memory bits over all tiles, the generic checks run after `proc`.
const BIG_MEMORY_BITS: u64 = 16 * 1024;

/// Bits of all memories of a plan's hardware (the tiles' six and the channel ROM).
fn memory_bits(plan: &spikeforge_pnr::Plan) -> u64 {
    let a = spikeforge_rtl::Arch::of(plan);
    let (nc, ac) = (a.nc() as u64, a.ac() as u64);
    let k = a.key_bits as u64;
    let tile = ac * k
        + ac * nc * a.wb as u64
        + nc * spikeforge_rtl::arch::param_bits(&a) as u64
        + nc * (a.vm as u64 + 8)
        + nc * a.vm as u64
        + nc * k;
    tile * plan.tiles.len() as u64 + (1u64 << a.cb) * (k + 1)
}

/// How `memory_libmap` mapped each memory: (memory, "BRAM" or "FF").
fn memory_mapping(log: &str) -> Vec<(String, &'static str)> {
    log.lines()
        .filter_map(|l| {
            if let Some(m) = l.strip_prefix("mapping memory ") {
                let m = m.split(" via ").next().unwrap_or(m);
                Some((m.to_string(), "BRAM"))
            } else {
                l.strip_prefix("using FF mapping for memory ")
                    .map(|m| (m.to_string(), "FF"))
            }
        })
        .collect()
}

/// Runs every tool on one design (`synth_ice40` only when `ice40`); collects failures
/// instead of stopping at the first.
fn check_tools(case: &Case, ice40: bool) -> Outcome {
    let plan = common::place(&case.circuit);
    let mesh = plan.mesh;
    let emitted = spikeforge_rtl::emit(&plan, common::SHA)
        .unwrap_or_else(|e| panic!("{}: emit failed: {e:?}", case.name));
    let dir = common::temp_dir(&case.name);
    common::write(&emitted, &dir);
    let top = emitted.top.clone();
    let files = common::verilog_files(&emitted);
    let mut failures = Vec::new();
    let mut secs = 0.0;
    let short = Duration::from_secs(120);
    let long = Duration::from_secs(300);

    // files.f: every .v file, once, the top last.
    let mut listed = files.clone();
    listed.sort();
    let mut v: Vec<String> = emitted
        .files
        .iter()
        .map(|(n, _)| n.clone())
        .filter(|n| n.ends_with(".v"))
        .collect();
    v.sort();
    if listed != v || files.last() != Some(&format!("{top}.v")) {
        failures.push(format!(
            "{}: files.f {files:?} should list every Verilog file {v:?} once, the top last",
            case.name
        ));
    }
    let file_args: Vec<&str> = files.iter().map(String::as_str).collect();

    // Verilator: zero warnings under -Wall.
    let mut args = vec!["--lint-only", "-Wall", "--top-module", &top];
    args.extend(&file_args);
    let r = common::run(&dir, "verilator", &args, short);
    secs += r.secs;
    if !r.ok || r.text.contains("%Warning") || r.text.contains("%Error") {
        failures.push(describe(case, &r, "verilator -Wall is not clean"));
    }

    // Icarus: compiles under -g2012, and the memory images load without complaint.
    std::fs::write(dir.join("tools_bench.v"), bench(&top)).unwrap();
    let mut args = vec!["-g2012", "-Wall", "-o", "bench.vvp", "-s", "tools_bench"];
    args.extend(&file_args);
    args.push("tools_bench.v");
    let r = common::run(&dir, "iverilog", &args, short);
    secs += r.secs;
    let warnings: Vec<&str> = r
        .text
        .lines()
        .filter(|l| l.to_lowercase().contains("warning") && !l.contains("tools_bench.v"))
        .collect();
    if !r.ok || !warnings.is_empty() {
        failures.push(describe(
            case,
            &r,
            "iverilog -g2012 does not compile cleanly",
        ));
    } else {
        let r = common::run(&dir, "vvp", &["-n", "bench.vvp"], short);
        secs += r.secs;
        let bad = r.text.lines().any(|l| {
            let l = l.to_lowercase();
            l.contains("warning") || l.contains("error") || l.contains("not enough words")
        });
        if !r.ok || bad {
            failures.push(describe(case, &r, "vvp complains while loading the design"));
        }
    }

    // Yosys, generic: synthesises, `check -assert` passes, no latches. Generic `synth`
    // maps memories to flip-flops, which for tiles of a few hundred neurons means
    // hundreds of thousands of cells and minutes of ABC, and a multi-tile top repeats
    // every tile (each has its own images); there the generic checks run on
    // the netlist after `proc` (where latches and drivers are settled), and
    // `synth_ice40` below does the full synthesis, with `check -assert` after it.
    let read = format!("read_verilog -defer {}", files.join(" "));
    let big = memory_bits(&plan) > BIG_MEMORY_BITS || plan.tiles.len() > 1;
    let flow = if big {
        format!("hierarchy -check -top {top}; proc; flatten; opt_clean")
    } else {
        format!("hierarchy -check -top {top}; synth -top {top}")
    };
    let script = format!(
        "{read}; {flow}; check -assert; \
         select -assert-none t:$dlatch t:$adlatch t:$dlatchsr t:$_DLATCH_* t:$_DLATCHSR_* t:$_SR_*; \
         tee -q -o synth_stat.txt stat"
    );
    let r = common::run(&dir, "yosys", &["-p", &script], long);
    secs += r.secs;
    if !r.ok {
        failures.push(describe(
            case,
            &r,
            "yosys synth / check -assert / no-latch check failed",
        ));
    } else if !yosys_warnings(&r.text).is_empty() {
        failures.push(format!(
            "{}: yosys synth warns\n  design: {}\n{}",
            case.name,
            case.recipe,
            yosys_warnings(&r.text).join("\n")
        ));
    }

    // Yosys, iCE40: maps; count the block RAMs.
    let mut brams = 0;
    let mut mapping = Vec::new();
    if ice40 {
        let script =
            format!("{read}; synth_ice40 -top {top}; check -assert; tee -q -o ice40_stat.txt stat");
        let r = common::run(&dir, "yosys", &["-p", &script], long);
        secs += r.secs;
        if !r.ok {
            failures.push(describe(case, &r, "yosys synth_ice40 failed"));
        } else {
            let stat = std::fs::read_to_string(dir.join("ice40_stat.txt")).unwrap_or_default();
            brams = stat_count(&stat, "SB_RAM40_4K");
            mapping = memory_mapping(&r.text);
            if !yosys_warnings(&r.text).is_empty() {
                failures.push(format!(
                    "{}: yosys synth_ice40 warns\n  design: {}\n{}",
                    case.name,
                    case.recipe,
                    yosys_warnings(&r.text).join("\n")
                ));
            }
        }
    }
    if failures.is_empty() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        failures.push(format!("{}: files kept in {}", case.name, dir.display()));
    }
    Outcome {
        name: case.name.clone(),
        failures,
        brams,
        mapping,
        mesh,
        secs,
    }
}

/// Checks `cases` on two worker threads (the machine has two cores); `ice40(k, case)`
/// says whether case `k` also goes through `synth_ice40`.
fn check_all(cases: &[Case], ice40: impl Fn(usize, &Case) -> bool + Sync) -> Vec<Outcome> {
    tools_present();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(case) = cases.get(k) else { break };
                let o = check_tools(case, ice40(k, case));
                results.lock().unwrap().push((k, o));
            });
        }
    });
    let mut r = results.into_inner().unwrap();
    r.sort_by_key(|(k, _)| *k);
    let r: Vec<Outcome> = r.into_iter().map(|(_, o)| o).collect();
    for o in &r {
        eprintln!(
            "{:<28} mesh {}x{}  SB_RAM40_4K {:>4}  tools {:>6.1}s  {}",
            o.name,
            o.mesh[0],
            o.mesh[1],
            o.brams,
            o.secs,
            if o.failures.is_empty() {
                "ok"
            } else {
                "FAILED"
            }
        );
    }
    r
}

fn assert_clean(outcomes: &[Outcome]) {
    let failures: Vec<&String> = outcomes.iter().flat_map(|o| &o.failures).collect();
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

#[test]
fn shipped_designs_pass_the_tools() {
    let cases = common::shipped();
    // designs/mesh2x2.toml goes through synth_ice40 (and check -assert, and a
    // warning-free log) in tests/synth.rs.
    let outcomes = check_all(&cases, |_, c| c.name != "mesh2x2");
    assert_clean(&outcomes);
    // designs/layered.toml has memories big enough for block RAM.
    let layered = outcomes
        .iter()
        .find(|o| o.name == "layered")
        .expect("designs/layered.toml is shipped");
    let problems = bram_problems(layered);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Small random DSL designs (one tile) and small generator designs.
fn random_cases() -> Vec<Case> {
    let mut cases: Vec<Case> = (1..=10).map(|s| common::random_case(s, 40, None)).collect();
    cases.push(common::generated_case(Kind::FfWide, 24, 1, None));
    cases.push(common::generated_case(Kind::FfDeep, 30, 2, None));
    cases.push(common::generated_case(Kind::Recurrent, 30, 3, None));
    cases.push(common::generated_case(Kind::Random, 40, 4, None));
    cases.push(common::generated_case(Kind::Conv, 36, 5, None));
    cases
}

/// Designs on small tiles, so they span meshes such as 2x2 and 3x3 (kept small: the
/// top is flattened by synth_ice40, so its cost grows with the tile count).
fn multi_tile_cases() -> Vec<Case> {
    vec![
        common::random_case(11, 12, Some((4, 128))),
        common::random_case(13, 8, Some((2, 128))),
        common::generated_case(Kind::Recurrent, 16, 6, Some((4, 64))),
        common::generated_case(Kind::FfWide, 18, 7, Some((2, 64))),
    ]
}

#[test]
fn random_designs_pass_the_tools() {
    let cases = random_cases();
    // synth_ice40 on a third of them: single-tile designs differ little to it.
    let outcomes = check_all(&cases, |k, _| k % 5 == 0);
    assert_clean(&outcomes);
}

#[test]
fn multi_tile_designs_pass_the_tools() {
    let cases = multi_tile_cases();
    // synth_ice40 flattens the whole mesh: one multi-tile design is enough for it.
    let outcomes = check_all(&cases, |k, _| k == 0);
    let tiles: Vec<u32> = outcomes.iter().map(|o| o.mesh[0] * o.mesh[1]).collect();
    assert!(
        tiles.iter().any(|&t| t >= 4) && tiles.iter().any(|&t| t >= 9),
        "the multi-tile corpus should span 2x2 and 3x3 meshes: {:?}",
        outcomes.iter().map(|o| o.mesh).collect::<Vec<_>>()
    );
    assert_clean(&outcomes);
}

/// A random design with a few hundred neurons on one tile: every big memory of the tile
/// should become block RAM. (Few axon rows keep the weight memory, and the synthesis
/// time, small; the neuron-indexed memories are what this design is about.)
fn big_random_case(seed: u64) -> Case {
    use spikeforge_ir::{Design, Hardware, Lif, Reset};
    let mut g = common::Prng::new(seed);
    let hw = Hardware {
        membrane_bits: g.range(12, 20),
        weight_bits: g.range(4, 8),
        ..Hardware::default()
    };
    let (chans, neurons) = (g.range(4, 12), g.range(180, 250));
    let lim = 1i64 << (hw.weight_bits - 1);
    let weights: Vec<Vec<i64>> = (0..chans)
        .map(|_| {
            (0..neurons)
                .map(|_| {
                    if g.chance(30) {
                        g.range(-lim, lim - 1)
                    } else {
                        0
                    }
                })
                .collect()
        })
        .collect();
    let mut d = Design::with_hardware(format!("big{seed}"), hw);
    let i = d.input("in", chans);
    let p = d.population(
        "wide",
        neurons,
        Lif::new(40)
            .leak_shift(3)
            .refractory(2)
            .reset(Reset::Subtract),
    );
    d.crossbar(i, p, weights);
    d.output(p);
    let circuit = d.finish().expect("big random design is valid");
    Case {
        name: format!("big{seed}"),
        recipe: format!("big_random_case({seed}): {chans} channels -> {neurons} neurons, {hw:?}"),
        circuit,
    }
}

/// Block RAM where the memories warrant it: at least one SB_RAM40_4K, and none of the
/// writable memories (nor the weights, the biggest ROM) left in logic.
fn bram_problems(o: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    let ff: Vec<&str> = o
        .mapping
        .iter()
        .filter(|(_, how)| *how == "FF")
        .map(|(m, _)| m.as_str())
        .collect();
    eprintln!(
        "{}: {} SB_RAM40_4K; memories kept in logic: {ff:?}",
        o.name, o.brams
    );
    if o.brams == 0 {
        problems.push(format!("{}: no SB_RAM40_4K after synth_ice40", o.name));
    }
    for m in &ff {
        if ["weights_mem", "state_mem", "acc_mem", "spikes_mem"]
            .iter()
            .any(|n| m.ends_with(n))
        {
            problems.push(format!("{}: `{m}` mapped to flip-flops", o.name));
        }
    }
    problems
}

#[test]
fn block_ram_holds_the_memories_of_a_big_random_tile() {
    let cases = vec![big_random_case(1)];
    let outcomes = check_all(&cases, |_, _| true);
    assert_clean(&outcomes);
    let problems: Vec<String> = outcomes.iter().flat_map(bram_problems).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------
// The shape of the text (checked in-process on every design of the corpus).

/// Problems with the text of one emission under the "Shape of the text" rules.
fn text_problems(name: &str, e: &spikeforge_rtl::Emitted) -> Vec<String> {
    let mut p = Vec::new();
    let generator = format!(
        "// Generated by spikeforge {} -- do not edit.",
        env!("CARGO_PKG_VERSION")
    );
    let file_names: Vec<&str> = e.files.iter().map(|(n, _)| n.as_str()).collect();
    for (file, text) in &e.files {
        // No absolute paths, user names or timestamps anywhere.
        for bad in [
            "/tmp",
            "/home",
            "/work",
            "/root",
            "/Users",
            ":\\",
            env!("CARGO_MANIFEST_DIR"),
        ] {
            if text.contains(bad) {
                p.push(format!("{name}/{file}: contains `{bad}`"));
            }
        }
        if has_timestamp(text) {
            p.push(format!(
                "{name}/{file}: contains something like a date or time"
            ));
        }
        if !file.ends_with(".v") {
            continue;
        }
        let lines: Vec<&str> = text.lines().collect();
        if lines.first() != Some(&generator.as_str()) {
            p.push(format!("{name}/{file}: first line is not `{generator}`"));
        }
        let header: Vec<&str> = lines
            .iter()
            .take_while(|l| l.starts_with("//"))
            .copied()
            .collect();
        if !header.iter().any(|l| l.contains(common::SHA)) {
            p.push(format!(
                "{name}/{file}: header does not name the input sha256"
            ));
        }
        if lines.get(header.len()) != Some(&"`default_nettype none") {
            p.push(format!(
                "{name}/{file}: `default_nettype none does not follow the header"
            ));
        }
        if !text.ends_with("`default_nettype wire\n") {
            p.push(format!(
                "{name}/{file}: does not end with `default_nettype wire"
            ));
        }
        let (code, strings) = common::strip(text);
        let ids = common::identifiers(&code);
        let modules: Vec<usize> = (0..ids.len()).filter(|&k| ids[k] == "module").collect();
        let stem = file.trim_end_matches(".v");
        if modules.len() != 1 || ids.get(modules[0] + 1).map(String::as_str) != Some(stem) {
            p.push(format!(
                "{name}/{file}: should hold exactly one module, named `{stem}`"
            ));
        }
        for (k, id) in ids.iter().enumerate() {
            if id == "initial" && ids.get(k + 1).map(String::as_str) != Some("$readmemh") {
                p.push(format!(
                    "{name}/{file}: an `initial` block that is not $readmemh"
                ));
            }
            if id.contains('$') && !["$readmemh", "$signed", "$unsigned"].contains(&id.as_str()) {
                p.push(format!(
                    "{name}/{file}: `{id}` (a `$` outside the allowed system calls)"
                ));
            }
            if id.starts_with('`') && id != "`default_nettype" {
                p.push(format!("{name}/{file}: compiler directive `{id}`"));
            }
        }
        if code.contains('\\') {
            p.push(format!(
                "{name}/{file}: a backslash (escaped identifier?) in code"
            ));
        }
        for s in &strings {
            let plain = !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
            if !plain || !file_names.contains(&s.as_str()) {
                p.push(format!(
                    "{name}/{file}: string \"{s}\" is not the name of an emitted file"
                ));
            }
        }
        for lit in unsized_literals(&code) {
            p.push(format!("{name}/{file}: unsized literal in `{lit}`"));
        }
    }
    // Memory images hold exactly the words the memories have (manifest.json).
    let manifest: serde_json::Value =
        serde_json::from_str(e.file("manifest.json").expect("manifest.json")).unwrap();
    for tile in manifest["tiles"].as_array().expect("tiles") {
        for m in tile["memories"].as_array().expect("memories") {
            let Some(f) = m["file"].as_str() else {
                continue;
            };
            let words = m["words"].as_u64().unwrap() as usize;
            let width = m["width"].as_u64().unwrap() as usize;
            let Some(img) = e.file(f) else {
                p.push(format!("{name}: memory image {f} is not emitted"));
                continue;
            };
            let data: Vec<&str> = img
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with("//"))
                .collect();
            if data.len() != words || data.iter().any(|w| w.len() != width.div_ceil(4)) {
                p.push(format!(
                    "{name}/{f}: {} words, want {words} words of {width} bits",
                    data.len()
                ));
            }
        }
    }
    p
}

/// Something like `2024-05-01` or `12:34:56`.
fn has_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    let d = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    (0..b.len()).any(|i| {
        (d(i)
            && d(i + 1)
            && d(i + 2)
            && d(i + 3)
            && b.get(i + 4) == Some(&b'-')
            && d(i + 5)
            && d(i + 6)
            && b.get(i + 7) == Some(&b'-')
            && d(i + 8)
            && d(i + 9))
            || (d(i)
                && d(i + 1)
                && b.get(i + 2) == Some(&b':')
                && d(i + 3)
                && d(i + 4)
                && b.get(i + 5) == Some(&b':')
                && d(i + 6)
                && d(i + 7))
    })
}

/// Bare (unsized) numbers outside range bounds (`[7:0]`, `x[15:8]`) and replication
/// counts (`{2{`), and based literals without a size (`'h5`).
fn unsized_literals(code: &str) -> Vec<String> {
    let c: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let ctx = |i: usize| -> String {
        let lo = i.saturating_sub(25);
        let hi = (i + 25).min(c.len());
        c[lo..hi].iter().collect::<String>().replace('\n', " ")
    };
    let prev = |i: usize| c[..i].iter().rev().find(|x| !x.is_whitespace()).copied();
    let next = |i: usize| c[i..].iter().find(|x| !x.is_whitespace()).copied();
    let ident = |x: char| x.is_ascii_alphanumeric() || x == '_' || x == '$';
    let mut i = 0;
    while i < c.len() {
        if c[i] == '\'' {
            out.push(ctx(i)); // a based literal whose size was not seen before it
            i += 1;
            continue;
        }
        if c[i].is_ascii_digit() && (i == 0 || !ident(c[i - 1])) {
            let start = i;
            while i < c.len() && (c[i].is_ascii_digit() || c[i] == '_') {
                i += 1;
            }
            if c.get(i) == Some(&'\'') {
                // Sized: skip `'`, an optional `s`, the base and the digits.
                i += 1;
                while i < c.len() && (c[i].is_ascii_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
                continue;
            }
            let (p, n) = (prev(start), next(i));
            let range = p == Some(':') || n == Some(':');
            let repeat = p == Some('{') && n == Some('{');
            if !range && !repeat {
                out.push(ctx(start));
            }
            continue;
        }
        if ident(c[i]) {
            while i < c.len() && ident(c[i]) {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    out
}

fn corpus() -> Vec<Case> {
    let mut cases = common::shipped();
    cases.extend(random_cases());
    cases.extend(multi_tile_cases());
    cases.push(big_random_case(1));
    cases
}

#[test]
fn emitted_text_follows_the_conventions() {
    let mut problems = Vec::new();
    for case in corpus() {
        let e = common::emit(&case.circuit);
        problems.extend(text_problems(&case.name, &e));
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_text_checks_can_fail() {
    let e = common::emit(&common::load("designs/case1_integrate.toml"));
    assert!(text_problems("case1", &e).is_empty());
    let spoil = |f: &dyn Fn(&str) -> String| {
        let mut bad = e.clone();
        for (n, t) in bad.files.iter_mut() {
            if n.ends_with("_tile.v") {
                *t = f(t);
            }
        }
        text_problems("spoilt", &bad)
    };
    let cases: Vec<(&str, Box<dyn Fn(&str) -> String>)> = vec![
        ("unsized", Box::new(|t| t.replacen("1'b0", "0", 1))),
        ("unsized based", Box::new(|t| t.replacen("1'b0", "'b0", 1))),
        (
            "dollar",
            Box::new(|t| t.replacen("clear_cnt", "clear$cnt", 1)),
        ),
        (
            "initial",
            Box::new(|t| t.replacen("always @(posedge clk)", "initial", 1)),
        ),
        (
            "nettype",
            Box::new(|t| t.replacen("`default_nettype none", "", 1)),
        ),
        (
            "path",
            Box::new(|t| t.replacen("-- do not edit.", "-- /home/x", 1)),
        ),
        (
            "time",
            Box::new(|t| t.replacen("-- do not edit.", "at 2024-01-02", 1)),
        ),
        (
            "two modules",
            Box::new(|t| format!("{t}module x; endmodule\n")),
        ),
    ];
    for (what, f) in cases {
        assert!(
            !spoil(&*f).is_empty(),
            "the `{what}` spoiling was not caught"
        );
    }
}

// ---------------------------------------------------------------------------------
// Determinism.

#[test]
fn emission_is_deterministic() {
    for case in corpus() {
        let p1 = common::place(&case.circuit);
        let p2 = common::place(&case.circuit);
        assert_eq!(p1.to_json(), p2.to_json(), "{}: plans differ", case.name);
        let a = spikeforge_rtl::emit(&p1, common::SHA).unwrap();
        let b = spikeforge_rtl::emit(&p1, common::SHA).unwrap();
        let c = spikeforge_rtl::emit(&p2, common::SHA).unwrap();
        for other in [&b, &c] {
            assert_eq!(a.top, other.top, "{}", case.name);
            assert_eq!(
                a.files.iter().map(|f| &f.0).collect::<Vec<_>>(),
                other.files.iter().map(|f| &f.0).collect::<Vec<_>>(),
                "{}: file lists differ",
                case.name
            );
            for ((n, x), (_, y)) in a.files.iter().zip(&other.files) {
                assert!(x == y, "{}: {n} differs between two emissions", case.name);
            }
        }
        // The digest is the only input-dependent text besides the design.
        let d = spikeforge_rtl::emit(&p1, "feedface").unwrap();
        assert_ne!(a, d, "{}: the input digest is not in the output", case.name);
    }
}

// ---------------------------------------------------------------------------------
// Names.

/// A one-input, one-population design whose design, input and population names are
/// user text.
fn named(design: &str, input: &str, pop: &str) -> spikeforge_ir::Circuit {
    use spikeforge_ir::{Design, Lif};
    let mut d = Design::new(design);
    let i = d.input(input, 2);
    let p = d.population(pop, 3, Lif::new(7).leak_shift(1));
    let x = d.crossbar(i, p, [[3, 0, -2], [1, 5, 0]]);
    d.set_crossbar_name(x, "x");
    d.output(p);
    d.finish()
        .unwrap_or_else(|e| panic!("names {design:?}/{input:?}/{pop:?}: {e:?}"))
}

#[test]
fn odd_names_reach_the_verilog_only_mangled() {
    common::require_tool("verilator");
    // (design name, input name, population name, expected top module)
    let cases = [
        ("module", "wire", "begin", "module_top"),
        ("wire", "module", "end", "wire_top"),
        ("begin", "input", "output", "begin_top"),
        ("my-net", "a.b", "Ω", "my_2d_net_top"),
        ("a.b", "my-net", "x.y", "a_2e_b_top"),
        ("Ω", "π", "é", "_3a9_top"),
        ("*/", "/*", "*/", "_2a__2f_top"),
        ("\\", "\\n", "a\\", "_5c_top"),
        ("`", "`define", "`include", "_60_top"),
        ("$display", "$finish", "$stop", "_24_display_top"),
        ("//", "//x", "/*y", "_2f__2f_top"),
        (
            "evil);endmodule//",
            "x);endmodule",
            "end;module",
            "evil_29__3b_endmodule_2f__2f_top",
        ),
        ("end;module", "`timescale", "1st", "end_3b_module_top"),
        ("design", "tile", "router", "design_top"),
        ("_", "clk", "rst", "design_top"),
        ("9lives", "in", "p", "n_9lives_top"),
    ];
    let reference = common::emit(&named("ref", "in", "p"));
    let ref_code = |file: &str| common::strip(reference.file(file).unwrap()).0;
    let mut problems = Vec::new();
    for (design, input, pop, want_top) in cases {
        let names = spikeforge_rtl::module_names(design);
        let base = want_top.trim_end_matches("_top");
        assert_eq!(names.top.to_string(), want_top, "{design:?}");
        assert_eq!(names.tile.to_string(), format!("{base}_tile"), "{design:?}");
        assert_eq!(
            names.router.to_string(),
            format!("{base}_router"),
            "{design:?}"
        );
        let e = common::emit(&named(design, input, pop));
        assert_eq!(e.top, want_top, "{design:?}");
        problems.extend(text_problems(design, &e));
        let files = common::verilog_files(&e);
        assert_eq!(
            files,
            [
                format!("{base}_tile.v"),
                format!("{base}_router.v"),
                format!("{base}_top.v")
            ],
            "{design:?}"
        );
        // Outside comments the text is the reference design's, with only the module
        // names changed: no user text reaches the code except as mangled identifiers.
        for (kind, f) in ["tile", "router", "top"].iter().zip(&files) {
            let code = common::strip(e.file(f).unwrap()).0;
            let want = ref_code(&format!("ref_{kind}.v"))
                .replace("ref_tile", &format!("{base}_tile"))
                .replace("ref_router", &format!("{base}_router"))
                .replace("ref_top", &format!("{base}_top"));
            if code != want {
                problems.push(format!(
                    "{design:?}/{input:?}/{pop:?}: {f} differs from the reference outside comments"
                ));
            }
            for user in [design, input, pop] {
                let legal = user.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !legal && code.replace("`default_nettype", "").contains(user) {
                    problems.push(format!("{design:?}: user text {user:?} in the code of {f}"));
                }
            }
        }
        // Verilator accepts it.
        let dir = common::temp_dir(base);
        common::write(&e, &dir);
        let mut args = vec!["--lint-only", "-Wall", "--top-module", want_top];
        args.extend(files.iter().map(String::as_str));
        let r = common::run(&dir, "verilator", &args, Duration::from_secs(60));
        if !r.ok || r.text.contains("%Warning") || r.text.contains("%Error") {
            problems.push(format!("{design:?}: verilator\n{}", r.text));
        } else {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------
// Snapshots: every change to the emitted text of two small designs shows in review.

#[test]
fn snapshot_case1_integrate() {
    let e = common::emit(&common::load("designs/case1_integrate.toml"));
    insta::assert_snapshot!("case1_integrate", e.snapshot());
}

#[test]
fn snapshot_case7_delay() {
    let e = common::emit(&common::load("designs/case7_delay.toml"));
    insta::assert_snapshot!("case7_delay", e.snapshot());
}
