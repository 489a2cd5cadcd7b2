//! `spikeforge run [design]`: the main job. Builds a design's hardware (Verilog, plan,
//! mesh picture), then classifies its `[workload]` image by image on the cycle-accurate
//! simulator, checks every image against the functional model, and reports accuracy,
//! cycles, latency, spikes, synaptic operations and mesh traffic. Without a design it
//! runs the bundled digit classifier (designs/digits.toml).
//!
//! Everything it writes goes into one folder at the end, atomically: the build, the
//! waveform of image 0, `results.csv` (one line per image) and `run.json`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;
use spikeforge_frontend::{require_workload, Workload};
use spikeforge_ir::{Circuit, Diagnostics, Source};
use spikeforge_pnr::plan::GroupSource;
use spikeforge_pnr::{report as pnr_report, Options, Plan};
use spikeforge_sim::classify::{classify, run_functional_activity, Activity};
use spikeforge_sim::{cycle, Raster};

use crate::build::write_atomically;
use crate::cmd_sim::{load_stimulus, progress, vcd_of};
use crate::cmd_verify::raster_divergence;
use crate::report;

/// The design `spikeforge run` uses when given none.
pub const BUNDLED: &str = "designs/digits.toml";

/// The clock the latency is quoted at.
const CLOCK_MHZ: f64 = 100.0;

/// Flags of `run`.
#[derive(clap::Args)]
pub struct RunArgs {
    /// The design file (TOML) with a [workload] table [default: designs/digits.toml].
    pub design: Option<PathBuf>,
    /// The folder to write [default: build/<design file name>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run only the first N images of the workload.
    #[arg(long)]
    pub images: Option<usize>,
    /// Images simulated at once [default: the number of cores].
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Print the summary as JSON (the same as run.json).
    #[arg(long)]
    pub json: bool,
    /// No progress display.
    #[arg(long)]
    pub quiet: bool,
}

/// One image's results.
#[derive(Clone, Debug)]
struct ImageRun {
    label: u32,
    prediction: Option<u32>,
    cycles: u64,
    activity: Activity,
}

/// The summary `--json` prints and `run.json` holds.
#[derive(Serialize)]
struct Summary {
    design: String,
    images: usize,
    ticks_per_image: u64,
    accuracy: f64,
    correct: usize,
    /// Images whose readout did not spike.
    no_answer: usize,
    float_accuracy: Option<f64>,
    /// Every image gave the same output raster on the functional model and the cycle
    /// simulator (the run fails otherwise).
    functional_equals_cycle: bool,
    cycles_per_image: f64,
    cycles_per_image_min: u64,
    cycles_per_image_max: u64,
    clock_mhz: f64,
    latency_us_per_image: f64,
    images_per_second: f64,
    input_spikes_per_image: f64,
    neuron_spikes_per_image: f64,
    synaptic_ops_per_image: f64,
    tiles_used: usize,
    mesh: [u32; 2],
    /// Measured: spikes per image x links of their multicast trees.
    spike_hops_per_image: f64,
    mean_hops: f64,
    max_link_load_per_image: f64,
    max_table_entries: u64,
    files: Files,
}

#[derive(Serialize)]
struct Files {
    folder: String,
    top: String,
    plan: String,
    svg: String,
    vcd: String,
    results: String,
}

/// Returns whether the run completed, agreed with the functional model and was written.
pub fn run(args: &RunArgs) -> bool {
    let Some(design) = design_path(args.design.as_deref()) else {
        return false;
    };
    let Some(loaded) = report::load(&design) else {
        return false;
    };
    let (Some(source), Ok(circuit)) = (&loaded.source, &loaded.result) else {
        return false;
    };
    let workload = match require_workload(&design, source, circuit) {
        Ok(w) => w,
        Err(e) => {
            fail(&e.diagnostics, e.source.as_ref(), &design);
            return false;
        }
    };
    let images = match args.images {
        Some(0) => {
            eprintln!("error: --images is 0; a run needs at least one image");
            return false;
        }
        Some(n) => n.min(workload.images()),
        None => workload.images(),
    };
    let jobs = match args.jobs {
        Some(0) => {
            eprintln!("error: --jobs is 0; at least one worker is needed");
            return false;
        }
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let Some(stimulus) = load_stimulus(&workload.stimulus, circuit, workload.total_ticks()) else {
        return false;
    };
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = design
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        Path::new("build").join(stem)
    });
    let Some((plan, emitted)) =
        crate::cmd_build::build_loaded(&loaded, &design, &Options::default())
    else {
        return false;
    };

    let started = Instant::now();
    let runs = match classify_images(
        circuit, &plan, &stimulus, &workload, images, jobs, args.quiet,
    ) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return false;
        }
    };
    let wall = started.elapsed();
    // Image 0 again, traced, for the waveform.
    let first = stimulus.window(0, workload.ticks_per_image);
    let traced = cycle::run(
        &plan,
        &first,
        workload.ticks_per_image,
        cycle::Drive::default(),
        true,
    );
    let vcd = match traced
        .and_then(|r| vcd_of(&plan, &emitted.top, &r.trace.unwrap_or_default(), r.cycles))
    {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: cannot write the waveform of image 0: {e}");
            return false;
        }
    };

    let summary = summarise(
        circuit,
        &design,
        &out,
        &plan,
        &emitted.top,
        &workload,
        &runs,
    );
    let json = serde_json::to_string_pretty(&summary).expect("the summary serialises") + "\n";
    let mut files = emitted.files.clone();
    files.push(("image0.vcd".into(), vcd));
    files.push(("results.csv".into(), results_csv(&runs)));
    files.push(("run.json".into(), json.clone()));
    if let Err(e) = write_atomically(&out, &files) {
        eprintln!("error: cannot write `{}`: {e}", out.display());
        return false;
    }
    if args.json {
        print!("{json}");
    } else {
        print!("{}", table(&summary, wall.as_secs_f64(), jobs));
    }
    true
}

/// The design to run: the one given, or the bundled one (looked for in the current
/// folder, then in the source tree this binary was built from).
fn design_path(given: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = given {
        return Some(p.to_path_buf());
    }
    let here = PathBuf::from(BUNDLED);
    if here.is_file() {
        return Some(here);
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(BUNDLED);
    if built_from.is_file() {
        return Some(built_from);
    }
    eprintln!(
        "error: no design given, and the bundled `{BUNDLED}` is not in this folder; run from a spikeforge checkout or name a design with a [workload]"
    );
    None
}

/// Prints diagnostics (with the text they point into) and their count.
pub(crate) fn fail(diags: &Diagnostics, source: Option<&Source>, design: &Path) {
    report::print(diags, source);
    eprintln!(
        "{}: {}",
        design.display(),
        report::counts(diags.error_count(), diags.warning_count())
    );
}

/// Runs the first `images` images on the functional model and the cycle simulator,
/// `jobs` at a time; fails at the first image on which the two disagree.
fn classify_images(
    circuit: &Circuit,
    plan: &Plan,
    stimulus: &Raster,
    w: &Workload,
    images: usize,
    jobs: usize,
    quiet: bool,
) -> Result<Vec<ImageRun>, String> {
    let bar = progress(quiet, Some(images as u64), "classifying").with_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {pos}/{len} images, {elapsed} (eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<ImageRun, String>>>> = Mutex::new(vec![None; images]);
    let one = |k: usize| -> Result<ImageRun, String> {
        let t = w.ticks_per_image;
        let stim = stimulus.window(k as u64 * t, t);
        let activity = run_functional_activity(circuit, &stim, t);
        let hw = cycle::run(plan, &stim, t, cycle::Drive::default(), false)
            .map_err(|e| format!("image {k}: the cycle simulator failed: {e}"))?;
        if let Some(d) = raster_divergence(&activity.raster, &hw.raster) {
            return Err(format!(
                "image {k}: the cycle simulator disagrees with the functional model (a spikeforge bug; please report it)\n  {}",
                d.describe("functional", "cycle")
            ));
        }
        Ok(ImageRun {
            label: w.labels[k],
            prediction: classify(&activity.raster, &w.readout),
            cycles: hw.cycles,
            activity,
        })
    };
    std::thread::scope(|s| {
        for _ in 0..jobs.min(images) {
            s.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= images {
                    break;
                }
                let r = one(k);
                let failed = r.is_err();
                results.lock().expect("no worker panics")[k] = Some(r);
                bar.inc(1);
                if failed {
                    // Stop handing out images; the error is reported below.
                    next.store(images, Ordering::Relaxed);
                }
            });
        }
    });
    bar.finish_and_clear();
    let results = results.into_inner().expect("no worker panics");
    if let Some(e) = results.iter().flatten().find_map(|r| r.as_ref().err()) {
        return Err(e.clone());
    }
    Ok(results
        .into_iter()
        .flatten()
        .map(|r| r.expect("errors returned above"))
        .collect())
}

/// The summary of a run. Wall time is left out: run.json must not differ run to run.
fn summarise(
    circuit: &Circuit,
    design: &Path,
    out: &Path,
    plan: &Plan,
    top: &str,
    w: &Workload,
    runs: &[ImageRun],
) -> Summary {
    let n = runs.len();
    let mean = |f: &dyn Fn(&ImageRun) -> u64| runs.iter().map(f).sum::<u64>() as f64 / n as f64;
    let correct = runs
        .iter()
        .filter(|r| r.prediction == Some(r.label))
        .count();
    let cycles = mean(&|r| r.cycles);
    // The plan's hop figures, with each routing group's traffic set to the spikes it
    // really sent per image. Activity is in circuit order; match the plan's by name.
    let inputs: Vec<&str> = circuit.inputs().map(|(_, i)| i.name.as_str()).collect();
    let pops: Vec<&str> = circuit
        .populations()
        .map(|(_, p)| p.name.as_str())
        .collect();
    let index = |names: &[&str], name: &str| names.iter().position(|n| *n == name);
    let mut measured = plan.clone();
    for g in &mut measured.groups {
        let lines = g.first as usize..(g.first + g.count) as usize;
        let (from_input, k) = match g.source {
            GroupSource::Input { input } => {
                (true, index(&inputs, &plan.inputs[input as usize].name))
            }
            GroupSource::Population { population, .. } => (
                false,
                index(&pops, &plan.populations[population as usize].name),
            ),
        };
        let sent: u64 = runs
            .iter()
            .filter_map(|r| {
                let a = &r.activity;
                let per_line = if from_input {
                    &a.inputs
                } else {
                    &a.populations
                };
                per_line.get(k?)?.get(lines.clone())
            })
            .flatten()
            .sum();
        g.traffic = sent as f64 / n as f64;
    }
    let hops = pnr_report::measure(&measured, 0.0);
    let round = |x: f64, d: i32| (x * 10f64.powi(d)).round() / 10f64.powi(d);
    let at = |name: &str| out.join(name).display().to_string();
    Summary {
        design: design.display().to_string(),
        images: n,
        ticks_per_image: w.ticks_per_image,
        accuracy: round(correct as f64 / n as f64, 6),
        correct,
        no_answer: runs.iter().filter(|r| r.prediction.is_none()).count(),
        float_accuracy: w.float_accuracy,
        functional_equals_cycle: true,
        cycles_per_image: round(cycles, 1),
        cycles_per_image_min: runs.iter().map(|r| r.cycles).min().unwrap_or(0),
        cycles_per_image_max: runs.iter().map(|r| r.cycles).max().unwrap_or(0),
        clock_mhz: CLOCK_MHZ,
        latency_us_per_image: round(cycles / CLOCK_MHZ, 3),
        images_per_second: round(CLOCK_MHZ * 1e6 / cycles, 1),
        input_spikes_per_image: round(mean(&|r| r.activity.input_spikes), 2),
        neuron_spikes_per_image: round(mean(&|r| r.activity.neuron_spikes), 2),
        synaptic_ops_per_image: round(mean(&|r| r.activity.synaptic_events), 1),
        tiles_used: plan.tiles.len(),
        mesh: plan.mesh,
        spike_hops_per_image: round(hops.spike_hops, 2),
        mean_hops: round(hops.mean_hops, 3),
        max_link_load_per_image: round(hops.max_link_load, 2),
        max_table_entries: hops.max_table_entries,
        files: Files {
            folder: out.display().to_string(),
            top: at(&format!("{top}.v")),
            plan: at("plan.json"),
            svg: at("mesh.svg"),
            vcd: at("image0.vcd"),
            results: at("results.csv"),
        },
    }
}

/// `results.csv`: one line per image.
fn results_csv(runs: &[ImageRun]) -> String {
    let mut s = String::from("image,label,prediction,correct,cycles,output_spikes,synaptic_ops\n");
    for (k, r) in runs.iter().enumerate() {
        let p = r.prediction.map_or(String::new(), |p| p.to_string());
        s += &format!(
            "{k},{},{p},{},{},{},{}\n",
            r.label,
            r.prediction == Some(r.label),
            r.cycles,
            r.activity.raster.len(),
            r.activity.synaptic_events
        );
    }
    s
}

/// The human-readable report.
fn table(s: &Summary, wall_secs: f64, jobs: usize) -> String {
    let pct = |x: f64| format!("{:.2}%", 100.0 * x);
    let mut t = format!(
        "{}: {} images of {} ticks, classified on the cycle-accurate simulator\n\n",
        s.design, s.images, s.ticks_per_image
    );
    let mut row = |k: &str, v: String| t += &format!("  {k:<24}{v}\n");
    let float = s
        .float_accuracy
        .map_or(String::new(), |f| format!("   (float network: {})", pct(f)));
    row(
        "accuracy",
        format!("{} ({} of {}){float}", pct(s.accuracy), s.correct, s.images),
    );
    if s.no_answer > 0 {
        row(
            "no answer",
            format!("{} images (the readout did not spike)", s.no_answer),
        );
    }
    row(
        "agreement",
        format!(
            "functional model = cycle simulator on all {} images",
            s.images
        ),
    );
    row(
        "cycles per image",
        format!(
            "{:.0} mean ({} to {})",
            s.cycles_per_image, s.cycles_per_image_min, s.cycles_per_image_max
        ),
    );
    row(
        "latency per image",
        format!(
            "{:.1} us at {} MHz ({:.0} images/s)",
            s.latency_us_per_image, s.clock_mhz, s.images_per_second
        ),
    );
    row(
        "spikes per image",
        format!(
            "{:.1} in, {:.1} fired by neurons",
            s.input_spikes_per_image, s.neuron_spikes_per_image
        ),
    );
    row(
        "synaptic ops per image",
        format!("{:.0}", s.synaptic_ops_per_image),
    );
    row(
        "tiles",
        format!("{} on a {}x{} mesh", s.tiles_used, s.mesh[0], s.mesh[1]),
    );
    row(
        "mesh traffic per image",
        format!(
            "{:.1} spike-hops, {:.2} mean hops per delivery, busiest link {:.1} spikes",
            s.spike_hops_per_image, s.mean_hops, s.max_link_load_per_image
        ),
    );
    row(
        "routing tables",
        format!("at most {} entries", s.max_table_entries),
    );
    row(
        "simulated in",
        format!("{wall_secs:.2} s on {}", report::plural(jobs, "thread")),
    );
    t += "\n";
    let f = &s.files;
    let mut row = |k: &str, v: &str| t += &format!("  {k:<24}{v}\n");
    row(
        "Verilog",
        &format!("{} (files.f lists every module)", f.top),
    );
    row("plan", &f.plan);
    row("mesh picture", &f.svg);
    row("waveform", &format!("{} (image 0)", f.vcd));
    row("per image", &f.results);
    t
}
