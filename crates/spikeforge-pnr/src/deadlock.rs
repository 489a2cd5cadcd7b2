//! Analysis: deadlock freedom of a plan's routes.
//!
//! The routers forward single-flit packets store-and-forward through small FIFOs, and
//! a multicast packet stays in its input buffer until every branch has been forwarded.
//! A packet waiting in input channel `a` for room in output channel `b` is a dependency
//! `a -> b`; with finite buffers, a cycle of such dependencies can deadlock. This module
//! builds the channel dependency graph (CDG, Dally and Seitz) over every group's tree —
//! replayed from the tables, as the hardware will follow them — and checks it is
//! acyclic with a topological sort. Channels are the directed mesh links, each tile's
//! injection and ejection (Local) channels, and the host's input and output link. An
//! edge goes from the channel a packet arrives on at a router to every channel the
//! table sends it on there. Ejection channels (a tile's Local port, the host link out)
//! are sinks: tiles and the host always consume.
//!
//! It also checks the router's policy, the west-first turn model
//! ([`crate::route::turn_allowed`]): every plan spikeforge writes obeys it, and any set
//! of trees that does has an acyclic CDG, whatever the traffic.

use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::plan::{Plan, Port};
use crate::route::turn_allowed;
use crate::verify::{trace, FROM_HOST, FROM_TILE};

/// A channel of the mesh, as named in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Channel {
    /// The link leaving router `slot` towards mesh direction `dir` (N=0 E=1 S=2 W=3).
    Link {
        slot: u32,
        dir: u8,
    },
    /// Tile `slot` into its router.
    Inject {
        slot: u32,
    },
    /// Router `slot` into its tile (the Local port).
    Eject {
        slot: u32,
    },
    HostIn,
    HostOut,
}

struct Channels {
    w: u32,
    slots: u32,
}

impl Channels {
    fn id(&self, c: Channel) -> u32 {
        let n = self.slots;
        match c {
            Channel::Link { slot, dir } => slot * 4 + dir as u32,
            Channel::Inject { slot } => 4 * n + slot,
            Channel::Eject { slot } => 5 * n + slot,
            Channel::HostIn => 6 * n,
            Channel::HostOut => 6 * n + 1,
        }
    }

    fn count(&self) -> u32 {
        6 * self.slots + 2
    }

    fn name(&self, id: u32) -> String {
        let n = self.slots;
        let at = |s: u32| format!("({}, {})", s % self.w, s / self.w);
        if id < 4 * n {
            let dir = ["north", "east", "south", "west"][(id % 4) as usize];
            format!("link {} {dir}", at(id / 4))
        } else if id < 5 * n {
            format!("tile {} injection", at(id - 4 * n))
        } else if id < 6 * n {
            format!("tile {} ejection", at(id - 5 * n))
        } else if id == 6 * n {
            "host in".to_string()
        } else {
            "host out".to_string()
        }
    }
}

/// Every (input channel, output channel, group) dependency of the plan's trees, sorted
/// and deduplicated by channel pair (keeping the lowest group).
fn dependencies(plan: &Plan, ch: &Channels) -> Vec<(u32, u32, u32)> {
    let w = plan.width();
    let host_slot = plan.host.y * w + plan.host.x;
    let mut deps = Vec::new();
    for g in 0..plan.groups.len() {
        // Broken traces are reported by `verify` itself.
        let Ok(tr) = trace(plan, g) else { continue };
        for &(s, arrived, ports) in &tr.visits {
            let input = match arrived {
                FROM_TILE => Channel::Inject { slot: s },
                FROM_HOST => Channel::HostIn,
                d => {
                    let (dx, dy) = Port::MESH[d as usize].delta();
                    let from = (s as i64 - dx - dy * w as i64) as u32;
                    Channel::Link { slot: from, dir: d }
                }
            };
            for p in ports.iter() {
                let output = if p == Port::Local {
                    Channel::Eject { slot: s }
                } else if s == host_slot && p == plan.host.port {
                    Channel::HostOut
                } else {
                    Channel::Link {
                        slot: s,
                        dir: p as u8,
                    }
                };
                deps.push((ch.id(input), ch.id(output), g as u32));
            }
        }
    }
    deps.sort_unstable();
    deps.dedup_by_key(|d| (d.0, d.1));
    deps
}

/// Builds the channel dependency graph of the plan's routes and checks it is acyclic;
/// the error names one dependency cycle, channel by channel, with a group that makes
/// each dependency.
pub fn check_acyclic(plan: &Plan) -> Result<(), String> {
    let ch = Channels {
        w: plan.width(),
        slots: plan.width() * plan.height(),
    };
    let deps = dependencies(plan, &ch);
    let mut g: DiGraph<(), u32, u32> = DiGraph::with_capacity(ch.count() as usize, deps.len());
    for _ in 0..ch.count() {
        g.add_node(());
    }
    for &(a, b, group) in &deps {
        g.add_edge(
            NodeIndex::new(a as usize),
            NodeIndex::new(b as usize),
            group,
        );
    }
    let Err(cycle) = toposort(&g, None) else {
        return Ok(());
    };
    // The shortest cycle through the node toposort stopped at, by breadth-first search.
    let start = cycle.node_id();
    let mut prev: Vec<Option<(NodeIndex<u32>, u32)>> = vec![None; g.node_count()];
    let mut queue = std::collections::VecDeque::from([start]);
    let mut closing = None;
    'bfs: while let Some(v) = queue.pop_front() {
        for e in g.edges(v) {
            use petgraph::visit::EdgeRef;
            let u = e.target();
            if u == start {
                closing = Some((v, *e.weight()));
                break 'bfs;
            }
            if prev[u.index()].is_none() {
                prev[u.index()] = Some((v, *e.weight()));
                queue.push_back(u);
            }
        }
    }
    let mut steps = Vec::new();
    if let Some((mut v, group)) = closing {
        steps.push(format!("{} (group {group})", ch.name(start.index() as u32)));
        while v != start {
            let (p, group) = prev[v.index()].expect("on the search tree");
            steps.push(format!("{} (group {group})", ch.name(v.index() as u32)));
            v = p;
        }
        steps.push(ch.name(start.index() as u32));
        steps.reverse();
    }
    Err(format!(
        "routes can deadlock: the channel dependency graph has a cycle: {}",
        if steps.is_empty() {
            ch.name(start.index() as u32)
        } else {
            steps.join(" -> ")
        }
    ))
}

/// Every turn of every tree that the west-first turn model forbids (a U-turn, or a
/// turn into west from north or south), one message per (group, router).
pub fn turn_violations(plan: &Plan) -> Vec<String> {
    let w = plan.width();
    let host_slot = plan.host.y * w + plan.host.x;
    let mut errs = Vec::new();
    let names = ["north", "east", "south", "west"];
    for g in 0..plan.groups.len() {
        let Ok(tr) = trace(plan, g) else { continue };
        for &(s, arrived, ports) in &tr.visits {
            let from = (arrived < 4).then_some(arrived as usize);
            for p in ports.iter() {
                if p == Port::Local || (s == host_slot && p == plan.host.port) {
                    continue; // ejection: a sink
                }
                if !turn_allowed(from, p as usize) {
                    errs.push(format!(
                        "group {g}: at router ({}, {}) a {}-going packet turns {}, which the \
                         west-first turn model forbids",
                        s % w,
                        s / w,
                        names[from.expect("injection may go anywhere")],
                        names[p as usize]
                    ));
                    break;
                }
            }
        }
    }
    errs
}
