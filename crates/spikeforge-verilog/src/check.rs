//! A width and wiring checker for the AST, run on every emitted module. It enforces the
//! rules that keep `verilator --lint-only -Wall` silent without waivers: both sides of
//! every assignment and operator have exactly the same width and signedness, indexes
//! are exactly as wide as the vector or memory they select from, conditions are one bit,
//! regs are written only in `always` blocks and wires only by `assign` or an instance,
//! and every name is declared once. A violation is a generator bug, reported with the
//! module and the offending text.

use std::collections::BTreeMap;

use crate::ast::{
    Always, BinaryOp, Dir, Expr, Item, LValue, MemFile, Module, NetKind, ParamValue, Stmt, Ty,
    UnaryOp,
};
use crate::print::expr as show;

#[derive(Clone, Copy)]
struct Sym {
    ty: Ty,
    depth: Option<u32>,
    kind: NetKind,
    dir: Option<Dir>,
}

/// Bits needed to index `n` items (at least one).
pub fn index_bits(n: u32) -> u32 {
    (32 - n.saturating_sub(1).leading_zeros()).max(1)
}

/// Checks every module, including instance connections against the instantiated
/// module's ports. Returns every problem found.
pub fn check(modules: &[Module]) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    let ports: BTreeMap<&str, &Module> = modules.iter().map(|m| (m.name.as_str(), m)).collect();
    for m in modules {
        let mut c = Checker {
            module: m.name.as_str(),
            syms: BTreeMap::new(),
            errors: &mut errors,
        };
        c.module(m, &ports);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

struct Checker<'a> {
    module: &'a str,
    syms: BTreeMap<String, Sym>,
    errors: &'a mut Vec<String>,
}

impl Checker<'_> {
    fn err(&mut self, msg: String) {
        self.errors.push(format!("module {}: {msg}", self.module));
    }

    fn declare(&mut self, name: &str, sym: Sym) {
        if self.syms.insert(name.to_string(), sym).is_some() {
            self.err(format!("`{name}` declared twice"));
        }
    }

    fn module(&mut self, m: &Module, modules: &BTreeMap<&str, &Module>) {
        for p in &m.params {
            if let ParamValue::Vector { width, words } = &p.value {
                if *width == 0 || (words.len() as u32) < width.div_ceil(64) {
                    self.err(format!(
                        "parameter `{}` has too few words for {width} bits",
                        p.name
                    ));
                }
                let sym = Sym {
                    ty: Ty::unsigned(*width),
                    depth: None,
                    kind: NetKind::Wire,
                    dir: Some(Dir::Input),
                };
                self.declare(p.name.as_str(), sym);
            }
        }
        for p in &m.ports {
            if p.dir == Dir::Input && p.kind == NetKind::Reg {
                self.err(format!("input `{}` declared reg", p.name));
            }
            let sym = Sym {
                ty: p.ty,
                depth: None,
                kind: p.kind,
                dir: Some(p.dir),
            };
            self.declare(p.name.as_str(), sym);
        }
        for item in &m.items {
            if let Item::Decl(d) = item {
                if d.ty.width == 0 || d.depth == Some(0) {
                    self.err(format!("`{}` has zero width or depth", d.name));
                }
                let sym = Sym {
                    ty: d.ty,
                    depth: d.depth,
                    kind: d.kind,
                    dir: None,
                };
                self.declare(d.name.as_str(), sym);
            }
        }
        for item in &m.items {
            match item {
                Item::Assign(l, e) => {
                    self.write_target(l, NetKind::Wire, "assign");
                    self.assignment(l, e);
                }
                Item::Always(kind, body) => {
                    if let Always::Clocked(clk) = kind {
                        let t = self.expr(&Expr::Ref(clk.clone()));
                        self.want_bit(t, "clock");
                    }
                    self.stmts(body);
                }
                Item::Instance(i) => {
                    let Some(target) = modules.get(i.module.as_str()) else {
                        self.err(format!(
                            "instance `{}` of unknown module `{}`",
                            i.name, i.module
                        ));
                        continue;
                    };
                    for p in &target.ports {
                        let Some((_, e)) = i.connections.iter().find(|(n, _)| *n == p.name) else {
                            self.err(format!(
                                "instance `{}` leaves port `{}` unconnected",
                                i.name, p.name
                            ));
                            continue;
                        };
                        let t = self.expr(e);
                        if t.width != p.ty.width {
                            self.err(format!(
                                "instance `{}` port `{}` is {} bits, connected to `{}` of {} bits",
                                i.name,
                                p.name,
                                p.ty.width,
                                show(e),
                                t.width
                            ));
                        }
                        if p.dir == Dir::Output {
                            match e {
                                Expr::Ref(n) => {
                                    let l = LValue::Ref(n.clone());
                                    self.write_target(&l, NetKind::Wire, "instance output");
                                }
                                _ => self.err(format!(
                                    "instance `{}` output `{}` drives an expression",
                                    i.name, p.name
                                )),
                            }
                        }
                    }
                    for (p, _) in &i.params {
                        if !target.params.iter().any(|q| q.name == *p) {
                            self.err(format!(
                                "instance `{}` sets unknown parameter `{p}`",
                                i.name
                            ));
                        }
                    }
                    if i.connections.len() != target.ports.len() {
                        self.err(format!(
                            "instance `{}` connects ports `{}` does not have",
                            i.name, i.module
                        ));
                    }
                }
                Item::ReadMemH { mem, file } => {
                    if let MemFile::Param(p) = file {
                        if !m
                            .params
                            .iter()
                            .any(|q| q.name == *p && matches!(q.value, ParamValue::File(_)))
                        {
                            self.err(format!(
                                "$readmemh file parameter `{p}` is not a file parameter"
                            ));
                        }
                    }
                    if self.syms.get(mem.as_str()).and_then(|s| s.depth).is_none() {
                        self.err(format!("$readmemh into `{mem}`, which is not a memory"));
                    }
                }
                Item::Decl(_) | Item::Comment(_) | Item::Blank => {}
            }
        }
    }

    fn write_target(&mut self, l: &LValue, need: NetKind, what: &str) {
        let name = match l {
            LValue::Ref(n) | LValue::Index(n, _) | LValue::Slice(n, _, _) => n,
        };
        match self.syms.get(name.as_str()).copied() {
            None => self.err(format!("{what} to undeclared `{name}`")),
            Some(s) if s.dir == Some(Dir::Input) => self.err(format!("{what} to input `{name}`")),
            Some(s) if s.kind != need => self.err(format!(
                "{what} to `{name}`, a {:?} (must be {:?})",
                s.kind, need
            )),
            _ => {}
        }
    }

    fn assignment(&mut self, l: &LValue, e: &Expr) {
        let lt = self.lvalue(l);
        let rt = self.expr(e);
        if lt.width != rt.width {
            self.err(format!(
                "assignment of {} bits (`{}`) to {} bits",
                rt.width,
                show(e),
                lt.width
            ));
        }
    }

    fn stmts(&mut self, body: &[Stmt]) {
        for s in body {
            match s {
                Stmt::NonBlocking(l, e) | Stmt::Blocking(l, e) => {
                    self.write_target(l, NetKind::Reg, "procedural assignment");
                    self.assignment(l, e);
                }
                Stmt::If(c, t, e) => {
                    let ct = self.expr(c);
                    self.want_bit(ct, "if condition");
                    self.stmts(t);
                    self.stmts(e);
                }
                Stmt::Case {
                    subject,
                    arms,
                    default,
                } => {
                    let st = self.expr(subject);
                    for (labels, body) in arms {
                        for l in labels {
                            let lt = self.expr(l);
                            if lt.width != st.width {
                                self.err(format!(
                                    "case label `{}` is {} bits, subject {}",
                                    show(l),
                                    lt.width,
                                    st.width
                                ));
                            }
                        }
                        self.stmts(body);
                    }
                    self.stmts(default);
                }
                Stmt::Comment(_) => {}
            }
        }
    }

    fn want_bit(&mut self, t: Ty, what: &str) {
        if t.width != 1 {
            self.err(format!("{what} is {} bits, not 1", t.width));
        }
    }

    fn lookup(&mut self, name: &str) -> Option<Sym> {
        let s = self.syms.get(name).copied();
        if s.is_none() {
            self.err(format!("`{name}` is not declared"));
        }
        s
    }

    fn index(&mut self, name: &str, i: &Expr) -> Ty {
        let Some(s) = self.lookup(name) else {
            return Ty::BIT;
        };
        let (n, out) = match s.depth {
            Some(d) => (d, s.ty),
            None => (s.ty.width, Ty::BIT),
        };
        let it = self.expr(i);
        if it.width != index_bits(n) {
            self.err(format!(
                "index `{}` of `{name}` is {} bits, needs {}",
                show(i),
                it.width,
                index_bits(n)
            ));
        }
        if let Expr::Lit { value, .. } = i {
            if *value >= n as u64 {
                self.err(format!(
                    "constant index {value} of `{name}` is out of range"
                ));
            }
        }
        out
    }

    fn slice(&mut self, name: &str, hi: u32, lo: u32) -> Ty {
        if let Some(s) = self.lookup(name) {
            if s.depth.is_some() || hi < lo || hi >= s.ty.width {
                self.err(format!("slice `{name}[{hi}:{lo}]` is out of range"));
            }
        }
        Ty::unsigned(hi.saturating_sub(lo) + 1)
    }

    fn lvalue(&mut self, l: &LValue) -> Ty {
        match l {
            LValue::Ref(n) => self.expr(&Expr::Ref(n.clone())),
            LValue::Index(n, i) => self.index(n.as_str(), i),
            LValue::Slice(n, hi, lo) => self.slice(n.as_str(), *hi, *lo),
        }
    }

    fn expr(&mut self, e: &Expr) -> Ty {
        match e {
            Expr::Lit { ty, value } => {
                if ty.width == 0 || (ty.width < 64 && *value >> ty.width != 0) {
                    self.err(format!("literal {value} does not fit {} bits", ty.width));
                }
                *ty
            }
            Expr::Ref(n) => match self.lookup(n.as_str()) {
                Some(s) if s.depth.is_some() => {
                    self.err(format!("memory `{n}` used without an index"));
                    s.ty
                }
                Some(s) => s.ty,
                None => Ty::BIT,
            },
            Expr::Index(n, i) => self.index(n.as_str(), i),
            Expr::Slice(n, hi, lo) => self.slice(n.as_str(), *hi, *lo),
            Expr::Unary(op, a) => {
                let t = self.expr(a);
                match op {
                    UnaryOp::Not | UnaryOp::Neg => t,
                    UnaryOp::LogicNot => {
                        self.want_bit(t, "operand of !");
                        Ty::BIT
                    }
                    UnaryOp::ReduceOr | UnaryOp::ReduceAnd | UnaryOp::ReduceXor => Ty::BIT,
                }
            }
            Expr::Binary(op, a, b) => {
                let (ta, tb) = (self.expr(a), self.expr(b));
                if op.is_shift() {
                    if tb.signed {
                        self.err(format!("shift amount `{}` is signed", show(b)));
                    }
                    if *op == BinaryOp::Sshr && !ta.signed {
                        self.err(format!("`>>>` on unsigned `{}`", show(a)));
                    }
                    return ta;
                }
                if op.is_logical() {
                    self.want_bit(ta, "operand of && or ||");
                    self.want_bit(tb, "operand of && or ||");
                    return Ty::BIT;
                }
                if ta != tb {
                    self.err(format!(
                        "operands of `{}` differ: `{}` is {}{} bits, `{}` is {}{} bits",
                        op.symbol(),
                        show(a),
                        if ta.signed { "signed " } else { "" },
                        ta.width,
                        show(b),
                        if tb.signed { "signed " } else { "" },
                        tb.width
                    ));
                }
                if op.is_comparison() {
                    Ty::BIT
                } else {
                    ta
                }
            }
            Expr::Ternary(c, a, b) => {
                let ct = self.expr(c);
                self.want_bit(ct, "ternary condition");
                let (ta, tb) = (self.expr(a), self.expr(b));
                if ta != tb {
                    self.err(format!(
                        "branches of `?:` differ: `{}` is {} bits, `{}` is {} bits",
                        show(a),
                        ta.width,
                        show(b),
                        tb.width
                    ));
                }
                ta
            }
            Expr::Concat(parts) => {
                let w = parts.iter().map(|p| self.expr(p).width).sum();
                Ty::unsigned(w)
            }
            Expr::Repeat(n, a) => Ty::unsigned(n * self.expr(a).width),
            Expr::Signed(a) => Ty::signed(self.expr(a).width),
            Expr::Unsigned(a) => Ty::unsigned(self.expr(a).width),
        }
    }
}
