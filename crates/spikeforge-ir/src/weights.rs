//! Synaptic weight matrices, stored sparse (compressed rows): a zero weight means "no
//! synapse" (semantics page), so only non-zero entries are kept. Rows are source channels
//! or neurons, columns are target neurons. Values are held as `i16`, the widest weight the
//! semantics allow (`weight_bits <= 16`); wider values are refused at construction.

use std::fmt;

/// Why a weight matrix could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WeightError {
    /// Row `row` has `len` entries where `expected` were needed.
    Ragged {
        row: usize,
        len: usize,
        expected: usize,
    },
    /// The value at (`row`, `col`) does not fit 16 signed bits, so no `weight_bits` can hold it.
    TooWide { row: usize, col: usize, value: i64 },
}

impl fmt::Display for WeightError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WeightError::Ragged { row, len, expected } => {
                let entries = if *len == 1 { "entry" } else { "entries" };
                write!(f, "row {row} has {len} {entries}, but row 0 has {expected}")
            }
            WeightError::TooWide { row, col, value } => write!(
                f,
                "weight at row {row}, column {col} is {value}, beyond the 16 bits any weight may have"
            ),
        }
    }
}

/// An `rows x cols` matrix of signed weights, stored as compressed sparse rows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct WeightMatrix {
    rows: usize,
    cols: usize,
    row_start: Vec<usize>,
    col: Vec<u32>,
    val: Vec<i16>,
}

impl WeightMatrix {
    /// Builds from row vectors, as written inline in a design.
    pub fn from_rows<R: AsRef<[i64]>>(rows: &[R]) -> Result<Self, WeightError> {
        let cols = rows.first().map_or(0, |r| r.as_ref().len());
        for (i, r) in rows.iter().enumerate() {
            if r.as_ref().len() != cols {
                return Err(WeightError::Ragged {
                    row: i,
                    len: r.as_ref().len(),
                    expected: cols,
                });
            }
        }
        Self::from_dense(
            rows.len(),
            cols,
            rows.iter().flat_map(|r| r.as_ref().iter().copied()),
        )
    }

    /// Builds from `rows * cols` values in row-major order.
    pub fn from_dense(
        rows: usize,
        cols: usize,
        values: impl IntoIterator<Item = i64>,
    ) -> Result<Self, WeightError> {
        let mut m = WeightMatrix {
            rows,
            cols,
            row_start: Vec::with_capacity(rows + 1),
            col: Vec::new(),
            val: Vec::new(),
        };
        m.row_start.push(0);
        let mut it = values.into_iter();
        for r in 0..rows {
            for c in 0..cols {
                let v = it.next().unwrap_or(0);
                m.push_entry(r, c, v)?;
            }
            m.row_start.push(m.col.len());
        }
        Ok(m)
    }

    /// Builds from `(row, col, weight)` triplets sorted by row then column; zeros are
    /// dropped and a repeated position keeps its last value.
    pub fn from_sorted_triplets(
        rows: usize,
        cols: usize,
        triplets: impl IntoIterator<Item = (usize, usize, i64)>,
    ) -> Result<Self, WeightError> {
        let mut m = WeightMatrix {
            rows,
            cols,
            row_start: vec![0],
            col: Vec::new(),
            val: Vec::new(),
        };
        let mut row = 0;
        for (r, c, v) in triplets {
            while row < r.min(rows) {
                m.row_start.push(m.col.len());
                row += 1;
            }
            if r >= rows || c >= cols {
                continue;
            }
            if m.col.len() > m.row_start[row] && m.col.last() == Some(&(c as u32)) {
                m.col.pop();
                m.val.pop();
            }
            m.push_entry(r, c, v)?;
        }
        while m.row_start.len() <= rows {
            m.row_start.push(m.col.len());
        }
        Ok(m)
    }

    fn push_entry(&mut self, row: usize, col: usize, value: i64) -> Result<(), WeightError> {
        if value == 0 {
            return Ok(());
        }
        let v = i16::try_from(value).map_err(|_| WeightError::TooWide { row, col, value })?;
        self.col.push(col as u32);
        self.val.push(v);
        Ok(())
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Number of synapses (non-zero weights).
    pub fn nnz(&self) -> usize {
        self.val.len()
    }

    /// The synapses of source row `r`: target columns and their weights.
    pub fn row(&self, r: usize) -> (&[u32], &[i16]) {
        let (a, b) = (self.row_start[r], self.row_start[r + 1]);
        (&self.col[a..b], &self.val[a..b])
    }

    /// Every synapse as `(row, col, weight)`, row-major.
    pub fn iter(&self) -> impl Iterator<Item = (usize, usize, i16)> + '_ {
        (0..self.rows).flat_map(move |r| {
            let (c, v) = self.row(r);
            c.iter().zip(v).map(move |(&c, &v)| (r, c as usize, v))
        })
    }

    /// The weight at (`r`, `c`), zero where there is no synapse.
    pub fn get(&self, r: usize, c: usize) -> i16 {
        let (cols, vals) = self.row(r);
        cols.binary_search(&(c as u32)).map_or(0, |i| vals[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_round_trip_drops_zeros() {
        let m = WeightMatrix::from_rows(&[vec![1, 0, -3], vec![0, 0, 0], vec![7, 8, 0]]).unwrap();
        assert_eq!((m.rows(), m.cols(), m.nnz()), (3, 3, 4));
        assert_eq!(m.get(0, 2), -3);
        assert_eq!(m.get(1, 1), 0);
        assert_eq!(m.row(2), (&[0u32, 1][..], &[7i16, 8][..]));
        let all: Vec<_> = m.iter().collect();
        assert_eq!(all, vec![(0, 0, 1), (0, 2, -3), (2, 0, 7), (2, 1, 8)]);
    }

    #[test]
    fn ragged_and_too_wide_are_reported() {
        assert_eq!(
            WeightMatrix::from_rows(&[vec![1, 2], vec![3]]),
            Err(WeightError::Ragged {
                row: 1,
                len: 1,
                expected: 2
            })
        );
        assert_eq!(
            WeightMatrix::from_rows(&[vec![1, 40000]]),
            Err(WeightError::TooWide {
                row: 0,
                col: 1,
                value: 40000
            })
        );
    }

    #[test]
    fn triplets_match_dense() {
        let t =
            WeightMatrix::from_sorted_triplets(3, 2, [(0, 1, 4), (2, 0, -1), (2, 0, 5)]).unwrap();
        let d = WeightMatrix::from_rows(&[vec![0, 4], vec![0, 0], vec![5, 0]]).unwrap();
        assert_eq!(t, d);
    }
}
