//! The top: the W x H mesh of routers, a tile beside each router the plan fills, the
//! host link (input injection and output decoding) and the tick controller
//! (docs/hardware.md, "Top" and "Tick protocol").
//!
//! A tick runs in three phases separated by barriers, each barrier being "every tile
//! idle, every router empty, nothing waiting to be injected" (a packet is always held
//! in exactly one register, so this AND is exact): deliver (the stimulus injected
//! while idle is integrated), sweep (every neuron updated; fired keys kept in the tiles)
//! and send (fired spikes delivered to their target tiles for the next tick and to the
//! host). No spike moves during a sweep, so no tile can integrate an event of the next
//! tick before it has updated this one.

use spikeforge_pnr::plan::{GroupSource, Port};
use spikeforge_pnr::Plan;
use spikeforge_verilog::{
    Always, Expr, Ident, Instance, Item, LValue, MemFile, Module, ParamValue, Stmt, Ty, UnaryOp,
};

use crate::arch::Arch;
use crate::router::{table, PORTS};
use crate::stmts::{put, r, set};

pub const T_CLEAR: u64 = 0;
pub const T_IDLE: u64 = 1;
pub const T_DRAIN: u64 = 2;
pub const T_SWEEP: u64 = 3;
pub const T_SWEPT: u64 = 4;
pub const T_SEND: u64 = 5;
pub const T_SENT: u64 = 6;

/// The names the top instantiates.
pub struct Names {
    pub top: Ident,
    pub tile: Ident,
    pub router: Ident,
}

/// Memory-image file names of the tile at (x, y).
pub fn tile_files(x: u32, y: u32) -> [String; 3] {
    ["keys", "weights", "neurons"].map(|m| format!("tile_{x}_{y}_{m}.hex"))
}

pub const CHANNELS_FILE: &str = "channels.hex";

/// Index of the host link among the router ports.
fn port_index(p: Port) -> usize {
    Port::ALL.iter().position(|&q| q == p).expect("a port")
}

/// Builds the top module.
pub fn top(names: &Names, a: &Arch, plan: &Plan, header: &[String]) -> Module {
    let k = a.key_bits;
    let (w, h) = (a.w, a.h);
    let mut m = Module::new(names.top.clone());
    m.header = header.to_vec();
    let clk = m.input("clk", Ty::BIT);
    let rst = m.input("rst", Ty::BIT);
    let in_valid = m.input("in_valid", Ty::BIT);
    let in_channel = m.input("in_channel", Ty::unsigned(a.cb));
    let in_ready = m.output("in_ready", Ty::BIT);
    let out_valid = m.output("out_valid", Ty::BIT);
    let out_port = m.output_reg("out_port", Ty::unsigned(a.ob));
    let out_index = m.output_reg("out_index", Ty::unsigned(a.ib));
    let out_ready = m.input("out_ready", Ty::BIT);
    let tick = m.input("tick", Ty::BIT);
    let busy = m.output("busy", Ty::BIT);
    let tick_done = m.output_reg("tick_done", Ty::BIT);

    let tstate = m.reg("tstate", Ty::unsigned(3));
    let ts = |v: u64| Expr::lit(3, v);
    let in_ts = |v: u64| r(&tstate).equals(ts(v));
    let sweep = m.wire("sweep", Ty::BIT);
    m.assign(LValue::r(&sweep), in_ts(T_SWEEP));
    let send = m.wire("send", Ty::BIT);
    m.assign(LValue::r(&send), in_ts(T_SEND));

    // Host injection: channel -> {valid, key}.
    m.items.push(Item::Blank);
    m.comment(
        "Host injection: each accepted channel is looked up in the channel ROM ({valid, key}).",
    );
    let chan_mem = m.memory("channels_mem", Ty::unsigned(k + 1), 1 << a.cb);
    let chan_q = m.reg("channel_q", Ty::unsigned(k + 1));
    let inj_valid = m.reg("inject_pending", Ty::BIT);
    let host_in_ready = m.wire("host_in_ready", Ty::BIT);
    let inj_real = m.wire("inject_valid", Ty::BIT);
    let kbit = Expr::lit(spikeforge_verilog::index_bits(k + 1), k as u64);
    m.assign(
        LValue::r(&inj_real),
        r(&inj_valid).land(Expr::index(&chan_q, kbit.clone())),
    );
    let consumed = m.wire("inject_done", Ty::BIT);
    m.assign(
        LValue::r(&consumed),
        r(&inj_valid).land(r(&host_in_ready).lor(Expr::index(&chan_q, kbit).lnot())),
    );
    m.assign(
        LValue::r(&in_ready),
        in_ts(T_IDLE).land(r(&inj_valid).lnot().lor(r(&consumed))),
    );
    let accept = m.wire("accept", Ty::BIT);
    m.assign(LValue::r(&accept), r(&in_valid).land(r(&in_ready)));
    m.always(
        Always::Clocked(clk.clone()),
        vec![Stmt::If(
            r(&accept),
            vec![set(&chan_q, Expr::index(&chan_mem, r(&in_channel)))],
            vec![],
        )],
    );

    // Routers and tiles: wires.
    let wire = |m: &mut Module, n: String, bits: u32| m.wire(&n, Ty::unsigned(bits));
    let mut rin_ready = vec![];
    let mut rout_valid = vec![];
    let mut rout_data = vec![];
    let mut empties = vec![];
    for y in 0..h {
        for x in 0..w {
            m.items.push(Item::Blank);
            for p in PORTS {
                rin_ready.push(wire(&mut m, format!("r_{x}_{y}_in_{p}_ready"), 1));
                rout_valid.push(wire(&mut m, format!("r_{x}_{y}_out_{p}_valid"), 1));
                rout_data.push(wire(&mut m, format!("r_{x}_{y}_out_{p}_data"), k));
            }
            empties.push(wire(&mut m, format!("r_{x}_{y}_empty"), 1));
        }
    }
    let at = |x: u32, y: u32, p: usize| ((y * w + x) * 5) as usize + p;
    let tile_at = |x: u32, y: u32| plan.tiles.iter().find(|t| t.x == x && t.y == y);
    let mut tiles = vec![];
    for t in &plan.tiles {
        m.items.push(Item::Blank);
        let (x, y) = (t.x, t.y);
        let tw = [
            wire(&mut m, format!("t_{x}_{y}_in_ready"), 1),
            wire(&mut m, format!("t_{x}_{y}_out_valid"), 1),
            wire(&mut m, format!("t_{x}_{y}_out_data"), k),
            wire(&mut m, format!("t_{x}_{y}_idle"), 1),
        ];
        tiles.push(((x, y), tw));
    }
    let tile_wires = |x: u32, y: u32| {
        tiles
            .iter()
            .find(|(p, _)| *p == (x, y))
            .map(|(_, t)| t.clone())
    };
    let host = (plan.host.x, plan.host.y, port_index(plan.host.port));
    // Router ports that lead nowhere (mesh edges, empty tile slots): read by one
    // `unused_*` net, Verilator's convention for signals deliberately left unread.
    let mut dangling: Vec<Expr> = Vec::new();

    // Router instances.
    let zero = |bits: u32| Expr::lit(bits, 0);
    for y in 0..h {
        for x in 0..w {
            let mut conn = vec![(Ident::new("clk"), r(&clk)), (Ident::new("rst"), r(&rst))];
            for (pi, p) in PORTS.iter().enumerate() {
                // (valid, data) arriving on port p, and the ready of whoever p sends to.
                let neighbour = match pi {
                    0 if y > 0 => Some((x, y - 1, 2)),
                    1 if x + 1 < w => Some((x + 1, y, 3)),
                    2 if y + 1 < h => Some((x, y + 1, 0)),
                    3 if x > 0 => Some((x - 1, y, 1)),
                    _ => None,
                };
                let (iv, id, or) = if let Some((nx, ny, np)) = neighbour {
                    let j = at(nx, ny, np);
                    (r(&rout_valid[j]), r(&rout_data[j]), r(&rin_ready[j]))
                } else if pi == 4 {
                    match tile_wires(x, y) {
                        Some(t) => (r(&t[1]), r(&t[2]), r(&t[0])),
                        None => {
                            let j = at(x, y, pi);
                            dangling.extend([
                                r(&rin_ready[j]),
                                r(&rout_valid[j]),
                                r(&rout_data[j]),
                            ]);
                            (zero(1), zero(k), zero(1))
                        }
                    }
                } else if (x, y, pi) == host {
                    (r(&inj_real), Expr::slice(&chan_q, k - 1, 0), r(&out_ready))
                } else {
                    let j = at(x, y, pi);
                    dangling.extend([r(&rin_ready[j]), r(&rout_valid[j]), r(&rout_data[j])]);
                    (zero(1), zero(k), zero(1))
                };
                let me = at(x, y, pi);
                conn.push((Ident::new(&format!("in_{p}_valid")), iv));
                conn.push((Ident::new(&format!("in_{p}_data")), id));
                conn.push((Ident::new(&format!("in_{p}_ready")), r(&rin_ready[me])));
                conn.push((Ident::new(&format!("out_{p}_valid")), r(&rout_valid[me])));
                conn.push((Ident::new(&format!("out_{p}_data")), r(&rout_data[me])));
                conn.push((Ident::new(&format!("out_{p}_ready")), or));
            }
            conn.push((Ident::new("empty"), r(&empties[(y * w + x) as usize])));
            m.items.push(Item::Blank);
            m.items.push(Item::Instance(Instance {
                module: names.router.clone(),
                name: Ident::new(&format!("router_{x}_{y}")),
                params: vec![(Ident::new("TABLE"), table(a, plan.router_at(x, y)))],
                connections: conn,
            }));
        }
    }
    let (hx, hy, hp) = host;
    m.assign(LValue::r(&host_in_ready), r(&rin_ready[at(hx, hy, hp)]));
    // The host decodes only the group and index bits it needs of a key.
    dangling.push(r(&rout_data[at(hx, hy, hp)]));
    m.items.push(Item::Blank);
    let unused = m.wire("unused_mesh_edges", Ty::BIT);
    m.assign(
        LValue::r(&unused),
        Expr::un(UnaryOp::ReduceXor, Expr::Concat(dangling)),
    );

    // Tile instances.
    for ((x, y), tw) in &tiles {
        let (x, y) = (*x, *y);
        let files = tile_files(x, y);
        let l = at(x, y, 4);
        m.items.push(Item::Instance(Instance {
            module: names.tile.clone(),
            name: Ident::new(&format!("tile_{x}_{y}")),
            params: vec![
                (Ident::new("KEYS"), ParamValue::File(files[0].clone())),
                (Ident::new("WEIGHTS"), ParamValue::File(files[1].clone())),
                (Ident::new("NEURONS"), ParamValue::File(files[2].clone())),
            ],
            connections: vec![
                (Ident::new("clk"), r(&clk)),
                (Ident::new("rst"), r(&rst)),
                (Ident::new("in_valid"), r(&rout_valid[l])),
                (Ident::new("in_data"), r(&rout_data[l])),
                (Ident::new("in_ready"), r(&tw[0])),
                (Ident::new("out_valid"), r(&tw[1])),
                (Ident::new("out_data"), r(&tw[2])),
                (Ident::new("out_ready"), r(&rin_ready[l])),
                (Ident::new("sweep"), r(&sweep)),
                (Ident::new("send"), r(&send)),
                (Ident::new("idle"), r(&tw[3])),
            ],
        }));
        let _ = tile_at;
    }

    // Output decoding at the host link.
    m.items.push(Item::Blank);
    m.comment(
        "Output decoding: the key's group names the output population, its index the neuron.",
    );
    let hout = at(hx, hy, hp);
    m.assign(LValue::r(&out_valid), r(&rout_valid[hout]));
    let shift = plan.keys.group_shift;
    let gbits = k - shift;
    let group = m.wire("out_group", Ty::unsigned(gbits));
    m.assign(
        LValue::r(&group),
        Expr::slice(&rout_data[hout], k - 1, shift),
    );
    let outputs: Vec<u32> = plan
        .populations
        .iter()
        .enumerate()
        .filter(|(_, p)| p.output)
        .map(|(i, _)| i as u32)
        .collect();
    let lane = |first: u32| -> Expr {
        let first = Expr::lit(a.ib, first as u64);
        if shift == 0 {
            return first;
        }
        let idx = Expr::slice(&rout_data[hout], shift - 1, 0);
        let idx = if shift < a.ib {
            Expr::Concat(vec![Expr::lit(a.ib - shift, 0), idx])
        } else {
            Expr::slice(&rout_data[hout], a.ib - 1, 0)
        };
        first.add(idx)
    };
    let arms: Vec<(Vec<Expr>, Vec<Stmt>)> = plan
        .groups
        .iter()
        .filter(|g| g.to_host)
        .filter_map(|g| {
            let GroupSource::Population { population, .. } = g.source else {
                return None;
            };
            let o = outputs.iter().position(|&p| p == population)? as u64;
            Some((
                vec![Expr::lit(gbits, g.id as u64)],
                vec![
                    put(&out_port, Expr::lit(a.ob, o)),
                    put(&out_index, lane(g.first)),
                ],
            ))
        })
        .collect();
    m.always(
        Always::Comb,
        vec![
            put(&out_port, zero(a.ob)),
            put(&out_index, zero(a.ib)),
            // Decode only a valid packet: FIFO registers are not reset, and an idle port
            // must read zero on every simulator, not an undefined value.
            Stmt::If(
                r(&rout_valid[hout]),
                vec![Stmt::Case {
                    subject: r(&group),
                    arms,
                    default: vec![],
                }],
                vec![],
            ),
        ],
    );

    // Tick controller.
    m.items.push(Item::Blank);
    m.comment("Tick controller: deliver, sweep, send, each closed by a quiescence barrier.");
    let quiet = m.wire("quiet", Ty::BIT);
    let mut terms: Vec<Expr> = tiles.iter().map(|(_, t)| r(&t[3])).collect();
    terms.extend(empties.iter().map(r));
    terms.push(r(&inj_valid).lnot());
    m.assign(
        LValue::r(&quiet),
        terms.into_iter().reduce(|a, b| a.land(b)).expect("terms"),
    );
    m.assign(LValue::r(&busy), in_ts(T_IDLE).lnot());
    let advance = |from: u64, to: u64, cond: Expr| {
        (
            vec![ts(from)],
            vec![Stmt::If(cond, vec![set(&tstate, ts(to))], vec![])],
        )
    };
    let fsm = Stmt::Case {
        subject: r(&tstate),
        arms: vec![
            advance(T_CLEAR, T_IDLE, r(&quiet)),
            advance(T_IDLE, T_DRAIN, r(&tick)),
            advance(T_DRAIN, T_SWEEP, r(&quiet)),
            (vec![ts(T_SWEEP)], vec![set(&tstate, ts(T_SWEPT))]),
            advance(T_SWEPT, T_SEND, r(&quiet)),
            (vec![ts(T_SEND)], vec![set(&tstate, ts(T_SENT))]),
            (
                vec![ts(T_SENT)],
                vec![Stmt::If(
                    r(&quiet),
                    vec![set(&tstate, ts(T_IDLE)), set(&tick_done, Expr::lit(1, 1))],
                    vec![],
                )],
            ),
        ],
        default: vec![set(&tstate, ts(T_IDLE))],
    };
    m.always(
        Always::Clocked(clk),
        vec![Stmt::If(
            r(&rst),
            vec![
                set(&tstate, ts(T_CLEAR)),
                set(&tick_done, Expr::lit(1, 0)),
                set(&inj_valid, Expr::lit(1, 0)),
            ],
            vec![
                set(&tick_done, Expr::lit(1, 0)),
                set(
                    &inj_valid,
                    r(&accept).lor(r(&inj_valid).land(r(&consumed).lnot())),
                ),
                fsm,
            ],
        )],
    );
    m.items.push(Item::ReadMemH {
        file: MemFile::Literal(CHANNELS_FILE.into()),
        mem: chan_mem,
    });
    m
}
