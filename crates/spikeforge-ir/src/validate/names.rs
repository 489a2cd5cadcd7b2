//! `well-formed-names`: names are non-empty, hold no character that would break a CSV
//! raster, and are unique: inputs and populations share one namespace (they are the
//! ports of rasters), crossbars have their own.

use std::collections::BTreeMap;

use crate::circuit::{source_of, target_of, Circuit, Field, Node, Owner};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};

pub(super) fn run(c: &Circuit, diags: &mut Diagnostics) {
    let design_span = c.spans.get(Owner::Design, Field::Name);
    check_chars("design", &c.name, design_span, diags);
    let mut ports: BTreeMap<&str, _> = BTreeMap::new();
    let mut crossbars: BTreeMap<&str, _> = BTreeMap::new();
    for n in c.graph.node_indices() {
        let node = &c.graph[n];
        let span = c.spans.get(Owner::Node(n), Field::Name);
        let seen = match node {
            Node::Input(_) | Node::Population(_) => &mut ports,
            Node::Crossbar(_) => &mut crossbars,
            Node::Output(_) => continue,
        };
        if derived_from_bad_name(c, n) {
            continue; // the bad end's own name is reported
        }
        if !check_chars(node.kind(), node.name(), span, diags) {
            continue;
        }
        if let Some((first_kind, first_span)) = seen.get(node.name()) {
            diags.push(
                Diagnostic::new(
                    Code::DuplicateName,
                    format!("the name `{}` is used twice", node.name()),
                )
                .label(span, format!("this {} reuses it", node.kind()))
                .also(*first_span, format!("first used by this {first_kind}")),
            );
        } else {
            seen.insert(node.name(), (node.kind(), span));
        }
    }
}

/// Whether `n` is a crossbar still carrying its default name `<from>_to_<to>` and one of
/// those ends has an empty or illegal name, which then taints the crossbar's name too.
fn derived_from_bad_name(c: &Circuit, n: petgraph::graph::NodeIndex) -> bool {
    let Node::Crossbar(x) = &c.graph[n] else {
        return false;
    };
    let (Some(src), Some(dst)) = (source_of(&c.graph, n), target_of(&c.graph, n)) else {
        return false;
    };
    let (from, to) = (c.graph[src].name(), c.graph[dst].name());
    x.name == format!("{from}_to_{to}") && (bad_name(from) || bad_name(to))
}

fn bad_name(name: &str) -> bool {
    name.is_empty() || name.chars().any(illegal)
}

fn illegal(ch: char) -> bool {
    ch.is_whitespace() || ch.is_control() || ch == ',' || ch == '"'
}

/// Reports an empty or illegal name; returns whether the name is well formed.
fn check_chars(kind: &str, name: &str, span: Option<crate::Span>, diags: &mut Diagnostics) -> bool {
    if name.is_empty() {
        diags.push(
            Diagnostic::new(Code::EmptyName, format!("a {kind} has an empty name"))
                .label(span, "empty name"),
        );
        return false;
    }
    if let Some(bad) = name.chars().find(|&ch| illegal(ch)) {
        diags.push(
            Diagnostic::new(
                Code::InvalidName,
                format!("the {kind} name {name:?} contains the character {bad:?}"),
            )
            .label(span, "illegal character in this name"),
        );
        return false;
    }
    true
}
