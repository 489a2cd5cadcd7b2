//! The TOML front end: design file -> typed circuit graph.
//!
//! Reading goes in three steps, each reporting through diagnostics with spans into the
//! file: the bytes must be UTF-8 TOML (`toml_syntax`), the TOML must fit the schema of
//! docs/design-format.md (`unknown_key`, `missing_key`, `wrong_type`), and the blocks are
//! then lowered into a [`Design`] whose `finish` runs the validation pipeline. Lowering
//! resolves names and loads weight files, collecting every error before it fails.

mod schema;
mod weight_files;
mod workload;

use std::collections::HashMap;
use std::path::Path;

use spikeforge_ir::{
    Circuit, Code, CrossbarRef, Design, Diagnostic, Diagnostics, Field, Hardware, Lif, NeuronModel,
    Owner, PopulationRef, Reset, Source, SourceRef, Span,
};
use toml::Spanned;

use schema::{CrossbarToml, DesignToml, HardwareToml, PopulationToml};
pub use workload::{
    load_workload, parse_labels, require_workload, Workload, WorkloadError, MAX_TICKS_PER_IMAGE,
};

/// A design file that was read: its text (when it could be read), and the circuit or
/// the diagnostics that stopped it.
pub struct Loaded {
    pub source: Option<Source>,
    pub result: Result<Circuit, Diagnostics>,
}

impl Loaded {
    /// SHA-256 of the design input: the design text, then for each crossbar whose
    /// weights come from a file (in declaration order) its name as written and its bytes.
    /// It names the input in every emitted file's header. `None` when the design did not load.
    pub fn input_sha256(&self, design: &Path) -> Option<String> {
        use sha2::{Digest, Sha256};
        let (source, circuit) = (self.source.as_ref()?, self.result.as_ref().ok()?);
        let base = design.parent().unwrap_or(Path::new("."));
        let mut h = Sha256::new();
        h.update(source.text.as_bytes());
        for (_, x) in circuit.crossbars() {
            if let Some(file) = &x.weights_file {
                h.update(file.as_bytes());
                h.update(std::fs::read(base.join(file)).ok()?);
            }
        }
        Some(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// Why a file cannot be read, in the same words on every OS for the common cases (the
/// OS's own text, with its error number, otherwise).
pub fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "no such file".into(),
        ErrorKind::PermissionDenied => "permission denied".into(),
        ErrorKind::IsADirectory => "it is a folder, not a file".into(),
        _ => e.to_string(),
    }
}

/// Reads and validates the design at `path`. Weight files are resolved relative to the
/// design's folder. Never panics on any input.
pub fn load_design(path: &Path) -> Loaded {
    let shown = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            let d = Diagnostic::new(
                Code::DesignUnreadable,
                format!("cannot read `{shown}`: {}", io_reason(&e)),
            );
            return Loaded {
                source: None,
                result: Err(d.into()),
            };
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let d = Diagnostic::new(
                Code::NotUtf8,
                format!("`{shown}` is not UTF-8 text (invalid byte at offset {at})"),
            );
            return Loaded {
                source: None,
                result: Err(d.into()),
            };
        }
    };
    let source = Source::new(shown, text);
    let base = path.parent().unwrap_or(Path::new("."));
    let result = parse_design(&source, base);
    Loaded {
        source: Some(source),
        result,
    }
}

/// Parses design text; `base_dir` is where relative weight-file paths start.
pub fn parse_design(source: &Source, base_dir: &Path) -> Result<Circuit, Diagnostics> {
    let text: &str = &source.text;
    if text.trim().is_empty() {
        return Err(Diagnostic::new(Code::EmptyDesign, "the design file is empty").into());
    }
    // Syntax first, so a schema message is never given for text that is not TOML.
    match toml::from_str::<toml::Table>(text) {
        Err(e) => return Err(toml_error(&e, Code::TomlSyntax, text).into()),
        // Only comments: as empty as an empty file.
        Ok(table) if table.is_empty() => {
            return Err(Diagnostic::new(
                Code::EmptyDesign,
                "the design file holds only comments and blank lines",
            )
            .into())
        }
        Ok(_) => {}
    }
    let doc: DesignToml =
        toml::from_str(text).map_err(|e| toml_error(&e, schema_code(e.message()), text))?;
    lower(doc, base_dir)
}

/// Classifies a serde error by the standard messages serde's `de::Error` builds.
fn schema_code(message: &str) -> Code {
    if message.starts_with("unknown field") {
        Code::UnknownKey
    } else if message.starts_with("missing field") {
        Code::MissingKey
    } else if message.starts_with("unknown variant") || message.starts_with("invalid value") {
        Code::InvalidValue
    } else {
        Code::WrongType
    }
}

fn toml_error(e: &toml::de::Error, code: Code, text: &str) -> Diagnostic {
    let raw = e.message().trim_end();
    let code = if raw.contains("recurs") {
        Code::NestingTooDeep
    } else {
        code
    };
    let span = e.span();
    let message = if code == Code::NestingTooDeep {
        "arrays, inline tables or table names are nested too deeply to be read".to_string()
    } else {
        let message = readable(raw, span.clone().and_then(|s| text.get(s)));
        // Name the key when the value sits right after `key =` on its line.
        match span.as_ref().and_then(|s| key_before(text, s.start)) {
            Some(key) if message.starts_with("expected ") => format!("`{key}`: {message}"),
            _ => message,
        }
    };
    let label = match code {
        Code::MissingKey => "in this table",
        Code::UnknownKey => "unknown key",
        Code::NestingTooDeep => "nested too deeply",
        _ => "here",
    };
    Diagnostic::new(code, message).label(span.map(Span::from), label)
}

/// The bare key `k` of a `k = <value at start>` line.
fn key_before(text: &str, start: usize) -> Option<&str> {
    let before = text.get(..start)?;
    let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
    let key = line.trim_end().strip_suffix('=')?.trim();
    let bare = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    (!key.is_empty() && key.chars().all(bare)).then_some(key)
}

/// Rewrites serde's messages in the words of TOML: they name Rust types (`i64`, `map`,
/// `sequence`), print floats digit by digit (`1e300` as 301 digits) and show a date as
/// a map; the value is quoted as the user wrote it instead.
fn readable(message: &str, snippet: Option<&str>) -> String {
    let snippet = snippet
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= 40 && !s.contains('\n'));
    if message.starts_with("invalid type: integer `")
        && message.ends_with("expected any valid TOML value")
    {
        let n = snippet.unwrap_or("this integer");
        return format!("the integer {n} does not fit TOML's 64-bit integers");
    }
    if message == "duplicate key" {
        if let Some(s) = snippet {
            return format!("`{s}` is defined twice");
        }
    }
    let message = message.replace("field `", "key `");
    let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .and_then(|m| m.rsplit_once(", expected "))
    else {
        return message.replace(
            "expected a tuple of size 2",
            "expected an array of two integers",
        );
    };
    let is_date = snippet.is_some_and(|s| s.parse::<toml::value::Datetime>().is_ok());
    let kind = match found.split(' ').next().unwrap_or(found) {
        _ if is_date => "a date-time",
        "floating" => "a float",
        "integer" => "an integer",
        "string" => "a string",
        "boolean" => "a boolean",
        "map" => "a table",
        "sequence" => "an array",
        _ => found,
    };
    let expected = match expected {
        "i64" => "an integer",
        "a sequence" => "an array",
        "a map" => "a table",
        "a tuple of size 2" => "an array of two integers",
        other => other,
    };
    match snippet {
        Some(s) if kind != found => format!("expected {expected}, found {kind} `{s}`"),
        _ => format!("expected {expected}, found {kind}"),
    }
}

fn sp<T>(s: &Spanned<T>) -> Span {
    Span::from(s.span())
}

fn lower(doc: DesignToml, base: &Path) -> Result<Circuit, Diagnostics> {
    let mut problems = Vec::new();
    let (hardware, hw_spans) = hardware(doc.hardware.as_ref(), &mut problems);
    let mut d = Design::with_hardware(doc.name.get_ref().clone(), hardware);
    for p in problems {
        d.report(p);
    }
    d.set_span(Owner::Design, Field::Name, sp(&doc.name));
    for (field, span) in hw_spans {
        d.set_span(Owner::Hardware, field, span);
    }
    for (missing, table) in [
        (doc.input.is_empty(), "[[input]]"),
        (doc.population.is_empty(), "[[population]]"),
    ] {
        if missing {
            d.report(
                Diagnostic::new(Code::EmptyDesign, format!("the design has no {table}")).label(
                    Some(sp(&doc.name)),
                    format!("this design needs at least one {table}"),
                ),
            );
        }
    }

    // Widths inherited from [hardware] point there when a block does not set its own.
    let inherited_v = hw_spans_get(doc.hardware.as_ref(), |h| h.membrane_bits.as_ref());
    let inherited_w = hw_spans_get(doc.hardware.as_ref(), |h| h.weight_bits.as_ref());
    let mut sources: HashMap<String, SourceRef> = HashMap::new();
    for i in &doc.input {
        let i_ref = i.get_ref();
        let r = d.input(i_ref.name.get_ref().clone(), *i_ref.channels.get_ref());
        let o = Owner::Node(r.node());
        d.set_span(o, Field::Decl, sp(i));
        d.set_span(o, Field::Name, sp(&i_ref.name));
        d.set_span(o, Field::Channels, sp(&i_ref.channels));
        sources
            .entry(i_ref.name.get_ref().clone())
            .or_insert(SourceRef::Input(r));
    }
    for p in &doc.population {
        let r = population(&mut d, p);
        if let (None, Some(s)) = (&p.get_ref().membrane_bits, inherited_v) {
            d.set_span(Owner::Node(r.node()), Field::MembraneBits, s);
        }
        sources
            .entry(p.get_ref().name.get_ref().clone())
            .or_insert(SourceRef::Population(r));
    }
    for x in &doc.crossbar {
        if let (Some(r), None, Some(s)) = (
            crossbar(&mut d, x, &sources, base),
            &x.get_ref().weight_bits,
            inherited_w,
        ) {
            d.set_span(Owner::Node(r.node()), Field::WeightBits, s);
        }
    }
    d.finish()
}

fn hw_spans_get(
    hw: Option<&Spanned<HardwareToml>>,
    key: impl Fn(&HardwareToml) -> Option<&Spanned<i64>>,
) -> Option<Span> {
    hw.and_then(|h| key(h.get_ref())).map(sp)
}

fn hardware(
    hw: Option<&Spanned<HardwareToml>>,
    problems: &mut Vec<Diagnostic>,
) -> (Hardware, Vec<(Field, Span)>) {
    let mut out = Hardware::default();
    let mut spans = Vec::new();
    let Some(hw) = hw else { return (out, spans) };
    spans.push((Field::Decl, sp(hw)));
    let hw = hw.get_ref();
    let mut set = |slot: &mut i64, v: &Option<Spanned<i64>>, f: Field| {
        if let Some(v) = v {
            *slot = *v.get_ref();
            spans.push((f, sp(v)));
        }
    };
    set(&mut out.tile_neurons, &hw.tile_neurons, Field::TileNeurons);
    set(&mut out.tile_axons, &hw.tile_axons, Field::TileAxons);
    set(
        &mut out.table_entries,
        &hw.table_entries,
        Field::TableEntries,
    );
    set(
        &mut out.membrane_bits,
        &hw.membrane_bits,
        Field::MembraneBits,
    );
    set(&mut out.weight_bits, &hw.weight_bits, Field::WeightBits);
    if let Some(m) = &hw.mesh {
        match m.get_ref()[..] {
            [w, h] => out.mesh = Some((w, h)),
            ref v => problems.push(
                Diagnostic::new(
                    Code::WrongType,
                    format!("`mesh` has {} values; it is [width, height]", v.len()),
                )
                .label(Some(sp(m)), "expected two integers, like [4, 4]"),
            ),
        }
        spans.push((Field::Mesh, sp(m)));
    }
    (out, spans)
}

fn population(d: &mut Design, p: &Spanned<PopulationToml>) -> PopulationRef {
    let t = p.get_ref();
    if let Some(m) = &t.model {
        if m.get_ref() != "lif" {
            d.report(
                Diagnostic::new(
                    Code::UnknownModel,
                    format!("unknown neuron model `{}`", m.get_ref()),
                )
                .label(Some(sp(m)), "not a model spikeforge knows"),
            );
        }
    }
    let reset = match t.reset.as_ref().map(|r| (r.get_ref().as_str(), sp(r))) {
        None | Some(("zero", _)) => Reset::Zero,
        Some(("subtract", _)) => Reset::Subtract,
        Some((other, span)) => {
            d.report(
                Diagnostic::new(
                    Code::InvalidValue,
                    format!("`reset` is \"{other}\", but must be \"zero\" or \"subtract\""),
                )
                .label(Some(span), "expected \"zero\" or \"subtract\""),
            );
            Reset::Zero
        }
    };
    let get = |v: &Option<Spanned<i64>>| v.as_ref().map_or(0, |v| *v.get_ref());
    let lif = Lif {
        threshold: *t.threshold.get_ref(),
        leak_shift: get(&t.leak_shift),
        reset,
        refractory: get(&t.refractory),
    };
    let r = d.population(
        t.name.get_ref().clone(),
        *t.neurons.get_ref(),
        NeuronModel::Lif(lif),
    );
    if let Some(v) = &t.membrane_bits {
        d.set_membrane_bits(r, *v.get_ref());
    }
    let o = Owner::Node(r.node());
    d.set_span(o, Field::Decl, sp(p));
    d.set_span(o, Field::Name, sp(&t.name));
    d.set_span(o, Field::Neurons, sp(&t.neurons));
    d.set_span(o, Field::Threshold, sp(&t.threshold));
    let optional = [
        (Field::Model, t.model.as_ref().map(sp)),
        (Field::LeakShift, t.leak_shift.as_ref().map(sp)),
        (Field::Reset, t.reset.as_ref().map(sp)),
        (Field::Refractory, t.refractory.as_ref().map(sp)),
        (Field::MembraneBits, t.membrane_bits.as_ref().map(sp)),
        (Field::Output, t.output.as_ref().map(sp)),
    ];
    for (f, s) in optional {
        if let Some(s) = s {
            d.set_span(o, f, s);
        }
    }
    if t.output.as_ref().is_some_and(|o| *o.get_ref()) {
        d.output(r);
    }
    r
}

fn crossbar(
    d: &mut Design,
    x: &Spanned<CrossbarToml>,
    sources: &HashMap<String, SourceRef>,
    base: &Path,
) -> Option<CrossbarRef> {
    let t = x.get_ref();
    let from = match sources.get(t.from.get_ref()) {
        Some(s) => Some(*s),
        None => {
            d.report(unknown_reference("from", &t.from));
            None
        }
    };
    let to = match sources.get(t.to.get_ref()) {
        Some(SourceRef::Population(p)) => Some(*p),
        Some(SourceRef::Input(_)) => {
            d.report(
                Diagnostic::new(
                    Code::WrongPortKind,
                    format!(
                        "`to` names the spike input `{}`, which cannot receive spikes",
                        t.to.get_ref()
                    ),
                )
                .label(Some(sp(&t.to)), "a spike input, not a population"),
            );
            None
        }
        None => {
            d.report(unknown_reference("to", &t.to));
            None
        }
    };
    let weights = weight_files::read(t.weights.get_ref(), sp(&t.weights), base);
    let (Some(from), Some(to)) = (from, to) else {
        if let Err(e) = weights {
            d.report(e);
        }
        return None;
    };
    let (matrix, file) = match weights {
        Ok(w) => (w.matrix, w.file),
        Err(e) => {
            d.report(e);
            (d.empty_weights(from, to), None)
        }
    };
    let r = d.crossbar(from, to, matrix);
    if let Some(name) = &t.name {
        d.set_crossbar_name(r, name.get_ref().clone());
    }
    if let Some(bits) = &t.weight_bits {
        d.set_weight_bits(r, *bits.get_ref());
    }
    if let Some(file) = file {
        d.set_weights_file(r, file);
    }
    let o = Owner::Node(r.node());
    d.set_span(o, Field::Decl, sp(x));
    if let Some(name) = &t.name {
        d.set_span(o, Field::Name, sp(name));
    }
    d.set_span(o, Field::From, sp(&t.from));
    d.set_span(o, Field::To, sp(&t.to));
    d.set_span(o, Field::Weights, sp(&t.weights));
    if let Some(bits) = &t.weight_bits {
        d.set_span(o, Field::WeightBits, sp(bits));
    }
    Some(r)
}

fn unknown_reference(key: &str, name: &Spanned<String>) -> Diagnostic {
    Diagnostic::new(
        Code::UnknownReference,
        format!("`{key}` names `{}`, which is not declared", name.get_ref()),
    )
    .label(Some(sp(name)), "no input or population has this name")
}
