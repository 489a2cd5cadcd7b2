//! `generated/<design>/` holds the build of every design in `designs/`, exactly as
//! `spikeforge build designs/<design>.toml --out generated/<design>` writes it. This test
//! rebuilds them all and fails on any byte of difference, any missing or extra file.
//! After an intended change to the emitted hardware, refresh them with
//! `SPIKEFORGE_BLESS=1 cargo test --test generated` and review the diff.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn designs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("designs"))
        .expect("designs/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

fn on_disk(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|e| e.expect("entry").path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn generated_rtl_is_current() {
    let bless = std::env::var_os("SPIKEFORGE_BLESS").is_some();
    let mut stale = Vec::new();
    for design in designs() {
        let stem = design.file_stem().unwrap().to_string_lossy().to_string();
        let out = root().join("generated").join(&stem);
        let emitted =
            spikeforge_cli::build::build_file(&design).unwrap_or_else(|e| panic!("{stem}: {e}"));
        if bless {
            spikeforge_cli::build::write_atomically(&out, &emitted.files).unwrap();
            continue;
        }
        let want: BTreeMap<String, Vec<u8>> = emitted
            .files
            .iter()
            .map(|(n, t)| (n.clone(), t.as_bytes().to_vec()))
            .collect();
        let have = on_disk(&out);
        for (name, bytes) in &want {
            match have.get(name) {
                None => stale.push(format!("generated/{stem}/{name} is missing")),
                Some(b) if b != bytes => stale.push(format!("generated/{stem}/{name} differs")),
                _ => {}
            }
        }
        for name in have.keys().filter(|n| !want.contains_key(*n)) {
            stale.push(format!("generated/{stem}/{name} is not produced any more"));
        }
    }
    // No folder in generated/ without a design.
    if let Ok(entries) = std::fs::read_dir(root().join("generated")) {
        for e in entries {
            let p = e.unwrap().path();
            let stem = p.file_name().unwrap().to_string_lossy().to_string();
            if p.is_dir() && !root().join("designs").join(format!("{stem}.toml")).exists() {
                stale.push(format!("generated/{stem}/ has no design in designs/"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "generated/ is out of date ({} problems); run `SPIKEFORGE_BLESS=1 cargo test --test generated` and review:\n{}",
        stale.len(),
        stale.join("\n")
    );
}
