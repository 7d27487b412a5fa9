//! The vocabulary of pathways, with the names the database stores.

/// Where a pathway is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathwayStatus {
    /// Being written: only its owner and admins see it.
    Draft,
    /// Public.
    Published,
    /// Withdrawn: only its owner and admins see it; it can be published again.
    Archived,
}

impl PathwayStatus {
    pub const ALL: [PathwayStatus; 3] = [PathwayStatus::Draft, PathwayStatus::Published, PathwayStatus::Archived];

    pub fn as_str(self) -> &'static str {
        match self {
            PathwayStatus::Draft => "draft",
            PathwayStatus::Published => "published",
            PathwayStatus::Archived => "archived",
        }
    }

    pub fn parse(text: &str) -> Option<PathwayStatus> {
        PathwayStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// How a person gets to a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferralMethod {
    /// The person gets in touch themselves.
    SelfReferral,
    /// Someone (a librarian, a youth worker) points the person to it.
    Signposting,
    /// A professional (GP, social worker, teacher) refers the person.
    ProfessionalReferral,
    /// Referred through an electronic referral system.
    EReferral,
}

impl ReferralMethod {
    pub const ALL: [ReferralMethod; 4] = [
        ReferralMethod::SelfReferral,
        ReferralMethod::Signposting,
        ReferralMethod::ProfessionalReferral,
        ReferralMethod::EReferral,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReferralMethod::SelfReferral => "self_referral",
            ReferralMethod::Signposting => "signposting",
            ReferralMethod::ProfessionalReferral => "professional_referral",
            ReferralMethod::EReferral => "e_referral",
        }
    }

    pub fn parse(text: &str) -> Option<ReferralMethod> {
        ReferralMethod::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

/// The period activity counts are summed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    Day,
    /// ISO weeks, starting on Monday.
    Week,
    /// Calendar months.
    Month,
}

impl Bucket {
    /// The first day of the period holding `date`.
    pub fn start(self, date: chrono::NaiveDate) -> chrono::NaiveDate {
        use chrono::Datelike;
        match self {
            Bucket::Day => date,
            Bucket::Week => date - chrono::Days::new(u64::from(date.weekday().num_days_from_monday())),
            Bucket::Month => date.with_day(1).unwrap_or(date),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn names_round_trip() {
        for status in PathwayStatus::ALL {
            assert_eq!(PathwayStatus::parse(status.as_str()), Some(status));
        }
        for method in ReferralMethod::ALL {
            assert_eq!(ReferralMethod::parse(method.as_str()), Some(method));
        }
        assert_eq!(PathwayStatus::parse("PUBLISHED"), None);
    }

    #[test]
    fn buckets_start_on_the_day_the_monday_and_the_first() {
        // 2026-11-26 is a Thursday.
        assert_eq!(Bucket::Day.start(day("2026-11-26")), day("2026-11-26"));
        assert_eq!(Bucket::Week.start(day("2026-11-26")), day("2026-11-23"));
        assert_eq!(Bucket::Week.start(day("2026-11-23")), day("2026-11-23"));
        // A week that starts in the previous year.
        assert_eq!(Bucket::Week.start(day("2027-01-01")), day("2026-12-28"));
        assert_eq!(Bucket::Month.start(day("2026-11-26")), day("2026-11-01"));
    }
}
