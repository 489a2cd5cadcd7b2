//! Analysis: the figures of merit of a plan, measured by replaying its tables (so they
//! describe what the hardware will do, not what the router intended), and their
//! human-readable table.
//!
//! Invariant: every figure is a pure function of the plan, except `runtime_ms`.

use serde::{Deserialize, Serialize};

use crate::plan::Plan;
use crate::verify::trace;

/// The `spikeforge place` report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub design: String,
    pub placer: String,
    pub router: String,
    pub seed: u64,
    pub neurons: u64,
    pub synapses: u64,
    pub groups: u64,
    pub tiles_used: u64,
    /// [W, H].
    pub mesh: [u32; 2],
    /// Sum over groups of traffic x mesh links of its multicast tree.
    pub spike_hops: f64,
    /// Traffic-weighted mean hops from a source to each of its deliveries.
    pub mean_hops: f64,
    /// Largest traffic on one directed mesh link.
    pub max_link_load: f64,
    /// Largest routing table (real, merged entries).
    pub max_table_entries: u64,
    pub total_table_entries: u64,
    pub max_axons: u64,
    pub runtime_ms: f64,
}

/// Traffic on every directed link, indexed `slot * 4 + direction` (N, E, S, W).
pub fn link_loads(plan: &Plan) -> Vec<f64> {
    let mut load = vec![0.0; (plan.width() * plan.height()) as usize * 4];
    for (g, group) in plan.groups.iter().enumerate() {
        if let Ok(t) = trace(plan, g) {
            for (s, d) in t.links {
                load[s as usize * 4 + d as usize] += group.traffic;
            }
        }
    }
    load
}

/// Measures `plan`; `runtime_ms` is what the caller timed.
pub fn measure(plan: &Plan, runtime_ms: f64) -> Report {
    let mut load = vec![0.0; (plan.width() * plan.height()) as usize * 4];
    let (mut hops, mut depth, mut deliveries) = (0.0, 0.0, 0.0);
    for (g, group) in plan.groups.iter().enumerate() {
        if let Ok(t) = trace(plan, g) {
            hops += group.traffic * t.links.len() as f64;
            depth += group.traffic * t.depth_sum as f64;
            deliveries += group.traffic * (t.local.len() as u32 + t.host) as f64;
            for (s, d) in t.links {
                load[s as usize * 4 + d as usize] += group.traffic;
            }
        }
    }
    Report {
        design: plan.design.clone(),
        placer: plan.placer.as_str().to_string(),
        router: plan.router.as_str().to_string(),
        seed: plan.seed,
        neurons: plan.tiles.iter().map(|t| t.neurons as u64).sum(),
        synapses: plan.tiles.iter().map(|t| t.synapses.len() as u64).sum(),
        groups: plan.groups.len() as u64,
        tiles_used: plan.tiles.len() as u64,
        mesh: plan.mesh,
        spike_hops: round(hops),
        mean_hops: round(if deliveries > 0.0 {
            depth / deliveries
        } else {
            0.0
        }),
        max_link_load: round(load.iter().copied().fold(0.0, f64::max)),
        max_table_entries: plan
            .routers
            .iter()
            .map(|r| r.entries.len() as u64)
            .max()
            .unwrap_or(0),
        total_table_entries: plan.routers.iter().map(|r| r.entries.len() as u64).sum(),
        max_axons: plan
            .tiles
            .iter()
            .map(|t| t.axons() as u64)
            .max()
            .unwrap_or(0),
        runtime_ms: round(runtime_ms),
    }
}

/// Rounds to 4 decimals so reports are stable across float summation noise.
fn round(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

impl Report {
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("reports serialise");
        s.push('\n');
        s
    }

    /// The human-readable table.
    pub fn to_table(&self, hw: &crate::plan::PlanHardware) -> String {
        let rows: Vec<(&str, String, String)> = vec![
            (
                "tiles_used",
                self.tiles_used.to_string(),
                format!("of {}", self.mesh[0] * self.mesh[1]),
            ),
            (
                "mesh",
                format!("{}x{}", self.mesh[0], self.mesh[1]),
                String::new(),
            ),
            (
                "neurons",
                self.neurons.to_string(),
                format!("<= {} per tile", hw.tile_neurons),
            ),
            ("synapses", self.synapses.to_string(), String::new()),
            (
                "max_axons",
                self.max_axons.to_string(),
                format!("of {} per tile", hw.tile_axons),
            ),
            ("source groups", self.groups.to_string(), String::new()),
            (
                "spike_hops",
                format!("{}", self.spike_hops),
                "traffic x tree links, per tick".into(),
            ),
            (
                "mean_hops",
                format!("{:.3}", self.mean_hops),
                "per delivery".into(),
            ),
            (
                "max_link_load",
                format!("{}", self.max_link_load),
                "spikes per tick".into(),
            ),
            (
                "max_table_entries",
                self.max_table_entries.to_string(),
                format!("of {} per router", hw.table_entries),
            ),
            (
                "total_table_entries",
                self.total_table_entries.to_string(),
                String::new(),
            ),
            (
                "runtime_ms",
                format!("{:.1}", self.runtime_ms),
                String::new(),
            ),
        ];
        let mut out = format!(
            "design `{}`: placer {}, router {}, seed {}\n",
            self.design, self.placer, self.router, self.seed
        );
        let wk = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
        let wv = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
        for (k, v, note) in rows {
            let line = format!("  {k:<wk$}  {v:>wv$}  {note}");
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}
