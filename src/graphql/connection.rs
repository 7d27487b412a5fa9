//! Relay connections over keyset pages.

use async_graphql::{Context, SimpleObject};

use crate::page::{Cursor, Page};

/// Paging state of a connection (Relay).
#[derive(Debug, Clone, SimpleObject)]
pub struct PageInfo {
    /// More rows follow this page.
    pub has_next_page: bool,
    /// Rows precede this page (the request had an `after` cursor).
    pub has_previous_page: bool,
    /// Cursor of the first row of this page.
    pub start_cursor: Option<String>,
    /// Cursor of the last row of this page: pass it as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// Cursors and paging state for a page whose rows sort by `key`.
pub fn cursors<T>(page: &Page<T>, key: impl Fn(&T) -> (String, String)) -> (Vec<String>, PageInfo) {
    let cursors: Vec<String> = page
        .rows
        .iter()
        .map(|row| {
            let (key, id) = key(row);
            Cursor { key, id }.encode()
        })
        .collect();
    let info = PageInfo {
        has_next_page: page.has_next_page,
        has_previous_page: page.has_previous_page,
        start_cursor: cursors.first().cloned(),
        end_cursor: cursors.last().cloned(),
    };
    (cursors, info)
}

/// Whether the caller selected `totalCount`, so the count query runs only when asked for.
pub fn wants_total(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

/// Declares a connection type and its edge type for a node type.
macro_rules! connection {
    ($connection:ident, $edge:ident, $node:ty, $doc:literal, $edge_doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, async_graphql::SimpleObject)]
        pub struct $connection {
            /// The rows of this page with their cursors.
            pub edges: Vec<$edge>,
            /// The rows of this page, without cursors.
            pub nodes: Vec<$node>,
            /// Paging state.
            pub page_info: $crate::graphql::connection::PageInfo,
            /// Rows matching the filter across all pages.
            pub total_count: i32,
        }

        #[doc = $edge_doc]
        #[derive(Debug, Clone, async_graphql::SimpleObject)]
        pub struct $edge {
            /// Opaque cursor of this row: pass it as `after` to continue after it.
            pub cursor: String,
            /// The row.
            pub node: $node,
        }

        impl $connection {
            pub fn new(
                page: $crate::page::Page<$node>,
                key: impl Fn(&$node) -> (String, String),
                total_count: u64,
            ) -> Self {
                let (cursors, page_info) = $crate::graphql::connection::cursors(&page, key);
                let edges = page
                    .rows
                    .iter()
                    .cloned()
                    .zip(cursors)
                    .map(|(node, cursor)| $edge { cursor, node })
                    .collect();
                $connection {
                    edges,
                    nodes: page.rows,
                    page_info,
                    total_count: i32::try_from(total_count).unwrap_or(i32::MAX),
                }
            }
        }
    };
}

pub(crate) use connection;

impl<T> Page<T> {
    /// The same page with every row converted.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            rows: self.rows.into_iter().map(f).collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
        }
    }
}
