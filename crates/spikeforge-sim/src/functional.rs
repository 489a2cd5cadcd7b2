//! The functional model: ../shared/spec/semantics.md executed directly, tick by tick,
//! from the circuit graph alone (no plan). It is the golden reference every other
//! execution is compared with.
//!
//! Speed comes from three facts of the semantics.
//!
//! - Accumulation wraps modulo 2^V with V <= 32, so any sum that is congruent to the
//!   exact one modulo 2^V gives the same `wrap_V`. The model accumulates in wrapping
//!   32-bit lanes, and, where the target's V <= 16, in wrapping 16-bit lanes (congruent
//!   modulo 2^16, hence modulo 2^V). Where V > 16, 16-bit lanes still serve as partial
//!   sums when they are flushed into the 32-bit accumulator before they can overflow
//!   (every `32767 / max|w|` rows), so no partial sum ever wraps.
//! - The order of events within a tick does not matter (same reason), so the spikes a
//!   crossbar receives in one tick are gathered first and added several rows per pass
//!   over the accumulator (register blocking: one load and store of the accumulator
//!   for up to eight rows).
//! - A zero weight is no synapse. A sparse crossbar keeps compressed rows and a spike
//!   walks its row's synapses; a dense one (at least one synapse in
//!   [`DENSE_MIN_DENSITY`]) keeps every weight, `i8` when `weight_bits <= 8` and `i16`
//!   otherwise, and a spike adds its whole row with SIMD (AVX2 when the CPU has it,
//!   detected at run time; a portable loop otherwise, with identical results: integer
//!   wrapping addition is the same operation in both).

use spikeforge_ir::{Circuit, NodeIndex, Reset};

/// A crossbar is stored dense when at least this fraction of its weights are synapses:
/// a dense row costs about one byte per column, a sparse one about eight bytes and a
/// scattered add per synapse.
pub const DENSE_MIN_DENSITY: f64 = 1.0 / 16.0;

/// `wrap_V(x)`: `x` reduced to the signed `bits`-bit range modulo 2^bits.
pub fn wrap(x: i64, bits: u32) -> i64 {
    let s = 64 - bits;
    (x << s) >> s
}

/// `sat_V(x)`: `x` clamped to the signed `bits`-bit range.
pub fn sat(x: i64, bits: u32) -> i64 {
    let max = (1i64 << (bits - 1)) - 1;
    x.clamp(-max - 1, max)
}

/// How the model stores crossbars. Every choice computes the same rasters; the choice
/// only changes speed (tests force each one to compare them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Storage {
    /// Dense where at least [`DENSE_MIN_DENSITY`] of the weights are synapses.
    #[default]
    Auto,
    /// Every crossbar as compressed sparse rows, and the general update loop: the
    /// plain path, the semantics page written out directly.
    Sparse,
    /// Every non-empty crossbar dense.
    Dense,
}

/// Parameters of one population, widened once.
#[derive(Clone, Debug)]
struct Params {
    threshold: i64,
    leak_shift: u32,
    reset: Reset,
    refractory: u8,
    bits: u32,
}

/// The weights of a crossbar as delivery reads them.
#[derive(Clone, Debug)]
enum Rows {
    Sparse {
        row_start: Vec<usize>,
        col: Vec<u32>,
        val: Vec<i32>,
    },
    /// Row-major `rows x cols`, `weight_bits <= 8`.
    Dense8(Vec<i8>),
    /// Row-major `rows x cols`.
    Dense16(Vec<i16>),
}

/// Where a dense crossbar's rows are summed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lanes {
    /// Wrapping 16-bit lanes, added into the 32-bit accumulator once per tick; exact
    /// because the target's V <= 16.
    Wrap16,
    /// 16-bit partial sums of at most `rows` rows each, which cannot overflow, added
    /// into the 32-bit accumulator after each such batch.
    Partial16 { rows: usize },
    /// Straight into the 32-bit accumulator.
    Wide32,
}

/// A crossbar flattened for delivery.
#[derive(Clone, Debug)]
struct Projection {
    target: usize,
    cols: usize,
    rows: Rows,
    lanes: Lanes,
    /// Source lines delivered in the current tick.
    pending: Vec<u32>,
}

impl Projection {
    fn new(
        w: &spikeforge_ir::WeightMatrix,
        weight_bits: u32,
        v_bits: u32,
        storage: Storage,
    ) -> Self {
        let (rows, cols) = (w.rows(), w.cols());
        let cells = rows as f64 * cols as f64;
        let dense = w.nnz() > 0
            && match storage {
                Storage::Sparse => false,
                Storage::Dense => true,
                Storage::Auto => w.nnz() as f64 >= DENSE_MIN_DENSITY * cells,
            };
        if !dense {
            let mut row_start = Vec::with_capacity(rows + 1);
            let mut col = Vec::with_capacity(w.nnz());
            let mut val = Vec::with_capacity(w.nnz());
            row_start.push(0);
            for r in 0..rows {
                let (cs, vs) = w.row(r);
                col.extend_from_slice(cs);
                val.extend(vs.iter().map(|&v| v as i32));
                row_start.push(col.len());
            }
            return Projection {
                target: 0,
                cols,
                rows: Rows::Sparse {
                    row_start,
                    col,
                    val,
                },
                lanes: Lanes::Wide32,
                pending: Vec::new(),
            };
        }
        let max_abs = w
            .iter()
            .map(|(_, _, v)| (v as i32).unsigned_abs())
            .max()
            .unwrap_or(1);
        let fits8 = weight_bits <= 8 && max_abs <= 128;
        let rows_store = if fits8 {
            let mut d = vec![0i8; rows * cols];
            for (r, c, v) in w.iter() {
                d[r * cols + c] = v as i8;
            }
            Rows::Dense8(d)
        } else {
            let mut d = vec![0i16; rows * cols];
            for (r, c, v) in w.iter() {
                d[r * cols + c] = v;
            }
            Rows::Dense16(d)
        };
        let lanes = if v_bits <= 16 {
            Lanes::Wrap16
        } else if max_abs <= 128 {
            // |partial| <= rows * max|w| <= 32767.
            Lanes::Partial16 {
                rows: (i16::MAX as u32 / max_abs) as usize,
            }
        } else {
            Lanes::Wide32
        };
        Projection {
            target: 0,
            cols,
            rows: rows_store,
            lanes,
            pending: Vec::new(),
        }
    }

    /// Adds the rows in `pending` into `acc` (the target's accumulators) and clears
    /// `pending`; `scratch` holds at least `cols` 16-bit lanes.
    fn flush(&mut self, acc: &mut [i32], scratch: &mut [i16]) {
        let pending = &self.pending;
        if pending.is_empty() {
            return;
        }
        let cols = self.cols;
        match (&self.rows, self.lanes) {
            (
                Rows::Sparse {
                    row_start,
                    col,
                    val,
                },
                _,
            ) => {
                for &line in pending {
                    let (a, b) = (row_start[line as usize], row_start[line as usize + 1]);
                    for (&c, &w) in col[a..b].iter().zip(&val[a..b]) {
                        let slot = &mut acc[c as usize];
                        *slot = slot.wrapping_add(w);
                    }
                }
            }
            (Rows::Dense16(w), Lanes::Wide32) => kernels::add_rows_i16_i32(w, cols, pending, acc),
            (Rows::Dense8(_) | Rows::Dense16(_), lanes) => {
                let batch = match lanes {
                    Lanes::Partial16 { rows } => rows.max(1),
                    _ => usize::MAX,
                };
                let part = &mut scratch[..cols];
                for chunk in pending.chunks(batch.min(pending.len())) {
                    part.fill(0);
                    match &self.rows {
                        Rows::Dense8(w) => kernels::add_rows_i8_i16(w, cols, chunk, part),
                        Rows::Dense16(w) => kernels::add_rows_i16_i16(w, cols, chunk, part),
                        Rows::Sparse { .. } => unreachable!("matched above"),
                    }
                    kernels::widen_add(part, acc);
                }
            }
        }
        self.pending.clear();
    }
}

/// The state of one population.
#[derive(Clone, Debug)]
struct PopState {
    params: Params,
    v: Vec<i64>,
    acc: Vec<i32>,
    refr: Vec<u8>,
    /// Indices of the neurons that fired in the last update, ascending.
    fired: Vec<u32>,
    /// Projections whose source is this population.
    out: Vec<usize>,
}

/// The functional model of one circuit.
#[derive(Clone, Debug)]
pub struct FunctionalModel {
    pops: Vec<PopState>,
    pop_nodes: Vec<NodeIndex>,
    /// Per input (in `Circuit::inputs` order): the projections it drives.
    input_out: Vec<Vec<usize>>,
    input_nodes: Vec<NodeIndex>,
    projections: Vec<Projection>,
    /// 16-bit lanes for the dense crossbars' partial sums.
    scratch: Vec<i16>,
    /// [`Storage::Sparse`]: the plain path throughout, the general update loop too.
    plain: bool,
    tick: u64,
}

impl FunctionalModel {
    pub fn new(circuit: &Circuit) -> Self {
        Self::with_storage(circuit, Storage::Auto)
    }

    /// The model with crossbars stored as `storage` says (same results, other speed).
    pub fn with_storage(circuit: &Circuit, storage: Storage) -> Self {
        let pop_nodes: Vec<NodeIndex> = circuit.populations().map(|(n, _)| n).collect();
        let input_nodes: Vec<NodeIndex> = circuit.inputs().map(|(n, _)| n).collect();
        let pop_index = |n: NodeIndex| pop_nodes.iter().position(|&p| p == n);
        let mut projections = Vec::new();
        let mut pops: Vec<PopState> = circuit
            .populations()
            .map(|(_, p)| {
                let l = p.lif();
                let n = p.neurons as usize;
                PopState {
                    params: Params {
                        threshold: l.threshold,
                        leak_shift: l.leak_shift as u32,
                        reset: l.reset,
                        refractory: l.refractory as u8,
                        bits: p.membrane_bits as u32,
                    },
                    v: vec![0; n],
                    acc: vec![0; n],
                    refr: vec![0; n],
                    fired: Vec::new(),
                    out: Vec::new(),
                }
            })
            .collect();
        let mut input_out = vec![Vec::new(); input_nodes.len()];
        let mut scratch_len = 0;
        for (x, xb) in circuit.crossbars() {
            let target = pop_index(circuit.crossbar_target(x)).expect("validated target");
            let mut p = Projection::new(
                &xb.weights,
                xb.weight_bits as u32,
                pops[target].params.bits,
                storage,
            );
            p.target = target;
            if !matches!(p.rows, Rows::Sparse { .. }) {
                scratch_len = scratch_len.max(p.cols);
            }
            let id = projections.len();
            projections.push(p);
            let src = circuit.crossbar_source(x);
            if let Some(i) = pop_index(src) {
                pops[i].out.push(id);
            } else if let Some(i) = input_nodes.iter().position(|&n| n == src) {
                input_out[i].push(id);
            }
        }
        FunctionalModel {
            pops,
            pop_nodes,
            input_out,
            input_nodes,
            projections,
            scratch: vec![0; scratch_len],
            plain: storage == Storage::Sparse,
            tick: 0,
        }
    }

    /// The tick the next call to [`step`](Self::step) computes.
    pub fn tick(&self) -> u64 {
        self.tick
    }

    /// Runs one tick. `stimulus` lists `(input, channel)` spikes of this tick, where
    /// `input` indexes `Circuit::inputs()` order; channels must be in range.
    pub fn step(&mut self, stimulus: &[(usize, u32)]) {
        let FunctionalModel {
            pops,
            input_out,
            projections,
            scratch,
            plain,
            ..
        } = self;
        // 1. Deliver: stimulus of this tick, and every spike fired at the previous tick,
        // gathered per crossbar, then added crossbar by crossbar.
        for &(input, ch) in stimulus {
            for &proj in &input_out[input] {
                projections[proj].pending.push(ch);
            }
        }
        for pop in pops.iter() {
            for &proj in &pop.out {
                projections[proj].pending.extend_from_slice(&pop.fired);
            }
        }
        for p in projections.iter_mut() {
            let acc = &mut pops[p.target].acc;
            p.flush(acc, scratch);
        }
        // 2-3. Update every neuron at once.
        for pop in pops.iter_mut() {
            pop.fired.clear();
            let p = &pop.params;
            if p.refractory == 0 && !*plain {
                update_without_refractory(pop);
                continue;
            }
            for j in 0..pop.v.len() {
                let acc = wrap(pop.acc[j] as i64, p.bits);
                pop.acc[j] = 0;
                if pop.refr[j] > 0 {
                    pop.refr[j] -= 1;
                    continue;
                }
                let v = pop.v[j];
                let leak = if p.leak_shift == 0 {
                    0
                } else {
                    v >> p.leak_shift
                };
                let mut v = sat(v - leak + acc, p.bits);
                if v >= p.threshold {
                    pop.fired.push(j as u32);
                    v = match p.reset {
                        Reset::Zero => 0,
                        Reset::Subtract => v - p.threshold,
                    };
                    pop.refr[j] = p.refractory;
                }
                pop.v[j] = v;
            }
        }
        self.tick += 1;
    }

    /// Neurons of population `pop` (in `Circuit::populations()` order) that fired at
    /// the last tick computed.
    pub fn fired(&self, pop: usize) -> &[u32] {
        &self.pops[pop].fired
    }

    /// Membrane potential of neuron `j` of population `pop`.
    pub fn membrane(&self, pop: usize, j: usize) -> i64 {
        self.pops[pop].v[j]
    }

    /// The population nodes, in the order `fired` and `membrane` index them.
    pub fn population_nodes(&self) -> &[NodeIndex] {
        &self.pop_nodes
    }

    /// The input nodes, in the order `step` indexes them.
    pub fn input_nodes(&self) -> &[NodeIndex] {
        &self.input_nodes
    }

    /// How many crossbars are stored dense and how many sparse.
    pub fn storage_counts(&self) -> (usize, usize) {
        let dense = self
            .projections
            .iter()
            .filter(|p| !matches!(p.rows, Rows::Sparse { .. }))
            .count();
        (dense, self.projections.len() - dense)
    }
}

/// The update of a population whose refractory period is 0 (`ref` stays 0, so every
/// neuron integrates every tick): the same arithmetic as the general loop in `step`,
/// written without branches on the data (a neuron's firing selects values and
/// advances the write position of `fired`), since which neurons fire is unpredictable.
fn update_without_refractory(pop: &mut PopState) {
    let p = &pop.params;
    let n = pop.v.len();
    let (bits, theta) = (p.bits, p.threshold);
    let max = (1i64 << (bits - 1)) - 1;
    let shift = 64 - bits;
    // The leak is v >> λ, masked to 0 when λ = 0 (no leak).
    let (lam, leak_mask) = if p.leak_shift == 0 {
        (0, 0i64)
    } else {
        (p.leak_shift, -1i64)
    };
    let subtract = p.reset == Reset::Subtract;
    let fired = &mut pop.fired;
    fired.resize(n, 0);
    let mut k = 0usize;
    for (j, (v, acc)) in pop.v.iter_mut().zip(pop.acc.iter_mut()).enumerate() {
        let a = ((*acc as i64) << shift) >> shift;
        *acc = 0;
        let leak = (*v >> lam) & leak_mask;
        let x = (*v - leak + a).clamp(-max - 1, max);
        let fire = x >= theta;
        let reset = if subtract { x - theta } else { 0 };
        *v = if fire { reset } else { x };
        fired[k] = j as u32;
        k += fire as usize;
    }
    fired.truncate(k);
}

/// The dense row sums. Each public function picks the AVX2 build of its loop when the
/// CPU has AVX2 (checked once per call, a cached load) and the portable build
/// otherwise; both are the same Rust loop, so they compute the same wrapping sums.
mod kernels {
    /// Rows summed per pass over the lanes.
    const GROUP: usize = 8;

    /// One pass: `out[k] += sum of rows[i][k]`, wrapping, for `R` rows of `cols`.
    #[inline(always)]
    fn pass<T: Copy, A: Copy, const R: usize>(
        w: &[T],
        cols: usize,
        rows: &[u32],
        out: &mut [A],
        add: impl Fn(A, T) -> A,
    ) {
        let out = &mut out[..cols];
        let rows: [&[T]; R] = std::array::from_fn(|i| &w[rows[i] as usize * cols..][..cols]);
        for k in 0..cols {
            let mut s = out[k];
            for row in &rows {
                s = add(s, row[k]);
            }
            out[k] = s;
        }
    }

    /// All rows of `rows`, `GROUP` at a time, then the rest in 4, 2, 1.
    #[inline(always)]
    fn sum<T: Copy, A: Copy>(
        w: &[T],
        cols: usize,
        rows: &[u32],
        out: &mut [A],
        add: impl Fn(A, T) -> A + Copy,
    ) {
        let mut groups = rows.chunks_exact(GROUP);
        for g in &mut groups {
            pass::<T, A, GROUP>(w, cols, g, out, add);
        }
        let mut rest = groups.remainder();
        while !rest.is_empty() {
            match rest.len() {
                4.. => pass::<T, A, 4>(w, cols, rest, out, add),
                2 | 3 => pass::<T, A, 2>(w, cols, rest, out, add),
                _ => pass::<T, A, 1>(w, cols, rest, out, add),
            }
            rest = &rest[match rest.len() {
                4.. => 4,
                2 | 3 => 2,
                _ => 1,
            }..];
        }
    }

    macro_rules! kernel {
        ($name:ident, $portable:ident, $avx2:ident, $t:ty, $a:ty, $add:expr) => {
            pub(super) fn $portable(w: &[$t], cols: usize, rows: &[u32], out: &mut [$a]) {
                sum(w, cols, rows, out, $add)
            }

            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2")]
            fn $avx2(w: &[$t], cols: usize, rows: &[u32], out: &mut [$a]) {
                sum(w, cols, rows, out, $add)
            }

            pub(super) fn $name(w: &[$t], cols: usize, rows: &[u32], out: &mut [$a]) {
                #[cfg(target_arch = "x86_64")]
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU has AVX2, checked just above.
                    return unsafe { $avx2(w, cols, rows, out) };
                }
                $portable(w, cols, rows, out)
            }
        };
    }

    kernel!(
        add_rows_i8_i16,
        add_rows_i8_i16_portable,
        add_rows_i8_i16_avx2,
        i8,
        i16,
        |a: i16, x: i8| a.wrapping_add(x as i16)
    );
    kernel!(
        add_rows_i16_i16,
        add_rows_i16_i16_portable,
        add_rows_i16_i16_avx2,
        i16,
        i16,
        |a: i16, x: i16| a.wrapping_add(x)
    );
    kernel!(
        add_rows_i16_i32,
        add_rows_i16_i32_portable,
        add_rows_i16_i32_avx2,
        i16,
        i32,
        |a: i32, x: i16| a.wrapping_add(x as i32)
    );

    /// `acc[k] += part[k]` (sign-extended), wrapping.
    pub(super) fn widen_add(part: &[i16], acc: &mut [i32]) {
        for (a, &p) in acc.iter_mut().zip(part) {
            *a = a.wrapping_add(p as i32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_and_saturate() {
        assert_eq!(wrap(200, 8), -56);
        assert_eq!(wrap(-129, 8), 127);
        assert_eq!(wrap(i32::MAX as i64 + 1, 32), i32::MIN as i64);
        assert_eq!(sat(200, 8), 127);
        assert_eq!(sat(-200, 8), -128);
        assert_eq!(sat(5, 16), 5);
    }

    #[test]
    fn leak_rounds_toward_minus_infinity() {
        // Worked case 3: v = -3, leak = -3 >> 1 = -2, v = -3 - (-2) = -1.
        assert_eq!(-3i64 >> 1, -2);
    }

    /// A deterministic stream for the kernel tests.
    fn values(seed: u64, n: usize) -> Vec<i64> {
        let mut r = crate::stimulus::SplitMix64::new(seed);
        (0..n).map(|_| r.next_u64() as i64).collect()
    }

    /// The kernels' SIMD and portable builds, and the plain per-row scalar sum, agree
    /// bit for bit on every row count 0..=21 (all group sizes and remainders), on
    /// widths that are and are not multiples of a vector, with extreme weights so the
    /// 16-bit lanes wrap.
    #[test]
    fn kernels_match_the_scalar_sum() {
        for cols in [1usize, 7, 16, 33, 100, 256] {
            let nrows = 40;
            let w8: Vec<i8> = values(cols as u64, nrows * cols)
                .iter()
                .map(|&v| v as i8)
                .collect();
            let w16: Vec<i16> = values(cols as u64 + 9, nrows * cols)
                .iter()
                .map(|&v| v as i16)
                .collect();
            for take in 0..=21usize {
                let rows: Vec<u32> = values(take as u64 ^ 77, take)
                    .iter()
                    .map(|&v| (v as u64 % nrows as u64) as u32)
                    .collect();
                let start16: Vec<i16> = values(5, cols).iter().map(|&v| v as i16).collect();
                let start32: Vec<i32> = values(6, cols).iter().map(|&v| v as i32).collect();
                let scalar = |row: &dyn Fn(usize, usize) -> i64, start: &[i64], bits: u32| {
                    (0..cols)
                        .map(|k| {
                            wrap(
                                rows.iter().fold(start[k], |s, &r| s + row(r as usize, k)),
                                bits,
                            )
                        })
                        .collect::<Vec<i64>>()
                };
                let s16: Vec<i64> = start16.iter().map(|&v| v as i64).collect();
                let s32: Vec<i64> = start32.iter().map(|&v| v as i64).collect();

                let want = scalar(&|r, k| w8[r * cols + k] as i64, &s16, 16);
                let (mut a, mut b) = (start16.clone(), start16.clone());
                kernels::add_rows_i8_i16(&w8, cols, &rows, &mut a);
                kernels::add_rows_i8_i16_portable(&w8, cols, &rows, &mut b);
                assert_eq!(a.iter().map(|&v| v as i64).collect::<Vec<_>>(), want);
                assert_eq!(a, b);

                let want = scalar(&|r, k| w16[r * cols + k] as i64, &s16, 16);
                let (mut a, mut b) = (start16.clone(), start16.clone());
                kernels::add_rows_i16_i16(&w16, cols, &rows, &mut a);
                kernels::add_rows_i16_i16_portable(&w16, cols, &rows, &mut b);
                assert_eq!(a.iter().map(|&v| v as i64).collect::<Vec<_>>(), want);
                assert_eq!(a, b);

                let want = scalar(&|r, k| w16[r * cols + k] as i64, &s32, 32);
                let (mut a, mut b) = (start32.clone(), start32.clone());
                kernels::add_rows_i16_i32(&w16, cols, &rows, &mut a);
                kernels::add_rows_i16_i32_portable(&w16, cols, &rows, &mut b);
                assert_eq!(a.iter().map(|&v| v as i64).collect::<Vec<_>>(), want);
                assert_eq!(a, b);
            }
        }
    }
}
