//! Partner kinds and the scopes each kind may hold.
//!
//! A token's scopes narrow what its partner's kind allows; they never widen
//! it. The kind is read from the database on every request, so a token can
//! never claim a kind of its own.

use std::fmt;

/// Create and update services, locations and schedules (of the partner's own organisation).
pub const SERVICES_WRITE: &str = "services:write";
/// Update hub status (of the partner's own hubs).
pub const HUBS_WRITE: &str = "hubs:write";
/// Curate referral pathways (in the partner's areas).
pub const PATHWAYS_WRITE: &str = "pathways:write";
/// Record activity counts along pathways.
pub const PATHWAYS_ACTIVITY: &str = "pathways:activity";
/// Read reports: hub history, summaries and pathway activity (in the partner's areas).
pub const REPORTS_READ: &str = "reports:read";
/// Everything, including partners and tokens.
pub const ADMIN: &str = "admin";

/// Every scope hubgraph knows, in a fixed order (tokens list them in this order).
pub const ALL_SCOPES: [&str; 6] = [
    SERVICES_WRITE,
    HUBS_WRITE,
    PATHWAYS_WRITE,
    PATHWAYS_ACTIVITY,
    REPORTS_READ,
    ADMIN,
];

/// What kind of body a partner is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartnerKind {
    /// A public library service.
    Library,
    /// A Health and Social Care Partnership.
    Hscp,
    /// A third-sector (voluntary) organisation.
    ThirdSector,
    /// The platform operator.
    Admin,
}

impl PartnerKind {
    pub const ALL: [PartnerKind; 4] = [
        PartnerKind::Library,
        PartnerKind::Hscp,
        PartnerKind::ThirdSector,
        PartnerKind::Admin,
    ];

    /// The name stored in the database and used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerKind::Library => "library",
            PartnerKind::Hscp => "hscp",
            PartnerKind::ThirdSector => "third-sector",
            PartnerKind::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<PartnerKind> {
        PartnerKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The scopes a partner of this kind may hold.
    pub fn allowed_scopes(self) -> &'static [&'static str] {
        match self {
            PartnerKind::Library => &[SERVICES_WRITE, HUBS_WRITE, PATHWAYS_ACTIVITY],
            PartnerKind::ThirdSector => &[SERVICES_WRITE, PATHWAYS_ACTIVITY],
            PartnerKind::Hscp => &[PATHWAYS_WRITE, PATHWAYS_ACTIVITY, REPORTS_READ],
            PartnerKind::Admin => &ALL_SCOPES,
        }
    }

    pub fn allows(self, scope: &str) -> bool {
        self.allowed_scopes().contains(&scope)
    }

    /// Libraries and third-sector bodies keep their own organisation's records,
    /// so they must name it.
    pub fn needs_organization(self) -> bool {
        matches!(self, PartnerKind::Library | PartnerKind::ThirdSector)
    }

    /// HSCPs act within their council areas, so they must name at least one.
    pub fn needs_areas(self) -> bool {
        self == PartnerKind::Hscp
    }
}

impl fmt::Display for PartnerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Splits a space-separated scope list (the `scope` claim, the `token.scopes` column).
pub fn split_scopes(text: &str) -> Vec<String> {
    text.split_ascii_whitespace().map(str::to_owned).collect()
}

/// The scopes of `requested` that `kind` allows, in the canonical order, without duplicates.
pub fn effective_scopes(kind: PartnerKind, requested: &[String]) -> Vec<String> {
    kind.allowed_scopes()
        .iter()
        .filter(|scope| requested.iter().any(|r| r == *scope))
        .map(|scope| scope.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for kind in PartnerKind::ALL {
            assert_eq!(PartnerKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(PartnerKind::parse("Library"), None);
    }

    #[test]
    fn scopes_per_kind() {
        assert!(PartnerKind::Library.allows(HUBS_WRITE));
        assert!(!PartnerKind::ThirdSector.allows(HUBS_WRITE));
        assert!(!PartnerKind::Library.allows(PATHWAYS_WRITE));
        assert!(PartnerKind::Hscp.allows(REPORTS_READ));
        assert!(!PartnerKind::Hscp.allows(SERVICES_WRITE));
        for kind in [PartnerKind::Library, PartnerKind::Hscp, PartnerKind::ThirdSector] {
            assert!(!kind.allows(ADMIN), "{kind}");
        }
        assert!(ALL_SCOPES.iter().all(|s| PartnerKind::Admin.allows(s)));
    }

    #[test]
    fn effective_scopes_intersect_in_canonical_order() {
        let requested = split_scopes("admin  hubs:write services:write hubs:write bogus");
        assert_eq!(
            effective_scopes(PartnerKind::Library, &requested),
            vec![SERVICES_WRITE, HUBS_WRITE]
        );
    }
}
