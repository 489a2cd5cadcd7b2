//! Ctrl-C: a command that is writing temporary files or folders, or swapping a folder
//! into place, registers what an interruption must undo; the handler undoes it and
//! exits with 130 (the shell's code for SIGINT), so no partial output is left behind.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What to undo if the process is interrupted now.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Undo {
    /// A temporary file or folder: remove it.
    Remove(PathBuf),
    /// A folder moved aside while its replacement goes in: move it back if the
    /// replacement is not there.
    Restore { aside: PathBuf, place: PathBuf },
}

static PENDING: Mutex<Vec<Undo>> = Mutex::new(Vec::new());

/// Installs the handler (once, at start-up).
pub fn install() {
    // A second installation (tests calling main twice) is harmless to refuse.
    let _ = ctrlc::set_handler(|| {
        undo_all();
        std::process::exit(130);
    });
}

fn undo_all() {
    let pending = match PENDING.lock() {
        Ok(p) => p.clone(),
        Err(p) => p.into_inner().clone(),
    };
    for u in pending.iter().rev() {
        match u {
            Undo::Remove(p) => {
                let _ = std::fs::remove_dir_all(p).or_else(|_| std::fs::remove_file(p));
            }
            Undo::Restore { aside, place } => {
                if aside.exists() && !place.exists() {
                    let _ = std::fs::rename(aside, place);
                }
            }
        }
    }
}

/// Keeps an undo registered while it lives.
#[must_use]
pub struct Guard(Undo);

impl Guard {
    /// `path` (a file or folder) is temporary: remove it on interruption.
    pub fn remove(path: &Path) -> Guard {
        Guard::register(Undo::Remove(path.to_path_buf()))
    }

    /// `aside` holds what belongs at `place` until the replacement is renamed in.
    pub fn restore(aside: &Path, place: &Path) -> Guard {
        Guard::register(Undo::Restore {
            aside: aside.to_path_buf(),
            place: place.to_path_buf(),
        })
    }

    fn register(u: Undo) -> Guard {
        if let Ok(mut p) = PENDING.lock() {
            p.push(u.clone());
        }
        Guard(u)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Ok(mut p) = PENDING.lock() {
            if let Some(i) = p.iter().rposition(|u| *u == self.0) {
                p.remove(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undo_removes_temporaries_and_restores_folders() {
        let base = std::env::temp_dir().join(format!("sf-interrupt-{}", std::process::id()));
        let (tmp, aside, place) = (base.join("tmp"), base.join("aside"), base.join("out"));
        std::fs::create_dir_all(&tmp).unwrap();
        std::fs::create_dir_all(&aside).unwrap();
        let g1 = Guard::remove(&tmp);
        let g2 = Guard::restore(&aside, &place);
        undo_all();
        assert!(!tmp.exists());
        assert!(place.is_dir() && !aside.exists());
        drop((g1, g2));
        // Dropped guards undo nothing.
        std::fs::create_dir_all(&tmp).unwrap();
        undo_all();
        assert!(tmp.exists());
        std::fs::remove_dir_all(&base).unwrap();
    }
}
