//! `spikeforge build`'s library half: design -> plan -> emitted hardware, and writing a
//! build directory atomically. The `generated/` drift test calls the same functions, so
//! the checked-in RTL is exactly what the command writes.

use std::io;
use std::path::{Path, PathBuf};

use spikeforge_frontend::Loaded;
use spikeforge_ir::{Circuit, Diagnostics};
use spikeforge_pnr::{place_and_route, verify, Options, Plan};
use spikeforge_rtl::Emitted;

/// Why a build stopped.
pub enum BuildError {
    /// The design does not fit the hardware (diagnostics with spans into the design).
    Design(Diagnostics),
    /// A bug in spikeforge: a plan that fails verification or RTL that fails the checker.
    Internal(Vec<String>),
}

/// Places, routes and emits a loaded design.
pub fn build(
    circuit: &Circuit,
    input_sha256: &str,
    opts: &Options,
) -> Result<(Plan, Emitted), BuildError> {
    let plan = place_and_route(circuit, opts)
        .map_err(BuildError::Design)?
        .plan;
    let problems = verify::verify(&plan);
    if !problems.is_empty() {
        return Err(BuildError::Internal(
            problems.iter().map(|p| p.to_string()).collect(),
        ));
    }
    let emitted = spikeforge_rtl::emit(&plan, input_sha256).map_err(BuildError::Internal)?;
    Ok((plan, emitted))
}

/// Builds the design at `design` with the default options, as `generated/` holds it.
pub fn build_file(design: &Path) -> Result<Emitted, String> {
    let loaded: Loaded = spikeforge_frontend::load_design(design);
    let sha = loaded
        .input_sha256(design)
        .ok_or("the design does not load")?;
    let circuit = loaded.result.map_err(|d| d.to_string())?;
    match build(&circuit, &sha, &Options::default()) {
        Ok((_, e)) => Ok(e),
        Err(BuildError::Design(d)) => Err(d.to_string()),
        Err(BuildError::Internal(p)) => Err(p.join("\n")),
    }
}

/// Writes `files` into `out` so that `out` either keeps its old contents or holds
/// exactly the new ones: the files go into a fresh sibling folder first, which then
/// replaces `out` by renames. On error nothing half-written is left behind.
pub fn write_atomically(out: &Path, files: &[(String, String)]) -> io::Result<()> {
    if out.exists() && !out.is_dir() {
        return Err(io::Error::other(format!(
            "`{}` exists and is not a folder",
            out.display()
        )));
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)?;
    let leaf = out
        .file_name()
        .ok_or_else(|| io::Error::other(format!("`{}` does not name a folder", out.display())))?
        .to_string_lossy()
        .to_string();
    let tmp = parent.join(format!(".{leaf}.spikeforge-new-{}", std::process::id()));
    let old = parent.join(format!(".{leaf}.spikeforge-old-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let _removing = crate::interrupt::Guard::remove(&tmp);
    let written = (|| {
        std::fs::create_dir(&tmp)?;
        for (name, text) in files {
            std::fs::write(tmp.join(name), text)?;
        }
        let _restoring = crate::interrupt::Guard::restore(&old, out);
        if out.exists() {
            std::fs::rename(out, &old)?;
        }
        std::fs::rename(&tmp, out)
    })();
    match written {
        Ok(()) => {
            let _ = std::fs::remove_dir_all(&old);
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            if old.exists() && !out.exists() {
                let _ = std::fs::rename(&old, out);
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_a_folder_whole() {
        let base = std::env::temp_dir().join(format!("sf-atomic-{}", std::process::id()));
        let out = base.join("out");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("stale.v"), "old").unwrap();
        write_atomically(&out, &[("a.v".into(), "new".into())]).unwrap();
        let names: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.v")]);
        // Only `out` is left in the parent: no temporary folders.
        assert_eq!(std::fs::read_dir(&base).unwrap().count(), 1);
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn a_failed_write_leaves_the_old_folder() {
        let base = std::env::temp_dir().join(format!("sf-atomic-fail-{}", std::process::id()));
        let out = base.join("out");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("keep.v"), "old").unwrap();
        // A file name with a folder that does not exist makes the write fail midway.
        let err = write_atomically(
            &out,
            &[("a.v".into(), "x".into()), ("no/such.v".into(), "y".into())],
        );
        assert!(err.is_err());
        assert_eq!(std::fs::read_to_string(out.join("keep.v")).unwrap(), "old");
        assert_eq!(std::fs::read_dir(&base).unwrap().count(), 1);
        std::fs::remove_dir_all(&base).unwrap();
    }
}
