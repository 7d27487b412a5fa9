//! The vocabulary of hubs: statuses, kinds and why a status changed, with
//! the names the database stores.

use chrono::{DateTime, Utc};
use entity::{hub, schedule};

use crate::services::opening;

/// Whether a hub can take people in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HubStatus {
    Open,
    Limited,
    Closed,
}

impl HubStatus {
    pub const ALL: [HubStatus; 3] = [HubStatus::Open, HubStatus::Limited, HubStatus::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            HubStatus::Open => hub::STATUS_OPEN,
            HubStatus::Limited => hub::STATUS_LIMITED,
            HubStatus::Closed => hub::STATUS_CLOSED,
        }
    }

    pub fn parse(text: &str) -> Option<HubStatus> {
        HubStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// What the location's opening hours say at `at`; `None` when they say
    /// nothing (no hours recorded), so the status in force stays.
    pub fn from_schedule(schedules: &[schedule::Model], at: DateTime<Utc>) -> Option<HubStatus> {
        opening::is_open(schedules, at).map(|open| if open { HubStatus::Open } else { HubStatus::Closed })
    }
}

/// What a hub is for. A hub may be several at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HubKind {
    CommunityHub,
    HealthAndWellbeingHub,
    WarmSpace,
}

impl HubKind {
    pub const ALL: [HubKind; 3] = [
        HubKind::CommunityHub,
        HubKind::HealthAndWellbeingHub,
        HubKind::WarmSpace,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HubKind::CommunityHub => "community_hub",
            HubKind::HealthAndWellbeingHub => "health_and_wellbeing_hub",
            HubKind::WarmSpace => "warm_space",
        }
    }

    pub fn parse(text: &str) -> Option<HubKind> {
        HubKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The kinds stored in a `kinds` column; unknown names are skipped.
    pub fn parse_list(text: &str) -> Vec<HubKind> {
        text.split(',').filter_map(HubKind::parse).collect()
    }

    /// The column value for a set of kinds: sorted, without duplicates.
    pub fn join(kinds: &[HubKind]) -> String {
        let mut kinds = kinds.to_vec();
        kinds.sort();
        kinds.dedup();
        kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(",")
    }
}

/// Why a status event was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The hub was created.
    Created,
    /// A partner changed the status.
    Updated,
    /// A manual status reached its `valid_until`; the schedule decides again.
    Expired,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Created => "created",
            Reason::Updated => "updated",
            Reason::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<Reason> {
        [Reason::Created, Reason::Updated, Reason::Expired]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

/// Splits a comma-separated id list column.
pub fn split_ids(text: &str) -> Vec<String> {
    text.split(',').filter(|id| !id.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for status in HubStatus::ALL {
            assert_eq!(HubStatus::parse(status.as_str()), Some(status));
        }
        for kind in HubKind::ALL {
            assert_eq!(HubKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Reason::parse("expired"), Some(Reason::Expired));
    }

    #[test]
    fn kinds_are_stored_sorted_and_unique() {
        let text = HubKind::join(&[HubKind::WarmSpace, HubKind::CommunityHub, HubKind::WarmSpace]);
        assert_eq!(text, "community_hub,warm_space");
        assert_eq!(
            HubKind::parse_list(&text),
            vec![HubKind::CommunityHub, HubKind::WarmSpace]
        );
        assert_eq!(HubKind::parse_list(""), vec![]);
    }
}
