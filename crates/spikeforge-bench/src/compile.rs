//! The compile flow at growing sizes: a synthetic design (3x3 convolutions between 2-D
//! maps, `spikeforge gen conv`) is built and checked (the validation every design goes
//! through), partitioned, placed and routed (anneal + congestion, the defaults), and
//! emitted as Verilog and memory images. Each size runs in a child process (this
//! program re-run with the hidden `__bench-compile` subcommand), so the peak resident
//! memory it reports (VmHWM) belongs to that size alone.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use spikeforge_pnr::generator::{generate, Kind, Spec};

/// Neurons of each measured size.
pub fn sizes(quick: bool) -> Vec<usize> {
    if quick {
        vec![1_000, 10_000, 30_000]
    } else {
        vec![1_000, 10_000, 100_000, 1_000_000]
    }
}

/// One size.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Point {
    pub neurons: u64,
    pub synapses: u64,
    pub tiles: usize,
    pub mesh: [u32; 2],
    /// Building the circuit and checking it (validation).
    pub check_s: f64,
    /// Partition, placement and routing (one call; the stages are not timed apart).
    pub place_route_s: f64,
    /// Verilog and memory images, in memory.
    pub emit_s: f64,
    pub emit_bytes: u64,
    pub total_s: f64,
    /// Peak resident memory of the child process.
    pub peak_rss_bytes: u64,
}

/// The section's results.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Section {
    pub design_kind: String,
    pub points: Vec<Point>,
}

/// Measures one size in this process (the child's side).
pub fn measure(neurons: usize) -> Result<Point, String> {
    let t0 = Instant::now();
    let spec = Spec::new(Kind::Conv, neurons, 7);
    let circuit = generate(&spec).map_err(|d| format!("generating {neurons} neurons: {d:?}"))?;
    let check_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let placed = spikeforge_pnr::place_and_route(&circuit, &Default::default())
        .map_err(|d| format!("placing {neurons} neurons: {d:?}"))?;
    let place_route_s = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let emitted = spikeforge_rtl::emit(&placed.plan, "bench").map_err(|e| e.join("\n"))?;
    let emit_s = t2.elapsed().as_secs_f64();
    let emit_bytes = emitted.files.iter().map(|(_, t)| t.len() as u64).sum();
    Ok(Point {
        neurons: circuit.populations().map(|(_, p)| p.neurons as u64).sum(),
        synapses: circuit
            .crossbars()
            .map(|(_, x)| x.weights.nnz() as u64)
            .sum(),
        tiles: placed.plan.tiles.len(),
        mesh: placed.plan.mesh,
        check_s,
        place_route_s,
        emit_s,
        emit_bytes,
        total_s: t0.elapsed().as_secs_f64(),
        peak_rss_bytes: crate::peak_rss_bytes().unwrap_or(0),
    })
}

/// Runs `exe __bench-compile <neurons>` for every size.
pub fn run(exe: &Path, sizes: &[usize], log: &mut dyn FnMut(&str)) -> Result<Section, String> {
    log("== compile flow (conv designs): check, place + route, emit; child process per size ==");
    log(&format!(
        "{:>9} {:>10} {:>6} {:>7} {:>9} {:>9} {:>9} {:>9} {:>10} {:>9}",
        "neurons",
        "synapses",
        "tiles",
        "mesh",
        "check s",
        "p&r s",
        "emit s",
        "total s",
        "emit MB",
        "peak MB"
    ));
    let mut points = Vec::new();
    for &n in sizes {
        let out = Command::new(exe)
            .arg("__bench-compile")
            .arg(n.to_string())
            .output()
            .map_err(|e| format!("cannot run {} ({e})", exe.display()))?;
        if !out.status.success() {
            return Err(format!(
                "compile flow at {n} neurons failed ({}):\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let p: Point = serde_json::from_slice(&out.stdout)
            .map_err(|e| format!("compile flow at {n} neurons: unreadable result ({e})"))?;
        log(&format!(
            "{:>9} {:>10} {:>6} {:>7} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>10.1} {:>9.0}",
            p.neurons,
            p.synapses,
            p.tiles,
            format!("{}x{}", p.mesh[0], p.mesh[1]),
            p.check_s,
            p.place_route_s,
            p.emit_s,
            p.total_s,
            p.emit_bytes as f64 / 1e6,
            p.peak_rss_bytes as f64 / 1e6
        ));
        points.push(p);
    }
    Ok(Section {
        design_kind: Kind::Conv.as_str().into(),
        points,
    })
}
