//! The cycle-accurate simulator of the generated hardware (docs/hardware.md), built
//! from the same plan the Verilog is emitted from. Every register, memory read latency,
//! FIFO, arbiter and handshake of the tile, router and top is modelled, so the activity
//! on the top's ports matches Verilator's and Icarus's at every cycle; the harness
//! driver of `sim/harness.v` is modelled too, so whole runs compare trace for trace.
//!
//! Each cycle first computes every combinational signal from the registers (no
//! combinational path crosses a component boundary except through registers, so one
//! pass suffices), then applies every register and memory update at once, with memory
//! reads seeing the contents before the edge, as the RTL's nonblocking assignments do.
//!
//! Speed comes from doing nothing for what is idle: a router whose FIFOs are empty and
//! whose inputs are all invalid is skipped, and so is a tile whose machines rest with
//! nothing offered to it. Long waits in which only one tile's pipeline advances (a
//! weight row, a neuron sweep) cost one call per cycle of that tile only.

use spikeforge_pnr::plan::{GroupSource, Port};
use spikeforge_pnr::Plan;
use spikeforge_rtl::tile::{
    N_CHECK, N_CLEAR, N_IDLE, N_INTEG, N_SEARCH, N_SWEEP, S_IDLE, S_PUSH, S_READ,
};
use spikeforge_rtl::top::{T_CLEAR, T_DRAIN, T_IDLE, T_SEND, T_SENT, T_SWEEP, T_SWEPT};
use spikeforge_rtl::Arch;

use crate::raster::{Raster, Spike};

fn sext(v: u64, bits: u32) -> i64 {
    let s = 64 - bits;
    ((v << s) as i64) >> s
}

fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

/// Per-neuron parameters, as the neurons image holds them.
#[derive(Clone, Copy, Debug, Default)]
struct NeuronWord {
    key: u32,
    vshift: u32,
    refractory: u8,
    subtract: bool,
    leak: u32,
    threshold: i64,
}

/// The second stage of a neuron update: the saturated sum and what the threshold
/// decision needs (the `c_*` registers of the tile).
#[derive(Clone, Copy, Debug, Default)]
struct Commit {
    vs: i64,
    v: i64,
    refc: u8,
    p: NeuronWord,
}

/// One tile's registers (copied whole at every edge, so next values are computed from
/// the values before the edge, as nonblocking assignments are).
#[derive(Clone, Copy, Debug, Default)]
struct TileRegs {
    keys_q: u32,
    w_q: i64,
    np_q: NeuronWord,
    st_q: (u8, i64),
    acc_q: i64,
    buf_q: u32,
    nstate: u64,
    cnt: u32,
    ev_key: u32,
    idx: u32,
    step: u32,
    row: u32,
    j: u32,
    wr_pend: bool,
    wr_j: u32,
    up_pend: bool,
    up_j: u32,
    c_pend: bool,
    c_j: u32,
    c: Commit,
    fcount: u32,
    sstate: u64,
    sk: u32,
}

/// One tile: its memories and registers.
#[derive(Clone, Debug)]
struct Tile {
    keys: Vec<u32>,
    weights: Vec<i64>,
    params: Vec<NeuronWord>,
    state: Vec<(u8, i64)>,
    acc: Vec<i64>,
    spikes: Vec<u32>,
    r: TileRegs,
}

/// Combinational outputs of a tile in one cycle.
#[derive(Clone, Copy, Debug, Default)]
struct TileOut {
    in_ready: bool,
    out_valid: bool,
    out_data: u32,
    idle: bool,
}

impl Tile {
    fn outputs(&self, sweep: bool) -> TileOut {
        let r = &self.r;
        TileOut {
            in_ready: r.nstate == N_IDLE && !sweep,
            out_valid: r.sstate == S_PUSH,
            out_data: r.buf_q,
            idle: r.nstate == N_IDLE && !r.wr_pend && !r.up_pend && !r.c_pend && r.sstate == S_IDLE,
        }
    }

    /// Whether an edge would change nothing observable: both machines at rest and
    /// nothing offered. (The read registers keep being reloaded in the RTL, but from
    /// unchanged memories at unchanged addresses, so they hold their values.)
    fn resting(&self, in_valid: bool, sweep: bool, send: bool) -> bool {
        let r = &self.r;
        r.nstate == N_IDLE
            && !r.wr_pend
            && !r.up_pend
            && !r.c_pend
            && r.sstate == S_IDLE
            && !in_valid
            && !sweep
            && !(send && r.fcount != 0)
    }

    /// With its inputs held, the number of edges until this tile's outputs (in_ready,
    /// out_valid, idle) may change (at least 1; `u64::MAX` when at rest).
    fn horizon(&self, nc: u32, in_valid: bool, out_ready: bool) -> u64 {
        let r = &self.r;
        let neuron = match r.nstate {
            N_CLEAR => (nc - r.cnt) as u64,
            N_IDLE if r.wr_pend || r.up_pend || r.c_pend || in_valid => 1,
            N_IDLE => u64::MAX,
            // The search may fail at CHECK: the earliest return to IDLE.
            N_SEARCH => r.step as u64 + 2,
            N_CHECK if r.keys_q == r.ev_key => 1 + nc as u64,
            N_CHECK => 1,
            N_INTEG | N_SWEEP => (nc - r.j) as u64,
            _ => 1,
        };
        let sender = match r.sstate {
            S_IDLE => u64::MAX,
            S_PUSH if !out_ready => u64::MAX,
            _ => 1,
        };
        neuron.min(sender)
    }

    /// Advances `k` edges that all stay in `INTEG` (k < N - j) with the sender at rest
    /// and no neuron update in flight: the row's accumulations in one loop, leaving every
    /// register as `k` calls of [`Tile::edge`] would.
    fn advance_integ(&mut self, a: &Arch, k: u32) {
        let o = self.r;
        let row = (o.row as usize) << a.nb;
        if o.wr_pend {
            self.acc[o.wr_j as usize] = sext(((o.acc_q + o.w_q) as u64) & mask(a.vm), a.vm);
        }
        let (first, last) = (o.j as usize, (o.j + k - 1) as usize);
        for s in first..last {
            self.acc[s] = sext(
                ((self.acc[s] + self.weights[row | s]) as u64) & mask(a.vm),
                a.vm,
            );
        }
        let r = &mut self.r;
        r.acc_q = self.acc[last];
        r.st_q = self.state[last];
        r.np_q = self.params[last];
        r.w_q = self.weights[row | last];
        r.keys_q = self.keys[0];
        r.buf_q = self.spikes[o.sk as usize];
        r.wr_pend = true;
        r.wr_j = last as u32;
        r.up_pend = false;
        r.up_j = last as u32;
        r.c_pend = false;
        r.c_j = if k == 1 { o.up_j } else { last as u32 - 1 };
        r.j = o.j + k;
    }

    /// Advances `k` edges that all stay in `SWEEP` (k < N - j) with the sender at rest:
    /// the neuron updates in one loop, exactly as `k` calls of [`Tile::edge`].
    fn advance_sweep(&mut self, a: &Arch, k: u32) {
        let nc = 1u32 << a.nb;
        let o = self.r;
        let row = (o.row as usize) << a.nb;
        let mut r = o;
        // Each edge commits the slot read two edges before, takes the sum of the slot
        // read at the previous edge into the second stage, then reads the next slot.
        for s in o.j..o.j + k {
            r.buf_q = self.spikes[o.sk as usize];
            if r.c_pend {
                let (fire, new) = Self::commit(&r.c);
                let u = r.c_j as usize;
                self.acc[u] = 0;
                self.state[u] = new;
                if fire {
                    self.spikes[(r.fcount & (nc - 1)) as usize] = r.c.p.key;
                    r.fcount += 1;
                }
            }
            r.c = Self::sum(&r, a.vm);
            r.c_pend = r.up_pend;
            r.c_j = r.up_j;
            let s = s as usize;
            r.acc_q = self.acc[s];
            r.st_q = self.state[s];
            r.np_q = self.params[s];
            r.up_pend = true;
            r.up_j = s as u32;
        }
        let last = o.j + k - 1;
        r.w_q = self.weights[row | last as usize];
        r.keys_q = self.keys[0];
        r.wr_pend = false;
        r.wr_j = last;
        r.j = o.j + k;
        self.r = r;
    }

    /// The first stage of the neuron update of the slot read last cycle: the saturated
    /// sum, with what the second stage needs.
    fn sum(r: &TileRegs, vm: u32) -> Commit {
        let p = r.np_q;
        let (refc, v) = r.st_q;
        let accw = sext(((r.acc_q as u64) << p.vshift) & mask(vm), vm) >> p.vshift;
        let leak = if p.leak == 0 { 0 } else { v >> p.leak };
        let sum = v - leak + accw;
        let vmax = ((1i64 << (vm - 1)) - 1) >> p.vshift;
        let vmin = (-(1i64 << (vm - 1))) >> p.vshift;
        Commit {
            vs: sum.clamp(vmin, vmax),
            v,
            refc,
            p,
        }
    }

    /// The second stage: (fire, new {ref, v}).
    fn commit(c: &Commit) -> (bool, (u8, i64)) {
        if c.refc != 0 {
            return (false, (c.refc - 1, c.v));
        }
        if c.vs >= c.p.threshold {
            let v = if c.p.subtract {
                c.vs - c.p.threshold
            } else {
                0
            };
            (true, (c.p.refractory, v))
        } else {
            (false, (0, c.vs))
        }
    }

    /// One rising edge. `inp` = (in_valid, in_data); `out_ready`, `sweep`, `send` are
    /// the values before the edge.
    fn edge(
        &mut self,
        a: &Arch,
        rst: bool,
        inp: (bool, u32),
        out_ready: bool,
        sweep: bool,
        send: bool,
    ) {
        let (nb, ab) = (a.nb, a.ab);
        let nc = 1u32 << nb;
        let o = self.r;
        let mut n = o;
        // Combinational values before the edge.
        let idx_next = if o.keys_q <= o.ev_key {
            o.idx | (1 << o.step)
        } else {
            o.idx
        };
        let keys_addr = match o.nstate {
            N_IDLE => 1 << (ab - 1),
            N_SEARCH if o.step == 0 => idx_next,
            N_SEARCH => idx_next | (1 << (o.step - 1)),
            _ => 0,
        };
        let (fire, newstate) = if o.c_pend {
            Self::commit(&o.c)
        } else {
            (false, (0, 0))
        };
        // Memory reads see the contents before the edge; then the writes.
        let j = o.j as usize;
        n.acc_q = self.acc[j];
        n.st_q = self.state[j];
        n.buf_q = self.spikes[o.sk as usize];
        n.keys_q = self.keys[keys_addr as usize];
        n.w_q = self.weights[((o.row as usize) << nb) | j];
        n.np_q = self.params[j];
        if o.nstate == N_CLEAR {
            self.acc[o.cnt as usize] = 0;
            self.state[o.cnt as usize] = (0, 0);
        } else if o.wr_pend {
            self.acc[o.wr_j as usize] = sext(((o.acc_q + o.w_q) as u64) & mask(a.vm), a.vm);
        } else if o.c_pend {
            self.acc[o.c_j as usize] = 0;
            self.state[o.c_j as usize] = newstate;
        }
        if o.c_pend && fire {
            self.spikes[(o.fcount & (nc - 1)) as usize] = o.c.p.key;
        }
        // The second-stage registers load at every edge in the RTL; they are read only
        // when c_pend, so only a pending update's values are computed here.
        if o.up_pend {
            n.c = Self::sum(&o, a.vm);
        }
        if rst {
            n.nstate = N_CLEAR;
            n.cnt = 0;
            n.wr_pend = false;
            n.up_pend = false;
            n.c_pend = false;
            n.fcount = 0;
            n.sstate = S_IDLE;
            self.r = n;
            return;
        }
        n.wr_pend = o.nstate == N_INTEG;
        n.wr_j = o.j;
        n.up_pend = o.nstate == N_SWEEP;
        n.up_j = o.j;
        n.c_pend = o.up_pend;
        n.c_j = o.up_j;
        if o.c_pend && fire {
            n.fcount = o.fcount + 1;
        }
        match o.nstate {
            N_CLEAR => {
                n.cnt = (o.cnt + 1) & (nc - 1);
                if o.cnt == nc - 1 {
                    n.nstate = N_IDLE;
                }
            }
            N_IDLE => {
                if sweep {
                    n.j = 0;
                    n.fcount = 0;
                    n.nstate = N_SWEEP;
                } else if inp.0 {
                    n.ev_key = inp.1;
                    n.idx = 0;
                    n.step = ab - 1;
                    n.nstate = N_SEARCH;
                }
            }
            N_SEARCH => {
                n.idx = idx_next;
                if o.step == 0 {
                    n.nstate = N_CHECK;
                } else {
                    n.step = o.step - 1;
                }
            }
            N_CHECK => {
                if o.keys_q == o.ev_key {
                    n.row = o.idx;
                    n.j = 0;
                    n.nstate = N_INTEG;
                } else {
                    n.nstate = N_IDLE;
                }
            }
            N_INTEG | N_SWEEP => {
                if o.j == nc - 1 {
                    n.nstate = N_IDLE;
                } else {
                    n.j = o.j + 1;
                }
            }
            _ => n.nstate = N_IDLE,
        }
        match o.sstate {
            S_IDLE => {
                if send && o.fcount != 0 {
                    n.sk = 0;
                    n.sstate = S_READ;
                }
            }
            S_READ => n.sstate = S_PUSH,
            S_PUSH => {
                if out_ready {
                    if o.sk + 1 == o.fcount {
                        n.sstate = S_IDLE;
                    } else {
                        n.sk = o.sk + 1;
                        n.sstate = S_READ;
                    }
                }
            }
            _ => n.sstate = S_IDLE,
        }
        self.r = n;
    }
}

/// One router's registers and table.
#[derive(Clone, Debug)]
struct Router {
    /// (key, mask, ports) of every entry.
    table: Vec<(u32, u32, u8)>,
    f0: [u32; 5],
    f1: [u32; 5],
    cnt: [u8; 5],
    sent: [u8; 5],
    rr: [u8; 5],
}

/// Register-only combinational values of a router: what each output offers. Taken
/// before any edge of the cycle, so neighbours clocked earlier cannot leak into it.
#[derive(Clone, Copy, Debug, Default)]
struct RouterOffer {
    route: [u8; 5],
    valid: [bool; 5],
    grant: [u8; 5],
    data: [u32; 5],
}

impl Router {
    fn empty(&self) -> bool {
        self.cnt == [0; 5]
    }

    fn in_ready(&self, p: usize) -> bool {
        self.cnt[p] != 2
    }

    fn offer(&self) -> RouterOffer {
        let mut o = RouterOffer::default();
        let mut want = [0u8; 5];
        for i in 0..5 {
            if self.cnt[i] == 0 {
                continue;
            }
            let head = self.f0[i];
            o.route[i] = self
                .table
                .iter()
                .filter(|e| head & e.1 == e.0)
                .fold(0, |acc, e| acc | e.2);
            want[i] = o.route[i] & !self.sent[i];
        }
        for out in 0..5 {
            let start = self.rr[out] as usize;
            if start > 4 {
                continue;
            }
            for off in 0..5 {
                let i = (start + off) % 5;
                if want[i] >> out & 1 == 1 {
                    o.valid[out] = true;
                    o.grant[out] = i as u8;
                    o.data[out] = self.f0[i];
                    break;
                }
            }
        }
        o
    }

    /// One rising edge given what it offered, which outputs were taken (`ready`), and
    /// what arrives on each input.
    fn edge(&mut self, rst: bool, o: &RouterOffer, ready: [bool; 5], inp: [(bool, u32); 5]) {
        let mut got = [0u8; 5];
        let mut fire = [false; 5];
        for out in 0..5 {
            fire[out] = o.valid[out] && ready[out];
            if fire[out] {
                got[o.grant[out] as usize] |= 1 << out;
            }
        }
        for i in 0..5 {
            let pop = self.cnt[i] != 0 && ((self.sent[i] | got[i]) & o.route[i]) == o.route[i];
            let push = inp[i].0 && self.cnt[i] != 2;
            if rst {
                continue;
            }
            self.sent[i] = if pop { 0 } else { self.sent[i] | got[i] };
            match (push, pop) {
                (true, false) => {
                    if self.cnt[i] == 0 {
                        self.f0[i] = inp[i].1;
                    } else {
                        self.f1[i] = inp[i].1;
                    }
                    self.cnt[i] += 1;
                }
                (false, true) => {
                    self.f0[i] = self.f1[i];
                    self.cnt[i] -= 1;
                }
                (true, true) => {
                    if self.cnt[i] == 1 {
                        self.f0[i] = inp[i].1;
                    } else {
                        self.f0[i] = self.f1[i];
                        self.f1[i] = inp[i].1;
                    }
                }
                (false, false) => {}
            }
        }
        if rst {
            self.cnt = [0; 5];
            self.sent = [0; 5];
            self.rr = [0; 5];
            return;
        }
        for out in 0..5 {
            if fire[out] {
                self.rr[out] = if o.grant[out] == 4 {
                    0
                } else {
                    o.grant[out] + 1
                };
            }
        }
    }
}

/// The values on the top's ports in one cycle (before its rising edge).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ports {
    pub rst: bool,
    pub in_valid: bool,
    pub in_channel: u32,
    pub in_ready: bool,
    pub out_valid: bool,
    pub out_port: u32,
    pub out_index: u32,
    pub out_ready: bool,
    pub tick: bool,
    pub busy: bool,
    pub tick_done: bool,
}

/// The header of a port trace (the format shared with the HDL harnesses).
pub const TRACE_HEADER: &str =
    "cycle rst in_valid in_channel in_ready out_valid out_port out_index out_ready tick busy tick_done";

/// Writes a trace line for every cycle whose port values differ from the last line's.
struct TraceWriter {
    text: Option<String>,
    last: Option<Ports>,
}

impl TraceWriter {
    fn record(&mut self, p: Ports, cycle: u64) {
        if let Some(text) = self.text.as_mut() {
            if self.last != Some(p) {
                text.push_str(&p.trace_line(cycle));
                text.push('\n');
                self.last = Some(p);
            }
        }
    }
}

impl Ports {
    fn trace_line(&self, cycle: u64) -> String {
        let b = |v: bool| v as u32;
        format!(
            "{cycle} {} {} {} {} {} {} {} {} {} {} {}",
            b(self.rst),
            b(self.in_valid),
            self.in_channel,
            b(self.in_ready),
            b(self.out_valid),
            self.out_port,
            self.out_index,
            b(self.out_ready),
            b(self.tick),
            b(self.busy),
            b(self.tick_done)
        )
    }
}

/// The combinational values of one cycle, in vectors kept between cycles.
#[derive(Default)]
struct Scratch {
    /// Routers with a packet or something offered to them, with their links this cycle.
    active: Vec<(usize, [bool; 5], [(bool, u32); 5])>,
    offers: Vec<RouterOffer>,
    touts: Vec<TileOut>,
    /// Per tile: (in_valid, in_data, out_ready) from its router.
    tile_in: Vec<(bool, u32, bool)>,
    ready_before: Vec<[bool; 5]>,
    /// Per router: whether it has a packet or is offered one this cycle.
    fed: Vec<bool>,
    quiet: bool,
    consumed: bool,
}

/// The neighbour slot and the port it receives on, for port `p` of router `slot` on a
/// `w` x `h` mesh.
fn neighbour(w: usize, h: usize, slot: usize, p: usize) -> Option<(usize, usize)> {
    let (x, y) = (slot % w, slot / w);
    match p {
        0 if y > 0 => Some((slot - w, 2)),
        1 if x + 1 < w => Some((slot + 1, 3)),
        2 if y + 1 < h => Some((slot + w, 0)),
        3 if x > 0 => Some((slot - 1, 1)),
        _ => None,
    }
}

/// What a router port is wired to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Link {
    /// Port `1` of router `0`.
    Mesh(usize, usize),
    /// The tile of this slot (local port).
    Tile(usize),
    /// The host link.
    Host,
    /// Tied off.
    None,
}

/// The generated hardware of one plan, ready to be clocked: the library face of the
/// cycle simulator, for testbenches written in Rust. Poke the host's inputs, step one
/// clock cycle, peek the ports:
///
/// ```no_run
/// # let plan: spikeforge_pnr::Plan = unimplemented!();
/// use spikeforge_sim::cycle::{Hardware, Ports};
///
/// let mut hw = Hardware::new(&plan);
/// let mut inputs = Ports { rst: true, ..Ports::default() };
/// for _ in 0..3 {
///     hw.step(inputs); // reset for three cycles
/// }
/// inputs.rst = false;
/// while hw.step(inputs).busy {} // the tiles clear their memories
/// inputs.tick = true;
/// let seen = hw.step(inputs); // what the top showed in that cycle, before its edge
/// assert!(!seen.busy);
/// ```
pub struct Hardware {
    /// Working vectors of one cycle (kept to avoid allocating).
    scratch: Scratch,
    a: Arch,
    /// Per router and port, what it is wired to (fixed at construction).
    wiring: Vec<[Link; 5]>,
    tiles: Vec<Tile>,
    /// Tile index of each mesh slot.
    tile_at: Vec<Option<usize>>,
    routers: Vec<Router>,
    /// Slot and port of the host link.
    host: (usize, usize),
    channel_rom: Vec<Option<u32>>,
    /// Output port and first neuron of each group routed to the host.
    decode: std::collections::HashMap<u32, (u32, u32)>,
    group_shift: u32,
    tstate: u64,
    tick_done: bool,
    inj_valid: bool,
    chan_q: Option<u32>,
}

impl Hardware {
    /// One clock cycle. `inputs` gives the host's side of the top (`rst`, `in_valid`,
    /// `in_channel`, `out_ready`, `tick`; the other fields are ignored); returns every
    /// port's value during the cycle (before the rising edge that ends it), then clocks
    /// the hardware. A transfer happened on the edge when the returned ports show
    /// `in_valid && in_ready` (an input spike taken) or `out_valid && out_ready` (an
    /// output spike delivered: `out_port`, `out_index`).
    pub fn step(&mut self, inputs: Ports) -> Ports {
        let host = Ports {
            rst: inputs.rst,
            in_valid: inputs.in_valid,
            in_channel: inputs.in_channel,
            out_ready: inputs.out_ready,
            tick: inputs.tick,
            ..Ports::default()
        };
        let mut sc = std::mem::take(&mut self.scratch);
        let p = self.prepare(host, &mut sc);
        self.clock(&p, &sc);
        self.scratch = sc;
        p
    }

    /// Builds the hardware from the plan, with the memory contents the emitter writes.
    pub fn new(plan: &Plan) -> Hardware {
        let a = Arch::of(plan);
        let (nc, ac) = (a.nc() as usize, a.ac() as usize);
        let pad = ((1u64 << a.key_bits) - 1) as u32;
        let slots = (a.w * a.h) as usize;
        let mut tile_at = vec![None; slots];
        let tiles = plan
            .tiles
            .iter()
            .enumerate()
            .map(|(ti, t)| {
                tile_at[(t.y * a.w + t.x) as usize] = Some(ti);
                let mut keys = t.axon_keys.clone();
                keys.resize(ac, pad);
                let mut weights = vec![0i64; ac * nc];
                for r in 0..t.axons() {
                    for s in t.row(r) {
                        weights[(r << a.nb) | s.0 as usize] =
                            sext(s.1 as i64 as u64 & mask(a.wb), a.wb);
                    }
                }
                let mut params = vec![
                    NeuronWord {
                        threshold: (1i64 << (a.vm - 1)) - 1,
                        ..Default::default()
                    };
                    nc
                ];
                for s in &t.slices {
                    let p = &s.params;
                    for i in 0..s.count {
                        params[(s.local + i) as usize] = NeuronWord {
                            key: plan.keys.key(s.group, i),
                            vshift: a.vm - p.membrane_bits,
                            refractory: p.refractory as u8,
                            subtract: p.reset == "subtract",
                            leak: p.leak_shift,
                            threshold: p.threshold,
                        };
                    }
                }
                Tile {
                    keys,
                    weights,
                    params,
                    state: vec![(0, 0); nc],
                    acc: vec![0; nc],
                    spikes: vec![0; nc],
                    r: TileRegs::default(),
                }
            })
            .collect();
        let routers = (0..slots)
            .map(|slot| {
                let (x, y) = (slot as u32 % a.w, slot as u32 / a.w);
                let all = mask(a.key_bits) as u32;
                let table = plan
                    .router_at(x, y)
                    .map(|r| {
                        r.entries
                            .iter()
                            .map(|e| (e.key, e.mask & all, e.ports.0))
                            .collect()
                    })
                    .unwrap_or_default();
                Router {
                    table,
                    f0: [0; 5],
                    f1: [0; 5],
                    cnt: [0; 5],
                    sent: [0; 5],
                    rr: [0; 5],
                }
            })
            .collect();
        let mut channel_rom = Vec::new();
        for i in &plan.inputs {
            for c in 0..i.channels {
                let tn = plan.hardware.tile_neurons;
                channel_rom.push(Some(plan.keys.key(i.first_group + c / tn, c % tn)));
            }
        }
        channel_rom.resize(1 << a.cb, None);
        let outputs: Vec<u32> = plan
            .populations
            .iter()
            .enumerate()
            .filter(|(_, p)| p.output)
            .map(|(i, _)| i as u32)
            .collect();
        let decode = plan
            .groups
            .iter()
            .filter(|g| g.to_host)
            .filter_map(|g| {
                let GroupSource::Population { population, .. } = g.source else {
                    return None;
                };
                let port = outputs.iter().position(|&p| p == population)? as u32;
                Some((g.id, (port, g.first)))
            })
            .collect();
        let host_port = Port::ALL
            .iter()
            .position(|&p| p == plan.host.port)
            .expect("a port");
        let host = ((plan.host.y * a.w + plan.host.x) as usize, host_port);
        let wiring = (0..slots)
            .map(|slot| {
                std::array::from_fn(|port| {
                    match neighbour(a.w as usize, a.h as usize, slot, port) {
                        Some((ns, np)) => Link::Mesh(ns, np),
                        None if port == 4 => tile_at[slot].map_or(Link::None, Link::Tile),
                        None if (slot, port) == host => Link::Host,
                        None => Link::None,
                    }
                })
            })
            .collect();
        Hardware {
            scratch: Scratch::default(),
            a,
            wiring,
            tiles,
            tile_at,
            routers,
            host,
            channel_rom,
            decode,
            group_shift: plan.keys.group_shift,
            tstate: T_CLEAR,
            tick_done: false,
            inj_valid: false,
            chan_q: None,
        }
    }

    /// Computes every combinational value of this cycle from the registers: what the
    /// routers offer, what each tile sees and shows, and the top's ports (given the
    /// host's inputs in `p`).
    fn prepare(&self, mut p: Ports, sc: &mut Scratch) -> Ports {
        let sweep = self.tstate == T_SWEEP;
        let (hs, hp) = self.host;
        sc.offers.clear();
        sc.offers.extend(self.routers.iter().map(|r| {
            if r.empty() {
                RouterOffer::default()
            } else {
                r.offer()
            }
        }));
        sc.touts.clear();
        sc.touts.extend(self.tiles.iter().map(|t| t.outputs(sweep)));
        sc.ready_before.clear();
        sc.ready_before.extend(
            self.routers
                .iter()
                .map(|r| std::array::from_fn::<bool, 5, _>(|q| r.in_ready(q))),
        );
        sc.tile_in.clear();
        sc.tile_in.resize(self.tiles.len(), (false, 0, false));
        for (slot, t) in self.tile_at.iter().enumerate() {
            if let Some(t) = *t {
                let o = &sc.offers[slot];
                sc.tile_in[t] = (o.valid[4], o.data[4], sc.ready_before[slot][4]);
            }
        }
        sc.quiet = !self.inj_valid
            && sc.touts.iter().all(|t| t.idle)
            && self.routers.iter().all(Router::empty);
        sc.consumed = self.inj_valid && (sc.ready_before[hs][hp] || self.chan_q.is_none());
        // Routers with a packet, or with one offered to them: marked from the offers
        // that exist rather than by asking every router about its five neighbours.
        sc.fed.clear();
        sc.fed.resize(self.routers.len(), false);
        for (slot, r) in self.routers.iter().enumerate() {
            if r.empty() {
                continue;
            }
            sc.fed[slot] = true;
            for (q, link) in self.wiring[slot].iter().enumerate() {
                if let Link::Mesh(ns, _) = *link {
                    if sc.offers[slot].valid[q] {
                        sc.fed[ns] = true;
                    }
                }
            }
        }
        for (slot, t) in self.tile_at.iter().enumerate() {
            if t.is_some_and(|t| sc.touts[t].out_valid) {
                sc.fed[slot] = true;
            }
        }
        if self.inj_valid {
            sc.fed[hs] = true;
        }
        sc.active.clear();
        for slot in 0..self.routers.len() {
            if sc.fed[slot] {
                let (ready, inp) = self.links(slot, &p, sc);
                sc.active.push((slot, ready, inp));
            }
        }
        p.in_ready = self.tstate == T_IDLE && (!self.inj_valid || sc.consumed);
        p.busy = self.tstate != T_IDLE;
        p.tick_done = self.tick_done;
        p.out_valid = sc.offers[hs].valid[hp];
        (p.out_port, p.out_index) = (0, 0);
        if p.out_valid {
            let key = sc.offers[hs].data[hp];
            if let Some(&(port, first)) = self.decode.get(&(key >> self.group_shift)) {
                p.out_port = port;
                let idx = key & (mask(self.group_shift) as u32);
                p.out_index = (first + idx) & (mask(self.a.ib) as u32);
            }
        }
        p
    }

    /// What arrives on each input of router `slot`, and whether each of its outputs
    /// is taken, this cycle.
    fn links(&self, slot: usize, p: &Ports, sc: &Scratch) -> ([bool; 5], [(bool, u32); 5]) {
        let mut ready = [false; 5];
        let mut inp = [(false, 0u32); 5];
        for (port, link) in self.wiring[slot].iter().enumerate() {
            match *link {
                Link::Mesh(ns, np) => {
                    ready[port] = sc.ready_before[ns][np];
                    if sc.offers[ns].valid[np] {
                        inp[port] = (true, sc.offers[ns].data[np]);
                    }
                }
                Link::Tile(t) => {
                    ready[port] = sc.touts[t].in_ready;
                    inp[port] = (sc.touts[t].out_valid, sc.touts[t].out_data);
                }
                Link::Host => {
                    ready[port] = p.out_ready;
                    if self.inj_valid {
                        if let Some(k) = self.chan_q {
                            inp[port] = (true, k);
                        }
                    }
                }
                Link::None => {}
            }
        }
        (ready, inp)
    }

    /// If nothing but the tiles' own pipelines can change for a while (no link
    /// transfers, the top waits on a barrier or the host, no packet is offered to the
    /// host), the number of cycles until some tile's outputs may change; else None.
    fn horizon(&self, p: &Ports, sc: &Scratch) -> Option<u64> {
        if p.rst || p.out_valid || (p.in_valid && p.in_ready) || self.tick_done {
            return None;
        }
        let top_waits = match self.tstate {
            T_CLEAR | T_DRAIN | T_SWEPT | T_SENT => !sc.quiet,
            T_IDLE => !p.tick,
            _ => false,
        };
        if !top_waits || (self.inj_valid && sc.consumed) {
            return None;
        }
        for (slot, ready, inp) in &sc.active {
            let offer = &sc.offers[*slot];
            for q in 0..5 {
                if (offer.valid[q] && ready[q]) || (inp[q].0 && sc.ready_before[*slot][q]) {
                    return None;
                }
            }
        }
        let mut h = u64::MAX;
        for (t, tile) in self.tiles.iter().enumerate() {
            let (in_valid, _, out_ready) = sc.tile_in[t];
            h = h.min(tile.horizon(self.a.nc(), in_valid, out_ready));
            if h <= 1 {
                return None;
            }
        }
        Some(h)
    }

    /// Advances every busy tile by `k` cycles in which, by [`Hardware::horizon`],
    /// nothing outside the tiles changes.
    fn advance(&mut self, k: u64, sc: &Scratch) {
        for (t, tile) in self.tiles.iter_mut().enumerate() {
            let (in_valid, in_data, out_ready) = sc.tile_in[t];
            let mut left = k;
            while left > 0 && !tile.resting(in_valid, false, false) {
                let sender_rests =
                    tile.r.sstate == S_IDLE || (tile.r.sstate == S_PUSH && !out_ready);
                match tile.r.nstate {
                    // The horizon keeps the stretch short of the end of the row or sweep.
                    N_INTEG if sender_rests && !tile.r.up_pend && !tile.r.c_pend => {
                        tile.advance_integ(&self.a, left as u32);
                        left = 0;
                    }
                    N_SWEEP if sender_rests => {
                        tile.advance_sweep(&self.a, left as u32);
                        left = 0;
                    }
                    _ => {
                        tile.edge(&self.a, false, (in_valid, in_data), out_ready, false, false);
                        left -= 1;
                    }
                }
            }
        }
    }

    /// Clocks every register once, given this cycle's combinational values.
    fn clock(&mut self, p: &Ports, sc: &Scratch) {
        let sweep = self.tstate == T_SWEEP;
        let send = self.tstate == T_SEND;
        if p.rst {
            for r in &mut self.routers {
                r.edge(true, &RouterOffer::default(), [false; 5], [(false, 0); 5]);
            }
        }
        for (slot, ready, inp) in &sc.active {
            let offer = sc.offers[*slot];
            self.routers[*slot].edge(p.rst, &offer, *ready, *inp);
        }
        for (t, tile) in self.tiles.iter_mut().enumerate() {
            let (in_valid, in_data, out_ready) = sc.tile_in[t];
            if p.rst || !tile.resting(in_valid, sweep, send) {
                tile.edge(&self.a, p.rst, (in_valid, in_data), out_ready, sweep, send);
            }
        }
        let accept = p.in_valid && p.in_ready;
        if accept {
            self.chan_q = self.channel_rom[(p.in_channel as usize) & (self.channel_rom.len() - 1)];
        }
        if p.rst {
            self.tstate = T_CLEAR;
            self.tick_done = false;
            self.inj_valid = false;
            return;
        }
        let quiet = sc.quiet;
        self.tick_done = false;
        self.inj_valid = accept || (self.inj_valid && !sc.consumed);
        self.tstate = match self.tstate {
            T_CLEAR if quiet => T_IDLE,
            T_IDLE if p.tick => T_DRAIN,
            T_DRAIN if quiet => T_SWEEP,
            T_SWEEP => T_SWEPT,
            T_SWEPT if quiet => T_SEND,
            T_SEND => T_SENT,
            T_SENT if quiet => {
                self.tick_done = true;
                T_IDLE
            }
            s @ (T_CLEAR | T_IDLE | T_DRAIN | T_SWEPT | T_SENT) => s,
            _ => T_IDLE,
        };
    }
}

/// How the harness drives the top (the same settings as `sim/harness.v`).
#[derive(Clone, Copy, Debug)]
pub struct Drive {
    /// LFSR seed for `out_ready` (0 means 1).
    pub seed: u32,
    /// Percentage of cycles with `out_ready` high.
    pub ready_pct: u32,
    /// Give up after this many cycles.
    pub max_cycles: u64,
}

impl Default for Drive {
    fn default() -> Self {
        Drive {
            seed: 1,
            ready_pct: 100,
            max_cycles: 100_000_000,
        }
    }
}

/// The result of a cycle-accurate run.
pub struct CycleRun {
    pub raster: Raster,
    /// The harness's cycle count at the end (as in its `cycles` line).
    pub cycles: u64,
    /// The port trace, when asked for.
    pub trace: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Reset,
    Wait,
    Feed,
    Tick,
    Run,
    Done,
}

/// Runs `plan`'s hardware under the harness for `ticks` ticks of `stimulus` (whose
/// ports are the plan's inputs), exactly as `sim/harness.v` drives the RTL.
pub fn run(
    plan: &Plan,
    stimulus: &Raster,
    ticks: u64,
    drive: Drive,
    trace: bool,
) -> Result<CycleRun, String> {
    let mut hw = Hardware::new(plan);
    let cb_mask = mask(hw.a.cb) as u32;
    let mut first = std::collections::BTreeMap::new();
    let mut base = 0;
    for i in &plan.inputs {
        first.insert(i.name.as_str(), (base, i.channels));
        base += i.channels;
    }
    let per_tick: Vec<Vec<u32>> = (0..ticks)
        .map(|t| {
            stimulus
                .at_tick(t)
                .iter()
                .filter_map(|s| {
                    let &(b, n) = first.get(s.port.as_str())?;
                    (s.index < n).then_some(b + s.index)
                })
                .collect()
        })
        .collect();
    let names: Vec<&str> = plan
        .populations
        .iter()
        .filter(|p| p.output)
        .map(|p| p.name.as_str())
        .collect();

    let mut ports = Ports {
        rst: true,
        ..Ports::default()
    };
    let mut lfsr = if drive.seed == 0 { 1 } else { drive.seed };
    let (mut phase, mut t, mut k, mut line) = (Phase::Reset, 0u64, 0usize, 0usize);
    let mut spikes = Vec::new();
    let mut trace = TraceWriter {
        text: trace.then(|| format!("{TRACE_HEADER}\n")),
        last: None,
    };
    let mut scratch = Scratch::default();
    let mut cycles = 0u64;
    loop {
        if cycles >= drive.max_cycles {
            return Err(format!("the cycle simulator gave up after {cycles} cycles"));
        }
        let p = hw.prepare(ports, &mut scratch);
        // A stretch in which only tile pipelines move: jump to its last cycle, keeping
        // the harness's out_ready stream (and the trace lines it makes) exact.
        let harness_waits = match phase {
            Phase::Wait => p.busy,
            Phase::Feed => !p.in_ready,
            Phase::Run => !p.tick_done,
            _ => false,
        };
        if harness_waits {
            if let Some(h) = hw.horizon(&p, &scratch) {
                let skip = (h - 1).min(drive.max_cycles.saturating_sub(cycles + 1));
                if skip > 0 {
                    hw.advance(skip, &scratch);
                    let mut q = p;
                    for _ in 0..skip {
                        trace.record(q, cycles);
                        q.out_ready = lfsr % 100 < drive.ready_pct;
                        lfsr =
                            (lfsr << 1) | (((lfsr >> 31) ^ (lfsr >> 21) ^ (lfsr >> 1) ^ lfsr) & 1);
                        cycles += 1;
                    }
                    ports.out_ready = q.out_ready;
                    continue;
                }
            }
        }
        trace.record(p, cycles);
        if p.out_valid && p.out_ready {
            let port = names
                .get(p.out_port as usize)
                .ok_or("output port out of range")?;
            spikes.push(Spike {
                tick: t,
                port: port.to_string(),
                index: p.out_index,
            });
        }
        // The harness's own registers, from the values before the edge.
        let mut next = p;
        next.out_ready = lfsr % 100 < drive.ready_pct;
        lfsr = (lfsr << 1) | (((lfsr >> 31) ^ (lfsr >> 21) ^ (lfsr >> 1) ^ lfsr) & 1);
        hw.clock(&p, &scratch);
        match phase {
            Phase::Reset if cycles == 2 => {
                next.rst = false;
                phase = Phase::Wait;
            }
            Phase::Reset => {}
            Phase::Done => {
                return Ok(CycleRun {
                    raster: Raster::from_spikes(spikes),
                    cycles,
                    trace: trace.text,
                });
            }
            Phase::Wait if !p.busy => {
                if line as u64 >= ticks {
                    phase = Phase::Done;
                    ports = Ports {
                        rst: next.rst,
                        in_valid: next.in_valid,
                        in_channel: next.in_channel,
                        out_ready: next.out_ready,
                        tick: next.tick,
                        ..Ports::default()
                    };
                    cycles += 1;
                    continue;
                }
                let chans = &per_tick[line];
                line += 1;
                k = 0;
                if chans.is_empty() {
                    next.tick = true;
                    phase = Phase::Tick;
                } else {
                    next.in_channel = chans[0] & cb_mask;
                    next.in_valid = true;
                    phase = Phase::Feed;
                }
            }
            Phase::Wait => {}
            Phase::Feed => {
                if p.in_valid && p.in_ready {
                    k += 1;
                    let chans = &per_tick[line - 1];
                    if k < chans.len() {
                        next.in_channel = chans[k] & cb_mask;
                    } else {
                        next.in_valid = false;
                        next.tick = true;
                        phase = Phase::Tick;
                    }
                }
            }
            Phase::Tick => {
                next.tick = false;
                phase = Phase::Run;
            }
            Phase::Run => {
                if p.tick_done {
                    t += 1;
                    phase = Phase::Wait;
                }
            }
        }
        ports = Ports {
            rst: next.rst,
            in_valid: next.in_valid,
            in_channel: next.in_channel,
            out_ready: next.out_ready,
            tick: next.tick,
            ..Ports::default()
        };
        cycles += 1;
    }
}
