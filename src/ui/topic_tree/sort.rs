//! The order of a level's children in the tree panel: by name, messages, topics below or
//! the latest update.

use crate::model::{NodeId, TopicTree};

/// The order of a level's children.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum SortMode {
    /// By name, numbers by value: `sensor2` before `sensor10`.
    #[default]
    Name,
    /// Most messages first.
    Messages,
    /// Most topics below first.
    Topics,
    /// Most recently updated first.
    Recent,
}

impl SortMode {
    pub const ALL: [Self; 4] = [Self::Name, Self::Messages, Self::Topics, Self::Recent];

    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Messages => "messages",
            Self::Topics => "topics below",
            Self::Recent => "recently updated",
        }
    }

    /// `children` of a node in this order (the tree keeps them by name already).
    pub(super) fn order(self, tree: &TopicTree, children: &[NodeId]) -> Vec<NodeId> {
        let mut out = children.to_vec();
        match self {
            Self::Name => {}
            Self::Messages => out.sort_by_key(|&c| std::cmp::Reverse(tree.node(c).messages())),
            Self::Topics => {
                out.sort_by_key(|&c| std::cmp::Reverse(tree.node(c).topics_below()));
            }
            Self::Recent => out.sort_by(|&a, &b| {
                tree.node(b)
                    .updated_at()
                    .total_cmp(&tree.node(a).updated_at())
            }),
        }
        out
    }
}
