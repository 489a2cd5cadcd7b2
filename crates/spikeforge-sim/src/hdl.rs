//! Running emitted RTL in an HDL simulator through the harnesses in `sim/`
//! (`harness.v` under Icarus Verilog, `verilator/harness.cpp` under Verilator; both
//! drive the top identically, cycle for cycle): the build directory's `manifest.json`
//! says how ports and channels map to the design's names; the stimulus raster becomes
//! the harness's per-tick channel lists, and the harness's output lines become an output
//! raster, so HDL runs compare byte for byte with the functional model. Either harness
//! can also write a per-cycle port trace (format in `sim/harness.v`), identical across
//! engines.
//!
//! Verilator models are compiled once per RTL and kept in a cache
//! ([`verilator_cache_root`], [`verilator_cache_key`]); build and run times are
//! reported apart ([`HdlRun`]).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

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

/// An HDL simulator running the harness of `sim/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Engine {
    /// Icarus Verilog with `sim/harness.v`.
    Icarus,
    /// Verilator with `sim/verilator/harness.cpp`.
    Verilator,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Icarus => "icarus",
            Engine::Verilator => "verilator",
        }
    }
}

/// The harness compiled for one build, ready to run any number of times.
#[derive(Clone, Debug)]
pub struct Compiled {
    pub engine: Engine,
    /// Icarus: `icarus.vvp` in the build directory; Verilator: the cached binary.
    pub program: PathBuf,
    /// Wall-clock seconds spent compiling (0 when the Verilator cache had the binary).
    pub build_secs: f64,
    /// Verilator: the binary came from the cache and no verilator process ran.
    pub cached: bool,
    /// Verilator: the cache key (hex SHA-256, see [`verilator_cache_key`]); empty for Icarus.
    pub key: String,
}

/// One run of the harness.
#[derive(Clone, Debug)]
pub struct HdlRun {
    pub raster: Raster,
    /// The harness's cycle count (its final `cycles` line).
    pub cycles: u64,
    /// The per-cycle port trace (format in `sim/harness.v`), when asked for.
    pub trace: Option<String>,
    /// Seconds spent compiling the harness (0 on a Verilator cache hit).
    pub build_secs: f64,
    /// Seconds spent simulating.
    pub run_secs: f64,
    /// The Verilator binary came from the cache.
    pub cached: bool,
}

/// The Icarus harness, `sim/harness.v`, built into the binary so that an installed
/// spikeforge needs no source tree. It is written into the build folder to compile.
pub const ICARUS_HARNESS: &str = include_str!("../../../sim/harness.v");

/// The file name the Icarus harness gets in a build folder.
const ICARUS_HARNESS_FILE: &str = "spikeforge_harness.v";

/// The Verilator harness: every file of `sim/verilator/`, by name, built into the binary
/// (a unit test checks the list against the folder).
pub const VERILATOR_HARNESS: &[(&str, &str)] = &[(
    "harness.cpp",
    include_str!("../../../sim/verilator/harness.cpp"),
)];

/// Runs `cmd`; `package` is the Debian package providing it, for the install hint.
fn run(cmd: &mut Command, what: &str, package: &str) -> Result<String, String> {
    let out = cmd.output().map_err(|e| {
        format!(
            "cannot run {what} ({e}); install it with scripts/test.sh or apt-get install {package}"
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
        Err(format!("{what} failed ({}):\n{text}", out.status))
    }
}

/// Compiles the harness of `engine` for the build in `build` (Verilator: through the
/// cache at [`verilator_cache_root`]).
pub fn compile(engine: Engine, build: &Path) -> Result<Compiled, String> {
    match engine {
        Engine::Icarus => compile_icarus(build),
        Engine::Verilator => compile_verilator(build, &verilator_cache_root()),
    }
}

fn compile_icarus(build: &Path) -> Result<Compiled, String> {
    let m = Manifest::read(build)?;
    let start = Instant::now();
    std::fs::write(build.join(ICARUS_HARNESS_FILE), ICARUS_HARNESS)
        .map_err(|e| format!("cannot write the harness into {}: {e}", build.display()))?;
    let mut cc = Command::new("iverilog");
    cc.current_dir(build)
        .arg("-g2012")
        .arg(format!("-DTOP={}", m.top))
        .arg(format!("-DCB={}", m.width("in_channel")))
        .arg(format!("-DOB={}", m.width("out_port")))
        .arg(format!("-DIB={}", m.width("out_index")))
        .arg("-o")
        .arg("icarus.vvp")
        .arg(ICARUS_HARNESS_FILE)
        .args(&m.files);
    run(&mut cc, "iverilog", "iverilog")?;
    Ok(Compiled {
        engine: Engine::Icarus,
        program: build.join("icarus.vvp"),
        build_secs: start.elapsed().as_secs_f64(),
        cached: false,
        key: String::new(),
    })
}

impl Compiled {
    /// Runs the compiled harness on the build in `build` (its working directory, where
    /// the `$readmemh` images are read) for `ticks` ticks of `stimulus`. The stimulus,
    /// output and trace files are `<engine>_stim.txt`, `<engine>_out.txt` and
    /// `<engine>_trace.txt` in the build directory.
    pub fn run(
        &self,
        build: &Path,
        stimulus: &Raster,
        ticks: u64,
        drive: Drive,
        trace: bool,
    ) -> Result<HdlRun, String> {
        let m = Manifest::read(build)?;
        let name = self.engine.name();
        let (stim, out, tr) = (
            format!("{name}_stim.txt"),
            format!("{name}_out.txt"),
            format!("{name}_trace.txt"),
        );
        std::fs::write(build.join(&stim), m.stimulus_lines(stimulus, ticks))
            .map_err(|e| format!("cannot write {}: {e}", build.join(&stim).display()))?;
        let mut args = vec![
            format!("+stimulus={stim}"),
            format!("+output={out}"),
            format!("+seed={}", drive.seed),
            format!("+ready_pct={}", drive.ready_pct),
        ];
        if trace {
            args.push(format!("+trace={tr}"));
        }
        let mut sim = match self.engine {
            Engine::Icarus => {
                let mut c = Command::new("vvp");
                c.arg("-n").arg(&self.program);
                c
            }
            Engine::Verilator => Command::new(&self.program),
        };
        sim.current_dir(build).args(&args);
        let start = Instant::now();
        match self.engine {
            Engine::Icarus => run(&mut sim, "vvp", "iverilog")?,
            Engine::Verilator => run(&mut sim, "the Verilator harness", "verilator")?,
        };
        let run_secs = start.elapsed().as_secs_f64();
        let read = |f: &str| {
            std::fs::read_to_string(build.join(f))
                .map_err(|e| format!("cannot read {}: {e}", build.join(f).display()))
        };
        let (raster, cycles) = m.parse_output(&read(&out)?)?;
        Ok(HdlRun {
            raster,
            cycles,
            trace: if trace { Some(read(&tr)?) } else { None },
            build_secs: self.build_secs,
            run_secs,
            cached: self.cached,
        })
    }
}

/// Compiles (or finds in the cache) and runs the harness of `engine` on `build`.
pub fn run_hdl(
    engine: Engine,
    build: &Path,
    stimulus: &Raster,
    ticks: u64,
    drive: Drive,
    trace: bool,
) -> Result<HdlRun, String> {
    compile(engine, build)?.run(build, stimulus, ticks, drive, trace)
}

/// Runs the build in `build` under Icarus Verilog for `ticks` ticks.
pub fn run_icarus(
    build: &Path,
    stimulus: &Raster,
    ticks: u64,
    drive: Drive,
) -> Result<(Raster, u64), String> {
    run_hdl(Engine::Icarus, build, stimulus, ticks, drive, false).map(|r| (r.raster, r.cycles))
}

/// Runs the build in `build` under Verilator for `ticks` ticks (the model is compiled
/// once per RTL, see [`verilator_cache_root`]).
pub fn run_verilator(
    build: &Path,
    stimulus: &Raster,
    ticks: u64,
    drive: Drive,
) -> Result<(Raster, u64), String> {
    run_hdl(Engine::Verilator, build, stimulus, ticks, drive, false).map(|r| (r.raster, r.cycles))
}

/// The one place that decides where compiled Verilator harnesses live:
/// `<base>/spikeforge-verilator`, where `<base>` is `$SPIKEFORGE_CACHE` when set and not
/// empty, else `$XDG_CACHE_HOME/spikeforge`, else `$HOME/.cache/spikeforge`, else the
/// temporary folder's `spikeforge-cache`; made absolute against the current directory. Each entry is `<root>/<key>/` (key: [`verilator_cache_key`]),
/// holding the binary `Vharness`, the Verilator log `build.log` and `key.txt` (what
/// went into the key; written last, so its presence marks a complete entry). Entries are
/// never invalidated, only added: delete the folder to reclaim the space.
pub fn verilator_cache_root() -> PathBuf {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = var("SPIKEFORGE_CACHE")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("spikeforge")))
        .or_else(|| var("HOME").map(|d| d.join(".cache").join("spikeforge")))
        .unwrap_or_else(|| std::env::temp_dir().join("spikeforge-cache"));
    let root = base.join("spikeforge-verilator");
    if root.is_absolute() {
        root
    } else {
        std::env::current_dir().map_or(root.clone(), |d| d.join(&root))
    }
}

/// A Verilog file without its leading comment lines (the generator's header).
fn without_header(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let body: Vec<&str> = text.lines().skip_while(|l| l.starts_with("//")).collect();
    body.join("\n").into_bytes()
}

/// `verilator --version`, asked once per process.
pub fn verilator_version() -> Result<String, String> {
    static VERSION: OnceLock<Result<String, String>> = OnceLock::new();
    VERSION
        .get_or_init(|| {
            run(
                Command::new("verilator").arg("--version"),
                "verilator",
                "verilator",
            )
            .map(|v| v.trim().to_string())
        })
        .clone()
}

/// The Verilator flags that shape the binary (part of the cache key). The command adds
/// only where things go (`-Mdir`), the build parallelism (`-j`) and the sources.
fn verilator_flags(m: &Manifest) -> Vec<String> {
    [
        "--cc",
        "--exe",
        "--build",
        "-O3",
        "--prefix",
        "Vtop",
        "--top-module",
        &m.top,
        "-CFLAGS",
        &format!("-DCB={}", m.width("in_channel")),
        "-CFLAGS",
        &format!("-DOB={}", m.width("out_port")),
        "-CFLAGS",
        &format!("-DIB={}", m.width("out_index")),
        "-o",
        "Vharness",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The cache key of the Verilator harness for `build`: the hex SHA-256 over the harness
/// sources (`sim/verilator/*`), the Verilog files of the build (in `files.f` order, names
/// and contents), the Verilator version string and the build flags; and a readable
/// account of those inputs. The memory images are not part of it: `$readmemh` runs when
/// the binary starts, in the build directory, so one binary serves any images.
pub fn verilator_cache_key(build: &Path) -> Result<(String, String), String> {
    use sha2::{Digest, Sha256};
    let m = Manifest::read(build)?;
    let mut h = Sha256::new();
    let mut account = String::new();
    let put = |h: &mut Sha256, tag: &str, bytes: &[u8]| {
        for part in [tag.as_bytes(), bytes] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
    };
    let version = verilator_version()?;
    put(&mut h, "version", version.as_bytes());
    account.push_str(&format!("version {version}\n"));
    let flags = verilator_flags(&m);
    put(&mut h, "flags", flags.join("\n").as_bytes());
    account.push_str(&format!("flags {}\n", flags.join(" ")));
    let mut inputs: Vec<(String, Vec<u8>)> = VERILATOR_HARNESS
        .iter()
        .map(|(name, text)| (format!("harness {name}"), text.as_bytes().to_vec()))
        .collect();
    for f in &m.files {
        let path = build.join(f);
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        // The header comment of emitted files names the design input's digest, which
        // does not change the hardware: leave it out, so equal RTL shares one model.
        inputs.push((format!("rtl {f}"), without_header(&bytes)));
    }
    for (tag, bytes) in inputs {
        put(&mut h, &tag, &bytes);
        let file_hash: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        account.push_str(&format!("{tag} {file_hash}\n"));
    }
    let key: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((key, account))
}

/// Compiles the Verilator harness for `build` into `cache_root/<key>/`, or finds it
/// there (then no verilator process runs). Concurrent builds of one key are safe: each
/// builds in a private folder and the first to rename it into place wins.
pub fn compile_verilator(build: &Path, cache_root: &Path) -> Result<Compiled, String> {
    let m = Manifest::read(build)?;
    let (key, account) = verilator_cache_key(build)?;
    let entry = cache_root.join(&key);
    let binary = entry.join("Vharness");
    let complete = |dir: &Path| dir.join("key.txt").is_file() && dir.join("Vharness").is_file();
    if complete(&entry) {
        return Ok(Compiled {
            engine: Engine::Verilator,
            program: binary,
            build_secs: 0.0,
            cached: true,
            key,
        });
    }
    static SERIAL: AtomicUsize = AtomicUsize::new(0);
    let tmp = cache_root.join(format!(
        ".{key}.{}.{}.tmp",
        std::process::id(),
        SERIAL.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
    for (name, text) in VERILATOR_HARNESS {
        std::fs::write(tmp.join(name), text)
            .map_err(|e| format!("cannot write {}: {e}", tmp.join(name).display()))?;
    }
    let build_abs = build
        .canonicalize()
        .map_err(|e| format!("cannot find {}: {e}", build.display()))?;
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut cmd = Command::new("verilator");
    cmd.current_dir(&tmp)
        .args(verilator_flags(&m))
        .arg("-Mdir")
        .arg("obj")
        .arg("-j")
        .arg(jobs.to_string())
        .args(
            VERILATOR_HARNESS
                .iter()
                .map(|(name, _)| *name)
                .filter(|n| n.ends_with(".cpp")),
        )
        .args(m.files.iter().map(|f| build_abs.join(f)));
    let start = Instant::now();
    let result = run(&mut cmd, "verilator", "verilator").and_then(|log| {
        std::fs::rename(tmp.join("obj/Vharness"), tmp.join("Vharness"))
            .map_err(|e| format!("verilator made no binary ({e}):\n{log}"))?;
        let _ = std::fs::remove_dir_all(tmp.join("obj"));
        std::fs::write(tmp.join("build.log"), &log).map_err(|e| e.to_string())?;
        std::fs::write(tmp.join("key.txt"), &account).map_err(|e| e.to_string())
    });
    let build_secs = start.elapsed().as_secs_f64();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if std::fs::rename(&tmp, &entry).is_err() {
        // Another process finished the same key first (or a broken entry is in the way).
        let _ = std::fs::remove_dir_all(&tmp);
        if !complete(&entry) {
            return Err(format!(
                "cannot install the Verilator build into {}; delete that folder",
                entry.display()
            ));
        }
    }
    Ok(Compiled {
        engine: Engine::Verilator,
        program: binary,
        build_secs,
        cached: false,
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The harnesses built into the binary are exactly the files of `sim/`.
    #[test]
    fn built_in_harnesses_are_the_sim_folder() {
        let sim = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sim");
        assert_eq!(
            std::fs::read_to_string(sim.join("harness.v")).unwrap(),
            ICARUS_HARNESS
        );
        let mut on_disk: Vec<(String, String)> = std::fs::read_dir(sim.join("verilator"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().to_string();
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        on_disk.sort();
        let built_in: Vec<(String, String)> = VERILATOR_HARNESS
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        assert_eq!(
            built_in, on_disk,
            "list every file of sim/verilator/ in VERILATOR_HARNESS"
        );
    }
}
