//! Printing diagnostics to the terminal: colour on a terminal (unless `NO_COLOR` is
//! set), miette's plain ASCII theme everywhere else, so logs and pipes stay readable.

use std::io::IsTerminal;

use std::path::Path;

use spikeforge_frontend::{load_design, Loaded};
use spikeforge_ir::{diagnostic::render, Diagnostics, Source, Style};

/// The style for standard error.
pub fn style() -> Style {
    let color_ok = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    if std::io::stderr().is_terminal() && color_ok {
        Style::Color
    } else {
        Style::Plain
    }
}

/// Prints every diagnostic to standard error.
pub fn print(diags: &Diagnostics, source: Option<&Source>) {
    let style = style();
    for d in diags {
        eprint!("{}", render(d, source, style));
    }
}

/// "1 input", "2 inputs".
pub fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// "2 errors, 1 warning", or "" when there are none.
pub fn counts(errors: usize, warnings: usize) -> String {
    match (errors, warnings) {
        (0, 0) => String::new(),
        (0, w) => plural(w, "warning"),
        (e, 0) => plural(e, "error"),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    }
}

/// Loads a design for a command that goes on to use it: prints its warnings, or its
/// errors and a count, and returns it only when it loaded.
pub fn load(path: &Path) -> Option<Loaded> {
    let loaded = load_design(path);
    match &loaded.result {
        Ok(c) => print(c.warnings(), loaded.source.as_ref()),
        Err(diags) => {
            print(diags, loaded.source.as_ref());
            eprintln!(
                "{}: {}",
                path.display(),
                counts(diags.error_count(), diags.warning_count())
            );
        }
    }
    loaded.result.is_ok().then_some(loaded)
}
