//! The vocabulary of pathways, with the names the database stores.

use entity::pathway_step;

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

/// What a step is, as readers see it: where it leads, if anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepKind {
    /// It leads to a service.
    Service,
    /// It leads to an organisation.
    Organization,
    /// It leads to a place.
    Location,
    /// It leads to a web page.
    Url,
    /// It happens at whichever of the pathway's entry locations the person
    /// is at (e.g. "talk to library staff" at the library they walked into).
    EntryLocation,
    /// Words only, with nothing to point at (e.g. "talk to your GP").
    Instruction,
    /// It led to a service, organisation or place that has since been
    /// deleted: the pathway needs review.
    TargetRemoved,
}

/// `pathway_step.kind` of a step with a target (service, organisation,
/// location or URL).
pub const STORED_TARGET: &str = "target";
/// `pathway_step.kind` of a step at the pathway's entry locations.
pub const STORED_ENTRY_LOCATION: &str = "entry_location";
/// `pathway_step.kind` of an instruction.
const STORED_INSTRUCTION: &str = "instruction";

impl StepKind {
    /// The kind of a stored step. The column says whether it has a target;
    /// the target columns say which (none left: it was deleted).
    pub fn of(step: &pathway_step::Model) -> Option<StepKind> {
        match step.kind.as_str() {
            STORED_ENTRY_LOCATION => Some(StepKind::EntryLocation),
            STORED_INSTRUCTION => Some(StepKind::Instruction),
            STORED_TARGET => Some(if step.service_id.is_some() {
                StepKind::Service
            } else if step.organization_id.is_some() {
                StepKind::Organization
            } else if step.location_id.is_some() {
                StepKind::Location
            } else if step.url.is_some() {
                StepKind::Url
            } else {
                StepKind::TargetRemoved
            }),
            _ => None,
        }
    }

    /// What `pathway_step.kind` holds for a step of this kind.
    pub fn stored(self) -> &'static str {
        match self {
            StepKind::EntryLocation => STORED_ENTRY_LOCATION,
            StepKind::Instruction => STORED_INSTRUCTION,
            StepKind::Service
            | StepKind::Organization
            | StepKind::Location
            | StepKind::Url
            | StepKind::TargetRemoved => STORED_TARGET,
        }
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

    fn step(kind: &str, service_id: Option<&str>) -> pathway_step::Model {
        pathway_step::Model {
            id: "s".into(),
            pathway_id: "p".into(),
            position: 1,
            title: "t".into(),
            description: None,
            referral_method: "signposting".into(),
            appointment_required: false,
            eligibility: None,
            contact_instructions: None,
            kind: kind.into(),
            service_id: service_id.map(str::to_owned),
            organization_id: None,
            location_id: None,
            url: None,
        }
    }

    #[test]
    fn a_step_that_lost_its_target_is_no_instruction() {
        assert_eq!(StepKind::of(&step("target", Some("x"))), Some(StepKind::Service));
        // Its service deleted: the column is emptied, the kind stays.
        assert_eq!(StepKind::of(&step("target", None)), Some(StepKind::TargetRemoved));
        assert_eq!(StepKind::of(&step("instruction", None)), Some(StepKind::Instruction));
        assert_eq!(
            StepKind::of(&step("entry_location", None)),
            Some(StepKind::EntryLocation)
        );
        assert_eq!(StepKind::of(&step("ENTRY_LOCATION", None)), None);
        for kind in [StepKind::Service, StepKind::EntryLocation, StepKind::Instruction] {
            let stored = step(kind.stored(), (kind == StepKind::Service).then_some("x"));
            assert_eq!(StepKind::of(&stored), Some(kind));
        }
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
