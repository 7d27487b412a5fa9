//! Properties of the code that reads text from anyone: the postcode parser,
//! the global id decoder and the opening-hours evaluator. Each runs on
//! hundreds of generated inputs (proptest) and must never panic, and must
//! give back what it was given where a round trip exists.

use chrono::{DateTime, TimeZone, Utc};
use entity::schedule::Model as Schedule;
use hubgraph::graphql::ids::{self, Kind};
use hubgraph::services::opening;
use hubgraph::services::postcode::Postcode;
use proptest::prelude::*;

const KINDS: [Kind; 7] = [
    Kind::Organization,
    Kind::Service,
    Kind::Location,
    Kind::TaxonomyTerm,
    Kind::Partner,
    Kind::Hub,
    Kind::Pathway,
];

/// Outward and inward codes in the shapes UK postcodes take (A9, A99, AA9,
/// AA99, A9A, AA9A, then a sector digit and two unit letters).
fn postcode() -> impl Strategy<Value = (String, String)> {
    let outward = prop_oneof![
        "[A-Z][0-9]",
        "[A-Z][0-9][0-9]",
        "[A-Z][A-Z][0-9]",
        "[A-Z][A-Z][0-9][0-9]",
        "[A-Z][0-9][A-Z]",
        "[A-Z][A-Z][0-9][A-Z]",
    ];
    // The unit letters never include C, I, K, M, O or V.
    (outward, "[0-9][ABD-HJLNP-UW-Z]{2}")
}

fn day() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["MO", "TU", "WE", "TH", "FR", "SA", "SU", "1MO", "-1FR", "XX", ""]).prop_map(String::from)
}

fn time() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        (0u32..24, 0u32..60).prop_map(|(h, m)| Some(format!("{h:02}:{m:02}"))),
        ".{0,8}".prop_map(Some),
    ]
}

fn schedule() -> impl Strategy<Value = Schedule> {
    (
        prop::option::of(prop::sample::select(vec!["WEEKLY", "MONTHLY", "DAILY", "weekly", ""])),
        prop::collection::vec(day(), 0..4),
        time(),
        time(),
        any::<bool>(),
        prop::option::of(-3i32..60),
        prop::option::of("(-?[0-9]{1,2},?){0,3}"),
        prop::option::of(0i64..4000),
    )
        .prop_map(
            |(freq, days, opens_at, closes_at, closed, interval, bymonthday, from)| {
                let base = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
                let date = from.map(|d| base + chrono::Days::new(d as u64));
                Schedule {
                    id: "s".into(),
                    service_id: None,
                    location_id: Some("l".into()),
                    service_at_location_id: None,
                    valid_from: date,
                    valid_to: date.map(|d| d + chrono::Days::new(30)),
                    dtstart: date,
                    timezone: None,
                    until: None,
                    count: None,
                    wkst: None,
                    freq: freq.map(String::from),
                    interval,
                    byday: Some(days.join(",")),
                    byweekno: None,
                    bymonthday,
                    byyearday: None,
                    description: None,
                    opens_at,
                    closes_at,
                    schedule_link: None,
                    attending_type: None,
                    notes: None,
                    closed,
                }
            },
        )
}

fn moment() -> impl Strategy<Value = DateTime<Utc>> {
    // 2024 to 2030, to the second: spans clock changes both ways.
    (1_704_067_200i64..1_924_992_000).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn postcode_parsing_never_panics(text in ".{0,40}") {
        let _ = Postcode::parse(&text);
    }

    #[test]
    fn postcodes_parse_in_any_case_and_spacing_and_normalise_once(
        (outward, inward) in postcode(),
        lower in any::<bool>(),
        spaces in "[ \t]{0,3}",
    ) {
        let text = format!("{spaces}{outward}{spaces}{inward}{spaces}");
        let text = if lower { text.to_lowercase() } else { text };
        let parsed = Postcode::parse(&text);
        prop_assert!(parsed.is_ok(), "{text:?} refused");
        let normalised = parsed.unwrap().normalized();
        prop_assert_eq!(&normalised, &format!("{outward} {inward}"));
        prop_assert_eq!(Postcode::parse(&normalised).unwrap().normalized(), normalised);
    }

    #[test]
    fn id_decoding_never_panics(text in ".{0,80}") {
        let _ = ids::decode_any(&text);
        let _ = ids::decode(&text, Kind::Service, &["id"]);
    }

    #[test]
    fn global_ids_round_trip(kind in prop::sample::select(KINDS.to_vec()), raw in "[^\\x00]{1,60}") {
        let id = ids::encode(kind, &raw);
        let (decoded_kind, decoded_raw) = ids::decode_any(&id).expect("an encoded id decodes");
        prop_assert_eq!(decoded_kind, kind);
        prop_assert_eq!(decoded_raw, raw.clone());
        // Raw ids pass through typed lookups as they are, encoded ones decode.
        prop_assert_eq!(ids::decode(&id, kind, &["id"]).unwrap(), raw);
    }

    /// Text no database column may hold never comes out of an id.
    #[test]
    fn ids_hiding_a_nul_never_decode(kind in prop::sample::select(KINDS.to_vec()), before in "[a-z0-9-]{0,20}", after in "[a-z0-9-]{0,20}") {
        let id = ids::encode(kind, &format!("{before}\0{after}"));
        prop_assert!(ids::decode_any(&id).is_none());
        prop_assert!(ids::decode(&id, kind, &["id"]).is_err());
    }

    #[test]
    fn opening_hours_never_panic(schedules in prop::collection::vec(schedule(), 0..5), at in moment()) {
        for row in &schedules {
            let _ = opening::validate(row);
        }
        let answer = opening::is_open(&schedules, at);
        prop_assert_eq!(answer.is_none(), schedules.is_empty());
    }

    #[test]
    fn a_closure_over_the_whole_day_always_closes(mut schedules in prop::collection::vec(schedule(), 0..4), at in moment()) {
        let local = at.with_timezone(&chrono_tz::Europe::London).date_naive();
        let mut closure = schedules.first().cloned().unwrap_or_else(|| {
            let mut row = schedule_template();
            row.location_id = Some("l".into());
            row
        });
        closure.freq = None;
        closure.byday = None;
        closure.bymonthday = None;
        closure.interval = None;
        closure.valid_from = Some(local);
        closure.valid_to = Some(local);
        closure.dtstart = Some(local);
        closure.opens_at = Some("00:00".into());
        closure.closes_at = Some("23:59:59".into());
        closure.closed = true;
        schedules.push(closure);
        prop_assert_eq!(opening::is_open(&schedules, at), Some(false));
    }
}

fn schedule_template() -> Schedule {
    Schedule {
        id: "closure".into(),
        service_id: None,
        location_id: None,
        service_at_location_id: None,
        valid_from: None,
        valid_to: None,
        dtstart: None,
        timezone: None,
        until: None,
        count: None,
        wkst: None,
        freq: None,
        interval: None,
        byday: None,
        byweekno: None,
        bymonthday: None,
        byyearday: None,
        description: None,
        opens_at: None,
        closes_at: None,
        schedule_link: None,
        attending_type: None,
        notes: None,
        closed: false,
    }
}
