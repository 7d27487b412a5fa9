//! HSDS service status values as stored.

pub const ACTIVE: &str = "active";
pub const INACTIVE: &str = "inactive";
pub const DEFUNCT: &str = "defunct";
pub const TEMPORARILY_CLOSED: &str = "temporarily closed";

/// What a listing shows unless asked otherwise: services people can use.
pub fn default_listed() -> Vec<String> {
    vec![ACTIVE.to_owned(), TEMPORARILY_CLOSED.to_owned()]
}
