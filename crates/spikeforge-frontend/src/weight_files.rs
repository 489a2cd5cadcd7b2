//! Weight matrices written inline in a design or kept in a file beside it: NumPy `.npy`
//! (2-D, any integer or bool dtype, C or Fortran order, read with `npyz`) and CSV (one row
//! of integers per source line, read with `csv`). Every failure is a diagnostic that
//! names the file and, for CSV, the line.

use std::path::Path;

use spikeforge_ir::{Code, Diagnostic, Span, WeightError, WeightMatrix};

/// Largest weight file spikeforge reads (2^31 entries), so a corrupt header cannot ask
/// for an absurd allocation.
const MAX_ENTRIES: u64 = 1 << 31;

/// Reads the `weights` value of a crossbar.
pub fn read(value: &toml::Value, span: Span, base: &Path) -> Result<Loaded, Diagnostic> {
    match value {
        toml::Value::String(file) => read_file(file, span, base).map(|m| Loaded {
            matrix: m,
            file: Some(file.clone()),
        }),
        toml::Value::Array(rows) => inline(rows, span).map(|m| Loaded {
            matrix: m,
            file: None,
        }),
        other => Err(Diagnostic::new(
            Code::WrongType,
            format!(
                "`weights` is {}, but must be an array of rows or the path of a .npy or .csv file",
                a(other.type_str())
            ),
        )
        .label(Some(span), "expected [[...], ...] or \"file.npy\"")),
    }
}

/// "an integer", "a float": a TOML type name with its article.
fn a(type_name: &str) -> String {
    let article = if type_name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {type_name}")
}

/// A weight matrix and the file it came from.
pub struct Loaded {
    pub matrix: WeightMatrix,
    pub file: Option<String>,
}

fn inline(rows: &[toml::Value], span: Span) -> Result<WeightMatrix, Diagnostic> {
    let mut parsed = Vec::with_capacity(rows.len());
    for (r, row) in rows.iter().enumerate() {
        let toml::Value::Array(cells) = row else {
            return Err(Diagnostic::new(
                Code::WrongType,
                format!(
                    "`weights` row {r} is {}, but each row must be an array of integers",
                    a(row.type_str())
                ),
            )
            .label(
                Some(span),
                "expected an array of rows, like [[1, 2], [3, 4]]",
            ));
        };
        let mut out = Vec::with_capacity(cells.len());
        for (c, cell) in cells.iter().enumerate() {
            match cell {
                toml::Value::Integer(v) => out.push(*v),
                other => {
                    return Err(Diagnostic::new(
                        Code::WrongType,
                        format!(
                            "`weights` row {r}, column {c} is {}, but weights are integers",
                            a(other.type_str())
                        ),
                    )
                    .label(Some(span), "in this matrix"))
                }
            }
        }
        parsed.push(out);
    }
    WeightMatrix::from_rows(&parsed).map_err(|e| matrix_error(e, span, None))
}

/// Turns a matrix construction error into its diagnostic.
fn matrix_error(e: WeightError, span: Span, file: Option<&str>) -> Diagnostic {
    let code = match e {
        WeightError::Ragged { .. } => Code::RaggedWeights,
        WeightError::TooWide { .. } => Code::WeightOutOfRange,
    };
    let whose = file.map_or_else(|| "`weights`".to_string(), |f| format!("`{f}`"));
    Diagnostic::new(code, format!("{whose}: {e}")).label(Some(span), "in these weights")
}

fn file_error(code: Code, file: &str, span: Span, what: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::new(code, format!("weight file `{file}`: {what}")).label(Some(span), "named here")
}

fn read_file(file: &str, span: Span, base: &Path) -> Result<WeightMatrix, Diagnostic> {
    let path = base.join(file);
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if !matches!(ext.as_deref(), Some("npy" | "csv")) {
        return Err(file_error(
            Code::WeightFileFormat,
            file,
            span,
            "unknown format; the name must end in .npy or .csv",
        ));
    }
    let bytes = std::fs::read(&path).map_err(|e| {
        file_error(
            Code::WeightFileUnreadable,
            file,
            span,
            format_args!("cannot be read: {}", crate::io_reason(&e)),
        )
    })?;
    let matrix = if ext.as_deref() == Some("npy") {
        read_npy(&bytes).map_err(|m| file_error(Code::WeightFileFormat, file, span, m))?
    } else {
        read_csv(&bytes).map_err(|(code, m)| file_error(code, file, span, m))?
    };
    matrix.map_err(|e| matrix_error(e, span, Some(file)))
}

type Matrix = Result<WeightMatrix, WeightError>;

fn read_npy(bytes: &[u8]) -> Result<Matrix, String> {
    let npy = npyz::NpyFile::new(bytes).map_err(|e| format!("not a valid .npy file ({e})"))?;
    let shape = npy.shape().to_vec();
    let [rows, cols] = shape[..] else {
        return Err(format!(
            "the array has {} dimensions; weights need 2 (sources x targets)",
            shape.len()
        ));
    };
    // Each side is bounded too: a (2^40 x 0) array has no entries, but building its rows
    // would still take all memory.
    let max_side = spikeforge_ir::validate::MAX_SIZE as u64;
    let total = rows
        .checked_mul(cols)
        .filter(|&t| t <= MAX_ENTRIES && rows <= max_side && cols <= max_side);
    let Some(total) = total else {
        return Err(format!(
            "the array is {rows} x {cols}, larger than spikeforge reads"
        ));
    };
    let npyz::DType::Plain(ts) = npy.dtype() else {
        return Err("structured dtypes are not weights; save a plain integer array".into());
    };
    let fortran = npy.order() == npyz::Order::Fortran;
    let size = ts.size_field();
    if let Some(item) = ts.num_bytes() {
        if (bytes.len() as u64) < total * item as u64 {
            return Err(format!(
                "the file is truncated: a {rows} x {cols} array does not fit in {} bytes",
                bytes.len()
            ));
        }
    }
    let data: Vec<i64> = match (ts.type_char(), size) {
        (npyz::TypeChar::Int, 1) => widen::<i8>(npy)?,
        (npyz::TypeChar::Int, 2) => widen::<i16>(npy)?,
        (npyz::TypeChar::Int, 4) => widen::<i32>(npy)?,
        (npyz::TypeChar::Int, 8) => widen::<i64>(npy)?,
        (npyz::TypeChar::Uint, 1) => widen::<u8>(npy)?,
        (npyz::TypeChar::Uint, 2) => widen::<u16>(npy)?,
        (npyz::TypeChar::Uint, 4) => widen::<u32>(npy)?,
        (npyz::TypeChar::Uint, 8) => npy
            .into_vec::<u64>()
            .map_err(|e| format!("cannot read its data ({e})"))?
            .into_iter()
            .map(|v| i64::try_from(v).unwrap_or(i64::MAX))
            .collect(),
        (npyz::TypeChar::Bool, 1) => widen::<bool>(npy)?,
        _ => {
            return Err(format!(
                "its dtype `{ts}` is not an integer type; quantise the weights and save them as integers"
            ))
        }
    };
    let (rows, cols) = (rows as usize, cols as usize);
    Ok(if fortran {
        WeightMatrix::from_dense(
            rows,
            cols,
            (0..rows * cols).map(|i| data[(i % cols) * rows + i / cols]),
        )
    } else {
        WeightMatrix::from_dense(rows, cols, data)
    })
}

fn widen<T: npyz::Deserialize + Into<i64>>(npy: npyz::NpyFile<&[u8]>) -> Result<Vec<i64>, String> {
    let v = npy
        .into_vec::<T>()
        .map_err(|e| format!("cannot read its data ({e})"))?;
    Ok(v.into_iter().map(Into::into).collect())
}

fn read_csv(bytes: &[u8]) -> Result<Matrix, (Code, String)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut rows: Vec<Vec<i64>> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| match e.kind() {
            csv::ErrorKind::UnequalLengths {
                pos,
                expected_len,
                len,
            } => (
                Code::RaggedWeights,
                format!(
                    "line {} has {len} {}, but the first row has {expected_len}",
                    pos.as_ref().map_or(0, |p| p.line()),
                    if *len == 1 { "entry" } else { "entries" }
                ),
            ),
            csv::ErrorKind::Utf8 { pos, .. } => (
                Code::WeightFileFormat,
                format!(
                    "line {} is not UTF-8 text",
                    pos.as_ref().map_or(0, |p| p.line())
                ),
            ),
            _ => (
                Code::WeightFileFormat,
                format!("cannot be parsed as CSV ({e})"),
            ),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let mut row = Vec::with_capacity(record.len());
        for (c, cell) in record.iter().enumerate() {
            let v = cell.parse::<i64>().map_err(|_| {
                (
                    Code::WeightFileFormat,
                    format!("line {line}, column {}: `{cell}` is not an integer", c + 1),
                )
            })?;
            row.push(v);
        }
        rows.push(row);
    }
    Ok(WeightMatrix::from_rows(&rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy_bytes(descr: &str, fortran: bool, shape: &[u64], data: &[u8]) -> Vec<u8> {
        let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        let dims = if dims.len() == 1 {
            format!("{},", dims[0])
        } else {
            dims.join(", ")
        };
        let mut header = format!(
            "{{'descr': '{descr}', 'fortran_order': {}, 'shape': ({dims}), }}",
            if fortran { "True" } else { "False" }
        );
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend((header.len() as u16).to_le_bytes());
        out.extend(header.as_bytes());
        out.extend(data);
        out
    }

    #[test]
    fn npy_int8_c_and_fortran_order() {
        let c = npy_bytes("|i1", false, &[2, 3], &[1, 2, 3, 0xFF, 0, 6]);
        let m = read_npy(&c).unwrap().unwrap();
        assert_eq!(
            m,
            WeightMatrix::from_rows(&[vec![1, 2, 3], vec![-1, 0, 6]]).unwrap()
        );
        // The same matrix stored column-major.
        let f = npy_bytes("|i1", true, &[2, 3], &[1, 0xFF, 2, 0, 3, 6]);
        assert_eq!(read_npy(&f).unwrap().unwrap(), m);
    }

    #[test]
    fn npy_rejects_floats_and_wrong_rank() {
        let f = npy_bytes("<f4", false, &[1, 1], &[0, 0, 128, 63]);
        assert!(read_npy(&f).unwrap_err().contains("not an integer type"));
        let one = npy_bytes("|i1", false, &[3], &[1, 2, 3]);
        assert!(read_npy(&one).unwrap_err().contains("1 dimensions"));
        let short = npy_bytes("<i4", false, &[1000, 1000], &[0; 8]);
        assert!(read_npy(&short).unwrap_err().contains("truncated"));
        // No entries, but 2^40 empty rows: refused, not allocated.
        let tall = npy_bytes("|i1", false, &[1 << 40, 0], &[]);
        assert!(read_npy(&tall).unwrap_err().contains("larger than"));
    }

    #[test]
    fn csv_reports_line_numbers() {
        let m = read_csv(b"# comment\n1, 2\n-3,4\n").unwrap().unwrap();
        assert_eq!(
            m,
            WeightMatrix::from_rows(&[vec![1, 2], vec![-3, 4]]).unwrap()
        );
        let (code, msg) = read_csv(b"1,2\n3,x\n").unwrap_err();
        assert_eq!(code, Code::WeightFileFormat);
        assert!(msg.contains("line 2, column 2"), "{msg}");
        let (code, msg) = read_csv(b"1,2\n3\n").unwrap_err();
        assert_eq!(code, Code::RaggedWeights);
        assert!(msg.contains("line 2"), "{msg}");
    }
}
