//! The router: five ports (north, east, south, west, local) with valid/ready flow
//! control, a two-entry FIFO per input, and multicast by a key/mask table given to each
//! instance as the `TABLE` parameter (docs/hardware.md, "Router").
//!
//! Each input's head packet is looked up in the table (entries are disjoint, so their
//! port sets are ORed); every output grants one requesting input per cycle, round-robin
//! starting after the last input it served; the head leaves its FIFO once every port of
//! its set has taken it. A packet is never dropped unless it matches no entry (which a
//! verified plan never produces) and never duplicated. `ready` depends only on FIFO
//! occupancy, a register, so no combinational path crosses from router to router.

use spikeforge_pnr::plan::Router;
use spikeforge_verilog::{Always, Expr, Ident, Item, LValue, Module, ParamValue, Stmt, Ty};

use crate::arch::Arch;
use crate::stmts::{put, r, set};

/// Port names in table-bit order (bit 0 north … bit 4 local), as in the plan.
pub const PORTS: [&str; 5] = ["n", "e", "s", "w", "l"];

/// Bits of one table entry: key, mask, ports.
pub fn entry_bits(a: &Arch) -> u32 {
    2 * a.key_bits + 5
}

/// The `TABLE` parameter value of a router: entries packed from bit 0, unused entries
/// with mask 0 and an all-ones key, which match nothing.
pub fn table(a: &Arch, router: Option<&Router>) -> ParamValue {
    let eb = entry_bits(a) as usize;
    let width = eb * a.entries as usize;
    let mut bits = Vec::with_capacity(width);
    let all = (1u64 << a.key_bits) - 1;
    let entries: Vec<(u64, u64, u64)> = router
        .map(|r| {
            r.entries
                .iter()
                .map(|e| (e.key as u64, e.mask as u64 & all, e.ports.0 as u64))
                .collect()
        })
        .unwrap_or_default();
    for i in 0..a.entries as usize {
        let (key, mask, ports) = entries.get(i).copied().unwrap_or((all, 0, 0));
        let fields = [(key, a.key_bits), (mask, a.key_bits), (ports, 5)];
        bits.extend(
            fields
                .iter()
                .flat_map(|&(v, n)| (0..n).map(move |b| (v >> b) & 1 == 1)),
        );
    }
    let mut words = vec![0u64; width.div_ceil(64)];
    for (b, &v) in bits.iter().enumerate() {
        if v {
            words[b / 64] |= 1 << (b % 64);
        }
    }
    ParamValue::vector(width as u32, words)
}

/// Builds the router module, named `name`.
pub fn router(name: Ident, a: &Arch, header: &[String]) -> Module {
    let k = a.key_bits;
    let eb = entry_bits(a);
    let mut m = Module::new(name);
    m.header = header.to_vec();
    let tbl = m.param("TABLE", table(a, None));
    let clk = m.input("clk", Ty::BIT);
    let rst = m.input("rst", Ty::BIT);
    let mut in_valid = Vec::new();
    let mut in_data = Vec::new();
    let mut in_ready = Vec::new();
    let mut out_valid = Vec::new();
    let mut out_data = Vec::new();
    let mut out_ready = Vec::new();
    for p in PORTS {
        in_valid.push(m.input(&format!("in_{p}_valid"), Ty::BIT));
        in_data.push(m.input(&format!("in_{p}_data"), Ty::unsigned(k)));
        in_ready.push(m.output(&format!("in_{p}_ready"), Ty::BIT));
        out_valid.push(m.output(&format!("out_{p}_valid"), Ty::BIT));
        out_data.push(m.output(&format!("out_{p}_data"), Ty::unsigned(k)));
        out_ready.push(m.input(&format!("out_{p}_ready"), Ty::BIT));
    }
    let empty = m.output("empty", Ty::BIT);

    // Input FIFOs and lookups.
    let mut f0 = Vec::new();
    let mut f1 = Vec::new();
    let mut cnt = Vec::new();
    let mut sent = Vec::new();
    let mut route = Vec::new();
    let mut want = Vec::new();
    for (i, p) in PORTS.iter().enumerate() {
        m.items.push(Item::Blank);
        m.comment(format!(
            "Input {p}: two-entry FIFO, table lookup of its head."
        ));
        f0.push(m.reg(&format!("{p}_head"), Ty::unsigned(k)));
        f1.push(m.reg(&format!("{p}_next"), Ty::unsigned(k)));
        cnt.push(m.reg(&format!("{p}_count"), Ty::unsigned(2)));
        sent.push(m.reg(&format!("{p}_sent"), Ty::unsigned(5)));
        let rt = m.wire(&format!("{p}_route"), Ty::unsigned(5));
        let terms: Vec<Expr> = (0..a.entries)
            .map(|e| {
                let base = e * eb;
                let key = Expr::slice(&tbl, base + k - 1, base);
                let mask = Expr::slice(&tbl, base + 2 * k - 1, base + k);
                let ports = Expr::slice(&tbl, base + 2 * k + 4, base + 2 * k);
                r(&f0[i])
                    .band(mask)
                    .equals(key)
                    .pick(ports, Expr::lit(5, 0))
            })
            .collect();
        let or = terms
            .into_iter()
            .reduce(|a, b| a.bor(b))
            .expect("at least one entry");
        m.assign(LValue::r(&rt), or);
        route.push(rt);
        let wt = m.wire(&format!("{p}_want"), Ty::unsigned(5));
        m.assign(
            LValue::r(&wt),
            r(&cnt[i])
                .differs(Expr::lit(2, 0))
                .pick(r(&route[i]).band(r(&sent[i]).bnot()), Expr::lit(5, 0)),
        );
        want.push(wt);
        m.assign(LValue::r(&in_ready[i]), r(&cnt[i]).differs(Expr::lit(2, 2)));
    }

    // Output arbiters.
    let mut grant = Vec::new();
    let mut fire = Vec::new();
    for (o, p) in PORTS.iter().enumerate() {
        m.items.push(Item::Blank);
        m.comment(format!(
            "Output {p}: round-robin over the inputs that want it."
        ));
        let req = m.wire(&format!("{p}_req"), Ty::unsigned(5));
        let bits: Vec<Expr> = (0..5)
            .rev()
            .map(|i| Expr::index(&want[i], Expr::lit(3, o as u64)))
            .collect();
        m.assign(LValue::r(&req), Expr::Concat(bits));
        let rr = m.reg(&format!("{p}_rr"), Ty::unsigned(3));
        let g = m.reg(&format!("{p}_grant"), Ty::unsigned(3));
        let gv = m.reg(&format!("{p}_granted"), Ty::BIT);
        let arms = (0..5u64)
            .map(|start| {
                // Priority chain start, start+1, ... (mod 5), built from the last.
                let mut chain: Vec<Stmt> =
                    vec![put(&gv, Expr::lit(1, 0)), put(&g, Expr::lit(3, 0))];
                for off in (0..5u64).rev() {
                    let i = (start + off) % 5;
                    chain = vec![Stmt::If(
                        Expr::index(&req, Expr::lit(3, i)),
                        vec![put(&gv, Expr::lit(1, 1)), put(&g, Expr::lit(3, i))],
                        chain,
                    )];
                }
                (vec![Expr::lit(3, start)], chain)
            })
            .collect();
        m.always(
            Always::Comb,
            vec![Stmt::Case {
                subject: r(&rr),
                arms,
                default: vec![put(&gv, Expr::lit(1, 0)), put(&g, Expr::lit(3, 0))],
            }],
        );
        m.assign(LValue::r(&out_valid[o]), r(&gv));
        let mux = (0..5u64).rev().fold(Expr::lit(k, 0), |acc, i| {
            r(&g).equals(Expr::lit(3, i)).pick(r(&f0[i as usize]), acc)
        });
        m.assign(LValue::r(&out_data[o]), mux);
        let f = m.wire(&format!("{p}_fire"), Ty::BIT);
        m.assign(LValue::r(&f), r(&gv).land(r(&out_ready[o])));
        grant.push((g, rr));
        fire.push(f);
    }

    // Per input: which outputs took its head this cycle, and whether it is done.
    let mut got = Vec::new();
    let mut pop = Vec::new();
    for (i, p) in PORTS.iter().enumerate() {
        m.items.push(Item::Blank);
        let gt = m.wire(&format!("{p}_got"), Ty::unsigned(5));
        let bits: Vec<Expr> = (0..5)
            .rev()
            .map(|o| r(&fire[o]).land(r(&grant[o].0).equals(Expr::lit(3, i as u64))))
            .collect();
        m.assign(LValue::r(&gt), Expr::Concat(bits));
        let pp = m.wire(&format!("{p}_pop"), Ty::BIT);
        let covered = r(&sent[i]).bor(r(&gt)).band(r(&route[i]));
        m.assign(
            LValue::r(&pp),
            r(&cnt[i])
                .differs(Expr::lit(2, 0))
                .land(covered.equals(r(&route[i]))),
        );
        got.push(gt);
        pop.push(pp);
    }
    let all_empty = (0..5)
        .map(|i| r(&cnt[i]).equals(Expr::lit(2, 0)))
        .reduce(|a, b| a.land(b))
        .expect("five ports");
    m.assign(LValue::r(&empty), all_empty);

    // State updates.
    let mut reset = Vec::new();
    let mut run = Vec::new();
    for i in 0..5 {
        reset.push(set(&cnt[i], Expr::lit(2, 0)));
        reset.push(set(&sent[i], Expr::lit(5, 0)));
        let push = r(&in_valid[i]).land(r(&in_ready[i]));
        run.push(set(
            &sent[i],
            r(&pop[i]).pick(Expr::lit(5, 0), r(&sent[i]).bor(r(&got[i]))),
        ));
        run.push(Stmt::Case {
            subject: Expr::Concat(vec![push, r(&pop[i])]),
            arms: vec![
                (
                    vec![Expr::lit(2, 2)],
                    vec![
                        Stmt::If(
                            r(&cnt[i]).equals(Expr::lit(2, 0)),
                            vec![set(&f0[i], r(&in_data[i]))],
                            vec![set(&f1[i], r(&in_data[i]))],
                        ),
                        set(&cnt[i], r(&cnt[i]).add(Expr::lit(2, 1))),
                    ],
                ),
                (
                    vec![Expr::lit(2, 1)],
                    vec![
                        set(&f0[i], r(&f1[i])),
                        set(&cnt[i], r(&cnt[i]).sub(Expr::lit(2, 1))),
                    ],
                ),
                (
                    vec![Expr::lit(2, 3)],
                    vec![Stmt::If(
                        r(&cnt[i]).equals(Expr::lit(2, 1)),
                        vec![set(&f0[i], r(&in_data[i]))],
                        vec![set(&f0[i], r(&f1[i])), set(&f1[i], r(&in_data[i]))],
                    )],
                ),
            ],
            default: vec![],
        });
    }
    for (o, (g, rr)) in grant.iter().enumerate() {
        reset.push(set(rr, Expr::lit(3, 0)));
        run.push(Stmt::If(
            r(&fire[o]),
            vec![set(
                rr,
                r(g).equals(Expr::lit(3, 4))
                    .pick(Expr::lit(3, 0), r(g).add(Expr::lit(3, 1))),
            )],
            vec![],
        ));
    }
    m.items.push(Item::Blank);
    m.always(Always::Clocked(clk), vec![Stmt::If(r(&rst), reset, run)]);
    m
}
