//! The malformed-input corpus: every file in `tests/malformed/*.toml` is a broken design
//! whose name starts with the diagnostic code it must produce
//! (`<code>--<short-desc>.toml`). `spikeforge check` must exit with exactly 1 — never
//! 101 (a panic), never a signal (a stack overflow or an abort), never a hang — and name
//! that code. Support files (weight .npy/.csv) live in `tests/malformed/files/`.
//!
//! Also here: the command-line cases that are not files (a missing path, a directory, bad
//! flags), and the valid designs of `tests/warnings/`, which warn but exit 0.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use spikeforge_ir::{Code, Severity};

const BIN: &str = env!("CARGO_BIN_EXE_spikeforge");

/// Longest a single `spikeforge` run may take before it counts as a hang.
const TIMEOUT: Duration = Duration::from_secs(60);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Run {
    /// `None` when the run was killed for taking longer than [`TIMEOUT`].
    status: Option<ExitStatus>,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Why this run is not a clean exit with `code`, if it is not.
    fn exit_problem(&self, code: i32) -> Option<String> {
        match self.status {
            None => Some(format!("hung: killed after {TIMEOUT:?}")),
            Some(s) if s.code() == Some(code) => None,
            Some(s) => Some(format!("expected exit code {code}, got {s}")),
        }
    }

    fn panicked(&self) -> bool {
        self.stderr.contains("panicked") || self.stdout.contains("panicked")
    }
}

/// Runs the binary from the package root with a timeout; output is read on threads so a
/// long diagnostic cannot fill a pipe and stall the child.
fn spikeforge(args: &[&str]) -> Run {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the spikeforge binary starts");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let err = drain(Box::new(child.stderr.take().expect("piped stderr")));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for spikeforge") {
            break Some(s);
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// Whether `text` names `code` as a whole word (so `weight_bits` inside
/// `weight_bits_exceed_membrane`, or the reverse, does not count).
fn names_code(text: &str, code: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(code).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + code.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

fn code_named(name: &str) -> Option<Code> {
    Code::ALL.iter().copied().find(|c| c.as_str() == name)
}

/// The `*.toml` files of a folder with the code their name starts with, sorted by name.
fn cases(folder: &str) -> Vec<(String, Code)> {
    let dir = root().join(folder);
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") || !path.is_file() {
            continue;
        }
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let code = file
            .split_once("--")
            .and_then(|(code, _)| code_named(code))
            .unwrap_or_else(|| {
                panic!("{folder}/{file}: the name must be `<code>--<desc>.toml` with a known code")
            });
        out.push((format!("{folder}/{file}"), code));
    }
    out.sort();
    out
}

#[test]
fn every_malformed_design_gets_its_diagnostic_and_exit_code_1() {
    let corpus = cases("tests/malformed");
    assert!(
        corpus.len() >= 25,
        "the corpus has only {} cases",
        corpus.len()
    );
    let mut failures = Vec::new();
    for (file, code) in &corpus {
        let run = spikeforge(&["check", file]);
        let mut problems = Vec::new();
        problems.extend(run.exit_problem(1));
        if run.panicked() {
            problems.push("panicked".to_string());
        }
        if !names_code(&run.stderr, code.as_str()) {
            problems.push(format!("stderr does not name `{code}`"));
        }
        if run.stdout.contains(": ok:") {
            problems.push("reported the design as ok".to_string());
        }
        if !problems.is_empty() {
            let stderr: String = run.stderr.chars().take(3000).collect();
            failures.push(format!(
                "{file}: {}\n--- stderr ---\n{stderr}",
                problems.join("; ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} malformed designs misbehaved:\n\n{}",
        failures.len(),
        corpus.len(),
        failures.join("\n\n")
    );
}

/// The error codes `spikeforge check` gives for a design file. Each keeps at least one
/// corpus case, so a case deleted by mistake is noticed. (`design_unreadable` is about
/// the path, not the file, and is covered by the command-line test below.)
const DESIGN_FILE_ERRORS: &[Code] = &[
    Code::NotUtf8,
    Code::EmptyDesign,
    Code::TomlSyntax,
    Code::NestingTooDeep,
    Code::UnknownKey,
    Code::MissingKey,
    Code::WrongType,
    Code::InvalidValue,
    Code::UnknownModel,
    Code::UnknownReference,
    Code::WrongPortKind,
    Code::WeightFileUnreadable,
    Code::WeightFileFormat,
    Code::RaggedWeights,
    Code::EmptyName,
    Code::InvalidName,
    Code::DuplicateName,
    Code::ParamOutOfRange,
    Code::WeightOutOfRange,
    Code::WeightBitsExceedMembrane,
    Code::ShapeMismatch,
    Code::UnconnectedInput,
    Code::PopulationWithoutInput,
];

#[test]
fn corpus_covers_every_design_file_error() {
    let corpus = cases("tests/malformed");
    let missing: Vec<_> = DESIGN_FILE_ERRORS
        .iter()
        .filter(|c| !corpus.iter().any(|(_, code)| code == *c))
        .map(|c| c.as_str())
        .collect();
    assert!(missing.is_empty(), "no corpus case for: {missing:?}");
}

/// The fixtures that must stay garbage really are: a well-meaning edit that turned them
/// into valid text would silently drop the case.
#[test]
fn garbage_fixtures_are_garbage() {
    let bytes = std::fs::read(root().join("tests/malformed/not_utf8--garbage.toml")).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err(), "must not be UTF-8");
    let text = std::fs::read_to_string(
        root().join("tests/malformed/toml_syntax--nul-control-garbage.toml"),
    )
    .unwrap();
    assert!(
        text.contains('\0') && text.contains('\u{1b}'),
        "must hold NUL and ESC"
    );
}

#[test]
fn unreadable_design_paths_exit_1() {
    for path in [
        "tests/malformed/no-such-design.toml",
        "tests/malformed/files",
    ] {
        let run = spikeforge(&["check", path]);
        assert_eq!(run.exit_problem(1), None, "{path}: {}", run.stderr);
        assert!(
            names_code(&run.stderr, "design_unreadable"),
            "{path}: {}",
            run.stderr
        );
        assert!(!run.panicked(), "{path}: {}", run.stderr);
    }
}

#[test]
fn bad_command_lines_exit_1() {
    let cases: &[&[&str]] = &[
        &[],
        &["--no-such-flag"],
        &[
            "check",
            "--no-such-flag",
            "tests/warnings/no_output--no-output-population.toml",
        ],
        &["check"],
        &["check", "a.toml", "b.toml"],
        &["frobnicate"],
        &["frobnicate", "x.toml"],
    ];
    let mut failures = Vec::new();
    for args in cases {
        let run = spikeforge(args);
        if let Some(p) = run.exit_problem(1) {
            failures.push(format!("spikeforge {args:?}: {p}\n{}", run.stderr));
        } else if run.stderr.trim().is_empty() || run.panicked() {
            failures.push(format!("spikeforge {args:?}: stderr: {:?}", run.stderr));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn help_and_version_exit_0() {
    let version = env!("CARGO_PKG_VERSION");
    let cases: &[(&[&str], &str)] = &[
        (&["--help"], "check"),
        (&["-h"], "check"),
        (&["help"], "check"),
        (&["--version"], version),
        (&["-V"], version),
        (&["check", "--help"], "design"),
        (&["help", "check"], "design"),
        (&["check", "--version"], version),
    ];
    let mut failures = Vec::new();
    for (args, expect) in cases {
        let run = spikeforge(args);
        if let Some(p) = run.exit_problem(0) {
            failures.push(format!("spikeforge {args:?}: {p}\n{}", run.stderr));
        } else if !run.stdout.contains(expect) {
            failures.push(format!(
                "spikeforge {args:?}: stdout lacks {expect:?}:\n{}",
                run.stdout
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Warnings do not fail a check: the designs of `tests/warnings/` are valid, exit 0,
/// and still print their warning.
#[test]
fn warnings_exit_0() {
    let designs = cases("tests/warnings");
    assert!(!designs.is_empty());
    for (file, code) in designs {
        assert_eq!(code.severity(), Severity::Warning, "{file}");
        let run = spikeforge(&["check", &file]);
        assert_eq!(run.exit_problem(0), None, "{file}: {}", run.stderr);
        assert!(
            names_code(&run.stderr, code.as_str()),
            "{file}: {}",
            run.stderr
        );
        assert!(run.stdout.contains(": ok:"), "{file}: {}", run.stdout);
    }
}

#[test]
fn names_code_matches_whole_words_only() {
    assert!(names_code(
        "error\nweight_bits_exceed_membrane\n",
        "weight_bits_exceed_membrane"
    ));
    assert!(!names_code("`weight_bits_exceed_membrane`", "weight_bits"));
    assert!(!names_code("unknown_keys", "unknown_key"));
    assert!(names_code("[unknown_key]", "unknown_key"));
}
