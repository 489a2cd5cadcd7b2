//! Verilog emission infrastructure: a typed AST ([`ast`]), the one printer that turns it
//! into text ([`print`]), a width and wiring checker ([`check()`]) that enforces the
//! lint rules of ../shared/spec/rtl-conventions.md on every module before it is written,
//! and the mangler that makes user names legal ([`names`]). The hardware generators
//! build modules with these and never assemble Verilog from strings.

pub mod ast;
pub mod check;
pub mod names;
pub mod print;

pub use ast::{
    Always, BinaryOp, Decl, Dir, Expr, Ident, Instance, Item, LValue, MemFile, Module, NetKind,
    Param, ParamValue, Port, Stmt, Ty, UnaryOp,
};
pub use check::{check, index_bits};
pub use names::{mangle, Namer};
pub use print::print_module;
