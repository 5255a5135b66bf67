//! The flattened list of visible rows and how it is kept current: a walk over the tree
//! (expanded nodes, or everything a filter keeps, in the chosen order) done a slice per
//! frame under a time budget.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use super::{SortMode, TreeView};
use crate::model::filter::{FilterField, FilterSpec, TopicFilter};
use crate::model::topic_path::natural_cmp;
use crate::model::{NodeId, Store, TopicTree};

/// How often (seconds) rows that depend on the filter or the sort are rebuilt while the
/// tree keeps changing; at least twice as long as the last rebuild took, so a walk over a
/// huge tree takes at most half of the frames' budget.
const FILTER_REBUILD_INTERVAL: f64 = 0.5;
/// Longest a frame spends building rows; a bigger walk goes on in the next frame.
pub(super) const BUILD_BUDGET: Duration = Duration::from_millis(4);

/// One visible row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Row {
    pub(super) id: NodeId,
    pub(super) depth: usize,
}

/// What the rows depend on besides the tree's contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Shape {
    expansion_version: u64,
    filter: FilterSpec,
    sort: SortMode,
}

/// A walk over the tree that builds rows, a slice at a time.
pub(super) struct Build {
    shape: Shape,
    tree_version: u64,
    /// The tree's node and removal counts when the walk started.
    follow: (usize, u64),
    pub(super) filter: Option<TopicFilter>,
    rows: Vec<Row>,
    stack: Vec<Frame>,
    /// The path of the node on top of the stack (only kept when filtering).
    path: String,
    /// Nodes visited so far.
    pub(super) visited: usize,
    /// When it started (store clock).
    started: f64,
}

struct Frame {
    /// Children to visit, in display order (a copy: the tree may change between slices).
    children: Vec<NodeId>,
    next: usize,
    row_pos: usize,
    path_len: usize,
    matched: bool,
}

impl Build {
    fn new(tree: &TopicTree, shape: Shape, filter: Option<TopicFilter>, now: f64) -> Self {
        let root = Frame {
            children: shape.sort.order(tree, tree.node(NodeId::ROOT).children()),
            next: 0,
            row_pos: 0,
            path_len: 0,
            matched: false,
        };
        Self {
            shape,
            tree_version: tree.version(),
            follow: (tree.len(), tree.removals()),
            filter,
            rows: Vec::new(),
            stack: vec![root],
            path: String::new(),
            visited: 0,
            started: now,
        }
    }

    /// Walks on until done (true) or past `deadline` (false). Nothing recursive, so
    /// 1,000 levels are fine. With a filter, a node's row stays if it matches or a row
    /// below it stayed (all shown expanded); without, rows follow the expanded nodes.
    fn step(&mut self, tree: &TopicTree, expanded: &HashSet<NodeId>, deadline: Instant) -> bool {
        let filtering = self.filter.is_some();
        let mut steps = 0u32;
        while let Some(frame) = self.stack.last_mut() {
            steps += 1;
            if steps.is_multiple_of(64) && Instant::now() > deadline {
                return false;
            }
            let Some(&id) = frame.children.get(frame.next) else {
                // All children done: leave the node.
                let Some(done) = self.stack.pop() else { break };
                if self.stack.is_empty() {
                    break; // the root
                }
                self.path.truncate(done.path_len);
                if filtering && !done.matched && self.rows.len() == done.row_pos + 1 {
                    self.rows.truncate(done.row_pos);
                }
                continue;
            };
            frame.next += 1;
            if tree.is_removed(id) {
                continue;
            }
            self.visited += 1;
            let depth = self.stack.len() - 1;
            let node = tree.node(id);
            let path_len = self.path.len();
            let matched = match &self.filter {
                None => true,
                Some(f) => {
                    if depth > 0 {
                        self.path.push('/');
                    }
                    self.path.push_str(node.name());
                    let payload = if f.reads_payloads() {
                        node.history().and_then(|h| h.latest()).map(|m| &m.payload)
                    } else {
                        None
                    };
                    f.matches(&self.path, payload)
                }
            };
            let row_pos = self.rows.len();
            self.rows.push(Row { id, depth });
            let open = filtering || expanded.contains(&id);
            if open && !node.children().is_empty() {
                self.stack.push(Frame {
                    children: self.shape.sort.order(tree, node.children()),
                    next: 0,
                    row_pos,
                    path_len,
                    matched,
                });
            } else {
                self.path.truncate(path_len);
                if !matched {
                    self.rows.truncate(row_pos);
                }
            }
        }
        true
    }
}

impl TreeView {
    /// Keeps the rows current: starts a rebuild when what they depend on changed, and
    /// takes the rebuild a step further within `budget`.
    pub(super) fn refresh_rows(&mut self, store: &Store, budget: Duration) {
        let tree = store.tree();
        let shape = Shape {
            expansion_version: self.expansion_version,
            filter: self.filter.clone(),
            sort: self.sort,
        };
        let building_this = self.build.as_ref().is_some_and(|b| b.shape == shape);
        if self.failed.as_ref() != Some(&shape) {
            self.failed = None;
        }
        if !building_this && self.failed.is_none() {
            let needed = match &self.rows_shape {
                None => true,
                Some((old, _)) if *old != shape => true,
                Some((_, version)) => {
                    // Same shape: only the tree's contents changed.
                    let name_order = shape.sort == SortMode::Name;
                    let changed = *version != tree.version()
                        || !name_order
                        || self.filter.field != FilterField::Topic;
                    let plain = name_order && shape.filter.is_empty();
                    let interval = FILTER_REBUILD_INTERVAL.max(2.0 * self.build_seconds);
                    // Plain rows take new topics one by one: nothing is walked again for
                    // a topic that appears under a collapsed branch.
                    let added = changed && plain && self.add_created_rows(tree);
                    if added {
                        self.rows_shape = Some((shape.clone(), tree.version()));
                    }
                    !added && changed && (plain || store.now() - self.built_at >= interval)
                }
            };
            if needed {
                let filter = match TopicFilter::new(&shape.filter) {
                    Ok(f) => {
                        self.filter_error = None;
                        f
                    }
                    Err(e) => {
                        // Keep showing what was shown; say what is wrong.
                        self.filter_error = Some(e);
                        self.failed = Some(shape);
                        self.build = None;
                        return;
                    }
                };
                self.build = Some(Build::new(tree, shape, filter, store.now()));
            }
        }
        let Some(build) = &mut self.build else { return };
        if build.step(tree, &self.expanded, Instant::now() + budget)
            && let Some(done) = self.build.take()
        {
            self.rows = done.rows;
            self.rows_filtered = done.filter.is_some();
            self.rows_shape = Some((done.shape, done.tree_version));
            self.rows_follow = done.follow;
            self.built_at = store.now();
            self.build_seconds = store.now() - done.started;
        }
    }
}

/// More new rows than this in one frame: walking the tree again is cheaper than inserting
/// them one by one.
const MOST_ADDED_ROWS: usize = 64;

impl TreeView {
    /// Adds the rows of nodes created since the rows were made, in place (unsorted,
    /// unfiltered rows only). False when that cannot be done: a node was removed, or too
    /// many rows would be added; then the rows are built again.
    fn add_created_rows(&mut self, tree: &TopicTree) -> bool {
        let (len, removals) = self.rows_follow;
        if tree.removals() != removals || tree.len() < len {
            return false;
        }
        let mut added = 0;
        for id in tree.created_since(len) {
            if tree.is_removed(id) {
                continue;
            }
            let node = tree.node(id);
            let parent = node.parent();
            // Shown only below a visible, expanded parent (or at the first level).
            let (start, depth) = if parent == NodeId::ROOT {
                (0, 0)
            } else if !self.expanded.contains(&parent) {
                continue;
            } else {
                match self.rows.iter().position(|r| r.id == parent) {
                    Some(p) => (p + 1, self.rows[p].depth + 1),
                    None => continue,
                }
            };
            // Among the parent's rows, its children's are in name order: the new row goes
            // before the first that sorts after it (a walk under way may have added it).
            let mut at = start;
            let mut place = None;
            while at < self.rows.len() && self.rows[at].depth >= depth {
                let row = self.rows[at];
                if row.depth == depth {
                    match natural_cmp(tree.node(row.id).name(), node.name()) {
                        std::cmp::Ordering::Equal => break,
                        std::cmp::Ordering::Greater => {
                            place = Some(at);
                            break;
                        }
                        std::cmp::Ordering::Less => {}
                    }
                }
                at += 1;
            }
            if at < self.rows.len() && self.rows[at].depth == depth && self.rows[at].id == id {
                continue; // already there
            }
            added += 1;
            if added > MOST_ADDED_ROWS {
                return false;
            }
            self.rows.insert(place.unwrap_or(at), Row { id, depth });
        }
        self.rows_follow = (tree.len(), removals);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::filter::FilterMode;

    fn tree(topics: &[&str]) -> TopicTree {
        let mut t = TopicTree::default();
        for topic in topics {
            t.ensure(topic);
        }
        t
    }

    fn names(t: &TopicTree, rows: &[Row]) -> Vec<String> {
        rows.iter()
            .map(|r| format!("{}{}", " ".repeat(r.depth), t.node(r.id).name()))
            .collect()
    }

    fn shape(filter: FilterSpec, sort: SortMode) -> Shape {
        Shape {
            expansion_version: 0,
            filter,
            sort,
        }
    }

    fn build(
        t: &TopicTree,
        expanded: &HashSet<NodeId>,
        filter: FilterSpec,
        sort: SortMode,
    ) -> Vec<String> {
        let compiled = TopicFilter::new(&filter).unwrap();
        let mut b = Build::new(t, shape(filter, sort), compiled, 0.0);
        assert!(b.step(t, expanded, Instant::now() + Duration::from_secs(60)));
        names(t, &b.rows)
    }

    fn text(s: &str) -> FilterSpec {
        FilterSpec {
            text: s.into(),
            ..FilterSpec::default()
        }
    }

    /// The rows a full walk makes of `t` with `expanded`.
    fn walked(t: &TopicTree, expanded: &HashSet<NodeId>) -> Vec<Row> {
        let mut b = Build::new(t, shape(text(""), SortMode::Name), None, 0.0);
        assert!(b.step(t, expanded, Instant::now() + Duration::from_secs(60)));
        b.rows
    }

    #[test]
    fn new_topics_are_added_to_the_rows_as_a_full_walk_would_place_them() {
        let mut t = tree(&["a/x", "b/y", "a/k/1"]);
        let mut v = TreeView::default();
        v.set_expanded(t.find("a").unwrap(), true);
        v.set_expanded(t.find("a/k").unwrap(), true);
        v.rows = walked(&t, &v.expanded);
        v.rows_follow = (t.len(), t.removals());
        // A deterministic spread of topics: under expanded, collapsed and new branches,
        // before, between and after existing siblings, deep ones, and repeats.
        let mut seed = 7u64;
        for round in 0..60 {
            for _ in 0..3 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let first = ["a", "b", "c", "0", "z"][(seed >> 33) as usize % 5];
                let second = ["k", "x", "m", "1", "10", "2"][(seed >> 40) as usize % 6];
                let third = (seed >> 50) % 4;
                t.ensure(&format!("{first}/{second}/{third}"));
            }
            if round % 10 == 9 {
                // The user opens a branch meanwhile: that is a rebuild, as before.
                let c = t.find("c").unwrap_or(NodeId::ROOT);
                v.set_expanded(c, true);
                v.rows = walked(&t, &v.expanded);
                v.rows_follow = (t.len(), t.removals());
                continue;
            }
            assert!(v.add_created_rows(&t), "round {round}");
            assert_eq!(
                names(&t, &v.rows),
                names(&t, &walked(&t, &v.expanded)),
                "round {round}"
            );
        }
        // A removal is not followed one by one: the rows are built again.
        let gone = t.find("b/y").unwrap();
        t.remove_topic(gone);
        assert!(!v.add_created_rows(&t));
    }

    #[test]
    fn collapsed_tree_shows_first_levels_only() {
        let t = tree(&["b/x", "a/y", "a/z"]);
        let none = HashSet::new();
        assert_eq!(build(&t, &none, text(""), SortMode::Name), ["a", "b"]);
        let a = t.find("a").unwrap();
        assert_eq!(
            build(&t, &HashSet::from([a]), text(""), SortMode::Name),
            ["a", " y", " z", "b"]
        );
    }

    #[test]
    fn filter_keeps_matches_and_their_ancestors() {
        let t = tree(&[
            "home/kitchen/temp",
            "home/hall/light",
            "office/Temp",
            "other",
        ]);
        let none = HashSet::new();
        let rows = |f: FilterSpec| build(&t, &none, f, SortMode::Name);
        assert_eq!(
            rows(text("temp")),
            ["home", " kitchen", "  temp", "office", " Temp"]
        );
        assert_eq!(rows(text("home/h")), ["home", " hall", "  light"]);
        assert!(rows(text("nothing")).is_empty());
        // With + or #, an MQTT filter: exact levels, exact case.
        assert_eq!(rows(text("home/+/temp")), ["home", " kitchen", "  temp"]);
        assert_eq!(rows(text("office/#")), ["office", " Temp"]);
        assert_eq!(rows(text("+/Temp")), ["office", " Temp"]);
        let case = FilterSpec {
            case_sensitive: true,
            ..text("Temp")
        };
        assert_eq!(rows(case), ["office", " Temp"]);
        let regex = FilterSpec {
            mode: FilterMode::Regex,
            ..text("^h.*t$")
        };
        assert_eq!(rows(regex), ["home", " hall", "  light"]);
    }

    #[test]
    fn filter_walks_a_thousand_levels() {
        let deep = vec!["l"; 1000].join("/") + "/needle";
        let t = tree(&[&deep, "x"]);
        assert_eq!(
            build(&t, &HashSet::new(), text("needle"), SortMode::Name).len(),
            1001
        );
    }

    #[test]
    fn sort_modes_order_each_level() {
        let mut t = tree(&["s/sensor10", "s/sensor2", "s/sensor1", "busy/a", "busy/b"]);
        let count = |t: &mut TopicTree, topic: &str, n: usize, at: f64| {
            let id = t.find(topic).unwrap();
            for i in 0..n {
                t.count_message(id, i == 0, false, at);
            }
        };
        count(&mut t, "s/sensor2", 5, 1.0);
        count(&mut t, "s/sensor10", 1, 3.0);
        count(&mut t, "s/sensor1", 2, 2.0);
        count(&mut t, "busy/a", 1, 0.5);
        count(&mut t, "busy/b", 1, 0.5);
        let open: HashSet<NodeId> = [t.find("s").unwrap(), t.find("busy").unwrap()].into();
        let rows = |sort| build(&t, &open, text(""), sort);
        assert_eq!(
            rows(SortMode::Name),
            ["busy", " a", " b", "s", " sensor1", " sensor2", " sensor10"]
        );
        assert_eq!(
            rows(SortMode::Messages),
            ["s", " sensor2", " sensor1", " sensor10", "busy", " a", " b"]
        );
        assert_eq!(
            rows(SortMode::Recent),
            ["s", " sensor10", " sensor1", " sensor2", "busy", " a", " b"]
        );
        assert_eq!(
            rows(SortMode::Topics),
            ["s", " sensor1", " sensor2", " sensor10", "busy", " a", " b"]
        );
    }

    #[test]
    fn a_walk_in_slices_gives_the_same_rows() {
        let topics: Vec<String> = (0..5000).map(|i| format!("f/{}/t{}", i % 37, i)).collect();
        let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
        let t = tree(&refs);
        let whole = build(&t, &HashSet::new(), text("t1"), SortMode::Name);
        let filter = TopicFilter::new(&text("t1")).unwrap();
        let mut b = Build::new(&t, shape(text("t1"), SortMode::Name), filter, 0.0);
        let mut slices = 0;
        // A deadline already past: each call does one small slice.
        while !b.step(&t, &HashSet::new(), Instant::now()) {
            slices += 1;
        }
        assert!(slices > 5, "{slices}");
        assert_eq!(names(&t, &b.rows), whole);
        assert_eq!(b.visited, t.len() - 1);
    }
}
