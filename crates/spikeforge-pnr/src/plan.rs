//! The physical plan: the one artefact place and route hands to the Verilog emitter and
//! the cycle-accurate simulator (written as `plan.json`; format in docs/plan-format.md).
//!
//! Invariant: a `Plan` is plain data in a canonical order (vectors sorted by id or key,
//! no hash maps), so serialising the same plan twice gives byte-identical JSON.

use serde::{Deserialize, Serialize};

/// Version of the plan format; bumped on any incompatible change.
pub const PLAN_FORMAT: u32 = 1;

/// How tiles are put on the mesh.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placer {
    /// Sequential fill, row-major (as PACMAN and the Catalyst N1 SDK do).
    Seq,
    /// Uniformly random slots.
    Random,
    /// Hilbert-curve start refined by simulated annealing (the default).
    Anneal,
}

impl Placer {
    pub const ALL: [Placer; 3] = [Placer::Seq, Placer::Random, Placer::Anneal];

    pub fn as_str(self) -> &'static str {
        match self {
            Placer::Seq => "seq",
            Placer::Random => "random",
            Placer::Anneal => "anneal",
        }
    }

    pub fn parse(s: &str) -> Option<Placer> {
        Placer::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// How multicast trees are built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouterKind {
    /// Dimension-order: X first, then Y; the union of a source's paths is its tree.
    Xy,
    /// Steiner-tree heuristic (A* towards the growing tree) with negotiated congestion
    /// and routing-table pressure (the default).
    Congestion,
}

impl RouterKind {
    pub const ALL: [RouterKind; 2] = [RouterKind::Xy, RouterKind::Congestion];

    pub fn as_str(self) -> &'static str {
        match self {
            RouterKind::Xy => "xy",
            RouterKind::Congestion => "congestion",
        }
    }

    pub fn parse(s: &str) -> Option<RouterKind> {
        RouterKind::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// One of the five ports of a router.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Port {
    /// Towards y - 1.
    North,
    /// Towards x + 1.
    East,
    /// Towards y + 1.
    South,
    /// Towards x - 1 (at the host tile, to and from the host).
    West,
    /// Into the tile's own axon lookup.
    Local,
}

impl Port {
    pub const ALL: [Port; 5] = [
        Port::North,
        Port::East,
        Port::South,
        Port::West,
        Port::Local,
    ];
    pub const MESH: [Port; 4] = [Port::North, Port::East, Port::South, Port::West];

    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// (dx, dy) of a mesh port.
    pub fn delta(self) -> (i64, i64) {
        match self {
            Port::North => (0, -1),
            Port::East => (1, 0),
            Port::South => (0, 1),
            Port::West => (-1, 0),
            Port::Local => (0, 0),
        }
    }
}

/// A set of output ports, a bit per [`Port`] (bit 0 north … bit 4 local). Serialised as a
/// list of port names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ports(pub u8);

impl Ports {
    pub fn contains(self, p: Port) -> bool {
        self.0 & p.bit() != 0
    }

    pub fn insert(&mut self, p: Port) {
        self.0 |= p.bit();
    }

    pub fn iter(self) -> impl Iterator<Item = Port> {
        Port::ALL.into_iter().filter(move |p| self.contains(*p))
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl Serialize for Ports {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Ports {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Vec::<Port>::deserialize(d)?;
        let mut p = Ports::default();
        for x in v {
            p.insert(x);
        }
        Ok(p)
    }
}

/// The capacities the plan was made for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanHardware {
    pub tile_neurons: u32,
    pub tile_axons: u32,
    pub table_entries: u32,
}

/// Routing keys: `key = (group << group_shift) | index_in_group`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyLayout {
    pub group_shift: u32,
}

impl KeyLayout {
    pub fn key(self, group: u32, index: u32) -> u32 {
        (group << self.group_shift) | index
    }

    pub fn group_of(self, key: u32) -> u32 {
        key.checked_shr(self.group_shift).unwrap_or(0)
    }

    pub fn index_of(self, key: u32) -> u32 {
        key & !self.group_mask()
    }

    /// Mask selecting the group bits of a key.
    pub fn group_mask(self) -> u32 {
        u32::MAX.checked_shl(self.group_shift).unwrap_or(0)
    }
}

/// Where the host (external inputs, output spikes) meets the mesh.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Host {
    pub x: u32,
    pub y: u32,
    /// The boundary port of router (x, y) the host link uses.
    pub port: Port,
}

/// LIF parameters of a population, as the tile's neuron controller needs them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeuronParams {
    pub threshold: i64,
    pub leak_shift: u32,
    /// `zero` or `subtract`.
    pub reset: String,
    pub refractory: u32,
    pub membrane_bits: u32,
}

/// A population of the design.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanPopulation {
    pub name: String,
    pub neurons: u32,
    /// Whether its spikes leave the mesh to the host (an output population).
    pub output: bool,
    pub params: NeuronParams,
}

/// A spike input of the design; its channels are split into groups of at most
/// `2^group_shift` consecutive channels, injected by the host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanInput {
    pub name: String,
    pub channels: u32,
    /// Groups `first_group ..= first_group + ceil(channels / 2^group_shift) - 1`.
    pub first_group: u32,
}

/// Where a group's spikes come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GroupSource {
    /// Channels `first .. first + count` of input `input`, injected at the host.
    Input { input: u32 },
    /// Neurons `first .. first + count` of population `population`, living in `tile`.
    Population { population: u32, tile: u32 },
}

/// A routing source group: consecutive lines of one input or one population slice that
/// share one key prefix and one multicast tree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub id: u32,
    /// Key of line `first` (index 0 in the group).
    pub key: u32,
    #[serde(flatten)]
    pub source: GroupSource,
    pub first: u32,
    pub count: u32,
    /// Estimated spikes per tick the group sends (sum of its lines' rates).
    pub traffic: f64,
    /// Tiles holding an axon row for some key of the group, ascending.
    pub targets: Vec<u32>,
    /// Whether the group's spikes are also routed to the host (output population).
    pub to_host: bool,
}

/// A run of neurons of one population held by a tile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slice {
    pub population: u32,
    /// First neuron (population index) of the run.
    pub first: u32,
    pub count: u32,
    /// Local neuron index of `first` in the tile.
    pub local: u32,
    /// The routing group of the slice's spikes.
    pub group: u32,
    pub params: NeuronParams,
}

/// One synapse of an axon row: local neuron and weight (the sum of every crossbar
/// weight between that source line and that neuron, wrapped to the neuron's
/// `membrane_bits`, which the semantics make equivalent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Synapse(pub u32, pub i32);

/// One tile: its neurons, its axon rows and their weights.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tile {
    pub id: u32,
    pub x: u32,
    pub y: u32,
    pub neurons: u32,
    pub slices: Vec<Slice>,
    /// The key each axon row listens to, ascending (row r listens to `axon_keys[r]`).
    pub axon_keys: Vec<u32>,
    /// Row r's synapses are `synapses[axon_start[r] .. axon_start[r + 1]]`; len = rows + 1.
    pub axon_start: Vec<u32>,
    /// Synapses of all rows, row by row, each row ascending by local neuron.
    pub synapses: Vec<Synapse>,
}

impl Tile {
    pub fn axons(&self) -> usize {
        self.axon_keys.len()
    }

    pub fn row(&self, r: usize) -> &[Synapse] {
        &self.synapses[self.axon_start[r] as usize..self.axon_start[r + 1] as usize]
    }
}

/// A routing-table entry: a packet whose key `k` has `k & mask == key` is copied to
/// every port of `ports`. Entries of one router never overlap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    pub key: u32,
    pub mask: u32,
    pub ports: Ports,
}

impl Entry {
    pub fn matches(&self, key: u32) -> bool {
        key & self.mask == self.key
    }
}

/// The routing table of the router at (x, y), entries ascending by key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Router {
    pub x: u32,
    pub y: u32,
    pub entries: Vec<Entry>,
}

impl Router {
    /// The entry matching `key` (entries are disjoint and sorted by key).
    pub fn lookup(&self, key: u32) -> Option<&Entry> {
        let i = self.entries.partition_point(|e| e.key <= key);
        let e = self.entries.get(i.checked_sub(1)?)?;
        e.matches(key).then_some(e)
    }
}

/// The physical plan of a design.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format: u32,
    pub design: String,
    pub placer: Placer,
    pub router: RouterKind,
    pub seed: u64,
    /// [W, H].
    pub mesh: [u32; 2],
    pub hardware: PlanHardware,
    pub keys: KeyLayout,
    pub host: Host,
    pub inputs: Vec<PlanInput>,
    pub populations: Vec<PlanPopulation>,
    /// Ascending by id (= index).
    pub groups: Vec<Group>,
    /// Ascending by id (= index).
    pub tiles: Vec<Tile>,
    /// Routers with at least one entry, ascending by (y, x).
    pub routers: Vec<Router>,
}

impl Plan {
    pub fn width(&self) -> u32 {
        self.mesh[0]
    }

    pub fn height(&self) -> u32 {
        self.mesh[1]
    }

    /// Serialises as compact JSON, one line (canonical: same plan, same bytes).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string(self).expect("plans always serialise");
        s.push('\n');
        s
    }

    /// The router at (x, y), if it has entries.
    pub fn router_at(&self, x: u32, y: u32) -> Option<&Router> {
        self.routers
            .binary_search_by_key(&(y, x), |r| (r.y, r.x))
            .ok()
            .map(|i| &self.routers[i])
    }
}
