//! The topic tree: an arena of nodes, one per topic level, with counts kept on insert.
//!
//! Inserting a message costs O(depth · log fan-out); nothing is ever recounted over the
//! whole tree, so the UI can read counts of any node at any time for free.

use super::history::TopicHistory;
use super::topic_path::{levels, natural_cmp};

/// Index of a node in the tree's arena. Nodes stay in the arena when their topic is removed
/// (marked removed, their id never reused), so ids stay valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(u32);

/// Topics with their full names, as the retained clean-ups take them.
pub type TopicList = Vec<(NodeId, String)>;

impl NodeId {
    /// The invisible root above every first level.
    pub const ROOT: NodeId = NodeId(0);

    fn index(self) -> usize {
        self.0 as usize
    }

    #[cfg(test)]
    pub(crate) fn from_index(i: u32) -> Self {
        Self(i)
    }
}

/// One topic level.
#[derive(Debug)]
pub struct Node {
    /// This level's name, exactly as in the topic (may be empty).
    name: compact_str::CompactString,
    /// The level above (for a removed node, the level it was under); the root's parent is
    /// the root. Always a lower id, so walks up the tree end.
    parent: NodeId,
    /// Children sorted by name, found by binary search.
    children: thin_vec::ThinVec<NodeId>,
    /// Messages received on this topic and every topic below it.
    messages: u64,
    /// Topics (levels that received a message) strictly below this node.
    topics_below: u32,
    /// Messages received on exactly this topic (not capped by history).
    own_messages: u64,
    /// Store clock (seconds) of the last message at or below, for the update flash.
    updated_at: f32,
    /// Store clock (seconds) of the last message on exactly this topic.
    topic_updated_at: f32,
    /// Whether the last message on exactly this topic was retained.
    retained: bool,
    /// Whether the node was unlinked from the tree (see [`TopicTree::remove_topic`]).
    removed: bool,
    /// Messages on exactly this topic; `None` for levels that only exist as a path.
    pub(crate) history: Option<Box<TopicHistory>>,
}

impl Node {
    fn new(name: &str, parent: NodeId) -> Self {
        Self {
            name: name.into(),
            parent,
            children: thin_vec::ThinVec::new(),
            messages: 0,
            topics_below: 0,
            own_messages: 0,
            updated_at: f32::NEG_INFINITY,
            topic_updated_at: f32::NEG_INFINITY,
            retained: false,
            removed: false,
            history: None,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn parent(&self) -> NodeId {
        self.parent
    }

    pub fn children(&self) -> &[NodeId] {
        &self.children
    }

    pub fn messages(&self) -> u64 {
        self.messages
    }

    pub fn topics_below(&self) -> u32 {
        self.topics_below
    }

    pub fn own_messages(&self) -> u64 {
        self.own_messages
    }

    pub fn updated_at(&self) -> f64 {
        f64::from(self.updated_at)
    }

    /// When a message last arrived on exactly this topic (store clock, seconds).
    pub fn topic_updated_at(&self) -> f64 {
        f64::from(self.topic_updated_at)
    }

    pub fn is_retained(&self) -> bool {
        self.retained
    }

    /// Whether a message was ever received on exactly this topic.
    pub fn is_topic(&self) -> bool {
        self.history.is_some()
    }

    pub fn history(&self) -> Option<&TopicHistory> {
        self.history.as_deref()
    }
}

/// All topics seen, as a tree of levels.
#[derive(Debug)]
pub struct TopicTree {
    nodes: Vec<Node>,
    /// Bumped whenever a node is added or removed, so views can cache their row lists.
    version: u64,
    /// Bumped whenever a node is removed: views that follow additions alone (nodes are
    /// only ever appended to the arena) rebuild when it moves.
    removals: u64,
    /// Number of nodes that are topics.
    topics: usize,
}

impl Default for TopicTree {
    fn default() -> Self {
        Self {
            nodes: vec![Node::new("", NodeId::ROOT)],
            version: 0,
            removals: 0,
            topics: 0,
        }
    }
}

impl TopicTree {
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    pub(crate) fn node_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self.nodes[id.index()]
    }

    /// Every topic's history, for changing limits.
    pub(crate) fn histories_mut(&mut self) -> impl Iterator<Item = &mut TopicHistory> {
        self.nodes
            .iter_mut()
            .filter_map(|n| n.history.as_deref_mut())
    }

    /// Nodes in the arena, root included.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.len() == 1
    }

    /// Number of topics that received at least one message.
    pub fn topic_count(&self) -> usize {
        self.topics
    }

    /// Changes whenever nodes are added.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Changes whenever nodes are removed.
    pub fn removals(&self) -> u64 {
        self.removals
    }

    /// Nodes created since the arena held `len` nodes, oldest first (a parent before its
    /// children); some may have been removed since.
    pub fn created_since(&self, len: usize) -> impl Iterator<Item = NodeId> + '_ {
        (len.min(self.nodes.len())..self.nodes.len())
            .map(|i| NodeId(u32::try_from(i).unwrap_or(u32::MAX)))
    }

    /// The child of `parent` called `name`, if any.
    pub fn child(&self, parent: NodeId, name: &str) -> Option<NodeId> {
        let children = &self.node(parent).children;
        children
            .binary_search_by(|&c| natural_cmp(self.node(c).name.as_str(), name))
            .ok()
            .map(|i| children[i])
    }

    /// The node for `topic`, if it exists.
    pub fn find(&self, topic: &str) -> Option<NodeId> {
        levels(topic).try_fold(NodeId::ROOT, |at, level| self.child(at, level))
    }

    /// The node for `topic`, created with any missing levels above it.
    pub fn ensure(&mut self, topic: &str) -> NodeId {
        let mut at = NodeId::ROOT;
        for level in levels(topic) {
            let children = &self.node(at).children;
            at = match children
                .binary_search_by(|&c| natural_cmp(self.node(c).name.as_str(), level))
            {
                Ok(i) => children[i],
                Err(i) => {
                    let id = NodeId(u32::try_from(self.nodes.len()).unwrap_or(u32::MAX));
                    self.nodes.push(Node::new(level, at));
                    self.nodes[at.index()].children.insert(i, id);
                    self.version += 1;
                    id
                }
            };
        }
        at
    }

    /// Counts one message on `id` into it and every node above; `new_topic` when `id`
    /// just became a topic. O(depth).
    pub(crate) fn count_message(&mut self, id: NodeId, new_topic: bool, retained: bool, now: f64) {
        if new_topic {
            self.topics += 1;
        }
        let node = self.node_mut(id);
        node.own_messages += 1;
        node.retained = retained;
        node.topic_updated_at = now as f32;
        let mut at = id;
        loop {
            let node = self.node_mut(at);
            node.messages += 1;
            node.updated_at = now as f32;
            if new_topic && at != id {
                node.topics_below += 1;
            }
            if at == NodeId::ROOT {
                break;
            }
            at = node.parent;
        }
    }

    /// Drops the messages of topic `id` and unlinks it, and every level above it left with
    /// neither messages nor children, from the tree, and marks them removed (walks from
    /// them then return `None`); counts above are corrected. A node that still has children
    /// stays as a path. Returns the history it held.
    pub(crate) fn remove_topic(&mut self, id: NodeId) -> Option<Box<TopicHistory>> {
        if id == NodeId::ROOT || self.is_removed(id) {
            return None;
        }
        let node = self.node_mut(id);
        let history = node.history.take();
        let own = std::mem::take(&mut node.own_messages);
        node.retained = false;
        let was_topic = history.is_some();
        if was_topic {
            self.topics -= 1;
        }
        let mut at = id;
        loop {
            let node = self.node_mut(at);
            node.messages = node.messages.saturating_sub(own);
            if was_topic && at != id {
                node.topics_below = node.topics_below.saturating_sub(1);
            }
            if at == NodeId::ROOT {
                break;
            }
            at = node.parent;
        }
        let mut at = id;
        while at != NodeId::ROOT
            && self.node(at).children.is_empty()
            && self.node(at).history.is_none()
        {
            let parent = self.node(at).parent;
            let name = self.node(at).name.clone();
            let siblings = &self.nodes[parent.index()].children;
            if let Ok(i) =
                siblings.binary_search_by(|&c| natural_cmp(self.node(c).name.as_str(), &name))
            {
                self.nodes[parent.index()].children.remove(i);
            }
            self.node_mut(at).removed = true;
            at = parent;
        }
        self.version += 1;
        self.removals += 1;
        history
    }

    /// Whether `id` was removed from the tree (its id is never reused).
    pub fn is_removed(&self, id: NodeId) -> bool {
        self.node(id).removed
    }

    /// Topics at or below `id` whose last message was retained, with their full topics
    /// (none below a removed `id`).
    pub fn retained_below(&self, id: NodeId) -> Vec<(NodeId, String)> {
        let (retained, _) = self.topics_below(id);
        retained
    }

    /// Topics at or below `id` with their full topics: those whose last message was
    /// retained, and the others (none below a removed `id`).
    pub fn topics_below(&self, id: NodeId) -> (TopicList, TopicList) {
        let (mut retained, mut others) = (Vec::new(), Vec::new());
        let mut stack = vec![id];
        while let Some(at) = stack.pop() {
            let node = self.node(at);
            if node.is_topic()
                && let Some(path) = self.path(at)
            {
                if node.retained {
                    retained.push((at, path));
                } else {
                    others.push((at, path));
                }
            }
            stack.extend(node.children.iter().rev());
        }
        (retained, others)
    }

    /// The levels above `id`, nearest first, the root left out; `None` when `id` was
    /// removed (it is in the tree no more).
    pub fn ancestors(&self, id: NodeId) -> Option<impl Iterator<Item = NodeId> + '_> {
        if self.is_removed(id) {
            return None;
        }
        let above =
            std::iter::successors(Some(self.node(id).parent), |&at| Some(self.node(at).parent));
        Some(above.take_while(|&at| at != NodeId::ROOT))
    }

    /// The full topic of a node: its levels joined by `/`; `None` when it was removed.
    pub fn path(&self, id: NodeId) -> Option<String> {
        let above = self.ancestors(id)?;
        let mut names: Vec<&str> = std::iter::once(id)
            .filter(|&at| at != NodeId::ROOT)
            .chain(above)
            .map(|at| self.node(at).name.as_str())
            .collect();
        names.reverse();
        Some(names.join("/"))
    }

    /// Levels between the root and `id` (a first level has depth 0); `None` when it was
    /// removed.
    pub fn depth(&self, id: NodeId) -> Option<usize> {
        Some(self.ancestors(id)?.count())
    }

    /// Whether `ancestor` is `id` or above it (never, for a removed `id`).
    pub fn is_ancestor_or_self(&self, ancestor: NodeId, id: NodeId) -> bool {
        match self.ancestors(id) {
            None => false,
            Some(mut above) => {
                ancestor == id || ancestor == NodeId::ROOT || above.any(|at| at == ancestor)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ensure_creates_levels_once_and_keeps_them_sorted() {
        let mut t = TopicTree::default();
        let b = t.ensure("home/b");
        let a = t.ensure("home/a");
        assert_eq!(t.ensure("home/b"), b);
        let home = t.find("home").unwrap();
        assert_eq!(t.node(home).children(), [a, b]);
        assert_eq!(t.len(), 4);
        assert_eq!(t.path(b).as_deref(), Some("home/b"));
        assert_eq!(t.depth(b), Some(1));
    }

    #[test]
    fn odd_topics_keep_every_level() {
        let mut t = TopicTree::default();
        let x = t.ensure("a//b");
        assert_eq!(t.path(x).as_deref(), Some("a//b"));
        assert_eq!(t.depth(x), Some(2));
        let y = t.ensure("/lead");
        assert_eq!(t.node(t.node(y).parent()).name(), "");
        assert_eq!(t.path(y).as_deref(), Some("/lead"));
        let s = t.ensure("$SYS/broker/uptime");
        assert_eq!(t.path(s).as_deref(), Some("$SYS/broker/uptime"));
        assert_ne!(t.find("a/b"), Some(x));
    }

    #[test]
    fn thousand_levels_and_huge_names() {
        let mut t = TopicTree::default();
        let deep = vec!["l"; 1000].join("/");
        let id = t.ensure(&deep);
        assert_eq!(t.depth(id), Some(999));
        assert_eq!(t.path(id), Some(deep));
        let long = "n".repeat(64 * 1024);
        let id = t.ensure(&long);
        assert_eq!(t.node(id).name().len(), 64 * 1024);
    }

    #[test]
    fn removing_topics_fixes_counts_and_prunes_empty_levels() {
        let mut t = TopicTree::default();
        let x = t.ensure("a/b/x");
        t.count_message(x, true, true, 1.0);
        let y = t.ensure("a/y");
        t.count_message(y, true, false, 1.0);
        t.node_mut(x).history = Some(Box::default());
        t.node_mut(y).history = Some(Box::default());
        let a = t.find("a").unwrap();
        assert_eq!(t.retained_below(a).len(), 1);
        assert!(t.remove_topic(x).is_some());
        assert!(t.is_removed(x));
        assert!(t.find("a/b").is_none(), "the emptied level goes too");
        assert_eq!(t.node(a).messages(), 1);
        assert_eq!(t.node(a).topics_below(), 1);
        assert_eq!(t.topic_count(), 1);
        // A new message recreates the topic as a new node.
        let x2 = t.ensure("a/b/x");
        assert_ne!(x2, x);
        assert!(!t.is_removed(x2));
    }

    /// Runs `walk` on a named thread and waits at most 10 s for its result, so a walk that
    /// never ends fails the test instead of hanging it.
    fn ends<T: Send + 'static>(walk: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("tree-walk-test".into())
            .spawn(move || {
                let _ = tx.send(walk());
            })
            .unwrap();
        rx.recv_timeout(std::time::Duration::from_secs(10))
            .expect("a walk up the tree never ended")
    }

    #[test]
    fn walks_from_a_removed_node_end_with_none() {
        let (removed, live) = ends(|| {
            let mut t = TopicTree::default();
            let x = t.ensure("a/b/x");
            let b = t.find("a/b").unwrap();
            let keep = t.ensure("a/keep");
            for id in [x, keep] {
                t.count_message(id, true, true, 1.0);
                t.node_mut(id).history = Some(Box::default());
            }
            let a = t.find("a").unwrap();
            t.remove_topic(x);
            assert!(t.is_removed(x) && t.is_removed(b) && !t.is_removed(a));
            // The removed topic and the level removed with it, under a level that stays.
            let removed: Vec<_> = [x, b]
                .map(|id| {
                    (
                        t.path(id),
                        t.depth(id),
                        t.ancestors(id).is_none(),
                        t.is_ancestor_or_self(a, id),
                        t.is_ancestor_or_self(id, id),
                        t.retained_below(id),
                    )
                })
                .into();
            let live = (t.path(keep), t.depth(keep), t.is_ancestor_or_self(a, keep));
            (removed, live)
        });
        for walks in removed {
            assert_eq!(walks, (None, None, true, false, false, vec![]));
        }
        assert_eq!(live, (Some("a/keep".into()), Some(1), true));
    }

    #[test]
    fn counts_roll_up_on_insert() {
        let mut t = TopicTree::default();
        let x = t.ensure("a/b/x");
        t.count_message(x, true, false, 1.0);
        t.count_message(x, false, true, 2.0);
        let y = t.ensure("a/y");
        t.count_message(y, true, false, 3.0);
        let a = t.find("a").unwrap();
        let b = t.find("a/b").unwrap();
        assert_eq!(t.node(a).messages(), 3);
        assert_eq!(t.node(a).topics_below(), 2);
        assert_eq!(t.node(b).messages(), 2);
        assert_eq!(t.node(b).topics_below(), 1);
        assert_eq!(t.node(x).topics_below(), 0);
        assert_eq!(t.node(x).own_messages(), 2);
        assert!(t.node(x).is_retained());
        assert_eq!(t.node(a).updated_at(), 3.0);
        assert_eq!(t.node(NodeId::ROOT).messages(), 3);
        assert_eq!(t.topic_count(), 2);
    }

    #[test]
    fn a_node_stays_small() {
        // Per-topic memory is a benchmark figure (bytes_per_topic): names up to 24 bytes
        // live inside the node, children behind one pointer, times as f32.
        assert!(
            std::mem::size_of::<Node>() <= 80,
            "{}",
            std::mem::size_of::<Node>()
        );
    }
}
