//! The one Verilog printer. It owns the file frame (`default_nettype`), layout,
//! parenthesisation, literal sizing and comment sanitising, so every emitted file looks
//! the same and nothing a user wrote can end a comment or inject text. Output is a pure
//! function of the AST: byte-identical across runs and machines.

use std::fmt::Write;

use crate::ast::{
    Always, Decl, Dir, Expr, Instance, Item, LValue, MemFile, Module, NetKind, ParamValue, Stmt,
    Ty, UnaryOp,
};

const INDENT: &str = "  ";

/// Prints a module as the complete text of its `.v` file.
pub fn print_module(m: &Module) -> String {
    let mut out = String::new();
    for line in &m.header {
        comment(&mut out, "", line);
    }
    out.push_str("`default_nettype none\n\n");
    if m.params.is_empty() {
        let _ = writeln!(out, "module {} (", m.name);
    } else {
        let _ = writeln!(out, "module {} #(", m.name);
        for (i, p) in m.params.iter().enumerate() {
            let sep = if i + 1 == m.params.len() { "" } else { "," };
            let kind = match &p.value {
                ParamValue::File(_) => String::new(),
                ParamValue::Vector { width, .. } => format!("[{}:0] ", width - 1),
            };
            let _ = writeln!(
                out,
                "{INDENT}parameter {kind}{} = {}{sep}",
                p.name,
                param_value(&p.value)
            );
        }
        out.push_str(") (\n");
    }
    let heads: Vec<String> = m
        .ports
        .iter()
        .map(|p| {
            let dir = match p.dir {
                Dir::Input => "input ",
                Dir::Output => "output",
            };
            format!("{dir} {} {}", kind(p.kind), range(p.ty))
        })
        .collect();
    let pad = heads.iter().map(String::len).max().unwrap_or(0);
    for (i, (p, head)) in m.ports.iter().zip(&heads).enumerate() {
        let sep = if i + 1 == m.ports.len() { "" } else { "," };
        let line = format!("{head:pad$} {}{sep}", p.name);
        let _ = write!(out, "{INDENT}{}", line.trim_end());
        if let Some(c) = &p.comment {
            let _ = write!(out, "  // {}", sanitize(c));
        }
        out.push('\n');
    }
    out.push_str(");\n\n");
    let mut prev_blank = true;
    for item in &m.items {
        let starts_block = matches!(
            item,
            Item::Always(..) | Item::Instance(_) | Item::ReadMemH { .. }
        );
        if starts_block && !prev_blank {
            out.push('\n');
        }
        print_item(&mut out, item);
        prev_blank = matches!(item, Item::Blank) || starts_block;
        if starts_block {
            out.push('\n');
        }
    }
    if !out.ends_with("\n\n") {
        out.push('\n');
    }
    out.push_str("endmodule\n\n`default_nettype wire\n");
    out
}

fn kind(k: NetKind) -> &'static str {
    match k {
        NetKind::Wire => "wire",
        NetKind::Reg => "reg ",
    }
}

/// `signed [7:0]`, `[3:0]`, `signed`, or nothing for a plain bit.
fn range(ty: Ty) -> String {
    match (ty.signed, ty.width) {
        (false, 1) => String::new(),
        (true, 1) => "signed".into(),
        (s, w) => format!("{}[{}:0]", if s { "signed " } else { "" }, w - 1),
    }
}

/// Comments carry user text (design names); keep them on one line of printable ASCII.
fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect()
}

fn comment(out: &mut String, indent: &str, text: &str) {
    for line in text.split('\n') {
        let line = sanitize(line);
        if line.is_empty() {
            let _ = writeln!(out, "{indent}//");
        } else {
            let _ = writeln!(out, "{indent}// {line}");
        }
    }
}

fn print_decl(out: &mut String, d: &Decl) {
    let r = range(d.ty);
    let r = if r.is_empty() {
        String::new()
    } else {
        format!("{r} ")
    };
    let depth = d
        .depth
        .map(|n| format!(" [0:{}]", n - 1))
        .unwrap_or_default();
    let _ = write!(
        out,
        "{INDENT}{} {r}{}{depth};",
        kind(d.kind).trim_end(),
        d.name
    );
    if let Some(c) = &d.comment {
        let _ = write!(out, "  // {}", sanitize(c));
    }
    out.push('\n');
}

fn print_item(out: &mut String, item: &Item) {
    match item {
        Item::Decl(d) => print_decl(out, d),
        Item::Assign(l, e) => {
            let _ = writeln!(out, "{INDENT}assign {} = {};", lvalue(l), expr(e));
        }
        Item::Always(kind, body) => {
            let head = match kind {
                Always::Clocked(clk) => format!("always @(posedge {clk})"),
                Always::Comb => "always @*".to_string(),
            };
            let _ = writeln!(out, "{INDENT}{head} begin");
            stmts(out, body, 2);
            let _ = writeln!(out, "{INDENT}end");
        }
        Item::Instance(i) => instance(out, i),
        Item::ReadMemH { file, mem } => {
            let file = match file {
                MemFile::Literal(f) => file_literal(f),
                MemFile::Param(p) => p.to_string(),
            };
            let _ = writeln!(out, "{INDENT}initial $readmemh({file}, {mem});");
        }
        Item::Comment(c) => comment(out, INDENT, c),
        Item::Blank => out.push('\n'),
    }
}

/// A file name as a string literal; only generator-made names reach here.
fn file_literal(f: &str) -> String {
    assert!(
        !f.is_empty()
            && f.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c)),
        "generator bug: file name {f:?}"
    );
    format!("\"{f}\"")
}

fn param_value(v: &ParamValue) -> String {
    match v {
        ParamValue::File(f) => file_literal(f),
        ParamValue::Vector { width, words } => {
            let digits = (*width as usize).div_ceil(4);
            let mut hex = String::new();
            for w in words.iter().rev() {
                let _ = write!(hex, "{w:016x}");
            }
            let hex = if hex.len() >= digits {
                hex[hex.len() - digits..].to_string()
            } else {
                format!("{hex:0>digits$}")
            };
            format!("{width}'h{hex}")
        }
    }
}

fn instance(out: &mut String, i: &Instance) {
    if i.params.is_empty() {
        let _ = writeln!(out, "{INDENT}{} {} (", i.module, i.name);
    } else {
        let _ = writeln!(out, "{INDENT}{} #(", i.module);
        for (k, (p, v)) in i.params.iter().enumerate() {
            let sep = if k + 1 == i.params.len() { "" } else { "," };
            let _ = writeln!(out, "{INDENT}{INDENT}.{p}({}){sep}", param_value(v));
        }
        let _ = writeln!(out, "{INDENT}) {} (", i.name);
    }
    for (k, (port, e)) in i.connections.iter().enumerate() {
        let sep = if k + 1 == i.connections.len() {
            ""
        } else {
            ","
        };
        let _ = writeln!(out, "{INDENT}{INDENT}.{port}({}){sep}", expr(e));
    }
    let _ = writeln!(out, "{INDENT});");
}

fn stmts(out: &mut String, body: &[Stmt], depth: usize) {
    let ind = INDENT.repeat(depth);
    for s in body {
        match s {
            Stmt::NonBlocking(l, e) => {
                let _ = writeln!(out, "{ind}{} <= {};", lvalue(l), expr(e));
            }
            Stmt::Blocking(l, e) => {
                let _ = writeln!(out, "{ind}{} = {};", lvalue(l), expr(e));
            }
            Stmt::If(c, then, els) => {
                let _ = writeln!(out, "{ind}if ({}) begin", expr(c));
                stmts(out, then, depth + 1);
                // `else if` chains print flat.
                let mut els = els;
                while let [Stmt::If(c2, t2, e2)] = els.as_slice() {
                    let _ = writeln!(out, "{ind}end else if ({}) begin", expr(c2));
                    stmts(out, t2, depth + 1);
                    els = e2;
                }
                if !els.is_empty() {
                    let _ = writeln!(out, "{ind}end else begin");
                    stmts(out, els, depth + 1);
                }
                let _ = writeln!(out, "{ind}end");
            }
            Stmt::Case {
                subject,
                arms,
                default,
            } => {
                let _ = writeln!(out, "{ind}case ({})", expr(subject));
                for (labels, body) in arms {
                    let labels: Vec<String> = labels.iter().map(expr).collect();
                    let _ = writeln!(out, "{ind}{INDENT}{}: begin", labels.join(", "));
                    stmts(out, body, depth + 2);
                    let _ = writeln!(out, "{ind}{INDENT}end");
                }
                let _ = writeln!(out, "{ind}{INDENT}default: begin");
                stmts(out, default, depth + 2);
                let _ = writeln!(out, "{ind}{INDENT}end");
                let _ = writeln!(out, "{ind}endcase");
            }
            Stmt::Comment(c) => comment(out, &ind, c),
        }
    }
}

fn lvalue(l: &LValue) -> String {
    match l {
        LValue::Ref(n) => n.to_string(),
        LValue::Index(n, i) => format!("{n}[{}]", expr(i)),
        LValue::Slice(n, hi, lo) => format!("{n}[{hi}:{lo}]"),
    }
}

/// Prints an expression; compound operands are parenthesised, so precedence never
/// depends on the reader's memory of Verilog's table.
pub fn expr(e: &Expr) -> String {
    match e {
        Expr::Lit { ty, value } => {
            let s = if ty.signed { "s" } else { "" };
            if ty.width == 1 {
                format!("1'{s}b{value}")
            } else {
                format!("{}'{s}h{value:x}", ty.width)
            }
        }
        Expr::Ref(n) => n.to_string(),
        Expr::Index(n, i) => format!("{n}[{}]", expr(i)),
        Expr::Slice(n, hi, lo) => format!("{n}[{hi}:{lo}]"),
        Expr::Unary(op, a) => {
            let sym = match op {
                UnaryOp::Not => "~",
                UnaryOp::LogicNot => "!",
                UnaryOp::Neg => "-",
                UnaryOp::ReduceOr => "|",
                UnaryOp::ReduceAnd => "&",
                UnaryOp::ReduceXor => "^",
            };
            format!("{sym}{}", operand(a))
        }
        Expr::Binary(op, a, b) => format!("{} {} {}", operand(a), op.symbol(), operand(b)),
        Expr::Ternary(c, a, b) => format!("{} ? {} : {}", operand(c), operand(a), operand(b)),
        Expr::Concat(parts) => {
            let parts: Vec<String> = parts.iter().map(expr).collect();
            format!("{{{}}}", parts.join(", "))
        }
        Expr::Repeat(n, a) => format!("{{{n}{{{}}}}}", expr(a)),
        Expr::Signed(a) => format!("$signed({})", expr(a)),
        Expr::Unsigned(a) => format!("$unsigned({})", expr(a)),
    }
}

fn operand(e: &Expr) -> String {
    match e {
        Expr::Binary(..) | Expr::Ternary(..) => format!("({})", expr(e)),
        _ => expr(e),
    }
}
