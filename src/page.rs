//! Keyset pagination shared by every connection: a page request (`first`,
//! `after`) and opaque cursors that encode the sort key and the id, so that
//! walking the pages returns each row exactly once even while rows change.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;

/// Where a page starts: after the row with this sort key and id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    /// Sort key of the last row seen (e.g. the name).
    #[serde(rename = "k")]
    pub key: String,
    #[serde(rename = "i")]
    pub id: String,
}

impl Cursor {
    /// A cursor for rows ordered by a time, then by id (newest-first lists).
    pub fn at_time(at: chrono::DateTime<chrono::Utc>, id: &str) -> Cursor {
        Cursor {
            key: at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
            id: id.to_owned(),
        }
    }

    /// The time of a cursor made by `at_time`.
    pub fn time(&self) -> Result<chrono::DateTime<chrono::Utc>, AppError> {
        chrono::DateTime::parse_from_rfc3339(&self.key)
            .map(|at| at.with_timezone(&chrono::Utc))
            .map_err(|_| AppError::bad_input(&["after"], "malformed cursor"))
    }

    pub fn encode(&self) -> String {
        // Serialising two strings cannot fail.
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn decode(text: &str) -> Result<Cursor, AppError> {
        URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Cursor>(&bytes).ok())
            // A NUL hidden in the base64 would reach the database as it is.
            .filter(|cursor| crate::input::is_storable(&cursor.key) && crate::input::is_storable(&cursor.id))
            .ok_or_else(|| AppError::bad_input(&["after"], "malformed cursor"))
    }
}

#[derive(Debug, Clone)]
pub struct PageRequest {
    pub first: u64,
    pub after: Option<Cursor>,
}

impl PageRequest {
    /// Validates `first` (1..=100, default 20) and decodes `after`.
    pub fn new(first: Option<i32>, after: Option<&str>) -> Result<PageRequest, AppError> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if n >= 1 && (n as u64) <= MAX_PAGE_SIZE => n as u64,
            Some(_) => {
                return Err(AppError::bad_input(
                    &["first"],
                    format!("first must be between 1 and {MAX_PAGE_SIZE}"),
                ));
            }
        };
        let after = after.map(Cursor::decode).transpose()?;
        Ok(PageRequest { first, after })
    }

    /// Rows to fetch: one more than asked, to learn whether a next page exists.
    pub fn fetch_limit(&self) -> u64 {
        self.first + 1
    }
}

/// One page of rows plus whether more follow.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

impl<T> Page<T> {
    /// Trims the extra row fetched by `fetch_limit`.
    pub fn from_fetched(mut rows: Vec<T>, request: &PageRequest) -> Page<T> {
        let has_next_page = rows.len() as u64 > request.first;
        rows.truncate(request.first as usize);
        Page {
            rows,
            has_next_page,
            has_previous_page: request.after.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips() {
        let cursor = Cursor {
            key: "Chatty café".into(),
            id: "abc".into(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
    }

    #[test]
    fn malformed_cursor_is_bad_input() {
        assert_eq!(Cursor::decode("%%%").unwrap_err().code(), "BAD_USER_INPUT");
        assert_eq!(Cursor::decode("bm90IGpzb24").unwrap_err().code(), "BAD_USER_INPUT");
        for (key, id) in [("a\0b", "x"), ("a", "\0")] {
            let hidden_nul = Cursor {
                key: key.into(),
                id: id.into(),
            };
            assert_eq!(
                Cursor::decode(&hidden_nul.encode()).unwrap_err().code(),
                "BAD_USER_INPUT"
            );
        }
    }

    #[test]
    fn first_is_bounded() {
        assert_eq!(PageRequest::new(None, None).unwrap().first, 20);
        assert_eq!(PageRequest::new(Some(100), None).unwrap().first, 100);
        for bad in [0, -1, 101, 1000] {
            assert_eq!(PageRequest::new(Some(bad), None).unwrap_err().code(), "BAD_USER_INPUT");
        }
    }
}
