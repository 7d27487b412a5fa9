//! A synthetic directory of any size for benchmarks: realistic shape (every
//! service with locations, schedules, phones, terms, languages and an area;
//! hubs with weeks of history at the libraries) and deterministic for a
//! given seed, so runs compare like with like.

use chrono::{DateTime, Duration, Utc};
use entity::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{demo, hubs};
use crate::bulk::DirectoryData;

/// One location in this many is a library, and each library is a hub: a few
/// hundred hubs (313) at 20,000 services (5,000 locations), as in a real country.
const LIBRARY_EVERY: usize = 16;

/// Places to scatter locations around: (area code, town, latitude, longitude).
fn towns() -> Vec<(String, String, f64, f64)> {
    super::places::places()
        .into_iter()
        .map(|p| (p.area_code, p.city, p.latitude, p.longitude))
        .collect()
}

fn uuid(rng: &mut ChaCha8Rng) -> String {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid().to_string()
}

const WORDS: [&str; 16] = [
    "wellbeing",
    "carers",
    "digital",
    "warm space",
    "chatty café",
    "walking",
    "reading",
    "advice",
    "youth",
    "family",
    "dementia",
    "money",
    "food",
    "community",
    "health",
    "support",
];
const DAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// `services` services from `services / 10` organizations at `services / 4`
/// locations, with the demo taxonomies (`hub-facility` among them) and a hub
/// at every library (one location in [`LIBRARY_EVERY`]).
pub fn synthetic_directory(services: usize, seed: u64, now: DateTime<Utc>) -> DirectoryData {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let demo = demo::demo_directory(now);
    let mut data = DirectoryData {
        taxonomies: demo.taxonomies,
        taxonomy_terms: demo.taxonomy_terms,
        ..Default::default()
    };
    let towns = towns();
    let categories: Vec<String> = data
        .taxonomy_terms
        .iter()
        .filter(|t| t.taxonomy.as_deref() == Some("service-category"))
        .map(|t| t.id.clone())
        .collect();
    let audiences: Vec<String> = data
        .taxonomy_terms
        .iter()
        .filter(|t| t.taxonomy.as_deref() == Some("audience"))
        .map(|t| t.id.clone())
        .collect();

    let organization_count = (services / 10).max(1);
    for n in 0..organization_count {
        let id = uuid(&mut rng);
        data.organizations.push(organization::Model {
            id,
            name: format!("Synthetic Organisation {n:05}"),
            alternate_name: None,
            description: format!("Synthetic organisation number {n} for benchmarks."),
            email: Some(format!("org{n}@synthetic.example.org")),
            website: Some(format!("https://org{n}.synthetic.example.org")),
            tax_status: None,
            tax_id: None,
            year_incorporated: None,
            legal_status: None,
            logo: None,
            uri: None,
            parent_organization_id: None,
            version: 1,
            created_at: now,
            last_modified: now,
        });
    }

    let location_count = (services / 4).max(1);
    let mut location_areas = Vec::with_capacity(location_count);
    for n in 0..location_count {
        let id = uuid(&mut rng);
        let (area, city, lat, lon) = &towns[rng.random_range(0..towns.len())];
        let organization_id = data.organizations[rng.random_range(0..organization_count)].id.clone();
        let venue = if n % LIBRARY_EVERY == 0 { "Library" } else { "Venue" };
        data.locations.push(location::Model {
            id: id.clone(),
            location_type: "physical".into(),
            url: None,
            organization_id: Some(organization_id),
            name: Some(format!("{city} {venue} {n:05}")),
            alternate_name: None,
            description: Some(format!("Synthetic {} {n} in {city}.", venue.to_lowercase())),
            transportation: None,
            // Within about 10 km of the town centre.
            latitude: Some(lat + rng.random_range(-0.09..0.09)),
            longitude: Some(lon + rng.random_range(-0.15..0.15)),
            external_identifier: None,
            external_identifier_type: None,
            area_code: Some(area.clone()),
            version: 1,
            created_at: now,
            last_modified: now,
        });
        data.addresses.push(address::Model {
            id: uuid(&mut rng),
            location_id: Some(id),
            attention: None,
            address_1: format!("{} Synthetic Street", n % 200 + 1),
            address_2: None,
            city: city.clone(),
            region: None,
            state_province: None,
            postal_code: "ZZ99 9ZZ".into(),
            country: "GB".into(),
            address_type: "physical".into(),
        });
        location_areas.push(area.clone());
    }

    for n in 0..services {
        let id = uuid(&mut rng);
        let word = WORDS[rng.random_range(0..WORDS.len())];
        let minimum_age = rng.random_bool(0.3).then(|| rng.random_range(0..18));
        data.services.push(service::Model {
            id: id.clone(),
            organization_id: data.organizations[rng.random_range(0..organization_count)].id.clone(),
            program_id: None,
            name: format!("Synthetic {word} service {n:06}"),
            alternate_name: None,
            description: Some(format!("A synthetic {word} service for benchmarks, number {n}.")),
            url: None,
            email: None,
            status: if rng.random_bool(0.95) { "active" } else { "inactive" }.into(),
            interpretation_services: None,
            application_process: Some("Drop in".into()),
            fees_description: Some("Free".into()),
            wait_time: None,
            fees: None,
            accreditations: None,
            eligibility_description: None,
            minimum_age,
            maximum_age: minimum_age.map(|m| m + rng.random_range(5..60)),
            assured_date: Some((now - Duration::days(rng.random_range(0..730))).date_naive()),
            assurer_email: None,
            licenses: None,
            alert: None,
            version: 1,
            created_at: now,
            last_modified: now,
        });
        let sites = rng.random_range(1..=2);
        for _ in 0..sites {
            let at = rng.random_range(0..location_count);
            let location_id = data.locations[at].id.clone();
            if data
                .service_at_locations
                .iter()
                .rev()
                .take(2)
                .any(|s| s.service_id == id && s.location_id == location_id)
            {
                continue;
            }
            data.service_at_locations.push(service_at_location::Model {
                id: uuid(&mut rng),
                service_id: id.clone(),
                location_id: location_id.clone(),
                description: None,
            });
            let day = DAYS[rng.random_range(0..5)];
            data.schedules.push(schedule::Model {
                id: uuid(&mut rng),
                service_id: Some(id.clone()),
                location_id: Some(location_id),
                service_at_location_id: None,
                valid_from: None,
                valid_to: None,
                dtstart: None,
                timezone: None,
                until: None,
                count: None,
                wkst: None,
                freq: Some("WEEKLY".into()),
                interval: Some(1),
                byday: Some(day.into()),
                byweekno: None,
                bymonthday: None,
                byyearday: None,
                description: None,
                opens_at: Some("10:00".into()),
                closes_at: Some("12:00".into()),
                schedule_link: None,
                attending_type: None,
                notes: None,
                closed: false,
            });
            data.service_areas.push(service_area::Model {
                id: uuid(&mut rng),
                service_id: Some(id.clone()),
                service_at_location_id: None,
                name: None,
                description: None,
                extent: None,
                extent_type: None,
                uri: None,
                area_code: Some(location_areas[at].clone()),
            });
        }
        data.phones.push(phone::Model {
            id: uuid(&mut rng),
            location_id: None,
            service_id: Some(id.clone()),
            organization_id: None,
            contact_id: None,
            service_at_location_id: None,
            number: format!("01632 960{:03}", n % 1000),
            extension: None,
            phone_type: Some("voice".into()),
            description: None,
            position: 0,
        });
        for (terms, link_type) in [(&categories, "service_category"), (&audiences, "audience")] {
            if terms.is_empty() {
                continue;
            }
            data.attributes.push(attribute::Model {
                id: uuid(&mut rng),
                link_id: id.clone(),
                taxonomy_term_id: terms[rng.random_range(0..terms.len())].clone(),
                link_type: Some(link_type.into()),
                link_entity: "service".into(),
                value: None,
                label: None,
            });
        }
        data.languages.push(language::Model {
            id: uuid(&mut rng),
            service_id: Some(id),
            location_id: None,
            phone_id: None,
            name: Some("English".into()),
            code: Some("en".into()),
            note: None,
        });
    }

    // Drawn last, so the hubs leave the rest of the set as it was without them.
    let libraries = data
        .locations
        .iter()
        .enumerate()
        .filter(|(n, _)| n % LIBRARY_EVERY == 0)
        .map(|(n, place)| (n / LIBRARY_EVERY, place));
    let hubs = hubs::hubs_at(libraries, rng.random(), now);
    data.hubs = hubs.hubs;
    data.hub_facilities = hubs.facilities;
    data.hub_events = hubs.events;
    data
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn same_seed_same_data() {
        let now = Utc::now();
        let a = synthetic_directory(200, 7, now);
        let b = synthetic_directory(200, 7, now);
        assert_eq!(a.services, b.services);
        assert_eq!(a.locations, b.locations);
        assert_eq!(a.services.len(), 200);
        assert_ne!(synthetic_directory(200, 8, now).services[0].id, a.services[0].id);
        assert_eq!(a.hubs.len(), 4, "libraries at locations 0, 16, 32 and 48 of 50");
        assert_eq!(a.hubs, b.hubs);
        assert_eq!(a.hub_events, b.hub_events);
        assert_eq!(a.hub_facilities, b.hub_facilities);
    }

    #[test]
    fn a_hub_at_every_library_with_history_and_facility_terms() {
        let now = Utc::now();
        let data = synthetic_directory(20_000, 1, now);
        assert_eq!(data.locations.len(), 5_000);
        assert_eq!(
            data.hubs.len(),
            5_000_usize.div_ceil(LIBRARY_EVERY),
            "locations 0, 16, ..., 4992"
        );
        let libraries: HashSet<&str> = data
            .locations
            .iter()
            .filter(|l| l.name.as_deref().is_some_and(|n| n.contains(" Library ")))
            .map(|l| l.id.as_str())
            .collect();
        let hub_locations: HashSet<&str> = data.hubs.iter().map(|h| h.location_id.as_str()).collect();
        assert_eq!(hub_locations, libraries, "one hub per library, at libraries only");

        let areas: HashSet<&str> = data.hubs.iter().map(|h| h.area_code.as_str()).collect();
        assert!(areas.len() >= 25, "hubs in {} areas", areas.len());
        let keepers: HashSet<&str> = data.hubs.iter().map(|h| h.organization_id.as_str()).collect();
        assert!(
            keepers.len() > data.hubs.len() / 2,
            "{} organisations keep hubs",
            keepers.len()
        );
        for hub in &data.hubs {
            let place = data.locations.iter().find(|l| l.id == hub.location_id).unwrap();
            assert_eq!(Some(&hub.organization_id), place.organization_id.as_ref());
            assert_eq!(Some(&hub.area_code), place.area_code.as_ref());
            let events = data.hub_events.iter().filter(|e| e.hub_id == hub.id).count();
            assert!(events >= 8, "{}: {events} events", hub.name);
        }

        // Facilities refer to the `hub-facility` terms the set carries.
        let facility_terms: HashSet<&str> = data
            .taxonomy_terms
            .iter()
            .filter(|t| t.taxonomy.as_deref() == Some("hub-facility"))
            .map(|t| t.id.as_str())
            .collect();
        assert_eq!(facility_terms.len(), 10);
        assert!(!data.hub_facilities.is_empty());
        assert!(
            data.hub_facilities
                .iter()
                .all(|f| facility_terms.contains(f.taxonomy_term_id.as_str()))
        );
    }
}
