//! FPGA synthesis of emitted RTL on Lattice iCE40 parts: runs yosys (`synth_ice40`) and
//! nextpnr-ice40 in a build folder and reports what the design uses (LUT4s,
//! flip-flops, block RAMs, I/O), whether it fits the device and the Fmax nextpnr
//! reports. `spikeforge synth` prints the [`Report`]; the benchmark harness reads the
//! same struct (or its JSON, whose field names are stable).
//!
//! Numbers come from the tools' machine-readable outputs wherever they exist: yosys's
//! `stat -json` for the cell counts, its JSON netlist for the top's ports, nextpnr's
//! `--report` JSON for placed utilisation, Fmax and the critical path. Only two things
//! are read from logs, because no JSON holds them: how yosys mapped each memory, and
//! nextpnr's utilisation when it gives up placing a design that is too big.
//!
//! A design that does not fit is not an error of this crate: the report says so
//! (`fits: false`, with every [`Overflow`]); whether that fails a command is the
//! caller's choice. Missing tools and tool failures are [`Error`]s.

mod parse;

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

pub use parse::{
    memory_mapping, parse_nextpnr_report, parse_stat, parse_top_ports, placer_overflow,
    CriticalPath, NextpnrReport,
};

/// An iCE40 part with the package spikeforge places it in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Target {
    /// iCE40HX8K in the CT256 package (the iCE40-HX8K breakout board).
    #[serde(rename = "ice40-hx8k")]
    Hx8k,
    /// iCE40UP5K in the SG48 package (UPduino, iCEBreaker).
    #[serde(rename = "ice40-up5k")]
    Up5k,
}

/// What a device offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Capacity {
    /// Logic cells (a LUT4, a flip-flop and a carry each), so also the LUT4 and
    /// flip-flop limits.
    pub luts: u64,
    pub ffs: u64,
    /// SB_RAM40_4K block RAMs (4 kbit each).
    pub brams: u64,
    /// User I/O pins of the package.
    pub ios: u64,
}

impl Target {
    pub const ALL: [Target; 2] = [Target::Hx8k, Target::Up5k];

    /// `ice40-hx8k` or `ice40-up5k`.
    pub fn name(self) -> &'static str {
        match self {
            Target::Hx8k => "ice40-hx8k",
            Target::Up5k => "ice40-up5k",
        }
    }

    pub fn parse(s: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == s)
    }

    /// nextpnr-ice40's device flag.
    pub fn device_flag(self) -> &'static str {
        match self {
            Target::Hx8k => "--hx8k",
            Target::Up5k => "--up5k",
        }
    }

    pub fn package(self) -> &'static str {
        match self {
            Target::Hx8k => "ct256",
            Target::Up5k => "sg48",
        }
    }

    /// The datasheet figures (Lattice iCE40 LP/HX and UltraPlus families).
    pub fn capacity(self) -> Capacity {
        match self {
            Target::Hx8k => Capacity {
                luts: 7680,
                ffs: 7680,
                brams: 32,
                ios: 206,
            },
            Target::Up5k => Capacity {
                luts: 5280,
                ffs: 5280,
                brams: 30,
                ios: 39,
            },
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How to run the tools.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    pub target: Target,
    /// The clock frequency nextpnr aims for (`--freq`), in MHz.
    pub freq_mhz: u32,
    /// nextpnr's placer seed: a seed gives the same result on every run.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            target: Target::Hx8k,
            freq_mhz: 50,
            seed: 1,
        }
    }
}

/// A resource the design needs more of than the device has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Overflow {
    /// `LUT4`, `flip-flops`, `SB_RAM40_4K`, `I/O pins`, or nextpnr's cell type.
    pub resource: String,
    pub needed: u64,
    pub available: u64,
}

impl Overflow {
    /// "LUT4: 9,455 needed, 7,680 on ice40-hx8k".
    pub fn describe(&self, target: Target) -> String {
        format!(
            "{}: {} needed, {} on {target}",
            self.resource,
            thousands(self.needed),
            thousands(self.available)
        )
    }
}

/// Where yosys put one memory of the design.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MemoryMapping {
    /// Hierarchical name, e.g. `tile_0_0.weights_mem`.
    pub memory: String,
    /// `bram` (SB_RAM40_4K) or `logic` (flip-flops and LUTs).
    pub mapped_to: &'static str,
}

/// The outcome of synthesising one design for one target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub top: String,
    pub target: Target,
    pub device: &'static str,
    pub package: &'static str,
    /// SB_LUT4 cells after synth_ice40.
    pub luts: u64,
    /// Flip-flops (every SB_DFF* cell).
    pub ffs: u64,
    /// SB_CARRY cells (they ride in logic cells beside a LUT4).
    pub carries: u64,
    /// SB_RAM40_4K cells.
    pub brams: u64,
    /// Bits of the top's ports, one pin each.
    pub ios: u64,
    /// Logic cells nextpnr placed (LUT4, flip-flop and carry packed together); absent
    /// when nextpnr did not place the design.
    pub logic_cells: Option<u64>,
    pub capacity: Capacity,
    pub fits: bool,
    pub overflow: Vec<Overflow>,
    pub requested_mhz: u32,
    /// Fmax of `clk` as nextpnr reports it after routing; absent when not placed.
    pub fmax_mhz: Option<f64>,
    /// Whether `fmax_mhz` reaches `requested_mhz`.
    pub meets_timing: bool,
    pub seed: u64,
    pub critical_path: Option<CriticalPath>,
    pub memories: Vec<MemoryMapping>,
}

impl Report {
    /// The report as pretty JSON with a final newline (field names are stable).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a report serialises");
        s.push('\n');
        s
    }

    /// The report as an aligned table (Fmax with two decimals, as nextpnr prints it).
    pub fn table(&self) -> String {
        let c = &self.capacity;
        let pct = |used: u64, of: u64| {
            if of == 0 {
                String::new()
            } else {
                format!("{:>5.1}%", used as f64 * 100.0 / of as f64)
            }
        };
        let mut rows: Vec<(String, String, String, String)> = vec![
            row("LUT4", self.luts, c.luts, pct(self.luts, c.luts)),
            row("flip-flops", self.ffs, c.ffs, pct(self.ffs, c.ffs)),
            row("SB_RAM40_4K", self.brams, c.brams, pct(self.brams, c.brams)),
            row("I/O pins", self.ios, c.ios, pct(self.ios, c.ios)),
        ];
        if let Some(lc) = self.logic_cells {
            rows.insert(2, row("logic cells", lc, c.luts, pct(lc, c.luts)));
        }
        let mut out = format!(
            "{} on {} ({} {}), nextpnr seed {}\n",
            self.top, self.target, self.device, self.package, self.seed
        );
        out.push_str(&format!(
            "  {:<12} {:>7}  {:>7}\n",
            "resource", "used", "of"
        ));
        for (name, used, of, p) in rows.drain(..) {
            out.push_str(&format!("  {name:<12} {used:>7}  {of:>7}  {p:>6}\n"));
        }
        let bram_mems = self
            .memories
            .iter()
            .filter(|m| m.mapped_to == "bram")
            .count();
        out.push_str(&format!(
            "  memories     {bram_mems} of {} in block RAM\n",
            self.memories.len()
        ));
        match self.fmax_mhz {
            Some(f) => out.push_str(&format!(
                "  Fmax         {f:.2} MHz ({} at {} MHz)\n",
                if self.meets_timing { "meets" } else { "FAILS" },
                self.requested_mhz
            )),
            None => out.push_str("  Fmax         - (not placed)\n"),
        }
        if let Some(p) = &self.critical_path {
            out.push_str(&format!(
                "  critical     {:.2} ns, {} logic levels: {} -> {}\n",
                p.delay_ns, p.logic_levels, p.from, p.to
            ));
        }
        if self.fits {
            out.push_str("  fits\n");
        } else {
            out.push_str(&format!("  does not fit {}:\n", self.target));
            for o in &self.overflow {
                out.push_str(&format!("    {}\n", o.describe(self.target)));
            }
        }
        out
    }
}

fn row(name: &str, used: u64, of: u64, pct: String) -> (String, String, String, String) {
    (name.into(), thousands(used), thousands(of), pct)
}

/// `9455` as `9,455`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Why synthesis did not produce a report.
#[derive(Debug)]
pub enum Error {
    /// A tool is not on `PATH`.
    MissingTool(&'static str),
    /// A tool ran and failed: its name, the log file (in the build folder) and the
    /// log's last lines.
    ToolFailed {
        tool: &'static str,
        log: PathBuf,
        tail: String,
    },
    /// A tool's output could not be read or made sense of.
    Output(String),
    Io(std::io::Error),
}

/// The Debian/Ubuntu packages that provide the tools.
pub const DEBIAN_PACKAGES: &str = "yosys nextpnr-ice40 fpga-icestorm";

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::MissingTool(t) => write!(
                f,
                "`{t}` was not found on PATH; spikeforge synth runs yosys and nextpnr-ice40\n  \
                 help: on Debian or Ubuntu install them with `sudo apt-get install {DEBIAN_PACKAGES}`; \
                 elsewhere use the OSS CAD Suite (https://github.com/YosysHQ/oss-cad-suite-build)"
            ),
            Error::ToolFailed { tool, log, tail } => {
                write!(f, "{tool} failed (log: {}):\n{tail}", log.display())
            }
            Error::Output(m) => write!(f, "cannot read the tools' output: {m}"),
            Error::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

/// The tools `run` needs.
pub const TOOLS: [&str; 2] = ["yosys", "nextpnr-ice40"];

/// Whether `tool` is an executable file in one of `PATH`'s folders.
pub fn on_path(tool: &str) -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|d| {
        let f = d.join(tool);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        }
        #[cfg(not(unix))]
        {
            f.is_file()
        }
    })
}

/// Fails with [`Error::MissingTool`] for the first tool of [`TOOLS`] not on `PATH`.
pub fn require_tools() -> Result<(), Error> {
    match TOOLS.iter().find(|t| !on_path(t)) {
        Some(t) => Err(Error::MissingTool(t)),
        None => Ok(()),
    }
}

/// Files `run` writes into the build folder.
pub const YOSYS_LOG: &str = "yosys.log";
pub const NETLIST: &str = "netlist.json";
pub const STAT: &str = "yosys_stat.json";
pub const NEXTPNR_LOG: &str = "nextpnr.log";
pub const NEXTPNR_REPORT: &str = "nextpnr_report.json";

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    let from = all.len().saturating_sub(lines);
    all[from..]
        .iter()
        .map(|l| format!("  | {l}\n"))
        .collect::<String>()
}

fn read(dir: &Path, name: &str) -> Result<String, Error> {
    std::fs::read_to_string(dir.join(name)).map_err(|e| Error::Output(format!("{name}: {e}")))
}

/// Synthesises the build in `dir` (the Verilog `files`, in compile order, with their
/// memory images beside them; `top` is the top module) for `opts.target`. Runs yosys,
/// then, when the cell counts fit the device, nextpnr. Writes the files named by the
/// constants of this crate into `dir`. yosys's `check -assert` runs on the mapped
/// netlist (spikeforge's RTL passes it; a failure is a bug worth reporting).
pub fn run(dir: &Path, top: &str, files: &[String], opts: &Options) -> Result<Report, Error> {
    require_tools()?;
    let t = opts.target;
    let script = format!(
        "read_verilog -defer {}; synth_ice40 -top {top} -json {NETLIST}; check -assert; tee -q -o {STAT} stat -json",
        files.join(" ")
    );
    let status = Command::new("yosys")
        .current_dir(dir)
        .args(["-q", "-l", YOSYS_LOG, "-p", &script])
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::MissingTool("yosys"),
            _ => Error::Io(e),
        })?;
    if !status.status.success() {
        return Err(Error::ToolFailed {
            tool: "yosys",
            log: dir.join(YOSYS_LOG),
            tail: tail(&dir.join(YOSYS_LOG), 15),
        });
    }
    let cells = parse_stat(&read(dir, STAT)?).map_err(Error::Output)?;
    let ios = parse_top_ports(&read(dir, NETLIST)?, top).map_err(Error::Output)?;
    let memories = memory_mapping(&read(dir, YOSYS_LOG)?);
    let cap = t.capacity();
    let mut report = Report {
        top: top.to_string(),
        target: t,
        device: match t {
            Target::Hx8k => "iCE40HX8K",
            Target::Up5k => "iCE40UP5K",
        },
        package: t.package(),
        luts: cells.count("SB_LUT4"),
        ffs: cells.flip_flops(),
        carries: cells.count("SB_CARRY"),
        brams: cells.count("SB_RAM40_4K"),
        ios,
        logic_cells: None,
        capacity: cap,
        fits: true,
        overflow: Vec::new(),
        requested_mhz: opts.freq_mhz,
        fmax_mhz: None,
        meets_timing: false,
        seed: opts.seed,
        critical_path: None,
        memories,
    };
    for (resource, needed, available) in [
        ("LUT4", report.luts, cap.luts),
        ("flip-flops", report.ffs, cap.ffs),
        ("SB_RAM40_4K", report.brams, cap.brams),
        ("I/O pins", report.ios, cap.ios),
    ] {
        if needed > available {
            report.overflow.push(Overflow {
                resource: resource.into(),
                needed,
                available,
            });
        }
    }
    if !report.overflow.is_empty() {
        report.fits = false;
        return Ok(report);
    }
    let status = Command::new("nextpnr-ice40")
        .current_dir(dir)
        .args([
            t.device_flag(),
            "--package",
            t.package(),
            "--json",
            NETLIST,
            "--freq",
            &opts.freq_mhz.to_string(),
            "--seed",
            &opts.seed.to_string(),
            "--report",
            NEXTPNR_REPORT,
            "--timing-allow-fail",
            "-q",
            "-l",
            NEXTPNR_LOG,
        ])
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::MissingTool("nextpnr-ice40"),
            _ => Error::Io(e),
        })?;
    if !status.status.success() {
        let log = read(dir, NEXTPNR_LOG).unwrap_or_default();
        let over = placer_overflow(&log);
        if !over.is_empty() {
            report.fits = false;
            report.overflow = over;
            return Ok(report);
        }
        return Err(Error::ToolFailed {
            tool: "nextpnr-ice40",
            log: dir.join(NEXTPNR_LOG),
            tail: tail(&dir.join(NEXTPNR_LOG), 15),
        });
    }
    let pnr = parse_nextpnr_report(&read(dir, NEXTPNR_REPORT)?).map_err(Error::Output)?;
    report.logic_cells = pnr.logic_cells;
    report.fmax_mhz = pnr.fmax_mhz;
    report.meets_timing = pnr.fmax_mhz.is_some_and(|f| f >= f64::from(opts.freq_mhz));
    report.critical_path = pnr.critical_path;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(9455), "9,455");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn overflow_reads_like_the_issue() {
        let o = Overflow {
            resource: "LUT4".into(),
            needed: 9455,
            available: 7680,
        };
        assert_eq!(
            o.describe(Target::Hx8k),
            "LUT4: 9,455 needed, 7,680 on ice40-hx8k"
        );
    }

    #[test]
    fn targets_round_trip() {
        for t in Target::ALL {
            assert_eq!(Target::parse(t.name()), Some(t));
        }
        assert_eq!(Target::parse("ice40-hx1k"), None);
    }

    /// A report as `run` builds it from the fixtures in tests/fixtures (a real run of
    /// designs/mesh2x2.toml): the table and JSON shape under review.
    pub(crate) fn sample(fits: bool) -> Report {
        let pnr = parse_nextpnr_report(include_str!("../tests/fixtures/nextpnr_report.json"))
            .expect("fixture parses");
        let cells = parse_stat(include_str!("../tests/fixtures/yosys_stat.json")).unwrap();
        let t = Target::Hx8k;
        let mut r = Report {
            top: "mesh2x2_top".into(),
            target: t,
            device: "iCE40HX8K",
            package: t.package(),
            luts: cells.count("SB_LUT4"),
            ffs: cells.flip_flops(),
            carries: cells.count("SB_CARRY"),
            brams: cells.count("SB_RAM40_4K"),
            ios: 22,
            logic_cells: pnr.logic_cells,
            capacity: t.capacity(),
            fits: true,
            overflow: vec![],
            requested_mhz: 50,
            fmax_mhz: pnr.fmax_mhz,
            meets_timing: pnr.fmax_mhz.is_some_and(|f| f >= 50.0),
            seed: 1,
            critical_path: pnr.critical_path,
            memories: vec![
                MemoryMapping {
                    memory: "tile_0_0.weights_mem".into(),
                    mapped_to: "bram",
                },
                MemoryMapping {
                    memory: "tile_0_0.keys_mem".into(),
                    mapped_to: "logic",
                },
            ],
        };
        if !fits {
            r.luts = 9455;
            r.logic_cells = None;
            r.fmax_mhz = None;
            r.meets_timing = false;
            r.critical_path = None;
            r.fits = false;
            r.overflow = vec![Overflow {
                resource: "LUT4".into(),
                needed: 9455,
                available: 7680,
            }];
        }
        r
    }

    #[test]
    fn table_of_a_design_that_fits() {
        insta::assert_snapshot!(sample(true).table());
    }

    #[test]
    fn table_of_a_design_that_does_not_fit() {
        insta::assert_snapshot!(sample(false).table());
    }

    #[test]
    fn json_shape() {
        insta::assert_snapshot!(sample(true).to_json());
    }
}
