//! Spike rasters in the CSV format of the semantics page: header `tick,port,index`, one
//! spike a line, rows sorted by tick, then port name, then index, no duplicates. Two
//! rasters are equal when their files are byte-identical, so writing is canonical.
//!
//! Reading a stimulus checks every line against the design and reports every problem
//! with a span on its line: a bad header, a malformed line, an unknown port, a channel
//! out of range, unsorted or duplicate rows, and ticks past the end of the run.

use std::collections::BTreeMap;

use spikeforge_ir::{Circuit, Code, Diagnostic, Diagnostics, Source, Span};

pub const HEADER: &str = "tick,port,index";

/// Problems reported before the rest of a broken file is summarised in one line.
const MAX_REPORTED: usize = 50;

/// One spike: at `tick`, line `index` of `port` (a spike input or an output population).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Spike {
    pub tick: u64,
    pub port: String,
    pub index: u32,
}

/// A raster in canonical order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Raster {
    spikes: Vec<Spike>,
}

impl Raster {
    /// Builds a raster from spikes in any order; sorts and removes duplicates.
    pub fn from_spikes(mut spikes: Vec<Spike>) -> Self {
        spikes.sort();
        spikes.dedup();
        Raster { spikes }
    }

    pub fn spikes(&self) -> &[Spike] {
        &self.spikes
    }

    pub fn len(&self) -> usize {
        self.spikes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spikes.is_empty()
    }

    /// The spikes of `tick` (a slice, since rows are sorted by tick).
    pub fn at_tick(&self, tick: u64) -> &[Spike] {
        let a = self.spikes.partition_point(|s| s.tick < tick);
        let b = self.spikes.partition_point(|s| s.tick <= tick);
        &self.spikes[a..b]
    }

    /// The canonical CSV text.
    pub fn to_csv(&self) -> String {
        let mut out = String::with_capacity(16 + self.spikes.len() * 16);
        out.push_str(HEADER);
        out.push('\n');
        for s in &self.spikes {
            out.push_str(&format!("{},{},{}\n", s.tick, s.port, s.index));
        }
        out
    }

    /// Reads a stimulus for `circuit`: ports must be its spike inputs. With `ticks`,
    /// rows at or past that tick are errors (the run would ignore them).
    pub fn parse_stimulus(
        source: &Source,
        circuit: &Circuit,
        ticks: Option<u64>,
    ) -> Result<Raster, Diagnostics> {
        let ports: BTreeMap<&str, u32> = circuit
            .inputs()
            .map(|(_, i)| (i.name.as_str(), i.channels as u32))
            .collect();
        parse(source, &ports, ticks)
    }
}

fn parse(
    source: &Source,
    ports: &BTreeMap<&str, u32>,
    ticks: Option<u64>,
) -> Result<Raster, Diagnostics> {
    let text: &str = &source.text;
    let mut diags = Diagnostics::new();
    let mut spikes = Vec::new();
    let mut offset = 0;
    let mut lines = text.split_inclusive('\n').map(|raw| {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches('\n').trim_end_matches('\r');
        (start, line)
    });
    match lines.next() {
        Some((_, h)) if h.trim() == HEADER => {}
        first => {
            let (start, h) = first.unwrap_or((0, ""));
            let d = Diagnostic::new(
                Code::StimulusHeader,
                format!(
                    "line 1 is `{}`, not the header `{HEADER}`",
                    h.chars().take(60).collect::<String>()
                ),
            )
            .label(
                Some(Span::new(start, start + h.len())),
                "expected tick,port,index",
            );
            return Err(d.into());
        }
    }
    let mut previous: Option<(Spike, usize, Span)> = None;
    let mut errors = 0usize;
    let mut report = |diags: &mut Diagnostics, d: Diagnostic| {
        errors += 1;
        if errors <= MAX_REPORTED {
            diags.push(d);
        }
    };
    for (n, (start, line)) in lines.enumerate() {
        let line_no = n + 2;
        if line.trim().is_empty() {
            continue;
        }
        let span = Some(Span::new(start, start + line.len()));
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let [tick, port, index] = fields[..] else {
            report(
                &mut diags,
                Diagnostic::new(
                    Code::StimulusSyntax,
                    format!(
                        "line {line_no} has {} field{}, not 3 (tick,port,index)",
                        fields.len(),
                        if fields.len() == 1 { "" } else { "s" }
                    ),
                )
                .label(span, "malformed line"),
            );
            continue;
        };
        let (Ok(tick), Ok(index)) = (tick.parse::<u64>(), index.parse::<u32>()) else {
            report(
                &mut diags,
                Diagnostic::new(
                    Code::StimulusSyntax,
                    format!("line {line_no}: tick and index must be non-negative integers"),
                )
                .label(span, "malformed line"),
            );
            continue;
        };
        let Some(&channels) = ports.get(port) else {
            let known: Vec<&str> = ports.keys().copied().collect();
            report(
                &mut diags,
                Diagnostic::new(
                    Code::UnknownPort,
                    format!("line {line_no}: `{port}` is not a spike input of the design"),
                )
                .label(span, format!("known inputs: {}", known.join(", "))),
            );
            continue;
        };
        if index >= channels {
            report(
                &mut diags,
                Diagnostic::new(
                    Code::ChannelOutOfRange,
                    format!(
                        "line {line_no}: channel {index} of `{port}`, which has {channels} channel{}",
                        if channels == 1 { "" } else { "s" }
                    ),
                )
                .label(span, format!("allowed: 0..={}", channels - 1)),
            );
            continue;
        }
        if let Some(t) = ticks.filter(|&t| tick >= t) {
            report(
                &mut diags,
                Diagnostic::new(
                    Code::TickBeyondRun,
                    format!("line {line_no}: tick {tick} is past the end of a {t}-tick run"),
                )
                .label(
                    span,
                    format!("the run covers ticks 0..={}", t.saturating_sub(1)),
                ),
            );
            continue;
        }
        let spike = Spike {
            tick,
            port: port.to_string(),
            index,
        };
        if let Some((prev, prev_line, prev_span)) = &previous {
            if spike == *prev {
                report(
                    &mut diags,
                    Diagnostic::new(
                        Code::DuplicateRow,
                        format!("line {line_no} repeats line {prev_line}"),
                    )
                    .label(span, "duplicate")
                    .also(Some(*prev_span), "first here"),
                );
                continue;
            }
            if spike < *prev {
                report(
                    &mut diags,
                    Diagnostic::new(
                        Code::UnsortedRows,
                        format!("line {line_no} belongs before line {prev_line}"),
                    )
                    .label(span, "out of order")
                    .also(Some(*prev_span), "comes after this line"),
                );
                continue;
            }
        }
        previous = Some((spike.clone(), line_no, span.expect("span")));
        spikes.push(spike);
    }
    if errors > MAX_REPORTED {
        diags.push(Diagnostic::new(
            Code::StimulusSyntax,
            format!(
                "{} more problems in `{}` not shown",
                errors - MAX_REPORTED,
                source.name
            ),
        ));
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(Raster { spikes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ports() -> BTreeMap<&'static str, u32> {
        [("in", 4), ("b", 2)].into_iter().collect()
    }

    fn codes(text: &str, ticks: Option<u64>) -> Vec<Code> {
        match parse(&Source::new("s.csv", text), &ports(), ticks) {
            Ok(_) => vec![],
            Err(d) => d.iter().map(|d| d.code).collect(),
        }
    }

    #[test]
    fn round_trip_is_canonical() {
        let text = "tick,port,index\n0,b,1\n0,in,0\n0,in,3\n2,in,1\n";
        let r = parse(&Source::new("s.csv", text), &ports(), Some(3)).unwrap();
        assert_eq!(r.to_csv(), text);
        assert_eq!(r.at_tick(0).len(), 3);
        assert_eq!(r.at_tick(1).len(), 0);
        // CRLF and a missing final newline read the same.
        let crlf = "tick,port,index\r\n0,b,1\r\n0,in,0\r\n0,in,3\r\n2,in,1";
        assert_eq!(
            parse(&Source::new("s.csv", crlf), &ports(), None).unwrap(),
            r
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_code() {
        assert_eq!(codes("", None), vec![Code::StimulusHeader]);
        assert_eq!(codes("t,p,i\n", None), vec![Code::StimulusHeader]);
        assert_eq!(
            codes("tick,port,index\n0,in\n", None),
            vec![Code::StimulusSyntax]
        );
        assert_eq!(
            codes("tick,port,index\n-1,in,0\n", None),
            vec![Code::StimulusSyntax]
        );
        assert_eq!(
            codes("tick,port,index\n0,zz,0\n", None),
            vec![Code::UnknownPort]
        );
        assert_eq!(
            codes("tick,port,index\n0,in,4\n", None),
            vec![Code::ChannelOutOfRange]
        );
        assert_eq!(
            codes("tick,port,index\n1,in,0\n0,in,0\n", None),
            vec![Code::UnsortedRows]
        );
        assert_eq!(
            codes("tick,port,index\n0,in,1\n0,in,0\n", None),
            vec![Code::UnsortedRows]
        );
        assert_eq!(
            codes("tick,port,index\n0,in,0\n0,b,0\n", None),
            vec![Code::UnsortedRows]
        );
        assert_eq!(
            codes("tick,port,index\n0,in,0\n0,in,0\n", None),
            vec![Code::DuplicateRow]
        );
        assert_eq!(
            codes("tick,port,index\n5,in,0\n", Some(5)),
            vec![Code::TickBeyondRun]
        );
        assert_eq!(
            codes("tick,port,index\n0,zz,0\n0,in,9\n", None),
            vec![Code::UnknownPort, Code::ChannelOutOfRange]
        );
    }

    #[test]
    fn floods_are_capped() {
        let mut text = String::from("tick,port,index\n");
        for _ in 0..200 {
            text.push_str("0,zz,0\n");
        }
        let n = codes(&text, None).len();
        assert_eq!(n, MAX_REPORTED + 1);
    }
}
