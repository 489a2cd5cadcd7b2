//! `spikeforge bench`: measures the cycle simulator against Verilator, the functional
//! model against Brian2 and the compile flow at growing sizes (the `spikeforge-bench`
//! crate), prints a table or JSON, writes the JSON, and regenerates
//! docs/benchmarks.md from a JSON file with `--report`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use spikeforge_bench::{report, Options, Results};

/// Flags of `bench`.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// Fewer, smaller points (under two minutes once builds are cached).
    #[arg(long)]
    pub quick: bool,
    /// Print the results as JSON (progress goes to stderr).
    #[arg(long)]
    pub json: bool,
    /// Also write the JSON to this file.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Measure nothing: regenerate docs/benchmarks.md and its plots from this JSON.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// The folder --report writes into.
    #[arg(long, default_value = "docs")]
    pub docs: PathBuf,
    /// Python with Brian2 [default: $SPIKEFORGE_PYTHON, else python3].
    #[arg(long)]
    pub python: Option<PathBuf>,
    /// The design of the cycle simulator comparison.
    #[arg(long, default_value = "designs/layered.toml")]
    pub design: PathBuf,
}

/// Writes `text` to `path` atomically (see [`crate::cmd_sim::write_file_atomically`]),
/// creating its folder.
fn write_file(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    crate::cmd_sim::write_file_atomically(path, text)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Regenerates the report files in `docs` from the JSON at `json`.
fn regenerate(json: &Path, docs: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(json)
        .map_err(|e| format!("cannot read {}: {e}", json.display()))?;
    let results: Results = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}: not a `spikeforge bench --json` result: {e}",
            json.display()
        )
    })?;
    let files = report::render(&results, &json.display().to_string());
    // Plots first, the page that links them last.
    for (name, body) in files.iter().rev() {
        write_file(&docs.join(name), body)?;
    }
    for (name, _) in &files {
        println!("wrote {}", docs.join(name).display());
    }
    Ok(())
}

pub fn run(a: &BenchArgs) -> bool {
    match run_inner(a) {
        Ok(ok) => ok,
        Err(e) => {
            eprintln!("error: {e}");
            false
        }
    }
}

fn run_inner(a: &BenchArgs) -> Result<bool, String> {
    if let Some(json) = &a.report {
        regenerate(json, &a.docs)?;
        return Ok(true);
    }
    if !a.design.is_file() {
        return Err(format!(
            "{}: no such design (run from the repository's root, or pass --design)",
            a.design.display()
        ));
    }
    let python = a
        .python
        .clone()
        .or_else(|| std::env::var_os("SPIKEFORGE_PYTHON").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("python3"));
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let cache = spikeforge_sim::hdl::verilator_cache_root()
        .parent()
        .map_or_else(std::env::temp_dir, Path::to_path_buf);
    let opts = Options {
        quick: a.quick,
        design: a.design.clone(),
        python,
        exe,
        cache,
    };
    let json = a.json;
    let mut log = |line: &str| {
        if json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    };
    let results = spikeforge_bench::run(&opts, &mut log)?;
    let text = serde_json::to_string_pretty(&results).expect("results serialise") + "\n";
    if let Some(out) = &a.out {
        write_file(out, &text)?;
    }
    if json {
        let _ = std::io::stdout().write_all(text.as_bytes());
    } else {
        println!(
            "cycle simulator vs Verilator at 5%: {:.1}x; functional model vs Brian2: {:.1}x (smaller of the workloads); functional model on (b): {:.2} G synaptic events/s ({:.2} G per CPU second)",
            results.cycle_vs_verilator_speedup,
            results.functional_vs_brian2_speedup,
            results.functional_events_per_s_b / 1e9,
            results.functional_cpu_events_per_s_b / 1e9
        );
        for c in &results.cached {
            println!("cached: {c}");
        }
        println!("total {:.0} s", results.total_s);
    }
    if !results.checks_passed {
        eprintln!("error: a comparison's results differ (see the `same` columns)");
        return Ok(false);
    }
    Ok(true)
}

/// The hidden child of the compile-flow section: measures one size, prints its JSON.
pub fn compile_child(neurons: usize) -> bool {
    match spikeforge_bench::compile::measure(neurons) {
        Ok(p) => {
            println!("{}", serde_json::to_string(&p).expect("serialises"));
            true
        }
        Err(e) => {
            eprintln!("error: {e}");
            false
        }
    }
}
