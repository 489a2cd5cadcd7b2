//! Diagnostics as values: every problem spikeforge finds in a user's design is a
//! [`Diagnostic`] with a stable [`Code`], a severity, a message, labelled spans into the
//! design source and a help line. Nothing here panics on user input; rendering goes
//! through miette so the CLI and the snapshot tests print the same text.

use std::fmt;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

/// Whether a diagnostic stops the flow (`Error`) or only informs (`Warning`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

macro_rules! codes {
    ($($variant:ident => $name:literal, $severity:ident, $help:literal;)*) => {
        /// The stable code of a diagnostic. The string form (`Code::as_str`) never changes
        /// once released: users grep for it and the snapshot tests are keyed by it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant,)* }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable snake_case name of the code.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// The severity a diagnostic of this code has.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// The default help line of the code.
            pub fn help(self) -> &'static str {
                match self { $(Code::$variant => $help,)* }
            }
        }
    };
}

codes! {
    // Reading the design file.
    DesignUnreadable => "design_unreadable", Error,
        "check the path of the design file and its permissions";
    NotUtf8 => "not_utf8", Error,
        "a design is a TOML text file in UTF-8; check that the right file was given";
    EmptyDesign => "empty_design", Error,
        "a design needs a `name`, at least one [[input]] and at least one [[population]]; see docs/design-format.md";
    TomlSyntax => "toml_syntax", Error,
        "fix the TOML syntax at the marked place";
    NestingTooDeep => "nesting_too_deep", Error,
        "design values nest at most two arrays deep (weights = [[...], ...]); this value nests far deeper than the parser accepts";
    UnknownKey => "unknown_key", Error,
        "remove the key or correct its spelling; docs/design-format.md lists every key";
    MissingKey => "missing_key", Error,
        "add the missing key to the marked table";
    WrongType => "wrong_type", Error,
        "give the key a value of the type docs/design-format.md lists for it";
    InvalidValue => "invalid_value", Error,
        "use one of the values the message lists";
    UnknownModel => "unknown_model", Error,
        "the neuron models spikeforge knows are: lif";
    UnknownReference => "unknown_reference", Error,
        "`from` names a spike input or a population, `to` names a population; check the spelling";
    WrongPortKind => "wrong_port_kind", Error,
        "a crossbar delivers weighted spikes, which only a population can take; point `to` at a population";
    WeightFileUnreadable => "weight_file_unreadable", Error,
        "weight files are resolved relative to the design file; check the path and its permissions";
    WeightFileFormat => "weight_file_format", Error,
        "weight files are .npy (2-D, integer dtype) or .csv (one row of integers per source, comma separated)";
    RaggedWeights => "ragged_weights", Error,
        "every row of a weight matrix has one entry per target neuron";
    // Validating the circuit graph.
    EmptyName => "empty_name", Error,
        "give the block a non-empty name";
    InvalidName => "invalid_name", Error,
        "names may hold any printable character except whitespace, `,` and `\"` (they appear in CSV rasters)";
    DuplicateName => "duplicate_name", Error,
        "inputs and populations share one namespace, crossbars another; rename one of them";
    ParamOutOfRange => "param_out_of_range", Error,
        "the ranges are those of the semantics page; see docs/design-format.md";
    WeightOutOfRange => "weight_out_of_range", Error,
        "a weight of `weight_bits` bits lies in -2^(bits-1) ..= 2^(bits-1)-1; widen `weight_bits` or rescale the weights";
    WeightBitsExceedMembrane => "weight_bits_exceed_membrane", Error,
        "a weight must fit the membrane: lower the crossbar's `weight_bits` or raise the population's `membrane_bits`";
    ShapeMismatch => "shape_mismatch", Error,
        "a crossbar's weight matrix has one row per source channel or neuron and one column per target neuron";
    UnconnectedInput => "unconnected_input", Error,
        "connect the input to a population with a [[crossbar]], or remove it";
    PopulationWithoutInput => "population_without_input", Error,
        "add a [[crossbar]] with `to` set to this population, or remove it";
    NoOutput => "no_output", Warning,
        "mark at least one population with `output = true`, or nothing of the design is observable";
    UnobservedPopulation => "unobserved_population", Warning,
        "this population drives no crossbar and is not an output; mark it `output = true` or remove it";
    AccumulatorMayWrap => "accumulator_may_wrap", Warning,
        "the accumulator wraps modulo 2^V; raise `membrane_bits` or scale the weights down if the sum matters";
    // Reading stimulus rasters (CSV: tick,port,index).
    StimulusHeader => "stimulus_header", Error,
        "a stimulus file starts with the header line `tick,port,index`";
    StimulusSyntax => "stimulus_syntax", Error,
        "each line is `tick,port,index`: a tick number, the name of a spike input, a channel number";
    UnknownPort => "unknown_port", Error,
        "the port column names a spike input of the design";
    ChannelOutOfRange => "channel_out_of_range", Error,
        "channels of an input are numbered from 0 to channels - 1";
    UnsortedRows => "unsorted_rows", Error,
        "rows are sorted by tick, then port name, then index (the raster format of the semantics page)";
    DuplicateRow => "duplicate_row", Error,
        "a channel spikes at most once per tick; remove the repeated line";
    TickBeyondRun => "tick_beyond_run", Error,
        "raise --ticks to include this tick, or remove the rows past the end of the run";
    // Reading a design's [workload] (what `spikeforge run` classifies).
    NoWorkload => "no_workload", Error,
        "`spikeforge run` needs a [workload] table naming a labelled stimulus; see docs/design-format.md";
    WorkloadFileUnreadable => "workload_file_unreadable", Error,
        "workload files are resolved relative to the design file; check the path and its permissions";
    LabelsFormat => "labels_format", Error,
        "a labels file is CSV: the header `image,label`, then one line per image, numbered from 0, with its class (0, 1, 2, ...)";
    BadReadout => "bad_readout", Error,
        "`readout` names an output population with at least one neuron per class: neuron k votes for class k";
    // Place and route (spikeforge-pnr).
    MeshOverflow => "mesh_overflow", Error,
        "enlarge `mesh` in [hardware] (or leave it out to get the smallest square that fits), or raise `tile_neurons` / `tile_axons` so fewer tiles are needed";
    AxonOverflow => "axon_overflow", Error,
        "all distinct spike sources of one neuron must fit one tile's axon rows: raise `tile_axons` in [hardware], or prune the crossbars into this population";
    TableOverflow => "table_overflow", Error,
        "raise `table_entries` in [hardware], enlarge `mesh` so routes can spread, or raise `tile_neurons` so fewer source groups need entries";
    KeySpaceOverflow => "key_space_overflow", Error,
        "routing keys are 32 bits (source group, then neuron within the group): lower `tile_neurons` or split the design";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A byte range in the design source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
}

impl From<std::ops::Range<usize>> for Span {
    fn from(r: std::ops::Range<usize>) -> Self {
        Span::new(r.start, r.end)
    }
}

/// A span with the text printed beside it. The first primary label is where the
/// problem is; secondary labels show what is involved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub text: String,
    pub primary: bool,
}

/// One problem found in a design.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub labels: Vec<Label>,
    /// Overrides the code's default help line when set.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic of `code` with the code's own severity.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            labels: Vec::new(),
            help: None,
        }
    }

    /// Adds the primary label, when the span is known (designs built in Rust have none).
    pub fn label(mut self, span: Option<Span>, text: impl Into<String>) -> Self {
        if let Some(span) = span {
            self.labels.push(Label {
                span,
                text: text.into(),
                primary: true,
            });
        }
        self
    }

    /// Adds a secondary label, when the span is known.
    pub fn also(mut self, span: Option<Span>, text: impl Into<String>) -> Self {
        if let Some(span) = span {
            self.labels.push(Label {
                span,
                text: text.into(),
                primary: false,
            });
        }
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The help line shown: the override, or the code's default.
    pub fn help_text(&self) -> &str {
        self.help.as_deref().unwrap_or(self.code.help())
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level}[{}]: {}", self.code, self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// An ordered collection of diagnostics: passes push into it and keep going, so a user
/// sees every problem of a design at once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.0.len() - self.error_count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// Errors first, then warnings, each in source order, so output is stable and
    /// the most important problems come first.
    pub fn sorted(mut self) -> Self {
        self.0.sort_by_key(|d| {
            let first = d.labels.first().map(|l| l.span.start).unwrap_or(usize::MAX);
            (d.severity, first)
        });
        self
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// The text a design was read from, so diagnostics can quote it.
#[derive(Clone, Debug)]
pub struct Source {
    pub name: String,
    pub text: Arc<str>,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// How diagnostics are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// miette's plain theme: ASCII, no colour. Used by the snapshot tests and pipes.
    Plain,
    /// Unicode box drawing without colour.
    Unicode,
    /// Unicode with ANSI colour, for terminals.
    Color,
}

/// Renders one diagnostic, quoting `source` where the diagnostic has labels.
pub fn render(diagnostic: &Diagnostic, source: Option<&Source>, style: Style) -> String {
    let theme = match style {
        Style::Plain => GraphicalTheme::none(),
        Style::Unicode => GraphicalTheme::unicode_nocolor(),
        Style::Color => GraphicalTheme::unicode(),
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let named = source.map(|s| NamedSource::new(printable(&s.name), printable(&s.text)));
    let view = MietteView {
        d: diagnostic,
        source: named,
    };
    let mut out = String::new();
    if handler.render_report(&mut out, &view).is_err() {
        // Rendering into a String cannot fail in practice; fall back to the one-line form.
        out = format!("{diagnostic}\n");
    }
    out
}

/// `text` with every control character but tab, line feed and carriage return shown as
/// `?`: a design file may hold any bytes, and quoting an escape sequence verbatim would
/// drive the user's terminal. Each character becomes as many `?` as it has bytes, so
/// byte spans stay valid.
fn printable(text: &str) -> Arc<str> {
    let bad = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    if !text.chars().any(bad) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if bad(c) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out.into()
}

struct MietteView<'a> {
    d: &'a Diagnostic,
    source: Option<NamedSource<Arc<str>>>,
}

impl fmt::Debug for MietteView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.d, f)
    }
}

impl fmt::Display for MietteView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Messages quote user text (names, model names), which may hold control characters.
        f.write_str(&printable(&self.d.message))
    }
}

impl std::error::Error for MietteView<'_> {}

impl miette::Diagnostic for MietteView<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.d.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.d.help_text()))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        match &self.source {
            Some(s) if !self.d.labels.is_empty() => Some(s as &dyn miette::SourceCode),
            _ => None,
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let len = self.source.as_ref()?.inner().len();
        if self.d.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.d.labels.iter().map(move |l| {
            // Clamp so a stale span can never make miette index out of bounds.
            let start = l.span.start.min(len);
            let end = l.span.end.clamp(start, len);
            let text = (!l.text.is_empty()).then(|| l.text.clone());
            if l.primary {
                LabeledSpan::new_primary_with_span(text, start..end)
            } else {
                LabeledSpan::new_with_span(text, start..end)
            }
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(
                s.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_'),
                "{s}"
            );
            assert!(!c.help().is_empty());
        }
    }

    #[test]
    fn render_clamps_out_of_range_spans() {
        let src = Source::new("d.toml", "name = 1\n");
        let d = Diagnostic::new(Code::WrongType, "bad").label(Some(Span::new(5, 500)), "here");
        let text = render(&d, Some(&src), Style::Plain);
        assert!(text.contains("wrong_type"), "{text}");
        assert!(text.contains("here"), "{text}");
    }

    #[test]
    fn render_shows_control_characters_as_question_marks() {
        let src = Source::new("d.toml", "name = 1\n\u{1b}[31m\u{0}x = \u{9b}2\n");
        let d = Diagnostic::new(Code::TomlSyntax, "bad \u{1b}[2J")
            .label(Some(Span::new(9, 10)), "here");
        let text = render(&d, Some(&src), Style::Plain);
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        assert!(text.contains("?[31m?x = ??2"), "{text}");
        assert!(text.contains("bad ?[2J"), "{text}");
    }

    #[test]
    fn sorted_puts_errors_first() {
        let mut ds = Diagnostics::new();
        ds.push(Diagnostic::new(Code::NoOutput, "w"));
        ds.push(Diagnostic::new(Code::EmptyName, "e"));
        let ds = ds.sorted();
        assert_eq!(ds.iter().next().map(|d| d.code), Some(Code::EmptyName));
        assert_eq!((ds.error_count(), ds.warning_count()), (1, 1));
    }
}
