//! What a selection set selects at its own level, fragments followed: the
//! walk `reach` (root fields) and `null_propagation` (an error's path) share.

use async_graphql::parser::types::{BaseType, ExecutableDocument, Field, Selection, SelectionSet, Type};

/// Fragments followed at most this deep; a document nesting them deeper is
/// not told apart (async-graphql refuses such a document, at its default
/// recursive depth of 32, before it runs).
pub const MAX_FRAGMENT_DEPTH: usize = 32;

/// The fields `selection`, selected on the type `on`, selects at its own
/// level, fragments followed, in document order, each with the type it is
/// selected on; `None` when fragments nest deeper than
/// [`MAX_FRAGMENT_DEPTH`].
pub fn fields_of<'a>(
    document: &'a ExecutableDocument,
    on: &'a str,
    selection: &'a SelectionSet,
) -> Option<Vec<(&'a str, &'a Field)>> {
    let mut fields = Vec::new();
    collect(document, on, selection, &mut fields, 0).then_some(fields)
}

/// Adds the fields of `selection` to `fields`; `false` when fragments nest
/// too deep to follow.
fn collect<'a>(
    document: &'a ExecutableDocument,
    on: &'a str,
    selection: &'a SelectionSet,
    fields: &mut Vec<(&'a str, &'a Field)>,
    depth: usize,
) -> bool {
    if depth > MAX_FRAGMENT_DEPTH {
        return false;
    }
    selection.items.iter().all(|item| match &item.node {
        Selection::Field(field) => {
            fields.push((on, &field.node));
            true
        }
        Selection::InlineFragment(fragment) => {
            let on = fragment
                .node
                .type_condition
                .as_ref()
                .map_or(on, |condition| condition.node.on.node.as_str());
            collect(document, on, &fragment.node.selection_set.node, fields, depth + 1)
        }
        Selection::FragmentSpread(spread) => match document.fragments.get(&spread.node.fragment_name.node) {
            Some(fragment) => {
                let on = fragment.node.type_condition.node.on.node.as_str();
                collect(document, on, &fragment.node.selection_set.node, fields, depth + 1)
            }
            // Validation refuses an unknown fragment; it selects nothing.
            None => true,
        },
    })
}

/// The type a field's value is of, lists unwrapped.
pub fn named_type(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => named_type(item),
    }
}
