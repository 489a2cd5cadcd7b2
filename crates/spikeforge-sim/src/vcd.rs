//! Port traces as VCD waveforms. A port trace (the format of `sim/harness.v`, written
//! by the cycle-accurate simulator and both HDL harnesses) lists the top's port values
//! at the first rising edge and at every edge where one of them changed; this turns it
//! into a Value Change Dump with the RTL's port names and a `clk` of one period per
//! cycle, for any waveform viewer.
//!
//! Timing (timescale 1 ns, period 10 ns): cycle `c` spans `[10c, 10c + 10)`; `clk` is
//! low in its first half and rises at `10c + 5`, the edge the trace line of cycle `c`
//! describes, so the values a line holds are set at `10c`, before their edge. The header
//! is fixed (no date), so the same trace always gives the same bytes.

use std::fmt::Write;

/// A trace turned into VCD, with every column of the trace as a variable.
///
/// `widths` gives the width of multi-bit ports by name (others are 1 bit); `scope` names
/// the module the variables sit in (the top's module name); `end_cycle` is the cycle
/// count of the run (the dump covers cycles `0..end_cycle`, at least through the last
/// line of the trace).
pub fn trace_to_vcd(
    trace: &str,
    widths: &[(&str, u32)],
    scope: &str,
    end_cycle: u64,
) -> Result<String, String> {
    let mut lines = trace.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines
        .next()
        .ok_or("the trace is empty (no header line)")?
        .split_whitespace()
        .collect();
    if header.first() != Some(&"cycle") {
        return Err("the trace header does not start with `cycle`".into());
    }
    let ports = &header[1..];
    let width = |name: &str| {
        widths
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(1, |&(_, w)| w.max(1))
    };
    // Identifier codes: `!` for clk, then one printable character per port.
    let ids: Vec<String> = (0..ports.len()).map(|i| id(i + 1)).collect();
    let scope: String = scope
        .chars()
        .map(|c| if c.is_ascii_graphic() { c } else { '_' })
        .collect();
    let scope = if scope.is_empty() {
        "top".into()
    } else {
        scope
    };

    let mut out = String::new();
    out.push_str("$date spikeforge $end\n");
    out.push_str("$version spikeforge port trace $end\n");
    out.push_str("$timescale 1ns $end\n");
    let _ = writeln!(out, "$scope module {scope} $end");
    let _ = writeln!(out, "$var wire 1 {} clk $end", id(0));
    for (name, code) in ports.iter().zip(&ids) {
        let _ = writeln!(out, "$var wire {} {code} {name} $end", width(name));
    }
    out.push_str("$upscope $end\n$enddefinitions $end\n");

    let mut prev: Vec<Option<Value>> = vec![None; ports.len()];
    let mut cycle = 0u64; // the next cycle whose clock has not been written
    let mut last_cycle: Option<u64> = None;
    for (n, line) in lines.enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() != header.len() {
            return Err(format!(
                "trace line {} has {} fields, the header {}",
                n + 2,
                f.len(),
                header.len()
            ));
        }
        let bad = || format!("trace line {}: `{line}` is not numbers", n + 2);
        let c: u64 = f[0].parse().map_err(|_| bad())?;
        if last_cycle.is_some_and(|l| c <= l) {
            return Err(format!("trace line {}: cycle {c} goes backwards", n + 2));
        }
        last_cycle = Some(c);
        // Clock the cycles with no change, then this one's values before its edge.
        while cycle < c {
            clock(&mut out, cycle);
            cycle += 1;
        }
        let _ = writeln!(out, "#{}", c * 10);
        if c == 0 {
            out.push_str("$dumpvars\n");
        }
        let _ = writeln!(out, "0{}", id(0));
        for (k, v) in f[1..].iter().enumerate() {
            let v = Value::parse(v).ok_or_else(bad)?;
            if prev[k] != Some(v) {
                v.write(&mut out, width(ports[k]), &ids[k]);
                prev[k] = Some(v);
            }
        }
        if c == 0 {
            out.push_str("$end\n");
        }
        let _ = writeln!(out, "#{}\n1{}", c * 10 + 5, id(0));
        cycle = c + 1;
    }
    while cycle < end_cycle {
        clock(&mut out, cycle);
        cycle += 1;
    }
    let _ = writeln!(out, "#{}", cycle * 10);
    Ok(out)
}

/// A cycle with no change: `clk` falls at its start and rises in its middle.
fn clock(out: &mut String, cycle: u64) {
    let _ = writeln!(out, "#{}\n0!\n#{}\n1!", cycle * 10, cycle * 10 + 5);
}

/// One value of a trace: a decimal number, or unknown (`x`, as Icarus prints a value
/// with unknown bits before reset) or floating (`z`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Value {
    Known(u64),
    Unknown,
    Floating,
}

impl Value {
    fn parse(text: &str) -> Option<Value> {
        if let Ok(v) = text.parse() {
            Some(Value::Known(v))
        } else if text.chars().any(|c| c == 'x' || c == 'X') {
            Some(Value::Unknown)
        } else if text.chars().any(|c| c == 'z' || c == 'Z') {
            Some(Value::Floating)
        } else {
            None
        }
    }

    fn write(self, out: &mut String, width: u32, code: &str) {
        let bits = match self {
            Value::Known(v) if width == 1 => (v & 1).to_string(),
            Value::Known(v) => format!("{v:b}"),
            Value::Unknown => "x".into(),
            Value::Floating => "z".into(),
        };
        if width == 1 {
            let _ = writeln!(out, "{bits}{code}");
        } else {
            let _ = writeln!(out, "b{bits} {code}");
        }
    }
}

/// The VCD identifier of variable `i`: printable characters `!`..`~`, base 94.
fn id(mut i: usize) -> String {
    let mut s = String::new();
    loop {
        s.push((b'!' + (i % 94) as u8) as char);
        i /= 94;
        if i == 0 {
            break s;
        }
        i -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &str = "cycle rst in_valid in_channel busy\n0 1 0 0 1\n3 0 1 2 1\n4 0 0 2 0\n";

    #[test]
    fn a_trace_becomes_a_waveform() {
        let vcd = trace_to_vcd(TRACE, &[("in_channel", 2)], "case1_top", 6).unwrap();
        assert!(vcd.starts_with("$date spikeforge $end\n"));
        assert!(vcd.contains("$var wire 1 ! clk $end\n"));
        assert!(vcd.contains("$var wire 2 $ in_channel $end\n"));
        assert!(vcd.contains("$scope module case1_top $end\n"));
        // Cycle 3: values at 30, edge at 35; only changes are dumped.
        assert!(vcd.contains("#30\n0!\n0\"\n1#\nb10 $\n#35\n1!\n"), "{vcd}");
        // Quiet cycles 1, 2 and 5 still have their clock; the dump ends at 60.
        assert!(vcd.contains("#10\n0!\n#15\n1!\n#20\n0!\n#25\n1!\n"));
        assert!(vcd.ends_with("#50\n0!\n#55\n1!\n#60\n"), "{vcd}");
        // Deterministic.
        assert_eq!(
            vcd,
            trace_to_vcd(TRACE, &[("in_channel", 2)], "case1_top", 6).unwrap()
        );
    }

    #[test]
    fn broken_traces_are_errors() {
        assert!(trace_to_vcd("", &[], "t", 1).is_err());
        assert!(trace_to_vcd("x a\n", &[], "t", 1).is_err());
        assert!(trace_to_vcd("cycle a\n0 1 2\n", &[], "t", 1).is_err());
        assert!(trace_to_vcd("cycle a\n0 y\n", &[], "t", 1).is_err());
        assert!(trace_to_vcd("cycle a\n3 1\n2 0\n", &[], "t", 1).is_err());
    }

    #[test]
    fn unknown_values_are_x() {
        let vcd = trace_to_vcd("cycle a b\n0 x X\n1 1 3\n", &[("b", 2)], "t", 2).unwrap();
        assert!(vcd.contains("x\"\nbx #\n"), "{vcd}");
        assert!(vcd.contains("1\"\nb11 #\n"), "{vcd}");
    }

    #[test]
    fn identifiers_are_distinct() {
        let ids: std::collections::BTreeSet<String> = (0..500).map(id).collect();
        assert_eq!(ids.len(), 500);
    }
}
