//! Port traces: a header naming the top's ports, then a line for the first cycle and
//! for every cycle in which a value changed (the format the cycle simulator and both HDL
//! harnesses write). Two traces are compared by the values in force at every cycle, so a
//! line that repeats the values before it is no difference, and an unknown value (`x`,
//! `z`, as a four-state simulator shows before the first reset edge) agrees with any.

/// Where two port traces first differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceDivergence {
    pub cycle: u64,
    /// The column (a port of the top) that differs first, in header order.
    pub port: String,
    /// The values of that port at that cycle ("none" before a trace's first line).
    pub expected: String,
    pub got: String,
}

/// A parsed trace: the column names after `cycle`, and (cycle, values) per line.
type Parsed<'t> = (Vec<&'t str>, Vec<(u64, Vec<&'t str>)>);

fn parse_trace(text: &str) -> Result<Parsed<'_>, String> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines
        .next()
        .ok_or("empty trace")?
        .split_whitespace()
        .collect();
    if header.first() != Some(&"cycle") {
        return Err(format!(
            "the header `{}` does not start with `cycle`",
            header.join(" ")
        ));
    }
    let mut rows: Vec<(u64, Vec<&str>)> = Vec::new();
    for line in lines {
        let f: Vec<&str> = line.split_whitespace().collect();
        let cycle = f.first().and_then(|c| c.parse::<u64>().ok());
        let Some(cycle) = cycle.filter(|_| f.len() == header.len()) else {
            return Err(format!("unreadable trace line `{line}`"));
        };
        if rows.last().is_some_and(|(c, _)| *c >= cycle) {
            return Err(format!("trace line `{line}` goes back in time"));
        }
        rows.push((cycle, f[1..].to_vec()));
    }
    Ok((header[1..].to_vec(), rows))
}

/// The first cycle at which two port traces (header line naming the columns, then a
/// line for the first cycle and every cycle where a value changed) show different port
/// values, and the first port that differs there; `None` when they agree at every cycle.
/// A line repeating the values before it changes nothing, so it is not a divergence;
/// an unknown value (`x`, `z`) agrees with any value.
pub fn trace_divergence(expected: &str, got: &str) -> Result<Option<TraceDivergence>, String> {
    let (ha, ra) = parse_trace(expected)?;
    let (hb, rb) = parse_trace(got)?;
    if ha != hb {
        return Err(format!(
            "their headers differ: `cycle {}` and `cycle {}`",
            ha.join(" "),
            hb.join(" ")
        ));
    }
    let (mut i, mut j) = (0, 0);
    let (mut va, mut vb): (Option<&[&str]>, Option<&[&str]>) = (None, None);
    loop {
        let next = match (ra.get(i), rb.get(j)) {
            (None, None) => return Ok(None),
            (Some(x), None) => x.0,
            (None, Some(y)) => y.0,
            (Some(x), Some(y)) => x.0.min(y.0),
        };
        if ra.get(i).is_some_and(|r| r.0 == next) {
            va = Some(&ra[i].1);
            i += 1;
        }
        if rb.get(j).is_some_and(|r| r.0 == next) {
            vb = Some(&rb[j].1);
            j += 1;
        }
        let value =
            |v: Option<&[&str]>, k: usize| v.map_or("none".to_string(), |v| v[k].to_string());
        if let Some(k) = (0..ha.len()).find(|&k| !agree(&value(va, k), &value(vb, k))) {
            return Ok(Some(TraceDivergence {
                cycle: next,
                port: ha[k].to_string(),
                expected: value(va, k),
                got: value(vb, k),
            }));
        }
    }
}

/// Whether two trace values agree: equal, or one of them unknown (`x`/`z`, as a
/// four-state simulator shows a port before reset; a two-state engine's 0 is one of the
/// values it may hold).
fn agree(a: &str, b: &str) -> bool {
    let unknown = |v: &str| v.chars().any(|c| matches!(c, 'x' | 'X' | 'z' | 'Z'));
    a == b || unknown(a) || unknown(b)
}

impl TraceDivergence {
    /// A report naming both engines.
    pub fn describe(&self, expected_engine: &str, got_engine: &str) -> String {
        format!(
            "port traces differ, first at cycle {}, port `{}`: expected {} ({expected_engine}), got {} ({got_engine})",
            self.cycle, self.port, self.expected, self.got
        )
    }
}
