//! The printer's output for a small module that uses every construct: snapshotted, run
//! through the width checker, and linted by the real tools (Verilator -Wall, Icarus,
//! Yosys). A missing tool fails the test: install them with scripts/test.sh.

use std::path::Path;
use std::process::Command;

use spikeforge_verilog::{
    check, print_module, Always, BinaryOp, Expr, Ident, Instance, Item, LValue, MemFile, Module,
    Namer, NetKind, Stmt, Ty, UnaryOp,
};

fn demo() -> Vec<Module> {
    let mut leaf = Module::new(Ident::new("demo_inc"));
    leaf.header.push("spikeforge test module".into());
    let a = leaf.input("a", Ty::unsigned(4));
    let y = leaf.output("y", Ty::unsigned(4));
    leaf.assign(
        LValue::r(&y),
        Expr::bin(BinaryOp::Add, Expr::r(&a), Expr::lit(4, 1)),
    );

    let mut names = Namer::new();
    let mut m = Module::new(Ident::new("demo"));
    m.header
        .push("spikeforge test module\nsecond line with */ and \u{1b} control".into());
    let clk = m.input("clk", Ty::BIT);
    let rst = m.input("rst", Ty::BIT);
    let addr = m.input("addr", Ty::unsigned(4));
    let we = m.input("we", Ty::BIT);
    let wdata = m.input("wdata", Ty::unsigned(8));
    let rdata = m.output("rdata", Ty::unsigned(8));
    let acc = m.output_reg("acc", Ty::signed(16));
    let next = m.output("next_addr", Ty::unsigned(4));
    let mem_name = names.name("mem_", "weights of module");
    let mem = m.decl(NetKind::Reg, mem_name, Ty::unsigned(8), Some(16));
    let q = m.reg("rdata_q", Ty::unsigned(8));
    m.always(
        Always::Clocked(clk.clone()),
        vec![
            Stmt::If(
                Expr::r(&we),
                vec![Stmt::NonBlocking(
                    LValue::Index(mem.clone(), Expr::r(&addr)),
                    Expr::r(&wdata),
                )],
                vec![],
            ),
            Stmt::NonBlocking(LValue::r(&q), Expr::index(&mem, Expr::r(&addr))),
        ],
    );
    m.assign(LValue::r(&rdata), Expr::r(&q));
    let sext = Expr::signed(Expr::Concat(vec![
        Expr::Repeat(8, Box::new(Expr::index(&q, Expr::lit(3, 7)))),
        Expr::r(&q),
    ]));
    m.always(
        Always::Clocked(clk),
        vec![Stmt::If(
            Expr::r(&rst),
            vec![Stmt::NonBlocking(LValue::r(&acc), Expr::slit(16, 0))],
            vec![Stmt::If(
                Expr::bin(
                    BinaryOp::LogicAnd,
                    Expr::un(UnaryOp::ReduceOr, Expr::r(&q)),
                    Expr::un(UnaryOp::LogicNot, Expr::r(&we)),
                ),
                vec![Stmt::NonBlocking(
                    LValue::r(&acc),
                    Expr::bin(
                        BinaryOp::Sub,
                        Expr::r(&acc),
                        Expr::bin(BinaryOp::Sshr, sext, Expr::lit(2, 1)),
                    ),
                )],
                vec![Stmt::Case {
                    subject: Expr::r(&addr),
                    arms: vec![(
                        vec![Expr::lit(4, 0), Expr::lit(4, 15)],
                        vec![Stmt::NonBlocking(LValue::r(&acc), Expr::slit(16, -5))],
                    )],
                    default: vec![Stmt::Comment("hold".into())],
                }],
            )],
        )],
    );
    m.items.push(Item::Instance(Instance {
        module: Ident::new("demo_inc"),
        name: Ident::new("u_inc"),
        params: vec![],
        connections: vec![
            (Ident::new("a"), Expr::r(&addr)),
            (Ident::new("y"), Expr::r(&next)),
        ],
    }));
    m.items.push(Item::ReadMemH {
        file: MemFile::Literal("demo_mem.hex".into()),
        mem,
    });
    vec![leaf, m]
}

#[test]
fn printed_text_is_stable() {
    let mods = demo();
    check(&mods).expect("demo passes the width checker");
    let text: String = mods.iter().map(print_module).collect::<Vec<_>>().join("\n");
    insta::assert_snapshot!("demo", text);
}

#[test]
fn checker_catches_width_errors() {
    let mut m = Module::new(Ident::new("bad"));
    let a = m.input("a", Ty::unsigned(4));
    let y = m.output("y", Ty::unsigned(5));
    let z = m.output("z", Ty::unsigned(4));
    let r = m.reg("r", Ty::unsigned(4));
    m.assign(LValue::r(&y), Expr::r(&a)); // 4 -> 5
    m.assign(
        LValue::r(&z),
        Expr::bin(BinaryOp::Add, Expr::r(&a), Expr::lit(3, 1)),
    ); // 4 + 3
    m.assign(LValue::r(&r), Expr::r(&a)); // assign to a reg
    let errs = check(&[m]).unwrap_err();
    assert_eq!(errs.len(), 3, "{errs:#?}");
}

fn tool(cmd: &str, args: &[&str], dir: &Path) -> String {
    let out = Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("`{cmd}` is required for this test and could not run ({e}); run scripts/test.sh to install it"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd} {args:?} failed:\n{text}");
    text
}

#[test]
fn real_tools_accept_the_printed_text() {
    let dir = std::env::temp_dir().join(format!("spikeforge-verilog-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mods = demo();
    for m in &mods {
        std::fs::write(dir.join(format!("{}.v", m.name)), print_module(m)).unwrap();
    }
    std::fs::write(dir.join("demo_mem.hex"), "00\n".repeat(16)).unwrap();
    let lint = tool(
        "verilator",
        &[
            "--lint-only",
            "-Wall",
            "--top-module",
            "demo",
            "demo_inc.v",
            "demo.v",
        ],
        &dir,
    );
    assert!(!lint.contains("%Warning"), "{lint}");
    tool(
        "iverilog",
        &["-g2012", "-o", "demo.vvp", "demo_inc.v", "demo.v"],
        &dir,
    );
    let synth = tool(
        "yosys",
        &["-q", "-p", "read_verilog demo_inc.v demo.v; synth -top demo; check -assert; select -assert-none t:$dlatch t:$_DLATCH_*"],
        &dir,
    );
    assert!(!synth.contains("Warning"), "{synth}");
    std::fs::remove_dir_all(&dir).ok();
}
