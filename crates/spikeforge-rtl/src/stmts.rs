//! Short constructors for the statements every template writes, so the templates read
//! like the logic they build.

use spikeforge_verilog::{Expr, Ident, LValue, Stmt};

/// A reference to a signal.
pub fn r(id: &Ident) -> Expr {
    Expr::r(id)
}

/// `id <= e;` (clocked logic).
pub fn set(id: &Ident, e: Expr) -> Stmt {
    Stmt::NonBlocking(LValue::r(id), e)
}

/// `id = e;` (combinational logic).
pub fn put(id: &Ident, e: Expr) -> Stmt {
    Stmt::Blocking(LValue::r(id), e)
}

/// `if (c) begin then end else begin els end`
pub fn when(c: Expr, then: Vec<Stmt>, els: Vec<Stmt>) -> Stmt {
    Stmt::If(c, then, els)
}
