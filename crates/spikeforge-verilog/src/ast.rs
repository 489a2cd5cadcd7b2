//! A typed Verilog-2005 AST: the only thing spikeforge's emitters build. Text is made
//! from it by one printer (`print.rs`), so layout, literal sizing and escaping live in one
//! place, and a width checker (`check.rs`) rejects what Verilator's `-Wall` would flag
//! before any tool runs. Identifiers can only be made through [`Ident::new`] (checked)
//! or the mangler in `names.rs`, so no user text reaches the output unescaped.

use std::fmt;

use crate::names::is_legal;

/// A legal, non-keyword Verilog identifier.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ident(String);

impl Ident {
    /// Makes an identifier from text the generator controls. Text from users goes
    /// through [`crate::Namer`] instead.
    ///
    /// # Panics
    /// On an illegal identifier: that is a bug in the generator, not a user error.
    pub fn new(s: impl Into<String>) -> Self {
        let s = s.into();
        assert!(
            is_legal(&s),
            "generator bug: `{s}` is not a legal Verilog identifier"
        );
        Ident(s)
    }

    pub(crate) fn unchecked(s: String) -> Self {
        Ident(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Width and signedness of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ty {
    pub width: u32,
    pub signed: bool,
}

impl Ty {
    pub const BIT: Ty = Ty {
        width: 1,
        signed: false,
    };

    pub fn unsigned(width: u32) -> Self {
        Ty {
            width,
            signed: false,
        }
    }

    pub fn signed(width: u32) -> Self {
        Ty {
            width,
            signed: true,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dir {
    Input,
    Output,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NetKind {
    Wire,
    Reg,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    pub dir: Dir,
    pub kind: NetKind,
    pub name: Ident,
    pub ty: Ty,
    pub comment: Option<String>,
}

/// A net, a register, or a memory (`depth` words of `ty`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decl {
    pub kind: NetKind,
    pub name: Ident,
    pub ty: Ty,
    pub depth: Option<u32>,
    pub comment: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Not,
    LogicNot,
    Neg,
    ReduceOr,
    ReduceAnd,
    ReduceXor,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    And,
    Or,
    Xor,
    LogicAnd,
    LogicOr,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Shl,
    Shr,
    /// Arithmetic shift right (`>>>`), rounding toward minus infinity on signed values.
    Sshr,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::And => "&",
            BinaryOp::Or => "|",
            BinaryOp::Xor => "^",
            BinaryOp::LogicAnd => "&&",
            BinaryOp::LogicOr => "||",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Shl => "<<",
            BinaryOp::Shr => ">>",
            BinaryOp::Sshr => ">>>",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
        )
    }

    pub fn is_logical(self) -> bool {
        matches!(self, BinaryOp::LogicAnd | BinaryOp::LogicOr)
    }

    pub fn is_shift(self) -> bool {
        matches!(self, BinaryOp::Shl | BinaryOp::Shr | BinaryOp::Sshr)
    }
}

/// An expression. Every literal carries its width, so the printer always sizes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// `width'hvalue` (or `width'shvalue` when signed); `value` is masked to `width`.
    Lit {
        ty: Ty,
        value: u64,
    },
    Ref(Ident),
    /// `name[index]`: a bit of a vector, or a word of a memory.
    Index(Ident, Box<Expr>),
    /// `name[hi:lo]`
    Slice(Ident, u32, u32),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
    Concat(Vec<Expr>),
    Repeat(u32, Box<Expr>),
    Signed(Box<Expr>),
    Unsigned(Box<Expr>),
}

impl Expr {
    /// An unsigned literal of `width` bits.
    pub fn lit(width: u32, value: u64) -> Expr {
        Expr::Lit {
            ty: Ty::unsigned(width),
            value: mask(width, value),
        }
    }

    /// A signed literal of `width` bits holding `value` in two's complement.
    pub fn slit(width: u32, value: i64) -> Expr {
        Expr::Lit {
            ty: Ty::signed(width),
            value: mask(width, value as u64),
        }
    }

    /// Zero of any width (wider than 64 bits becomes a replication).
    pub fn zero(width: u32) -> Expr {
        if width <= 64 {
            Expr::lit(width, 0)
        } else {
            Expr::Repeat(width, Box::new(Expr::lit(1, 0)))
        }
    }

    pub fn r(name: &Ident) -> Expr {
        Expr::Ref(name.clone())
    }

    pub fn index(name: &Ident, i: Expr) -> Expr {
        Expr::Index(name.clone(), Box::new(i))
    }

    pub fn slice(name: &Ident, hi: u32, lo: u32) -> Expr {
        Expr::Slice(name.clone(), hi, lo)
    }

    pub fn bin(op: BinaryOp, a: Expr, b: Expr) -> Expr {
        Expr::Binary(op, Box::new(a), Box::new(b))
    }

    pub fn un(op: UnaryOp, a: Expr) -> Expr {
        Expr::Unary(op, Box::new(a))
    }

    pub fn ternary(c: Expr, a: Expr, b: Expr) -> Expr {
        Expr::Ternary(Box::new(c), Box::new(a), Box::new(b))
    }

    pub fn signed(a: Expr) -> Expr {
        Expr::Signed(Box::new(a))
    }

    pub fn unsigned(a: Expr) -> Expr {
        Expr::Unsigned(Box::new(a))
    }
}

/// Operator shorthands, so generators read like the logic they build.
impl Expr {
    pub fn add(self, b: Expr) -> Expr {
        Expr::bin(BinaryOp::Add, self, b)
    }
    pub fn sub(self, b: Expr) -> Expr {
        Expr::bin(BinaryOp::Sub, self, b)
    }
    pub fn band(self, b: Expr) -> Expr {
        Expr::bin(BinaryOp::And, self, b)
    }
    pub fn bor(self, b: Expr) -> Expr {
        Expr::bin(BinaryOp::Or, self, b)
    }
    pub fn land(self, b: Expr) -> Expr {
        Expr::bin(BinaryOp::LogicAnd, self, b)
    }
    pub fn lor(self, b: Expr) -> Expr {
        Expr::bin(BinaryOp::LogicOr, self, b)
    }
    pub fn equals(self, b: Expr) -> Expr {
        Expr::bin(BinaryOp::Eq, self, b)
    }
    pub fn differs(self, b: Expr) -> Expr {
        Expr::bin(BinaryOp::Ne, self, b)
    }
    pub fn lt(self, b: Expr) -> Expr {
        Expr::bin(BinaryOp::Lt, self, b)
    }
    pub fn le(self, b: Expr) -> Expr {
        Expr::bin(BinaryOp::Le, self, b)
    }
    pub fn gt(self, b: Expr) -> Expr {
        Expr::bin(BinaryOp::Gt, self, b)
    }
    pub fn ge(self, b: Expr) -> Expr {
        Expr::bin(BinaryOp::Ge, self, b)
    }
    pub fn shl(self, b: Expr) -> Expr {
        Expr::bin(BinaryOp::Shl, self, b)
    }
    pub fn sshr(self, b: Expr) -> Expr {
        Expr::bin(BinaryOp::Sshr, self, b)
    }
    pub fn bnot(self) -> Expr {
        Expr::un(UnaryOp::Not, self)
    }
    pub fn lnot(self) -> Expr {
        Expr::un(UnaryOp::LogicNot, self)
    }
    pub fn any(self) -> Expr {
        Expr::un(UnaryOp::ReduceOr, self)
    }
    pub fn all(self) -> Expr {
        Expr::un(UnaryOp::ReduceAnd, self)
    }
    /// `self ? a : b`
    pub fn pick(self, a: Expr, b: Expr) -> Expr {
        Expr::ternary(self, a, b)
    }
}

pub(crate) fn mask(width: u32, v: u64) -> u64 {
    if width >= 64 {
        v
    } else {
        v & ((1u64 << width) - 1)
    }
}

/// The left-hand side of an assignment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LValue {
    Ref(Ident),
    Index(Ident, Expr),
    Slice(Ident, u32, u32),
}

impl LValue {
    pub fn r(name: &Ident) -> LValue {
        LValue::Ref(name.clone())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stmt {
    /// `lhs <= rhs;` (clocked logic)
    NonBlocking(LValue, Expr),
    /// `lhs = rhs;` (combinational logic)
    Blocking(LValue, Expr),
    If(Expr, Vec<Stmt>, Vec<Stmt>),
    /// `case (subject)`: each arm lists its labels; `default` is mandatory so no latch
    /// can be inferred.
    Case {
        subject: Expr,
        arms: Vec<(Vec<Expr>, Vec<Stmt>)>,
        default: Vec<Stmt>,
    },
    Comment(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Always {
    /// `always @(posedge clk)`
    Clocked(Ident),
    /// `always @*`
    Comb,
}

/// A module parameter: a file name for `$readmemh`, or a constant vector (a routing
/// table, say). Instances override them; defaults keep a module lintable on its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub name: Ident,
    pub value: ParamValue,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamValue {
    /// A file name (letters, digits, `._-/` only; the printer refuses anything else).
    File(String),
    /// A sized constant of `width` bits; `words` are its 64-bit words, least
    /// significant first.
    Vector { width: u32, words: Vec<u64> },
}

impl ParamValue {
    pub fn vector(width: u32, words: Vec<u64>) -> Self {
        ParamValue::Vector { width, words }
    }
}

/// Where `$readmemh` finds its image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemFile {
    Literal(String),
    Param(Ident),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    pub module: Ident,
    pub name: Ident,
    pub params: Vec<(Ident, ParamValue)>,
    pub connections: Vec<(Ident, Expr)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Decl(Decl),
    Assign(LValue, Expr),
    Always(Always, Vec<Stmt>),
    Instance(Instance),
    /// `initial $readmemh("file", mem);` — the only `initial` the printer emits, for
    /// memory contents written beside the Verilog.
    ReadMemH {
        file: MemFile,
        mem: Ident,
    },
    Comment(String),
    Blank,
}

/// One module; the printer writes it as one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Module {
    pub name: Ident,
    /// Comment lines printed above the module (the generator header).
    pub header: Vec<String>,
    pub params: Vec<Param>,
    pub ports: Vec<Port>,
    pub items: Vec<Item>,
}

impl Module {
    pub fn new(name: Ident) -> Self {
        Module {
            name,
            header: Vec::new(),
            params: Vec::new(),
            ports: Vec::new(),
            items: Vec::new(),
        }
    }

    /// Adds a port and returns its name.
    pub fn port(&mut self, dir: Dir, kind: NetKind, name: &str, ty: Ty) -> Ident {
        let id = Ident::new(name);
        self.ports.push(Port {
            dir,
            kind,
            name: id.clone(),
            ty,
            comment: None,
        });
        id
    }

    /// Declares a parameter and returns its name.
    pub fn param(&mut self, name: &str, value: ParamValue) -> Ident {
        let id = Ident::new(name);
        self.params.push(Param {
            name: id.clone(),
            value,
        });
        id
    }

    pub fn input(&mut self, name: &str, ty: Ty) -> Ident {
        self.port(Dir::Input, NetKind::Wire, name, ty)
    }

    pub fn output(&mut self, name: &str, ty: Ty) -> Ident {
        self.port(Dir::Output, NetKind::Wire, name, ty)
    }

    pub fn output_reg(&mut self, name: &str, ty: Ty) -> Ident {
        self.port(Dir::Output, NetKind::Reg, name, ty)
    }

    /// Declares a net, register or memory (`depth` words) and returns its name; use this
    /// with names made by a [`crate::Namer`].
    pub fn decl(&mut self, kind: NetKind, name: Ident, ty: Ty, depth: Option<u32>) -> Ident {
        self.items.push(Item::Decl(Decl {
            kind,
            name: name.clone(),
            ty,
            depth,
            comment: None,
        }));
        name
    }

    pub fn wire(&mut self, name: &str, ty: Ty) -> Ident {
        self.decl(NetKind::Wire, Ident::new(name), ty, None)
    }

    pub fn reg(&mut self, name: &str, ty: Ty) -> Ident {
        self.decl(NetKind::Reg, Ident::new(name), ty, None)
    }

    pub fn memory(&mut self, name: &str, ty: Ty, depth: u32) -> Ident {
        self.decl(NetKind::Reg, Ident::new(name), ty, Some(depth))
    }

    pub fn assign(&mut self, lhs: LValue, rhs: Expr) {
        self.items.push(Item::Assign(lhs, rhs));
    }

    pub fn always(&mut self, kind: Always, body: Vec<Stmt>) {
        self.items.push(Item::Always(kind, body));
    }

    pub fn comment(&mut self, text: impl Into<String>) {
        self.items.push(Item::Comment(text.into()));
    }
}
