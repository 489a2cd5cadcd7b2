//! Printing diagnostics to the terminal: colour on a terminal (unless `NO_COLOR` is
//! set), miette's plain ASCII theme everywhere else, so logs and pipes stay readable.

use std::io::IsTerminal;

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
