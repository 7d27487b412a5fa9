//! Opaque Relay global ids: base64url of `Type:rawId`.
//!
//! Raw ids (the HSDS UUIDs) are accepted wherever a typed id is expected, so
//! that ids copied from an HSDS export or the CLI work as they are.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::AppError;

/// The kinds of record a global id can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Organization,
    Service,
    Location,
    TaxonomyTerm,
    Partner,
    Hub,
    Pathway,
}

impl Kind {
    const ALL: [Kind; 7] = [
        Kind::Organization,
        Kind::Service,
        Kind::Location,
        Kind::TaxonomyTerm,
        Kind::Partner,
        Kind::Hub,
        Kind::Pathway,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Organization => "Organization",
            Kind::Service => "Service",
            Kind::Location => "Location",
            Kind::TaxonomyTerm => "TaxonomyTerm",
            Kind::Partner => "Partner",
            Kind::Hub => "Hub",
            Kind::Pathway => "Pathway",
        }
    }

    fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

pub fn encode(kind: Kind, raw: &str) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{raw}", kind.name())))
}

/// Decodes a global id of any kind.
pub fn decode_any(id: &str) -> Option<(Kind, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.trim_end_matches('=')).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (kind, raw) = text.split_once(':')?;
    let kind = Kind::from_name(kind)?;
    // A NUL hidden in the base64 would reach the database as it is.
    (!raw.is_empty() && crate::input::is_storable(raw)).then(|| (kind, raw.to_owned()))
}

/// Whether `text` looks like a raw HSDS id (a UUID).
fn is_raw_uuid(text: &str) -> bool {
    text.len() == 36 && text.chars().all(|c| c.is_ascii_hexdigit() || c == '-') && text.matches('-').count() == 4
}

/// Decodes an id that must name a record of `kind`; `field` is the input
/// path reported when it does not.
pub fn decode(id: &str, kind: Kind, field: &[&str]) -> Result<String, AppError> {
    match decode_any(id) {
        Some((found, raw)) if found == kind => Ok(raw),
        Some((found, _)) => Err(AppError::bad_input(
            field,
            format!("expected an id of a {}, got one of a {}", kind.name(), found.name()),
        )),
        None if is_raw_uuid(id) => Ok(id.to_lowercase()),
        None => Err(AppError::bad_input(field, "malformed id")),
    }
}

/// Decodes a list of ids of one kind; the path names the offending index.
pub fn decode_list(ids: &[ID], kind: Kind, field: &str) -> Result<Vec<String>, AppError> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| decode(id, kind, &[field, &i.to_string()]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let id = encode(Kind::Service, "0b7d1c9e-6c1b-4f55-9a55-1d2a0f1e2d3c");
        assert_eq!(
            decode(&id, Kind::Service, &["id"]).unwrap(),
            "0b7d1c9e-6c1b-4f55-9a55-1d2a0f1e2d3c"
        );
        assert_eq!(
            decode_any(&id),
            Some((Kind::Service, "0b7d1c9e-6c1b-4f55-9a55-1d2a0f1e2d3c".into()))
        );
    }

    #[test]
    fn wrong_kind_and_garbage_are_bad_input() {
        let id = encode(Kind::Location, "x");
        assert_eq!(
            decode(&id, Kind::Service, &["id"]).unwrap_err().code(),
            "BAD_USER_INPUT"
        );
        let hidden_nul = URL_SAFE_NO_PAD.encode("Service:a\0b");
        for bad in [
            "",
            "!!!",
            "U2VydmljZTo",
            "Tm9wZTox",
            "'; DROP TABLE service; --",
            &hidden_nul,
        ] {
            assert_eq!(
                decode(bad, Kind::Service, &["id"]).unwrap_err().code(),
                "BAD_USER_INPUT",
                "{bad}"
            );
        }
    }

    #[test]
    fn raw_uuid_accepted() {
        let raw = "0B7D1C9E-6C1B-4F55-9A55-1D2A0F1E2D3C";
        assert_eq!(decode(raw, Kind::Service, &["id"]).unwrap(), raw.to_lowercase());
    }
}
