//! A design's `[workload]`: a labelled stimulus that `spikeforge run` classifies image by
//! image (docs/design-format.md). Each image is `ticks_per_image` consecutive ticks of
//! the stimulus and runs from a reset; the readout population's neuron k votes for class
//! k. This module resolves the table's paths, checks its values and reads the labels
//! file; the stimulus itself is a raster that `spikeforge-sim` reads.

use std::path::{Path, PathBuf};

use spikeforge_ir::{Circuit, Code, Diagnostic, Diagnostics, Source, Span};

use crate::schema::{DesignToml, WorkloadToml};
use crate::sp;

/// The most ticks one image may take.
pub const MAX_TICKS_PER_IMAGE: i64 = 1_000_000;

/// A checked `[workload]` with its labels read.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// The stimulus raster, resolved against the design's folder.
    pub stimulus: PathBuf,
    /// The class of each image, image 0 first.
    pub labels: Vec<u32>,
    pub ticks_per_image: u64,
    /// The output population whose neuron k votes for class k.
    pub readout: String,
    /// The float network's accuracy on the same images, for comparison.
    pub float_accuracy: Option<f64>,
}

impl Workload {
    pub fn images(&self) -> usize {
        self.labels.len()
    }

    /// Ticks of the whole run: every image, one after the other.
    pub fn total_ticks(&self) -> u64 {
        self.images() as u64 * self.ticks_per_image
    }
}

/// Diagnostics of a workload, with the text they point into (the design or the labels
/// file; `None` when the file could not be read).
#[derive(Debug)]
pub struct WorkloadError {
    pub diagnostics: Diagnostics,
    pub source: Option<Source>,
}

/// Reads the `[workload]` of a design that loaded into `circuit` from `source`, which
/// must have one (`no_workload` otherwise). `design` is the design's path: files are
/// resolved against its folder.
pub fn require_workload(
    design: &Path,
    source: &Source,
    circuit: &Circuit,
) -> Result<Workload, WorkloadError> {
    load_workload(design, source, circuit)?.ok_or_else(|| {
        let name = toml::from_str::<DesignToml>(&source.text)
            .ok()
            .map(|doc| sp(&doc.name));
        WorkloadError {
            diagnostics: Diagnostic::new(
                Code::NoWorkload,
                format!(
                    "design `{}` has no [workload], so there is nothing to classify",
                    circuit.name()
                ),
            )
            .label(name, "this design has no [workload] table")
            .into(),
            source: Some(source.clone()),
        }
    })
}

/// [`require_workload`] for a design that may have no `[workload]` (`Ok(None)`).
pub fn load_workload(
    design: &Path,
    source: &Source,
    circuit: &Circuit,
) -> Result<Option<Workload>, WorkloadError> {
    let in_design = |d: Diagnostics| WorkloadError {
        diagnostics: d,
        source: Some(source.clone()),
    };
    // The design parsed already; parse it again for the one table lowering skips.
    let doc: DesignToml = toml::from_str(&source.text).map_err(|e| {
        in_design(Diagnostic::new(Code::TomlSyntax, e.message().to_string()).into())
    })?;
    let Some(table) = doc.workload else {
        return Ok(None);
    };
    let w: &WorkloadToml = table.get_ref();
    let mut problems = Diagnostics::new();
    let ticks = *w.ticks_per_image.get_ref();
    if !(1..=MAX_TICKS_PER_IMAGE).contains(&ticks) {
        problems.push(
            Diagnostic::new(
                Code::ParamOutOfRange,
                format!("`ticks_per_image` is {ticks}, outside 1..={MAX_TICKS_PER_IMAGE}"),
            )
            .label(
                Some(sp(&w.ticks_per_image)),
                format!("allowed: 1..={MAX_TICKS_PER_IMAGE}"),
            ),
        );
    }
    if let Some(a) = &w.float_accuracy {
        if !(0.0..=1.0).contains(a.get_ref()) {
            problems.push(
                Diagnostic::new(
                    Code::ParamOutOfRange,
                    format!(
                        "`float_accuracy` is {}, outside 0..=1 (a fraction, not a percentage)",
                        a.get_ref()
                    ),
                )
                .label(Some(sp(a)), "allowed: 0..=1"),
            );
        }
    }
    let readout = readout(w, sp(&table), circuit, &mut problems);
    let (Some((readout, neurons, readout_span)), false) = (readout, problems.has_errors()) else {
        return Err(in_design(problems));
    };
    let base = design.parent().unwrap_or(Path::new("."));
    let labels_path = base.join(w.labels.get_ref());
    let text = std::fs::read(&labels_path)
        .map_err(|e| crate::io_reason(&e))
        .and_then(|b| String::from_utf8(b).map_err(|_| "it is not UTF-8 text".to_string()))
        .map_err(|e| {
            in_design(
                Diagnostic::new(
                    Code::WorkloadFileUnreadable,
                    format!("cannot read the labels file `{}`: {e}", w.labels.get_ref()),
                )
                .label(Some(sp(&w.labels)), "this file")
                .into(),
            )
        })?;
    let labels_source = Source::new(labels_path.display().to_string(), text);
    let labels = parse_labels(&labels_source).map_err(|d| WorkloadError {
        diagnostics: d,
        source: Some(labels_source.clone()),
    })?;
    if let Some((image, &class)) = labels.iter().enumerate().find(|(_, &c)| c >= neurons) {
        return Err(in_design(
            Diagnostic::new(
                Code::BadReadout,
                format!(
                    "the labels name class {class} (image {image}), but the readout `{readout}` has {neurons} neurons"
                ),
            )
            .label(Some(readout_span), format!("{neurons} neurons: classes 0..={}", neurons - 1))
            .into(),
        ));
    }
    let stimulus = base.join(w.stimulus.get_ref());
    if !stimulus.is_file() {
        return Err(in_design(
            Diagnostic::new(
                Code::WorkloadFileUnreadable,
                format!(
                    "the stimulus `{}` does not exist or is not a file",
                    w.stimulus.get_ref()
                ),
            )
            .label(Some(sp(&w.stimulus)), "this file")
            .into(),
        ));
    }
    Ok(Some(Workload {
        stimulus,
        labels,
        ticks_per_image: ticks as u64,
        readout,
        float_accuracy: w.float_accuracy.as_ref().map(|a| *a.get_ref()),
    }))
}

/// The readout population: `readout` when given, else the design's one output
/// population. Returns its name, neuron count and the span to point at.
fn readout(
    w: &WorkloadToml,
    table: Span,
    circuit: &Circuit,
    problems: &mut Diagnostics,
) -> Option<(String, u32, Span)> {
    let outputs: Vec<(&str, u32)> = circuit
        .outputs()
        .map(|(_, p)| (p.name.as_str(), p.neurons as u32))
        .collect();
    let named = |name: &str| outputs.iter().find(|(n, _)| *n == name).copied();
    let found = match &w.readout {
        Some(r) => named(r.get_ref()).map(|(n, k)| (n, k, sp(r))).or_else(|| {
            let is_population = circuit.populations().any(|(_, p)| &p.name == r.get_ref());
            let why = if is_population {
                format!(
                    "`{}` is a population but not an output; mark it `output = true`",
                    r.get_ref()
                )
            } else {
                format!("the design has no output population `{}`", r.get_ref())
            };
            problems.push(
                Diagnostic::new(Code::BadReadout, why)
                    .label(Some(sp(r)), "the readout")
                    .help(format!(
                        "the output populations are: {}",
                        list(outputs.iter().map(|(n, _)| *n))
                    )),
            );
            None
        }),
        None => match outputs[..] {
            [(n, k)] => Some((n, k, table)),
            _ => {
                problems.push(
                    Diagnostic::new(
                        Code::BadReadout,
                        format!(
                            "the design has {} output populations; `readout` must name the one whose neurons are the classes",
                            outputs.len()
                        ),
                    )
                    .label(Some(table), "add `readout = \"<population>\"` here"),
                );
                None
            }
        },
    };
    found.map(|(n, k, s)| (n.to_string(), k, s))
}

fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// Parses a labels file: header `image,label`, then `i,class` for i = 0, 1, 2, ...
pub fn parse_labels(source: &Source) -> Result<Vec<u32>, Diagnostics> {
    let text: &str = &source.text;
    let mut labels = Vec::new();
    let mut problems = Diagnostics::new();
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let line = line.trim_end_matches(['\n', '\r']);
        let span = Span::new(start, start + line.len());
        if n == 0 {
            if line != "image,label" {
                problems.push(
                    Diagnostic::new(
                        Code::LabelsFormat,
                        "the labels file does not start with the header `image,label`",
                    )
                    .label(Some(span), "expected `image,label`"),
                );
                break;
            }
            continue;
        }
        if line.is_empty() && offset == text.len() {
            break;
        }
        let image = labels.len();
        let parsed = line
            .split_once(',')
            .and_then(|(i, c)| Some((i.parse::<usize>().ok()?, c.parse::<u32>().ok()?)));
        match parsed {
            Some((i, class)) if i == image => labels.push(class),
            Some((i, _)) => {
                problems.push(
                    Diagnostic::new(
                        Code::LabelsFormat,
                        format!("line {} is image {i}, but image {image} comes next", n + 1),
                    )
                    .label(Some(span), format!("expected image {image}")),
                );
                break;
            }
            None => {
                problems.push(
                    Diagnostic::new(
                        Code::LabelsFormat,
                        format!(
                            "line {} is not `image,label` with two non-negative integers",
                            n + 1
                        ),
                    )
                    .label(Some(span), "expected e.g. `0,7`"),
                );
                break;
            }
        }
    }
    if text.is_empty() {
        problems.push(
            Diagnostic::new(Code::LabelsFormat, "the labels file is empty")
                .label(Some(Span::new(0, 0)), "expected the header `image,label`"),
        );
    }
    if problems.is_empty() && labels.is_empty() {
        problems.push(
            Diagnostic::new(Code::LabelsFormat, "the labels file names no image")
                .label(Some(Span::new(0, text.len())), "no `image,label` lines"),
        );
    }
    if problems.is_empty() {
        Ok(labels)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str) -> Result<Vec<u32>, Vec<String>> {
        parse_labels(&Source::new("l.csv", text))
            .map_err(|d| d.iter().map(|d| d.message.clone()).collect())
    }

    #[test]
    fn labels_parse_in_order() {
        assert_eq!(labels("image,label\n0,7\n1,0\n2,3\n"), Ok(vec![7, 0, 3]));
        assert_eq!(labels("image,label\r\n0,7\r\n1,2"), Ok(vec![7, 2]));
    }

    #[test]
    fn bad_labels_say_where() {
        assert!(labels("").unwrap_err()[0].contains("empty"));
        assert!(labels("tick,label\n0,1\n").unwrap_err()[0].contains("header"));
        assert!(labels("image,label\n").unwrap_err()[0].contains("no image"));
        assert!(labels("image,label\n0,1\n2,1\n").unwrap_err()[0].contains("image 1 comes next"));
        assert!(labels("image,label\n0,-1\n").unwrap_err()[0].contains("line 2"));
        assert!(labels("image,label\n0,1\n\n1,1\n").unwrap_err()[0].contains("line 3"));
    }
}
