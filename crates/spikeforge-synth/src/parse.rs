//! Reading the tools' outputs: yosys `stat -json`, the yosys JSON netlist's top ports,
//! nextpnr's `--report` JSON, and the two facts only logs hold (memory mapping, and
//! utilisation when placement gives up).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Cell counts of the whole design, by cell type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cells(pub BTreeMap<String, u64>);

impl Cells {
    pub fn count(&self, ty: &str) -> u64 {
        self.0.get(ty).copied().unwrap_or(0)
    }

    /// Every flip-flop primitive (`SB_DFF`, `SB_DFFE`, `SB_DFFESR`, ...).
    pub fn flip_flops(&self) -> u64 {
        self.0
            .iter()
            .filter(|(t, _)| t.starts_with("SB_DFF"))
            .map(|(_, n)| n)
            .sum()
    }
}

#[derive(Deserialize)]
struct Stat {
    design: StatModule,
}

#[derive(Deserialize)]
struct StatModule {
    #[serde(default)]
    num_cells_by_type: BTreeMap<String, u64>,
}

/// Cell counts from yosys's `stat -json` (its `design` totals).
pub fn parse_stat(json: &str) -> Result<Cells, String> {
    let s: Stat = serde_json::from_str(json).map_err(|e| format!("yosys stat -json: {e}"))?;
    Ok(Cells(s.design.num_cells_by_type))
}

#[derive(Deserialize)]
struct Netlist {
    modules: BTreeMap<String, NetModule>,
}

#[derive(Deserialize)]
struct NetModule {
    #[serde(default)]
    ports: BTreeMap<String, NetPort>,
}

#[derive(Deserialize)]
struct NetPort {
    bits: Vec<serde_json::Value>,
}

/// Bits of the ports of module `top` in a yosys JSON netlist (one pin each).
pub fn parse_top_ports(json: &str, top: &str) -> Result<u64, String> {
    let n: Netlist = serde_json::from_str(json).map_err(|e| format!("yosys netlist: {e}"))?;
    let m = n
        .modules
        .get(top)
        .ok_or_else(|| format!("yosys netlist: no module `{top}`"))?;
    Ok(m.ports.values().map(|p| p.bits.len() as u64).sum())
}

/// How yosys's `memory_libmap` mapped each memory, from its log: `(memory, "bram" or
/// "logic")` in log order, with the top's name taken off the front.
pub fn memory_mapping(log: &str) -> Vec<super::MemoryMapping> {
    let strip = |m: &str| -> String {
        let m = m.trim();
        // `mesh2x2_top.tile_0_0.weights_mem` -> `tile_0_0.weights_mem`
        match m.split_once('.') {
            Some((_, rest)) => rest.to_string(),
            None => m.to_string(),
        }
    };
    log.lines()
        .filter_map(|l| {
            if let Some(m) = l.strip_prefix("mapping memory ") {
                let m = m.split(" via ").next().unwrap_or(m);
                Some(super::MemoryMapping {
                    memory: strip(m),
                    mapped_to: "bram",
                })
            } else {
                l.strip_prefix("using FF mapping for memory ")
                    .map(|m| super::MemoryMapping {
                        memory: strip(m),
                        mapped_to: "logic",
                    })
            }
        })
        .collect()
}

/// The longest register-to-register path of the clock, as nextpnr reports it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CriticalPath {
    /// The cell the path starts at (after packing, as nextpnr names it).
    pub from: String,
    /// The cell whose setup ends it.
    pub to: String,
    pub delay_ns: f64,
    /// LUT and carry stages on the way.
    pub logic_levels: u64,
}

/// What spikeforge reads of nextpnr's `--report` JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct NextpnrReport {
    /// The lowest achieved Fmax over the clocks (one, `clk`, in spikeforge's designs).
    pub fmax_mhz: Option<f64>,
    /// Placed ICESTORM_LC cells.
    pub logic_cells: Option<u64>,
    pub critical_path: Option<CriticalPath>,
}

#[derive(Deserialize)]
struct PnrJson {
    #[serde(default)]
    fmax: BTreeMap<String, PnrClock>,
    #[serde(default)]
    utilization: BTreeMap<String, PnrUse>,
    #[serde(default)]
    critical_paths: Vec<PnrPath>,
}

#[derive(Deserialize)]
struct PnrClock {
    achieved: f64,
}

#[derive(Deserialize)]
struct PnrUse {
    used: u64,
}

#[derive(Deserialize)]
struct PnrPath {
    from: String,
    to: String,
    path: Vec<PnrStep>,
}

#[derive(Deserialize)]
struct PnrStep {
    #[serde(rename = "type")]
    kind: String,
    delay: f64,
    to: PnrEnd,
}

#[derive(Deserialize)]
struct PnrEnd {
    cell: String,
}

/// Reads nextpnr's `--report` JSON.
pub fn parse_nextpnr_report(json: &str) -> Result<NextpnrReport, String> {
    let r: PnrJson = serde_json::from_str(json).map_err(|e| format!("nextpnr report: {e}"))?;
    let fmax_mhz = r
        .fmax
        .values()
        .map(|c| c.achieved)
        .min_by(|a, b| a.total_cmp(b))
        .map(|f| (f * 100.0).round() / 100.0);
    let logic_cells = r.utilization.get("ICESTORM_LC").map(|u| u.used);
    // The clock-to-clock path (the others start or end at a port: `<async>`).
    let critical_path = r
        .critical_paths
        .iter()
        .find(|p| p.from == p.to && !p.from.contains("async"))
        .and_then(|p| {
            let first = p.path.first()?;
            let last = p.path.last()?;
            Some(CriticalPath {
                from: first.to.cell.clone(),
                to: last.to.cell.clone(),
                delay_ns: (p.path.iter().map(|s| s.delay).sum::<f64>() * 100.0).round() / 100.0,
                logic_levels: p.path.iter().filter(|s| s.kind == "logic").count() as u64,
            })
        });
    Ok(NextpnrReport {
        fmax_mhz,
        logic_cells,
        critical_path,
    })
}

/// When nextpnr gives up placing, the resources its log's "Device utilisation" lines
/// show above 100% (`ICESTORM_LC:  9000/ 7680   117%`).
pub fn placer_overflow(log: &str) -> Vec<super::Overflow> {
    let mut out = Vec::new();
    let mut in_table = false;
    for line in log.lines() {
        let l = line.trim_start_matches("Info:").trim();
        if l.starts_with("Device utilisation") {
            in_table = true;
            out.clear();
            continue;
        }
        if !in_table {
            continue;
        }
        let Some((name, rest)) = l.split_once(':') else {
            in_table = false;
            continue;
        };
        let Some((used, rest)) = rest.split_once('/') else {
            in_table = false;
            continue;
        };
        let avail = rest.split_whitespace().next().unwrap_or("");
        match (used.trim().parse::<u64>(), avail.parse::<u64>()) {
            (Ok(u), Ok(a)) => {
                if u > a {
                    out.push(super::Overflow {
                        resource: match name.trim() {
                            "ICESTORM_LC" => "logic cells".to_string(),
                            "ICESTORM_RAM" => "SB_RAM40_4K".to_string(),
                            "SB_IO" => "I/O pins".to_string(),
                            other => other.to_string(),
                        },
                        needed: u,
                        available: a,
                    });
                }
            }
            _ => in_table = false,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_stat_fixture() {
        let c = parse_stat(include_str!("../tests/fixtures/yosys_stat.json")).unwrap();
        assert!(c.count("SB_LUT4") > 0);
        assert!(c.flip_flops() > 0);
        assert_eq!(c.count("NO_SUCH_CELL"), 0);
    }

    #[test]
    fn reads_the_nextpnr_fixture() {
        let r =
            parse_nextpnr_report(include_str!("../tests/fixtures/nextpnr_report.json")).unwrap();
        assert!(r.fmax_mhz.unwrap() > 1.0);
        assert!(r.logic_cells.unwrap() > 0);
        let p = r.critical_path.unwrap();
        assert!(p.delay_ns > 1.0 && p.logic_levels > 0, "{p:?}");
    }

    #[test]
    fn bad_json_is_an_error_not_a_panic() {
        assert!(parse_stat("{").is_err());
        assert!(parse_nextpnr_report("{\"fmax\": 3}").is_err());
        assert!(parse_top_ports("{\"modules\": {}}", "t").is_err());
    }

    #[test]
    fn ports_of_the_top() {
        let j = r#"{"modules": {"t": {"ports": {"a": {"direction": "input", "bits": [2, 3]},
                     "q": {"direction": "output", "bits": [4]}}}}}"#;
        assert_eq!(parse_top_ports(j, "t").unwrap(), 3);
    }

    #[test]
    fn memory_mapping_from_the_log() {
        let log = "mapping memory top.tile_0_0.acc_mem via $__ICE40_RAM4K_\n\
                   using FF mapping for memory top.channels_mem\nother\n";
        let m = memory_mapping(log);
        assert_eq!(m.len(), 2);
        assert_eq!(
            (m[0].memory.as_str(), m[0].mapped_to),
            ("tile_0_0.acc_mem", "bram")
        );
        assert_eq!(
            (m[1].memory.as_str(), m[1].mapped_to),
            ("channels_mem", "logic")
        );
    }

    #[test]
    fn overflow_from_the_placer_log() {
        let log = "Info: Device utilisation:\n\
                   Info: \t         ICESTORM_LC:  9000/ 7680   117%\n\
                   Info: \t        ICESTORM_RAM:    28/   32    87%\n\
                   Info: \t               SB_IO:    22/  256     8%\n\
                   \n\
                   ERROR: Unable to place cell 'x', no BELs remaining to implement cell type 'ICESTORM_LC'\n";
        let o = placer_overflow(log);
        assert_eq!(
            o,
            vec![crate::Overflow {
                resource: "logic cells".into(),
                needed: 9000,
                available: 7680
            }]
        );
        assert!(placer_overflow("ERROR: something else\n").is_empty());
    }
}
