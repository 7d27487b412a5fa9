//! Demo referral pathways, modelled on the three pilots of young people's
//! mental wellbeing (North Ayrshire, Midlothian, South Lanarkshire: library
//! -> web resource -> peer support -> youth group -> NHS service), plus an
//! older people's pathway in Highland and an unpaid carers' pathway in Fife,
//! all published, and one unfinished draft in Fife. Library steps happen at
//! the pathway's entry locations (whichever library the person walked
//! into), and some steps are instructions with nothing to point at (the
//! carers' "tell your GP practice"). Each area's HSCP owns its
//! pathways; the pilot areas' library services are partners too. About
//! four months of invented referral counts hang off the published ones.
//!
//! Built from the in-memory demo directory, so the whole demo set is still
//! written in one pass. Deterministic for a given `now` (a fixed-seed
//! generator). No tokens are made: `hubgraph token issue` does that.
//!
//! | record | `demo_id(kind, key)` |
//! | --- | --- |
//! | HSCP partner of an area | `("partner", "hscp/S12000021")` |
//! | library partner of a pilot area | `("partner", "library/S12000021")` |
//! | pathway | `("pathway", "young-people/S12000021")`, `("pathway", "older-people/S12000017")`, `("pathway", "carers/S12000047")`, `("pathway", "young-carers/S12000047")` |
//! | step | `("pathway_step", "young-people/S12000021/library")` |

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use entity::{
    location, partner, partner_area, pathway, pathway_activity, pathway_area, pathway_audience, pathway_entry,
    pathway_step, service,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::demo::demo_id;
use crate::bulk::DirectoryData;
use crate::partners::PartnerKind;
use crate::pathways::{PathwayStatus, ReferralMethod, StepKind};

/// The young people's mental wellbeing pilots: North Ayrshire, Midlothian
/// and South Lanarkshire.
pub const PILOT_AREAS: [&str; 3] = ["S12000021", "S12000019", "S12000029"];
/// Where the older people's pathway runs (Highland).
pub const OLDER_PEOPLE_AREA: &str = "S12000017";
/// Where the unpaid carers' pathway (and the draft) runs (Fife).
pub const CARERS_AREA: &str = "S12000047";
/// Days of activity before today.
pub const ACTIVITY_DAYS: i64 = 120;

/// Names of the areas the demo pathways use.
const AREA_NAMES: &[(&str, &str)] = &[
    ("S12000021", "North Ayrshire"),
    ("S12000019", "Midlothian"),
    ("S12000029", "South Lanarkshire"),
    ("S12000017", "Highland"),
    ("S12000047", "Fife"),
];

/// Seed of the generator behind the demo activity.
const DEMO_SEED: u64 = 0x7061_7468;

/// The partner and pathway rows of the demo set.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PathwayData {
    pub partners: Vec<partner::Model>,
    pub partner_areas: Vec<partner_area::Model>,
    pub pathways: Vec<pathway::Model>,
    pub areas: Vec<pathway_area::Model>,
    pub audiences: Vec<pathway_audience::Model>,
    pub entries: Vec<pathway_entry::Model>,
    pub steps: Vec<pathway_step::Model>,
    pub activity: Vec<pathway_activity::Model>,
}

/// The demo HSCP partner of an area.
pub fn hscp_partner_id(area_code: &str) -> String {
    demo_id("partner", &format!("hscp/{area_code}"))
}

/// The demo library partner of a pilot area.
pub fn library_partner_id(area_code: &str) -> String {
    demo_id("partner", &format!("library/{area_code}"))
}

/// A demo pathway by key, e.g. `young-people/S12000021`.
pub fn pathway_id(key: &str) -> String {
    demo_id("pathway", key)
}

fn audience_term(code: &str) -> String {
    demo_id("taxonomy_term", &format!("audience/{code}"))
}

fn area_name(code: &str) -> &'static str {
    AREA_NAMES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("the area", |(_, name)| name)
}

/// `"South Lanarkshire"` -> `"south-lanarkshire"`.
fn slug(name: &str) -> String {
    name.to_lowercase().replace(' ', "-")
}

/// Finding the places and services of an area in the demo directory.
struct Directory<'a> {
    data: &'a DirectoryData,
}

impl<'a> Directory<'a> {
    /// The libraries of an area's library service, in the directory's order
    /// (the first is the main one).
    fn libraries(&self, area_code: &str) -> Vec<&'a location::Model> {
        let library_service = demo_id("organization", &format!("libraries/{area_code}"));
        self.data
            .locations
            .iter()
            .filter(|l| l.area_code.as_deref() == Some(area_code))
            .filter(|l| l.organization_id.as_deref() == Some(library_service.as_str()))
            .collect()
    }

    /// The first service whose name starts with `prefix`, delivered at a
    /// location in the area (and run by `organization`, when given).
    fn service(&self, area_code: &str, prefix: &str, organization: Option<&str>) -> Option<&'a service::Model> {
        let places: HashSet<&str> = self
            .data
            .locations
            .iter()
            .filter(|l| l.area_code.as_deref() == Some(area_code))
            .map(|l| l.id.as_str())
            .collect();
        let delivered: HashSet<&str> = self
            .data
            .service_at_locations
            .iter()
            .filter(|sal| places.contains(sal.location_id.as_str()))
            .map(|sal| sal.service_id.as_str())
            .collect();
        self.data.services.iter().find(|s| {
            s.name.starts_with(prefix)
                && delivered.contains(s.id.as_str())
                && organization.is_none_or(|o| s.organization_id == o)
        })
    }

    fn has_organization(&self, id: &str) -> bool {
        self.data.organizations.iter().any(|o| o.id == id)
    }
}

/// Where a step leads.
enum Target {
    Service(String),
    Url(String),
    /// Whichever of the pathway's entry locations the person is at.
    EntryLocation,
    /// Nowhere: words only.
    Instruction,
}

/// A step before it gets its pathway and position.
struct Step {
    key: &'static str,
    title: String,
    description: String,
    method: ReferralMethod,
    appointment_required: bool,
    eligibility: String,
    contact_instructions: String,
    target: Target,
}

/// A pathway before it is written out.
struct Draft {
    key: String,
    area_code: &'static str,
    name: String,
    description: String,
    status: PathwayStatus,
    audiences: &'static [&'static str],
    entries: Vec<String>,
    steps: Vec<Step>,
}

/// The demo partners, pathways and their activity, built from the demo
/// directory `data`. Steps whose service the directory lacks are left out.
pub fn demo_pathways(data: &DirectoryData, now: DateTime<Utc>) -> PathwayData {
    let directory = Directory { data };
    let mut out = PathwayData::default();
    let since = now - Duration::days(ACTIVITY_DAYS + 45);
    for (area_code, name) in AREA_NAMES {
        if !directory.has_organization(&demo_id("organization", &format!("hscp/{area_code}"))) {
            continue;
        }
        let id = hscp_partner_id(area_code);
        out.partners.push(partner::Model {
            id: id.clone(),
            name: format!("{name} Health and Social Care Partnership"),
            kind: PartnerKind::Hscp.as_str().to_owned(),
            organization_id: None,
            disabled: false,
            created_at: since,
            last_modified: since,
        });
        out.partner_areas.push(partner_area::Model {
            partner_id: id,
            area_code: (*area_code).to_owned(),
        });
    }
    for area_code in PILOT_AREAS {
        let library_service = demo_id("organization", &format!("libraries/{area_code}"));
        let Some(organization) = data.organizations.iter().find(|o| o.id == library_service) else {
            continue;
        };
        out.partners.push(partner::Model {
            id: library_partner_id(area_code),
            name: organization.name.clone(),
            kind: PartnerKind::Library.as_str().to_owned(),
            organization_id: Some(library_service),
            disabled: false,
            created_at: since,
            last_modified: since,
        });
    }

    let mut drafts: Vec<Draft> = PILOT_AREAS.iter().map(|area| young_people(&directory, area)).collect();
    drafts.push(older_people(&directory, OLDER_PEOPLE_AREA));
    drafts.push(carers(&directory, CARERS_AREA));
    drafts.push(young_carers(&directory, CARERS_AREA));

    let mut rng = ChaCha8Rng::seed_from_u64(DEMO_SEED);
    let partners: HashSet<String> = out.partners.iter().map(|p| p.id.clone()).collect();
    for (n, draft) in drafts.into_iter().enumerate() {
        let owner = hscp_partner_id(draft.area_code);
        if !partners.contains(&owner) || draft.steps.is_empty() {
            continue;
        }
        let id = pathway_id(&draft.key);
        let published = draft.status == PathwayStatus::Published;
        // Published pathways were written a few months back and published a
        // few days later (version 2); the draft is recent.
        let (created_at, last_modified) = if published {
            let created = now - Duration::days(ACTIVITY_DAYS + 30 - 3 * n as i64) + Duration::minutes(9 * 60 + 17);
            (created, created + Duration::days(4) + Duration::minutes(95))
        } else {
            let created = now - Duration::days(9) + Duration::minutes(14 * 60 + 5);
            (created, created)
        };
        out.pathways.push(pathway::Model {
            id: id.clone(),
            name: draft.name,
            description: Some(draft.description),
            status: draft.status.as_str().to_owned(),
            owner_partner_id: owner.clone(),
            reviewed_at: published.then_some(last_modified),
            version: if published { 2 } else { 1 },
            created_at,
            last_modified,
        });
        out.areas.push(pathway_area::Model {
            pathway_id: id.clone(),
            area_code: draft.area_code.to_owned(),
        });
        out.audiences
            .extend(draft.audiences.iter().map(|code| pathway_audience::Model {
                pathway_id: id.clone(),
                taxonomy_term_id: audience_term(code),
            }));
        out.entries.extend(
            draft
                .entries
                .iter()
                .enumerate()
                .map(|(i, location_id)| pathway_entry::Model {
                    pathway_id: id.clone(),
                    location_id: location_id.clone(),
                    position: i as i32 + 1,
                }),
        );
        let steps: Vec<pathway_step::Model> = draft
            .steps
            .into_iter()
            .enumerate()
            .map(|(i, step)| {
                let (kind, service_id, url) = match step.target {
                    Target::Service(id) => (StepKind::Service, Some(id), None),
                    Target::Url(url) => (StepKind::Url, None, Some(url)),
                    Target::EntryLocation => (StepKind::EntryLocation, None, None),
                    Target::Instruction => (StepKind::Instruction, None, None),
                };
                pathway_step::Model {
                    id: demo_id("pathway_step", &format!("{}/{}", draft.key, step.key)),
                    pathway_id: id.clone(),
                    position: i as i32 + 1,
                    title: step.title,
                    description: Some(step.description),
                    referral_method: step.method.as_str().to_owned(),
                    appointment_required: step.appointment_required,
                    eligibility: Some(step.eligibility),
                    contact_instructions: Some(step.contact_instructions),
                    kind: kind.stored().to_owned(),
                    service_id,
                    organization_id: None,
                    location_id: None,
                    url,
                }
            })
            .collect();
        if published {
            let library = library_partner_id(draft.area_code);
            let early_steps_by = if partners.contains(&library) {
                library
            } else {
                owner.clone()
            };
            let recorders = Recorders {
                early_steps: &early_steps_by,
                last_step_and_whole: &owner,
            };
            activity(&mut rng, &mut out.activity, &draft.key, &id, &steps, &recorders, now);
        }
        out.steps.extend(steps);
    }
    out
}

/// Who reports the counts of a pathway.
struct Recorders<'a> {
    /// The steps before the last (the library where it has a partner).
    early_steps: &'a str,
    /// The last step and whole-pathway counts (the HSCP).
    last_step_and_whole: &'a str,
}

/// Referral counts along a published pathway on the weekdays of the last
/// [`ACTIVITY_DAYS`] up to yesterday (in Scotland): a few a day per step,
/// fewer further along; now and then a count for the pathway as a whole.
fn activity(
    rng: &mut ChaCha8Rng,
    rows: &mut Vec<pathway_activity::Model>,
    key: &str,
    pathway_id: &str,
    steps: &[pathway_step::Model],
    recorders: &Recorders<'_>,
    now: DateTime<Utc>,
) {
    let today = now.with_timezone(&chrono_tz::Europe::London).date_naive();
    let first = today - Duration::days(ACTIVITY_DAYS);
    let days = first.iter_days().take_while(|d| *d < today);
    for date in days.filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)) {
        let mut push = |rng: &mut ChaCha8Rng, step: Option<&pathway_step::Model>, referrals: i32, partner: &str| {
            let step_key = step.map_or("pathway", |s| s.id.as_str());
            rows.push(pathway_activity::Model {
                id: demo_id("pathway_activity", &format!("{key}/{date}/{step_key}")),
                pathway_id: pathway_id.to_owned(),
                step_id: step.map(|s| s.id.clone()),
                on_date: date,
                referrals,
                partner_id: partner.to_owned(),
                recorded_at: evening(date, rng.random_range(0..180)),
            });
        };
        for (i, step) in steps.iter().enumerate() {
            let most = (6 - i as i32).max(2);
            let referrals = rng.random_range(0..=most);
            if referrals == 0 {
                continue;
            }
            let partner = if i + 1 == steps.len() {
                recorders.last_step_and_whole
            } else {
                recorders.early_steps
            };
            push(rng, Some(step), referrals, partner);
        }
        if rng.random_ratio(1, 12) {
            let referrals = rng.random_range(1..=4);
            push(rng, None, referrals, recorders.last_step_and_whole);
        }
    }
}

/// `minutes` after six in the evening of `date`, Scottish time.
fn evening(date: NaiveDate, minutes: u32) -> DateTime<Utc> {
    let local = date.and_hms_opt(18, 0, 0).unwrap_or_default() + Duration::minutes(i64::from(minutes));
    chrono_tz::Europe::London
        .from_local_datetime(&local)
        .earliest()
        .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
}

fn service_step(
    service: Option<&service::Model>,
    key: &'static str,
    method: ReferralMethod,
    text: impl FnOnce(&service::Model) -> (String, String, String, String),
) -> Option<Step> {
    let service = service?;
    let (title, description, eligibility, contact_instructions) = text(service);
    Some(Step {
        key,
        title,
        description,
        method,
        appointment_required: false,
        eligibility,
        contact_instructions,
        target: Target::Service(service.id.clone()),
    })
}

/// The library step: talk to staff at whichever of the area's libraries
/// (the pathway's entry locations) the person walked into.
fn library_step(main_library: &location::Model, area: &str, description: &str, eligibility: &str) -> Step {
    Step {
        key: "library",
        title: "Talk to library staff".into(),
        description: description.into(),
        method: ReferralMethod::Signposting,
        appointment_required: false,
        eligibility: eligibility.into(),
        contact_instructions: format!(
            "Ask at the counter of {} or any {area} library during opening hours; no appointment needed.",
            main_library.name.as_deref().unwrap_or("the library")
        ),
        target: Target::EntryLocation,
    }
}

fn young_people(directory: &Directory<'_>, area_code: &'static str) -> Draft {
    let area = area_name(area_code);
    let libraries = directory.libraries(area_code);
    let third_sector = demo_id("organization", &format!("third-sector/{area_code}"));
    let hscp = demo_id("organization", &format!("hscp/{area_code}"));
    let mut steps = Vec::new();
    if let Some(main) = libraries.first() {
        steps.push(library_step(
            main,
            area,
            "Library staff are trained to listen and can talk through what's on your mind in a quiet corner, \
             find self-help books from the wellbeing shelf and show you the next steps below.",
            "Young people aged 12 to 25, on their own, with a friend or with a parent or carer",
        ));
    }
    steps.push(Step {
        key: "web",
        title: "Use the young people's wellbeing guide".into(),
        description: format!(
            "A trusted online guide, checked by the {area} wellbeing team, with short videos and self-help \
             tools for stress, sleep, exam worries and low mood."
        ),
        method: ReferralMethod::SelfReferral,
        appointment_required: false,
        eligibility: "Anyone; written for young people aged 12 to 25".into(),
        contact_instructions: "Open the guide on your phone or on a library computer; library staff can help you \
                               find it."
            .into(),
        target: Target::Url(format!("https://wellbeing.example.org/young-people/{}", slug(area))),
    });
    steps.extend(service_step(
        directory.service(area_code, "Peer support for young people at ", None),
        "peer",
        ReferralMethod::SelfReferral,
        |_| {
            (
                "Talk to other young people at peer support".into(),
                "Trained young volunteers run a safe space to talk with people who get it. Guidance teachers and \
                 school librarians can tell you when it meets."
                    .into(),
                "Young people aged 12 to 25".into(),
                "Drop in at the session times; you can bring a friend.".into(),
            )
        },
    ));
    steps.extend(service_step(
        directory.service(area_code, "Young people's wellbeing group at ", Some(&third_sector)),
        "group",
        ReferralMethod::SelfReferral,
        |_| {
            (
                "Join the young people's wellbeing group".into(),
                "A weekly group with youth workers to try out ways to manage stress and low mood, from art and \
                 music to walks."
                    .into(),
                "Young people aged 12 to 25".into(),
                "Drop in, or text a youth worker first if you would like someone to meet you at the door.".into(),
            )
        },
    ));
    let clinic = directory.service(area_code, "Young people's wellbeing clinic at ", Some(&hscp));
    let nhs = match clinic {
        Some(clinic) => service_step(Some(clinic), "nhs", ReferralMethod::ProfessionalReferral, |_| {
            (
                "See the young people's wellbeing clinic".into(),
                "Up to six sessions with an NHS wellbeing practitioner, face to face or by video, when worries \
                 have lasted more than a few weeks."
                    .into(),
                format!("Young people aged 12 to 25 living in {area}"),
                "Ask your GP, school nurse or guidance teacher to refer you; a youth worker can make the referral \
                 with you."
                    .into(),
            )
        }),
        None => service_step(
            directory.service(area_code, "Community link worker sessions at ", Some(&hscp)),
            "nhs",
            ReferralMethod::EReferral,
            |_| {
                (
                    "Meet a community link worker".into(),
                    "A link worker at the health centre helps with whatever is affecting your wellbeing and \
                     connects you with further NHS support."
                        .into(),
                    format!("Young people aged 16 to 25 registered with a GP practice in {area}"),
                    "Your GP practice or youth worker sends an electronic referral; the link worker phones you \
                     within two weeks to arrange a first meeting."
                        .into(),
                )
            },
        ),
    };
    steps.extend(nhs.map(|step| Step {
        appointment_required: true,
        ..step
    }));
    Draft {
        key: format!("young-people/{area_code}"),
        area_code,
        name: format!("Young people's mental wellbeing in {area}: from the library to support"),
        description: format!(
            "For young people aged 12 to 25 who feel anxious, low or stressed, and the adults who help them. \
             Start at any {area} library: staff point the way to a trusted online guide, peer support and a \
             youth group, and to NHS support when more help is needed."
        ),
        status: PathwayStatus::Published,
        audiences: &["young-people"],
        entries: libraries.iter().map(|l| l.id.clone()).collect(),
        steps,
    }
}

fn older_people(directory: &Directory<'_>, area_code: &'static str) -> Draft {
    let area = area_name(area_code);
    let libraries = directory.libraries(area_code);
    let library_ids: HashSet<&str> = libraries.iter().map(|l| l.id.as_str()).collect();
    let library_service = demo_id("organization", &format!("libraries/{area_code}"));
    let third_sector = demo_id("organization", &format!("third-sector/{area_code}"));
    let hscp = demo_id("organization", &format!("hscp/{area_code}"));
    let mut steps = Vec::new();
    let drop_in = directory.service(area_code, "Digital drop-in at ", Some(&library_service));
    steps.extend(service_step(drop_in, "library", ReferralMethod::Signposting, |_| {
        (
            "Get help at the library's digital drop-in".into(),
            "Library staff help with phones, tablets and video calls, so you can keep in touch with family and \
             find out what is on nearby. They can tell you about the steps below."
                .into(),
            "Anyone; most people who come are over 60".into(),
            "Drop in during the session, or book a slot at the counter to be sure of a helper.".into(),
        )
    }));
    steps.extend(service_step(
        directory.service(area_code, "Chatty café at ", Some(&third_sector)),
        "cafe",
        ReferralMethod::SelfReferral,
        |_| {
            (
                "Come along to a chatty café".into(),
                "Tea, coffee and conversation with volunteers who make sure nobody sits on their own.".into(),
                "Anyone who would like some company".into(),
                "Just turn up; a volunteer will introduce you if you come on your own.".into(),
            )
        },
    ));
    let activity = directory
        .service(area_code, "Walking group at ", Some(&third_sector))
        .or_else(|| directory.service(area_code, "Chair exercise for over-60s at ", Some(&third_sector)));
    steps.extend(service_step(activity, "activity", ReferralMethod::SelfReferral, |s| {
        let what = if s.name.starts_with("Walking") {
            "a led walk at an easy pace"
        } else {
            "a seated exercise class"
        };
        (
            "Get moving with others".into(),
            format!("Build strength and confidence with {what}, finishing with a cuppa."),
            "People over 60; check with your GP first if you have been unwell recently".into(),
            "Drop in; tell the leader if it is your first time.".into(),
        )
    }));
    let link_worker = directory.service(area_code, "Community link worker sessions at ", Some(&hscp));
    steps.extend(
        service_step(link_worker, "link-worker", ReferralMethod::ProfessionalReferral, |_| {
            (
                "Meet a community link worker".into(),
                "When loneliness, money or housing worries get in the way, a link worker at the health centre \
                 looks at what matters to you and finds the right help, such as befriending or home support."
                    .into(),
                format!("People aged 60 and over registered with a GP practice in {area}"),
                "Ask your GP practice to refer you; library and café volunteers can help you ask.".into(),
            )
        })
        .map(|step| Step {
            appointment_required: true,
            ..step
        }),
    );
    // The drop-in's own library comes first among the entry points.
    let mut entries: Vec<String> = drop_in
        .and_then(|s| {
            directory
                .data
                .service_at_locations
                .iter()
                .find(|sal| sal.service_id == s.id && library_ids.contains(sal.location_id.as_str()))
        })
        .map(|sal| vec![sal.location_id.clone()])
        .unwrap_or_default();
    let others: Vec<String> = libraries
        .iter()
        .map(|l| l.id.clone())
        .filter(|id| !entries.contains(id))
        .collect();
    entries.extend(others);
    Draft {
        key: format!("older-people/{area_code}"),
        area_code,
        name: format!("Older people in {area}: staying connected"),
        description: format!(
            "For people over 60 in {area} who feel lonely, have lost confidence after an illness or a bereavement, or \
             want to get out more. It starts with help getting online at the library, then a chatty café and \
             a gentle activity, and a community link worker when more help is needed."
        ),
        status: PathwayStatus::Published,
        audiences: &["older-people"],
        entries,
        steps,
    }
}

fn carers(directory: &Directory<'_>, area_code: &'static str) -> Draft {
    let area = area_name(area_code);
    let libraries = directory.libraries(area_code);
    let third_sector = demo_id("organization", &format!("third-sector/{area_code}"));
    let hscp = demo_id("organization", &format!("hscp/{area_code}"));
    let mut steps = Vec::new();
    if let Some(main) = libraries.first() {
        steps.push(library_step(
            main,
            area,
            "Many people do not think of themselves as carers. Library staff can give you the carers' \
             information pack, help you look things up and point you to the advice line.",
            "Anyone looking after a relative, partner or friend who could not manage without them",
        ));
    }
    steps.extend(service_step(
        directory.service(area_code, "Carers' advice line at ", Some(&third_sector)),
        "advice-line",
        ReferralMethod::SelfReferral,
        |_| {
            (
                "Call the carers' advice line".into(),
                "Carers' advisers explain your rights, benefits and short breaks, and can arrange a home visit.".into(),
                "Unpaid carers and the people supporting them".into(),
                "Phone during opening hours; if the line is busy, leave a message and an adviser calls back the \
                 same day."
                    .into(),
            )
        },
    ));
    steps.extend(service_step(
        directory.service(area_code, "Carers' support drop-in at ", Some(&hscp)),
        "support-worker",
        ReferralMethod::Signposting,
        |_| {
            (
                "Talk to a carers' support worker".into(),
                "A carers' support worker at the health centre helps you make an adult carer support plan and \
                 arrange a short break."
                    .into(),
                format!("Unpaid carers living in {area} or caring for someone who lives there"),
                "Drop in during the session; the advice line can tell the worker you are coming.".into(),
            )
        },
    ));
    steps.extend(service_step(
        directory.service(area_code, "Befriending service at ", Some(&third_sector)),
        "befriending",
        ReferralMethod::ProfessionalReferral,
        |_| {
            (
                "Arrange befriending for the person you care for".into(),
                "A trained volunteer visits or phones the person you look after every week, so you get a \
                 regular break and they get a friendly face."
                    .into(),
                "People aged 60 and over who are cared for at home".into(),
                "Your carers' support worker makes the referral with you; the coordinator then phones to arrange \
                 a first visit."
                    .into(),
            )
        },
    ));
    // Nothing to point at: any GP practice will do, and it is the person's own.
    steps.push(Step {
        key: "gp",
        title: "Tell your GP practice you are a carer".into(),
        description: "Your practice can note it on your record, offer you a flu vaccine and fit appointments \
                      around your caring."
            .into(),
        method: ReferralMethod::SelfReferral,
        appointment_required: false,
        eligibility: "Unpaid carers registered with a GP practice".into(),
        contact_instructions: "Tell the receptionist, or tick the carers' box on the practice's online form.".into(),
        target: Target::Instruction,
    });
    Draft {
        key: format!("carers/{area_code}"),
        area_code,
        name: format!("Unpaid carers in {area}: first steps to support"),
        description: format!(
            "For anyone in {area} looking after a relative, partner or friend. From a conversation at the \
             library to advice, a carers' support plan and a regular break through befriending."
        ),
        status: PathwayStatus::Published,
        audiences: &["carers"],
        entries: libraries.iter().map(|l| l.id.clone()).collect(),
        steps,
    }
}

/// A pathway still being written, visible only to its owner, and not
/// finished: its library step happens at the entry locations, which are
/// still to be chosen, so publishing it says so.
fn young_carers(directory: &Directory<'_>, area_code: &'static str) -> Draft {
    let area = area_name(area_code);
    let hscp = demo_id("organization", &format!("hscp/{area_code}"));
    let mut steps = vec![
        Step {
            key: "school",
            title: "Tell someone at school".into(),
            description: "Guidance teachers use the young carers' guide for schools to spot young carers and talk \
                          about what would help, from homework time to a quiet space."
                .into(),
            method: ReferralMethod::Signposting,
            appointment_required: false,
            eligibility: "Pupils who help to look after someone in their family".into(),
            contact_instructions: format!(
                "Talk to your guidance teacher, or ask them to read the guide at \
                 https://wellbeing.example.org/young-carers/{}.",
                slug(area)
            ),
            target: Target::Instruction,
        },
        Step {
            key: "library",
            title: "Pick up the young carers' pack at the library".into(),
            description: "Library staff keep the young carers' pack: what a young carer statement is, who to \
                          talk to, and a card to show at school."
                .into(),
            method: ReferralMethod::SelfReferral,
            appointment_required: false,
            eligibility: "Young carers and anyone helping them".into(),
            contact_instructions: "Ask at the counter; no need to say why.".into(),
            target: Target::EntryLocation,
        },
    ];
    steps.extend(service_step(
        directory.service(area_code, "Peer support for young people at ", None),
        "peer",
        ReferralMethod::SelfReferral,
        |_| {
            (
                "Meet other young carers".into(),
                "Peer support where young carers are especially welcome.".into(),
                "Young people aged 12 to 25".into(),
                "Drop in at the session times.".into(),
            )
        },
    ));
    steps.extend(service_step(
        directory.service(area_code, "Carers' support drop-in at ", Some(&hscp)),
        "short-breaks",
        ReferralMethod::ProfessionalReferral,
        |_| {
            (
                "Plan a short break".into(),
                "A young carer statement and a short break, arranged with a carers' support worker.".into(),
                "Young carers and their families".into(),
                "To be agreed with the school and the carers' team.".into(),
            )
        },
    ));
    Draft {
        key: format!("young-carers/{area_code}"),
        area_code,
        name: "Young carers: school to short breaks".into(),
        description: "Draft: from school and the library to peer support and short breaks for young carers. \
                      The libraries are still to be chosen."
            .into(),
        status: PathwayStatus::Draft,
        audiences: &["young-carers", "young-people"],
        entries: Vec::new(),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::seed::demo::demo_directory;

    fn sample(now: DateTime<Utc>) -> PathwayData {
        demo_pathways(&demo_directory(now), now)
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
    }

    #[test]
    fn the_same_now_gives_the_same_pathways_and_activity() {
        let a = sample(now());
        let b = sample(now());
        assert_eq!(a, b);
        assert!(!a.activity.is_empty());
    }

    #[test]
    fn five_published_pathways_and_a_draft_with_every_step_found() {
        let data = sample(now());
        let published: Vec<&pathway::Model> = data.pathways.iter().filter(|p| p.status == "published").collect();
        assert_eq!(published.len(), 5);
        assert_eq!(data.pathways.len(), 6);
        for pathway in &data.pathways {
            let steps = data.steps.iter().filter(|s| s.pathway_id == pathway.id).count();
            let expected = if pathway.name.starts_with("Young people's") || pathway.name.starts_with("Unpaid carers") {
                5
            } else {
                4
            };
            assert_eq!(steps, expected, "{}", pathway.name);
        }
        assert_eq!(data.partners.len(), 8);
    }

    #[test]
    fn library_steps_happen_at_the_entry_libraries_and_the_draft_has_none_yet() {
        let data = sample(now());
        let mut instructions = 0;
        for pathway in &data.pathways {
            let kinds: Vec<StepKind> = data
                .steps
                .iter()
                .filter(|s| s.pathway_id == pathway.id)
                .map(|s| StepKind::of(s).expect("a known kind"))
                .collect();
            assert!(!kinds.contains(&StepKind::TargetRemoved), "{}", pathway.name);
            instructions += kinds.iter().filter(|k| **k == StepKind::Instruction).count();
            let entries = data.entries.iter().filter(|e| e.pathway_id == pathway.id).count();
            if pathway.status == "draft" {
                assert_eq!(kinds[..2], [StepKind::Instruction, StepKind::EntryLocation]);
                assert_eq!(entries, 0, "the draft's libraries are still to be chosen");
            } else if pathway.name.starts_with("Young people's") || pathway.name.starts_with("Unpaid carers") {
                assert_eq!(kinds[0], StepKind::EntryLocation, "{}", pathway.name);
                assert!(entries > 1, "{}", pathway.name);
            } else {
                assert!(!kinds.contains(&StepKind::EntryLocation), "{}", pathway.name);
            }
        }
        assert_eq!(instructions, 2, "the carers' GP step and the draft's school step");
    }

    #[test]
    fn activity_covers_weekdays_up_to_yesterday() {
        let data = sample(now());
        let today = now().date_naive();
        let dates: HashSet<NaiveDate> = data.activity.iter().map(|a| a.on_date).collect();
        assert!(
            dates
                .iter()
                .all(|d| *d < today && *d >= today - Duration::days(ACTIVITY_DAYS))
        );
        assert!(
            dates
                .iter()
                .all(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        );
        assert!(data.activity.iter().all(|a| (1..=6).contains(&a.referrals)));
        assert!(data.activity.iter().any(|a| a.step_id.is_none()));
        assert!(data.activity.iter().all(|a| a.recorded_at < now()));
        let ids: HashSet<&str> = data.activity.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids.len(), data.activity.len());
    }
}
