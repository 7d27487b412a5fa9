//! Rules every piece of outside input obeys, wherever it arrives: GraphQL
//! arguments and variables (`graphql::arguments`), the HSDS REST API's path
//! and query string (`http::hsds`), imported HSDS documents
//! (`interchange::hsds::map`) and the text rules of writes
//! (`services::writes::check_text`).
//!
//! Both rules are about what the database can be asked, not about what a
//! field means, so they hold before any SQL runs:
//! - text holds no NUL (U+0000): PostgreSQL's `text` cannot store it, and
//!   a statement carrying one fails as a whole (SQLite would store it, and
//!   C tools reading the value would cut it short);
//! - a list holds at most [`MAX_LIST_ITEMS`] items: each item may become a
//!   bound value or a row to read, and SQLite refuses a statement with more
//!   than 32,766 variables.

/// The most items any list argument, list input field or list parameter
/// takes. Every real list is far shorter: Scotland has 32 council areas,
/// a page holds at most 100 records, a pathway at most 50 steps.
pub const MAX_LIST_ITEMS: usize = 100;

/// Whether the database can store `text` as it is (it holds no NUL).
pub fn is_storable(text: &str) -> bool {
    !text.contains('\0')
}

/// Characters refused in any text a write stores (records written through
/// GraphQL, imported HSDS documents): NUL, which no text may hold, and the
/// bidi overrides and isolates, which can make text display as something
/// other than what it is ("Trojan Source"). Arguments that are only read
/// (search text, ids) may hold the latter.
pub fn is_refused_in_records(c: char) -> bool {
    c == '\0' || ('\u{202A}'..='\u{202E}').contains(&c) || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// What a client is told about text that is not storable.
pub const NOT_STORABLE: &str = "contains a NUL character (U+0000), which no text may hold";

/// What a client is told about a list over [`MAX_LIST_ITEMS`].
pub fn too_many_items(count: usize) -> String {
    format!("has {count} items; a list holds at most {MAX_LIST_ITEMS}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_the_only_character_refused() {
        assert!(!is_storable("a\0b"));
        assert!(!is_storable("\0"));
        assert!(is_storable(""));
        assert!(is_storable("'; DROP TABLE service; -- \u{202E} \u{1F600} \\0 %00"));
        assert!(is_refused_in_records('\0') && is_refused_in_records('\u{202E}'));
        assert!(!is_refused_in_records('é'));
    }
}
