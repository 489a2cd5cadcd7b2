//! Cycle-accurate simulator vs Verilator alone (the first section of `spikeforge
//! bench`, which runs all of them): `cargo bench --bench cycle_vs_verilator
//! [-- <design.toml> <ticks>]`. The measuring code is `spikeforge_bench::cycle`.

use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let mut cfg = spikeforge_bench::cycle::Config::new(
        &PathBuf::from(args.first().map_or("designs/layered.toml", String::as_str)),
        false,
    );
    if let Some(t) = args.get(1).and_then(|t| t.parse().ok()) {
        cfg.ticks = t;
    }
    match spikeforge_bench::cycle::run(&cfg, &mut |l| println!("{l}")) {
        Ok(s) if s.points.iter().all(|p| p.trace_equal && p.raster_equal) => {}
        Ok(_) => {
            eprintln!("the simulators disagree");
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
