//! Legal, predictable Verilog names from user text.
//!
//! The rule (documented for users in docs/hardware.md): ASCII letters, digits and `_`
//! are kept; every other character becomes `_` + its code point in lower-case hex + `_`
//! (`my-pop` -> `my_2d_pop`); a name that starts with a digit or is empty gets `n_` in
//! front; a name equal to a Verilog or SystemVerilog keyword gets `_` appended; names
//! longer than 120 characters are cut. A [`Namer`] then keeps names unique in one scope
//! by appending `_2`, `_3`, ... only where two user names mangle to the same text. No
//! `$`, hash or counter appears where a design name exists.

use std::collections::BTreeSet;

use crate::ast::Ident;

/// Keywords of Verilog-2005 and SystemVerilog-2012 (Icarus runs with -g2012, so both
/// sets are reserved).
const KEYWORDS: &[&str] = &[
    "accept_on",
    "alias",
    "always",
    "always_comb",
    "always_ff",
    "always_latch",
    "and",
    "assert",
    "assign",
    "assume",
    "automatic",
    "before",
    "begin",
    "bind",
    "bins",
    "binsof",
    "bit",
    "break",
    "buf",
    "bufif0",
    "bufif1",
    "byte",
    "case",
    "casex",
    "casez",
    "cell",
    "chandle",
    "checker",
    "class",
    "clocking",
    "cmos",
    "config",
    "const",
    "constraint",
    "context",
    "continue",
    "cover",
    "covergroup",
    "coverpoint",
    "cross",
    "deassign",
    "default",
    "defparam",
    "design",
    "disable",
    "dist",
    "do",
    "edge",
    "else",
    "end",
    "endcase",
    "endchecker",
    "endclass",
    "endclocking",
    "endconfig",
    "endfunction",
    "endgenerate",
    "endgroup",
    "endinterface",
    "endmodule",
    "endpackage",
    "endprimitive",
    "endprogram",
    "endproperty",
    "endsequence",
    "endspecify",
    "endtable",
    "endtask",
    "enum",
    "event",
    "eventually",
    "expect",
    "export",
    "extends",
    "extern",
    "final",
    "first_match",
    "for",
    "force",
    "foreach",
    "forever",
    "fork",
    "forkjoin",
    "function",
    "generate",
    "genvar",
    "global",
    "highz0",
    "highz1",
    "if",
    "iff",
    "ifnone",
    "ignore_bins",
    "illegal_bins",
    "implements",
    "implies",
    "import",
    "incdir",
    "include",
    "initial",
    "inout",
    "input",
    "inside",
    "instance",
    "int",
    "integer",
    "interconnect",
    "interface",
    "intersect",
    "join",
    "join_any",
    "join_none",
    "large",
    "let",
    "liblist",
    "library",
    "local",
    "localparam",
    "logic",
    "longint",
    "macromodule",
    "matches",
    "medium",
    "modport",
    "module",
    "nand",
    "negedge",
    "nettype",
    "new",
    "nexttime",
    "nmos",
    "nor",
    "noshowcancelled",
    "not",
    "notif0",
    "notif1",
    "null",
    "or",
    "output",
    "package",
    "packed",
    "parameter",
    "pmos",
    "posedge",
    "primitive",
    "priority",
    "program",
    "property",
    "protected",
    "pull0",
    "pull1",
    "pulldown",
    "pullup",
    "pulsestyle_ondetect",
    "pulsestyle_onevent",
    "pure",
    "rand",
    "randc",
    "randcase",
    "randsequence",
    "rcmos",
    "real",
    "realtime",
    "ref",
    "reg",
    "reject_on",
    "release",
    "repeat",
    "restrict",
    "return",
    "rnmos",
    "rpmos",
    "rtran",
    "rtranif0",
    "rtranif1",
    "s_always",
    "s_eventually",
    "s_nexttime",
    "s_until",
    "s_until_with",
    "scalared",
    "sequence",
    "shortint",
    "shortreal",
    "showcancelled",
    "signed",
    "small",
    "soft",
    "solve",
    "specify",
    "specparam",
    "static",
    "string",
    "strong",
    "strong0",
    "strong1",
    "struct",
    "super",
    "supply0",
    "supply1",
    "sync_accept_on",
    "sync_reject_on",
    "table",
    "tagged",
    "task",
    "this",
    "throughout",
    "time",
    "timeprecision",
    "timeunit",
    "tran",
    "tranif0",
    "tranif1",
    "tri",
    "tri0",
    "tri1",
    "triand",
    "trior",
    "trireg",
    "type",
    "typedef",
    "union",
    "unique",
    "unique0",
    "unsigned",
    "until",
    "until_with",
    "untyped",
    "use",
    "uwire",
    "var",
    "vectored",
    "virtual",
    "void",
    "wait",
    "wait_order",
    "wand",
    "weak",
    "weak0",
    "weak1",
    "while",
    "wildcard",
    "wire",
    "with",
    "within",
    "wor",
    "xnor",
    "xor",
];

const MAX_LEN: usize = 120;

pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.binary_search(&s).is_ok()
}

/// Whether `s` is a legal simple identifier that is not a keyword.
pub fn is_legal(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !is_keyword(s)
}

/// Escapes every character that may not appear in an identifier, and cuts long names.
fn escape(user: &str) -> String {
    let mut out = String::with_capacity(user.len());
    for c in user.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else {
            out.push_str(&format!("_{:x}_", c as u32));
        }
    }
    out.truncate(MAX_LEN);
    out
}

/// Mangles user text into a legal identifier (the rule in the module docs).
pub fn mangle(user: &str) -> String {
    let mut out = escape(user);
    if !matches!(out.chars().next(), Some(c) if c.is_ascii_alphabetic() || c == '_') {
        out.insert_str(0, "n_");
    }
    if is_keyword(&out) {
        out.push('_');
    }
    out
}

/// Hands out unique identifiers within one scope (a module, or the set of modules).
#[derive(Clone, Debug, Default)]
pub struct Namer {
    taken: BTreeSet<String>,
}

impl Namer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reserves a name the generator uses itself (`clk`, `rst`, ...).
    pub fn reserve(&mut self, name: &str) -> Ident {
        let id = Ident::new(name);
        self.taken.insert(name.to_string());
        id
    }

    /// A unique identifier for `prefix` + mangled `user` text (`prefix` is generator
    /// text such as `pop_`, and may be empty).
    pub fn name(&mut self, prefix: &str, user: &str) -> Ident {
        // A generator prefix starts with a letter, so only the escaping is needed after it.
        let base = if prefix.is_empty() {
            mangle(user)
        } else {
            format!("{prefix}{}", escape(user))
        };
        let mut candidate = base.clone();
        let mut k = 2;
        while self.taken.contains(&candidate) || is_keyword(&candidate) {
            candidate = format!("{base}_{k}");
            k += 1;
        }
        self.taken.insert(candidate.clone());
        Ident::unchecked(candidate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_sorted_for_binary_search() {
        assert!(KEYWORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn mangling_is_legal_and_predictable() {
        assert_eq!(mangle("hidden"), "hidden");
        assert_eq!(mangle("my-pop"), "my_2d_pop");
        assert_eq!(mangle("module"), "module_");
        assert_eq!(mangle("1st"), "n_1st");
        assert_eq!(mangle(""), "n_");
        assert_eq!(mangle("a$b"), "a_24_b");
        assert_eq!(mangle("Ω"), "_3a9_");
        for s in [
            "wire",
            "x y",
            "é",
            "end;module evil(",
            "`define",
            "a\\b",
            "_",
        ] {
            assert!(is_legal(&mangle(s)), "{s:?} -> {}", mangle(s));
        }
        assert!(mangle(&"x".repeat(500)).len() <= MAX_LEN);
    }

    #[test]
    fn namer_keeps_names_unique() {
        let mut n = Namer::new();
        n.reserve("clk");
        assert_eq!(n.name("", "clk").as_str(), "clk_2");
        assert_eq!(n.name("pop_", "a-b").as_str(), "pop_a_2d_b");
        assert_eq!(n.name("pop_", "a_2d_b").as_str(), "pop_a_2d_b_2");
        assert_eq!(n.name("pop_", "module").as_str(), "pop_module");
        assert_eq!(n.name("pop_", "7").as_str(), "pop_7");
        assert_eq!(n.name("", "7").as_str(), "n_7");
        for id in ["clk_2", "pop_a_2d_b", "pop_module", "pop_7", "n_7"] {
            assert!(is_legal(id));
        }
    }
}
