//! The tile: synapse memory, neuron state, and the controller that integrates incoming
//! spike events and sweeps the neurons (docs/hardware.md, "Tile").
//!
//! Two independent machines share the tile. The neuron machine clears the state after
//! reset, integrates one event at a time (binary search of the event key among the
//! tile's axon keys, then one weight and one accumulator update per cycle across the
//! row), and on `sweep` updates every neuron with exactly the arithmetic of the
//! semantics page, writing the keys of the neurons that fire to the spike buffer. The
//! update is a three-stage pipeline (read; leak, sum and saturation; threshold, reset
//! and writes), one slot per cycle, so the longest path is half the arithmetic. The
//! sender, on `send`, pushes the spike buffer out as packets. Because the sender never
//! waits on the neuron machine, a tile always drains the network while it sends, so
//! tiles cannot deadlock each other.

use spikeforge_verilog::{
    Always, Expr, Ident, Item, LValue, MemFile, Module, ParamValue, Stmt, Ty,
};

use crate::arch::{param_bits, Arch};
use crate::stmts::{put, r, set, when};

pub const N_CLEAR: u64 = 0;
pub const N_IDLE: u64 = 1;
pub const N_SEARCH: u64 = 2;
pub const N_CHECK: u64 = 3;
pub const N_INTEG: u64 = 4;
pub const N_SWEEP: u64 = 5;

pub const S_IDLE: u64 = 0;
pub const S_READ: u64 = 1;
pub const S_PUSH: u64 = 2;

/// Sign-extends the `from`-bit value `id` to `to` bits (as a signed value).
fn sext(id: &Ident, from: u32, to: u32) -> Expr {
    if from == to {
        return Expr::signed(r(id));
    }
    let msb = Expr::index(
        id,
        Expr::lit(spikeforge_verilog::index_bits(from), (from - 1) as u64),
    );
    Expr::signed(Expr::Concat(vec![
        Expr::Repeat(to - from, Box::new(msb)),
        r(id),
    ]))
}

/// Builds the tile module, named `name`.
pub fn tile(name: Ident, a: &Arch, header: &[String], defaults: &[String; 3]) -> Module {
    let (k, nb, ab, vm, wb) = (a.key_bits, a.nb, a.ab, a.vm, a.wb);
    let nc = a.nc();
    let npw = param_bits(a);
    let sb = spikeforge_verilog::index_bits(ab);
    let mut m = Module::new(name);
    m.header = header.to_vec();
    // Defaults name the first tile's images, so the module also elaborates on its own.
    let keys_file = m.param("KEYS", ParamValue::File(defaults[0].clone()));
    let weights_file = m.param("WEIGHTS", ParamValue::File(defaults[1].clone()));
    let neurons_file = m.param("NEURONS", ParamValue::File(defaults[2].clone()));

    let clk = m.input("clk", Ty::BIT);
    let rst = m.input("rst", Ty::BIT);
    let in_valid = m.input("in_valid", Ty::BIT);
    let in_data = m.input("in_data", Ty::unsigned(k));
    let in_ready = m.output("in_ready", Ty::BIT);
    let out_valid = m.output("out_valid", Ty::BIT);
    let out_data = m.output("out_data", Ty::unsigned(k));
    let out_ready = m.input("out_ready", Ty::BIT);
    let sweep = m.input("sweep", Ty::BIT);
    let send = m.input("send", Ty::BIT);
    let idle = m.output("idle", Ty::BIT);

    m.items.push(Item::Comment("Memories: axon keys, weights and neuron parameters are images; state, accumulators and the spike buffer are cleared after reset.".into()));
    let keys_mem = m.memory("keys_mem", Ty::unsigned(k), a.ac());
    let w_mem = m.memory("weights_mem", Ty::unsigned(wb), a.ac() * nc);
    let np_mem = m.memory("neurons_mem", Ty::unsigned(npw), nc);
    let st_mem = m.memory("state_mem", Ty::unsigned(vm + 8), nc);
    let acc_mem = m.memory("acc_mem", Ty::unsigned(vm), nc);
    let buf_mem = m.memory("spikes_mem", Ty::unsigned(k), nc);
    let keys_q = m.reg("keys_q", Ty::unsigned(k));
    let w_q = m.reg("weights_q", Ty::unsigned(wb));
    let np_q = m.reg("neurons_q", Ty::unsigned(npw));
    let st_q = m.reg("state_q", Ty::unsigned(vm + 8));
    let acc_q = m.reg("acc_q", Ty::unsigned(vm));
    let buf_q = m.reg("spikes_q", Ty::unsigned(k));

    m.items.push(Item::Blank);
    m.comment("Neuron machine.");
    let nstate = m.reg("nstate", Ty::unsigned(3));
    let cnt = m.reg("clear_cnt", Ty::unsigned(nb));
    let ev_key = m.reg("ev_key", Ty::unsigned(k));
    let idx = m.reg("search_idx", Ty::unsigned(ab));
    let step = m.reg("search_step", Ty::unsigned(sb));
    let row = m.reg("row", Ty::unsigned(ab));
    let j = m.reg("j", Ty::unsigned(nb));
    let wr_pend = m.reg("wr_pend", Ty::BIT);
    let wr_j = m.reg("wr_j", Ty::unsigned(nb));
    let up_pend = m.reg("up_pend", Ty::BIT);
    let up_j = m.reg("up_j", Ty::unsigned(nb));
    let c_pend = m.reg("commit_pend", Ty::BIT);
    let c_j = m.reg("commit_j", Ty::unsigned(nb));
    let fcount = m.reg("fired_count", Ty::unsigned(nb + 1));
    m.items.push(Item::Blank);
    m.comment("Sender.");
    let sstate = m.reg("sstate", Ty::unsigned(2));
    let sk = m.reg("send_k", Ty::unsigned(nb));

    let ns = |v: u64| Expr::lit(3, v);
    let ss = |v: u64| Expr::lit(2, v);
    let in_ns = |v: u64| r(&nstate).equals(ns(v));

    // Binary search: the candidate of this step, and whether it is taken.
    m.items.push(Item::Blank);
    m.comment(
        "Binary search for the event key among the axon keys (largest row whose key <= event key).",
    );
    let bit = m.wire("search_bit", Ty::unsigned(ab));
    m.assign(LValue::r(&bit), Expr::lit(ab, 1).shl(r(&step)));
    let cand = m.wire("search_cand", Ty::unsigned(ab));
    m.assign(LValue::r(&cand), r(&idx).bor(r(&bit)));
    let idx_next = m.wire("search_next", Ty::unsigned(ab));
    m.assign(
        LValue::r(&idx_next),
        r(&keys_q).le(r(&ev_key)).pick(r(&cand), r(&idx)),
    );
    let keys_addr = m.wire("keys_addr", Ty::unsigned(ab));
    let half_bit = Expr::lit(ab, 1).shl(r(&step).sub(Expr::lit(sb, 1)));
    m.assign(
        LValue::r(&keys_addr),
        in_ns(N_IDLE).pick(
            Expr::lit(ab, 1 << (ab - 1)),
            in_ns(N_SEARCH).pick(
                r(&step)
                    .equals(Expr::lit(sb, 0))
                    .pick(r(&idx_next), r(&idx_next).bor(half_bit)),
                Expr::lit(ab, 0),
            ),
        ),
    );

    // Neuron update datapath, first stage (valid when up_pend).
    m.items.push(Item::Blank);
    m.comment(
        "Neuron update, first stage: the arithmetic of the semantics page at V = the neuron's membrane_bits, up to the saturated sum.",
    );
    let u_v = m.wire("u_v", Ty::unsigned(vm));
    m.assign(LValue::r(&u_v), Expr::slice(&st_q, vm - 1, 0));
    let u_ref = m.wire("u_ref", Ty::unsigned(8));
    m.assign(LValue::r(&u_ref), Expr::slice(&st_q, vm + 7, vm));
    let thr = m.wire("p_threshold", Ty::unsigned(vm));
    m.assign(LValue::r(&thr), Expr::slice(&np_q, vm - 1, 0));
    let leak_sh = m.wire("p_leak", Ty::unsigned(5));
    m.assign(LValue::r(&leak_sh), Expr::slice(&np_q, vm + 4, vm));
    let rst_sub = m.wire("p_reset_subtract", Ty::BIT);
    m.assign(
        LValue::r(&rst_sub),
        Expr::index(
            &np_q,
            Expr::lit(spikeforge_verilog::index_bits(npw), (vm + 5) as u64),
        ),
    );
    let refr = m.wire("p_refractory", Ty::unsigned(8));
    m.assign(LValue::r(&refr), Expr::slice(&np_q, vm + 13, vm + 6));
    let vshift = m.wire("p_vshift", Ty::unsigned(5));
    m.assign(LValue::r(&vshift), Expr::slice(&np_q, vm + 18, vm + 14));
    let nkey = m.wire("p_key", Ty::unsigned(k));
    m.assign(LValue::r(&nkey), Expr::slice(&np_q, vm + 18 + k, vm + 19));
    let accw = m.wire("u_acc", Ty::signed(vm));
    m.assign(
        LValue::r(&accw),
        Expr::signed(r(&acc_q).shl(r(&vshift))).sshr(r(&vshift)),
    );
    let leak = m.wire("u_leak", Ty::signed(vm));
    m.assign(
        LValue::r(&leak),
        r(&leak_sh)
            .equals(Expr::lit(5, 0))
            .pick(Expr::slit(vm, 0), Expr::signed(r(&u_v)).sshr(r(&leak_sh))),
    );
    let sum = m.wire("u_sum", Ty::signed(vm + 2));
    m.assign(
        LValue::r(&sum),
        sext(&u_v, vm, vm + 2)
            .sub(sext(&leak, vm, vm + 2))
            .add(sext(&accw, vm, vm + 2)),
    );
    let vmax = m.wire("u_max", Ty::signed(vm + 2));
    m.assign(
        LValue::r(&vmax),
        Expr::slit(vm + 2, (1i64 << (vm - 1)) - 1).sshr(r(&vshift)),
    );
    let vmin = m.wire("u_min", Ty::signed(vm + 2));
    m.assign(
        LValue::r(&vmin),
        Expr::slit(vm + 2, -(1i64 << (vm - 1))).sshr(r(&vshift)),
    );
    // Saturate: the bounds are in V bits, so the low V bits of the chosen value are it.
    let vs = m.wire("u_vs", Ty::unsigned(vm));
    m.assign(
        LValue::r(&vs),
        r(&sum).gt(r(&vmax)).pick(
            Expr::slice(&vmax, vm - 1, 0),
            r(&sum)
                .lt(r(&vmin))
                .pick(Expr::slice(&vmin, vm - 1, 0), Expr::slice(&sum, vm - 1, 0)),
        ),
    );
    // The second stage of the update (the slot read two cycles ago): the saturated sum
    // and what the decision needs, registered, so the BRAM read, the sum and the
    // saturation fill one cycle and the threshold compare, reset and writes the next.
    m.items.push(Item::Blank);
    m.comment(
        "Neuron update, second stage (valid when commit_pend): fire, reset, refractory, writes.",
    );
    let c_vs = m.reg("c_vs", Ty::unsigned(vm));
    let c_v = m.reg("c_v", Ty::unsigned(vm));
    let c_ref = m.reg("c_ref", Ty::unsigned(8));
    let c_thr = m.reg("c_threshold", Ty::unsigned(vm));
    let c_sub = m.reg("c_reset_subtract", Ty::BIT);
    let c_refr = m.reg("c_refractory", Ty::unsigned(8));
    let c_key = m.reg("c_key", Ty::unsigned(k));
    let refractory_now = r(&c_ref).differs(Expr::lit(8, 0));
    let fire = m.wire("u_fire", Ty::BIT);
    m.assign(
        LValue::r(&fire),
        refractory_now
            .clone()
            .lnot()
            .land(Expr::signed(r(&c_vs)).ge(Expr::signed(r(&c_thr)))),
    );
    let vnew = m.wire("u_vnew", Ty::unsigned(vm));
    m.assign(
        LValue::r(&vnew),
        refractory_now.clone().pick(
            r(&c_v),
            r(&fire).pick(
                r(&c_sub).pick(r(&c_vs).sub(r(&c_thr)), Expr::lit(vm, 0)),
                r(&c_vs),
            ),
        ),
    );
    let refnew = m.wire("u_refnew", Ty::unsigned(8));
    m.assign(
        LValue::r(&refnew),
        refractory_now.pick(
            r(&c_ref).sub(Expr::lit(8, 1)),
            r(&fire).pick(r(&c_refr), Expr::lit(8, 0)),
        ),
    );
    m.always(
        Always::Clocked(clk.clone()),
        vec![
            set(&c_vs, r(&vs)),
            set(&c_v, r(&u_v)),
            set(&c_ref, r(&u_ref)),
            set(&c_thr, r(&thr)),
            set(&c_sub, r(&rst_sub)),
            set(&c_refr, r(&refr)),
            set(&c_key, r(&nkey)),
        ],
    );
    let wsext = m.wire("w_ext", Ty::unsigned(vm));
    m.assign(LValue::r(&wsext), Expr::unsigned(sext(&w_q, wb, vm)));

    // Memory ports.
    m.items.push(Item::Blank);
    m.comment("Memory ports: one write port each, driven by clear, integration or update.");
    let acc_we = m.reg("acc_we", Ty::BIT);
    let acc_waddr = m.reg("acc_waddr", Ty::unsigned(nb));
    let acc_wdata = m.reg("acc_wdata", Ty::unsigned(vm));
    let st_we = m.reg("state_we", Ty::BIT);
    let st_waddr = m.reg("state_waddr", Ty::unsigned(nb));
    let st_wdata = m.reg("state_wdata", Ty::unsigned(vm + 8));
    m.always(
        Always::Comb,
        vec![
            put(&acc_we, Expr::lit(1, 0)),
            put(&acc_waddr, r(&wr_j)),
            put(&acc_wdata, Expr::lit(vm, 0)),
            put(&st_we, Expr::lit(1, 0)),
            put(&st_waddr, r(&c_j)),
            put(&st_wdata, Expr::Concat(vec![r(&refnew), r(&vnew)])),
            when(
                in_ns(N_CLEAR),
                vec![
                    put(&acc_we, Expr::lit(1, 1)),
                    put(&acc_waddr, r(&cnt)),
                    put(&st_we, Expr::lit(1, 1)),
                    put(&st_waddr, r(&cnt)),
                    put(&st_wdata, Expr::lit(vm + 8, 0)),
                ],
                vec![when(
                    r(&wr_pend),
                    vec![
                        put(&acc_we, Expr::lit(1, 1)),
                        put(&acc_wdata, r(&acc_q).add(r(&wsext))),
                    ],
                    vec![when(
                        r(&c_pend),
                        vec![
                            put(&acc_we, Expr::lit(1, 1)),
                            put(&acc_waddr, r(&c_j)),
                            put(&st_we, Expr::lit(1, 1)),
                        ],
                        vec![],
                    )],
                )],
            ),
        ],
    );
    m.always(
        Always::Clocked(clk.clone()),
        vec![
            when(
                r(&acc_we),
                vec![Stmt::NonBlocking(
                    LValue::Index(acc_mem.clone(), r(&acc_waddr)),
                    r(&acc_wdata),
                )],
                vec![],
            ),
            set(&acc_q, Expr::index(&acc_mem, r(&j))),
        ],
    );
    m.always(
        Always::Clocked(clk.clone()),
        vec![
            when(
                r(&st_we),
                vec![Stmt::NonBlocking(
                    LValue::Index(st_mem.clone(), r(&st_waddr)),
                    r(&st_wdata),
                )],
                vec![],
            ),
            set(&st_q, Expr::index(&st_mem, r(&j))),
        ],
    );
    m.always(
        Always::Clocked(clk.clone()),
        vec![
            when(
                r(&c_pend).land(r(&fire)),
                vec![Stmt::NonBlocking(
                    LValue::Index(buf_mem.clone(), Expr::slice(&fcount, nb - 1, 0)),
                    r(&c_key),
                )],
                vec![],
            ),
            set(&buf_q, Expr::index(&buf_mem, r(&sk))),
        ],
    );
    m.always(
        Always::Clocked(clk.clone()),
        vec![set(&keys_q, Expr::index(&keys_mem, r(&keys_addr)))],
    );
    m.always(
        Always::Clocked(clk.clone()),
        vec![set(
            &w_q,
            Expr::index(&w_mem, Expr::Concat(vec![r(&row), r(&j)])),
        )],
    );
    m.always(
        Always::Clocked(clk.clone()),
        vec![set(&np_q, Expr::index(&np_mem, r(&j)))],
    );

    // Handshakes and status.
    m.items.push(Item::Blank);
    let accept = in_ns(N_IDLE).land(r(&sweep).lnot());
    m.assign(LValue::r(&in_ready), accept.clone());
    let pushing = r(&sstate).equals(ss(S_PUSH));
    m.assign(LValue::r(&out_valid), pushing.clone());
    m.assign(LValue::r(&out_data), r(&buf_q));
    m.assign(
        LValue::r(&idle),
        in_ns(N_IDLE)
            .land(r(&wr_pend).lnot())
            .land(r(&up_pend).lnot())
            .land(r(&c_pend).lnot())
            .land(r(&sstate).equals(ss(S_IDLE))),
    );

    // The neuron machine.
    let last_j = r(&j).equals(Expr::lit(nb, (nc - 1) as u64));
    let neuron_fsm = vec![Stmt::Case {
        subject: r(&nstate),
        arms: vec![
            (
                vec![ns(N_CLEAR)],
                vec![
                    set(&cnt, r(&cnt).add(Expr::lit(nb, 1))),
                    when(
                        r(&cnt).equals(Expr::lit(nb, (nc - 1) as u64)),
                        vec![set(&nstate, ns(N_IDLE))],
                        vec![],
                    ),
                ],
            ),
            (
                vec![ns(N_IDLE)],
                vec![when(
                    r(&sweep),
                    vec![
                        set(&j, Expr::lit(nb, 0)),
                        set(&fcount, Expr::lit(nb + 1, 0)),
                        set(&nstate, ns(N_SWEEP)),
                    ],
                    vec![when(
                        r(&in_valid),
                        vec![
                            set(&ev_key, r(&in_data)),
                            set(&idx, Expr::lit(ab, 0)),
                            set(&step, Expr::lit(sb, (ab - 1) as u64)),
                            set(&nstate, ns(N_SEARCH)),
                        ],
                        vec![],
                    )],
                )],
            ),
            (
                vec![ns(N_SEARCH)],
                vec![
                    set(&idx, r(&idx_next)),
                    when(
                        r(&step).equals(Expr::lit(sb, 0)),
                        vec![set(&nstate, ns(N_CHECK))],
                        vec![set(&step, r(&step).sub(Expr::lit(sb, 1)))],
                    ),
                ],
            ),
            (
                vec![ns(N_CHECK)],
                vec![when(
                    r(&keys_q).equals(r(&ev_key)),
                    vec![
                        set(&row, r(&idx)),
                        set(&j, Expr::lit(nb, 0)),
                        set(&nstate, ns(N_INTEG)),
                    ],
                    vec![set(&nstate, ns(N_IDLE))],
                )],
            ),
            (
                vec![ns(N_INTEG)],
                vec![when(
                    last_j.clone(),
                    vec![set(&nstate, ns(N_IDLE))],
                    vec![set(&j, r(&j).add(Expr::lit(nb, 1)))],
                )],
            ),
            (
                vec![ns(N_SWEEP)],
                vec![when(
                    last_j,
                    vec![set(&nstate, ns(N_IDLE))],
                    vec![set(&j, r(&j).add(Expr::lit(nb, 1)))],
                )],
            ),
        ],
        default: vec![set(&nstate, ns(N_IDLE))],
    }];
    let sender_fsm = vec![Stmt::Case {
        subject: r(&sstate),
        arms: vec![
            (
                vec![ss(S_IDLE)],
                vec![when(
                    r(&send).land(r(&fcount).differs(Expr::lit(nb + 1, 0))),
                    vec![set(&sk, Expr::lit(nb, 0)), set(&sstate, ss(S_READ))],
                    vec![],
                )],
            ),
            (vec![ss(S_READ)], vec![set(&sstate, ss(S_PUSH))]),
            (
                vec![ss(S_PUSH)],
                vec![when(
                    r(&out_ready),
                    vec![when(
                        Expr::Concat(vec![Expr::lit(1, 0), r(&sk)])
                            .add(Expr::lit(nb + 1, 1))
                            .equals(r(&fcount)),
                        vec![set(&sstate, ss(S_IDLE))],
                        vec![
                            set(&sk, r(&sk).add(Expr::lit(nb, 1))),
                            set(&sstate, ss(S_READ)),
                        ],
                    )],
                    vec![],
                )],
            ),
        ],
        default: vec![set(&sstate, ss(S_IDLE))],
    }];
    let mut running = vec![
        set(&wr_pend, in_ns(N_INTEG)),
        set(&wr_j, r(&j)),
        set(&up_pend, in_ns(N_SWEEP)),
        set(&up_j, r(&j)),
        set(&c_pend, r(&up_pend)),
        set(&c_j, r(&up_j)),
        when(
            r(&c_pend).land(r(&fire)),
            vec![set(&fcount, r(&fcount).add(Expr::lit(nb + 1, 1)))],
            vec![],
        ),
    ];
    running.extend(neuron_fsm);
    running.extend(sender_fsm);
    m.always(
        Always::Clocked(clk),
        vec![when(
            r(&rst),
            vec![
                set(&nstate, ns(N_CLEAR)),
                set(&cnt, Expr::lit(nb, 0)),
                set(&wr_pend, Expr::lit(1, 0)),
                set(&up_pend, Expr::lit(1, 0)),
                set(&c_pend, Expr::lit(1, 0)),
                set(&fcount, Expr::lit(nb + 1, 0)),
                set(&sstate, ss(S_IDLE)),
            ],
            running,
        )],
    );
    let _ = pushing;

    m.items.push(Item::ReadMemH {
        file: MemFile::Param(keys_file),
        mem: keys_mem,
    });
    m.items.push(Item::ReadMemH {
        file: MemFile::Param(weights_file),
        mem: w_mem,
    });
    m.items.push(Item::ReadMemH {
        file: MemFile::Param(neurons_file),
        mem: np_mem,
    });
    m
}
