//! Demo hubs: most demo libraries act as Community Hubs, many also as
//! Health and Wellbeing Hubs or warm spaces, each with four weeks of
//! invented status history, so dashboards and `history` have something to
//! show. Deterministic for a given `now` (a fixed-seed generator).

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use entity::{hub, hub_facility, hub_status_event, location};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::demo::demo_id;
use crate::hubs::{HubKind, HubStatus, Reason};

/// Days of history each demo hub carries.
pub const HISTORY_DAYS: i64 = 28;

/// The hub rows of the demo set.
#[derive(Debug, Default, Clone)]
pub struct HubData {
    pub hubs: Vec<hub::Model>,
    pub facilities: Vec<hub_facility::Model>,
    pub events: Vec<hub_status_event::Model>,
}

/// Facility codes of the demo `hub-facility` taxonomy.
const FACILITIES: &[&str] = &[
    "warm-space",
    "rest-space-for-care-staff",
    "wifi",
    "public-computers",
    "meeting-room",
    "food-collection",
    "prescription-collection",
    "health-information-point",
    "toilets",
    "hot-drinks",
];

const NOTES: &[(HubStatus, &str)] = &[
    (
        HubStatus::Limited,
        "Reduced hours today: closing at 3pm for staff training.",
    ),
    (
        HubStatus::Limited,
        "Computers are out of action; wifi and warm space as usual.",
    ),
    (
        HubStatus::Limited,
        "Busy with a school visit this morning; plenty of room after 1pm.",
    ),
    (
        HubStatus::Closed,
        "Closed today for a power cut. Sorry for the trouble.",
    ),
    (HubStatus::Closed, "Closed for a building inspection; back tomorrow."),
    (HubStatus::Open, "Soup and a blether every Wednesday from noon."),
];

fn facility_id(code: &str) -> String {
    demo_id("taxonomy_term", &format!("hub-facility/{code}"))
}

/// Seed of the generator behind the demo hubs.
const DEMO_SEED: u64 = 0x6875_6273;

/// Hubs at the demo libraries among `locations` (four in five of them).
/// The hubs at `refurbishing` (location ids) are closed until further
/// notice, as the paused services there say.
pub fn demo_hubs(locations: &[location::Model], refurbishing: &HashSet<String>, now: DateTime<Utc>) -> HubData {
    let libraries = locations.iter().filter(|place| {
        let (Some(area), Some(organization)) = (&place.area_code, &place.organization_id) else {
            return false;
        };
        *organization == demo_id("organization", &format!("libraries/{area}"))
    });
    let chosen = libraries.enumerate().filter(|(n, _)| n % 5 != 4);
    let mut data = hubs_at(chosen, DEMO_SEED, now);
    close_for_refurbishment(&mut data, refurbishing, now);
    data
}

/// What a hub closed for refurbishment tells visitors.
pub const REFURBISHMENT_NOTE: &str = "Closed while the building is refurbished; services here are paused.";

/// Closes the hubs at `refurbishing` (location ids) from 20 minutes ago, with
/// no end date: the closing event ends their history.
fn close_for_refurbishment(data: &mut HubData, refurbishing: &HashSet<String>, now: DateTime<Utc>) {
    for row in data.hubs.iter_mut().filter(|h| refurbishing.contains(&h.location_id)) {
        let Some(last) = data.events.iter().rev().find(|e| e.hub_id == row.id).cloned() else {
            continue;
        };
        row.status = HubStatus::Closed.as_str().to_owned();
        row.occupancy = None;
        row.note = Some(REFURBISHMENT_NOTE.into());
        row.valid_until = None;
        row.version += 1;
        row.last_modified = now - Duration::minutes(20);
        data.events.push(hub_status_event::Model {
            id: demo_id("hub_status_event", &format!("{}/{}", row.id, row.version)),
            status: row.status.clone(),
            occupancy: None,
            note: row.note.clone(),
            valid_until: None,
            partner_id: None,
            reason: Reason::Updated.as_str().to_owned(),
            version: row.version,
            at: row.last_modified,
            ..last
        });
    }
}

/// A hub, kept by the location's organisation, at each of `places`, with
/// [`HISTORY_DAYS`] of history; the same `seed` and `now` give the same hubs.
/// Each place comes with its number among the candidates: every ninth is
/// limited for a few days from now on. Places without an area or an
/// organisation are skipped.
pub fn hubs_at<'a>(
    places: impl IntoIterator<Item = (usize, &'a location::Model)>,
    seed: u64,
    now: DateTime<Utc>,
) -> HubData {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut data = HubData::default();
    for (n, place) in places {
        let (Some(area_code), Some(organization_id)) = (place.area_code.clone(), place.organization_id.clone()) else {
            continue;
        };
        let id = demo_id("hub", &place.id);
        let mut kinds = vec![HubKind::CommunityHub];
        if rng.random_bool(0.5) {
            kinds.push(HubKind::HealthAndWellbeingHub);
        }
        if rng.random_bool(0.6) {
            kinds.push(HubKind::WarmSpace);
        }
        let capacity = rng.random_range(2..=12) * 5;
        let mut facilities: Vec<String> = FACILITIES
            .iter()
            .filter(|_| rng.random_bool(0.5))
            .map(|code| facility_id(code))
            .collect();
        if kinds.contains(&HubKind::WarmSpace) && !facilities.contains(&facility_id("warm-space")) {
            facilities.push(facility_id("warm-space"));
        }
        facilities.sort();
        let created_at = now - Duration::days(HISTORY_DAYS) + Duration::minutes(rng.random_range(0..600));
        let name = format!("{} Community Hub", place.name.clone().unwrap_or_default());
        let mut row = hub::Model {
            id: id.clone(),
            location_id: place.id.clone(),
            organization_id,
            area_code,
            name,
            kinds: HubKind::join(&kinds),
            status: HubStatus::Open.as_str().to_owned(),
            capacity: Some(capacity),
            occupancy: None,
            note: None,
            valid_until: None,
            version: 1,
            created_at,
            last_modified: created_at,
        };
        let event = |row: &hub::Model, reason: Reason, at: DateTime<Utc>| hub_status_event::Model {
            id: demo_id("hub_status_event", &format!("{id}/{}", row.version)),
            hub_id: id.clone(),
            status: row.status.clone(),
            capacity: row.capacity,
            occupancy: row.occupancy,
            note: row.note.clone(),
            facility_term_ids: facilities.join(","),
            valid_until: row.valid_until,
            partner_id: None,
            reason: reason.as_str().to_owned(),
            version: row.version,
            at,
        };
        data.events.push(event(&row, Reason::Created, created_at));
        // A change every day or two, at a plausible time of day.
        let mut at = created_at;
        loop {
            at += Duration::hours(rng.random_range(20..56));
            if at >= now - Duration::hours(1) {
                break;
            }
            let roll = rng.random_range(0..100);
            let status = match roll {
                0..70 => HubStatus::Open,
                70..90 => HubStatus::Limited,
                _ => HubStatus::Closed,
            };
            row.status = status.as_str().to_owned();
            row.occupancy = (status != HubStatus::Closed).then(|| rng.random_range(0..=capacity));
            row.note = NOTES
                .iter()
                .filter(|(s, _)| *s == status)
                .nth(rng.random_range(0..3))
                .map(|(_, note)| note.to_string());
            row.version += 1;
            row.last_modified = at;
            data.events.push(event(&row, Reason::Updated, at));
        }
        // A few hubs are closed or limited for a while from now on.
        if n % 9 == 0 {
            row.status = HubStatus::Limited.as_str().to_owned();
            row.note = Some("Reduced hours this week while the heating is repaired.".into());
            row.valid_until = Some(now + Duration::days(3));
            row.version += 1;
            row.last_modified = now - Duration::minutes(30);
            data.events.push(event(&row, Reason::Updated, row.last_modified));
        }
        data.facilities
            .extend(facilities.iter().map(|term| hub_facility::Model {
                hub_id: id.clone(),
                taxonomy_term_id: term.clone(),
            }));
        data.hubs.push(row);
    }
    data
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::TimeZone;

    use super::*;
    use crate::seed::demo::{demo_directory, refurbishing_venues};

    fn sample() -> (HubData, DateTime<Utc>) {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        let directory = demo_directory(now);
        (
            demo_hubs(&directory.locations, &refurbishing_venues(&directory), now),
            now,
        )
    }

    #[test]
    fn at_least_forty_library_hubs_across_many_areas() {
        let (data, _) = sample();
        assert!(data.hubs.len() >= 40, "{} hubs", data.hubs.len());
        let areas: HashSet<&str> = data.hubs.iter().map(|h| h.area_code.as_str()).collect();
        assert!(areas.len() >= 20, "{} areas", areas.len());
        let locations: HashSet<&str> = data.hubs.iter().map(|h| h.location_id.as_str()).collect();
        assert_eq!(locations.len(), data.hubs.len(), "one hub per location");
    }

    #[test]
    fn every_hub_has_weeks_of_history_ending_in_its_state() {
        let (data, now) = sample();
        for hub in &data.hubs {
            let events: Vec<_> = data.events.iter().filter(|e| e.hub_id == hub.id).collect();
            assert!(events.len() >= 8, "{}: {} events", hub.name, events.len());
            let first = events.first().unwrap();
            assert!(now - first.at >= Duration::days(HISTORY_DAYS - 1));
            let last = events.last().unwrap();
            assert_eq!((last.version, &last.status), (hub.version, &hub.status));
            assert!(
                events
                    .windows(2)
                    .all(|w| w[0].at < w[1].at && w[0].version + 1 == w[1].version)
            );
            assert!(hub.capacity.is_some_and(|c| hub.occupancy.is_none_or(|o| o <= c)));
        }
    }

    #[test]
    fn the_same_now_gives_the_same_hubs() {
        let (a, _) = sample();
        let (b, _) = sample();
        assert_eq!(a.hubs, b.hubs);
        assert_eq!(a.events, b.events);
    }
}
