//! Running emitted RTL in an HDL simulator through the harness in `sim/`: the build
//! directory's `manifest.json` says how ports and channels map to the design's names;
//! the stimulus raster becomes the harness's per-tick channel lists, and the harness's
//! output lines become an output raster, so HDL runs compare byte for byte with the
//! functional model.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use crate::raster::{Raster, Spike};

/// What the harness needs to know of a build, read from its `manifest.json`.
#[derive(Debug, Deserialize)]
pub struct Manifest {
    pub top: String,
    pub files: Vec<String>,
    pub ports: Vec<ManifestPort>,
    pub inputs: Vec<ManifestInput>,
    pub outputs: Vec<ManifestOutput>,
}

#[derive(Debug, Deserialize)]
pub struct ManifestPort {
    pub name: String,
    pub width: u32,
}

#[derive(Debug, Deserialize)]
pub struct ManifestInput {
    pub name: String,
    pub first_channel: u32,
    pub channels: u32,
}

#[derive(Debug, Deserialize)]
pub struct ManifestOutput {
    pub port: u32,
    pub name: String,
}

impl Manifest {
    pub fn read(build: &Path) -> Result<Manifest, String> {
        let path = build.join("manifest.json");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a spikeforge manifest: {e}", path.display()))
    }

    fn width(&self, port: &str) -> u32 {
        self.ports
            .iter()
            .find(|p| p.name == port)
            .map_or(1, |p| p.width)
    }

    /// The harness's stimulus text: one line per tick, "<n> <channel>...".
    pub fn stimulus_lines(&self, stimulus: &Raster, ticks: u64) -> String {
        let mut out = String::new();
        for t in 0..ticks {
            let chans: Vec<u32> = stimulus
                .at_tick(t)
                .iter()
                .filter_map(|s| {
                    let i = self.inputs.iter().find(|i| i.name == s.port)?;
                    (s.index < i.channels).then_some(i.first_channel + s.index)
                })
                .collect();
            out.push_str(&chans.len().to_string());
            for c in chans {
                out.push_str(&format!(" {c}"));
            }
            out.push('\n');
        }
        out
    }

    /// Parses the harness's output lines into a raster and the cycle count.
    pub fn parse_output(&self, text: &str) -> Result<(Raster, u64), String> {
        let mut spikes = Vec::new();
        let mut cycles = None;
        for line in text.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            match f[..] {
                ["cycles", c] => cycles = c.parse().ok(),
                [t, p, i] => {
                    let (Ok(tick), Ok(port), Ok(index)) = (t.parse(), p.parse::<u32>(), i.parse())
                    else {
                        return Err(format!("harness wrote an unreadable line `{line}`"));
                    };
                    let name = self
                        .outputs
                        .iter()
                        .find(|o| o.port == port)
                        .ok_or_else(|| format!("harness reported unknown output port {port}"))?;
                    spikes.push(Spike {
                        tick,
                        port: name.name.clone(),
                        index,
                    });
                }
                _ => return Err(format!("harness wrote an unreadable line `{line}`")),
            }
        }
        let cycles = cycles.ok_or("the harness did not finish (no `cycles` line)")?;
        Ok((Raster::from_spikes(spikes), cycles))
    }
}

/// Harness settings.
#[derive(Clone, Copy, Debug)]
pub struct Drive {
    pub seed: u32,
    pub ready_pct: u32,
}

impl Default for Drive {
    fn default() -> Self {
        Drive {
            seed: 1,
            ready_pct: 100,
        }
    }
}

/// The repository's `sim/` folder (harness sources).
pub fn harness_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sim")
}

fn run(cmd: &mut Command, what: &str) -> Result<String, String> {
    let out = cmd.output().map_err(|e| {
        format!(
            "cannot run {what} ({e}); install it with scripts/test.sh or apt-get install iverilog"
        )
    })?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text)
    } else {
        Err(format!("{what} failed:\n{text}"))
    }
}

/// Runs the build in `build` under Icarus Verilog for `ticks` ticks.
pub fn run_icarus(
    build: &Path,
    stimulus: &Raster,
    ticks: u64,
    drive: Drive,
) -> Result<(Raster, u64), String> {
    let m = Manifest::read(build)?;
    std::fs::write(build.join("stim.txt"), m.stimulus_lines(stimulus, ticks))
        .map_err(|e| e.to_string())?;
    let harness = harness_dir().join("harness.v");
    let mut cc = Command::new("iverilog");
    cc.current_dir(build)
        .arg("-g2012")
        .arg(format!("-DTOP={}", m.top))
        .arg(format!("-DCB={}", m.width("in_channel")))
        .arg(format!("-DOB={}", m.width("out_port")))
        .arg(format!("-DIB={}", m.width("out_index")))
        .arg("-o")
        .arg("icarus.vvp")
        .arg(&harness)
        .args(&m.files);
    run(&mut cc, "iverilog")?;
    let mut sim = Command::new("vvp");
    sim.current_dir(build)
        .arg("-n")
        .arg("icarus.vvp")
        .arg("+stimulus=stim.txt")
        .arg("+output=icarus_out.txt")
        .arg(format!("+seed={}", drive.seed))
        .arg(format!("+ready_pct={}", drive.ready_pct));
    run(&mut sim, "vvp")?;
    let text = std::fs::read_to_string(build.join("icarus_out.txt")).map_err(|e| e.to_string())?;
    m.parse_output(&text)
}
