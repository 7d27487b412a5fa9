//! The fictional Scotland-wide demo directory that `hubgraph seed demo` and
//! `hubgraph serve --demo` load.
//!
//! Venues come from `src/demo/places.csv`: libraries, health centres,
//! community centres, youth projects and voluntary offices in all 32 council
//! areas. Everything else (organisations, services, timetables, phone numbers,
//! contacts) is invented here from small tables, so the directory reads like a
//! real one without describing any real body's actual offer. Phone numbers sit
//! in Ofcom's ranges reserved for drama; web and email addresses are under
//! `example.org`.
//!
//! Ids are UUID v5 of a stable key, so reseeding gives the same ids and other
//! demo data (hubs, pathways, tests) can name records by key:
//!
//! | record | `demo_id(kind, key)` |
//! | --- | --- |
//! | taxonomy | `("taxonomy", "service-category")` |
//! | taxonomy term | `("taxonomy_term", "service-category/warm-spaces")` |
//! | library service of an area | `("organization", "libraries/S12000036")` |
//! | HSCP of an area | `("organization", "hscp/S12000036")`; Clackmannanshire and Stirling share one partnership, keyed `hscp/S12000005` |
//! | third-sector body of an area | `("organization", "third-sector/S12000036")` |
//! | national body | `("organization", "national/thistle-carers")` |
//! | venue | `("location", "S12000036/leith-library")` |
//! | service at a venue | `("service", "S12000036/leith-library/warm-space")` |
//! | national service | `("service", "national/carers-helpline")` |

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use entity::{
    accessibility, address, attribute, contact, cost_option, language, location, organization, organization_identifier,
    phone, schedule, service, service_area, service_at_location, taxonomy, taxonomy_term,
};
use uuid::Uuid;

use crate::bulk::DirectoryData;

/// Namespace of every demo id ("hubgraph-demo-" in ASCII, then 0001).
const NAMESPACE: Uuid = Uuid::from_u128(0x6875_6267_7261_7068_2d64_656d_6f2d_0001);

const PLACES_CSV: &str = include_str!("../demo/places.csv");
const COUNCIL_AREAS_CSV: &str = include_str!("../../migration/src/scottish-council-areas.csv");

/// Stable UUID (v5, in a fixed project namespace) for a demo record, so ids never change between runs.
pub fn demo_id(kind: &str, key: &str) -> String {
    Uuid::new_v5(&NAMESPACE, format!("{kind}:{key}").as_bytes())
        .hyphenated()
        .to_string()
}

/// The fictional Scotland-wide demo directory. Deterministic: same output every call for the same `now`.
pub fn demo_directory(now: DateTime<Utc>) -> DirectoryData {
    let areas = council_areas();
    let places = places();
    let mut demo = Demo::new(now);
    demo.taxonomies();
    demo.organizations(&areas);
    demo.venues(&areas, &places);
    demo.local_services(&areas, &places);
    demo.national_services();
    demo.one_off_schedules();
    demo.data
}

// ---- reference data ---------------------------------------------------------

const SCOTLAND: &str = "SCOTLAND";
const CLACKMANNANSHIRE: &str = "S12000005";
const STIRLING: &str = "S12000030";
const EDINBURGH: &str = "S12000036";
const GLASGOW: &str = "S12000049";
const HIGHLAND: &str = "S12000017";
const ARGYLL_AND_BUTE: &str = "S12000035";
const WESTERN_ISLES: &str = "S12000013";
/// Areas whose services offer a spread of community languages.
const CITY_AREAS: &[&str] = &[EDINBURGH, GLASGOW, "S12000033", "S12000042"];

struct Area {
    code: &'static str,
    name: &'static str,
    slug: String,
}

fn council_areas() -> Vec<Area> {
    COUNCIL_AREAS_CSV
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(','))
        .map(|(code, name)| {
            let name = name.trim().trim_matches('"');
            Area {
                code: code.trim(),
                name,
                slug: slug(name),
            }
        })
        .collect()
}

fn area<'a>(areas: &'a [Area], code: &str) -> &'a Area {
    // Both files ship inside the binary and the tests check every venue's area.
    areas
        .iter()
        .find(|a| a.code == code)
        .unwrap_or_else(|| panic!("unknown council area {code}"))
}

/// Clackmannanshire and Stirling share one partnership (as in the `area` table).
fn hscp_lead(area_code: &str) -> &str {
    if area_code == STIRLING {
        CLACKMANNANSHIRE
    } else {
        area_code
    }
}

fn hscp_name(area: &Area) -> String {
    match area.code {
        CLACKMANNANSHIRE | STIRLING => "Clackmannanshire and Stirling Health and Social Care Partnership".into(),
        _ => format!("{} Health and Social Care Partnership", area.name),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum VenueKind {
    Library,
    Community,
    Health,
    Youth,
    Office,
}

/// One row of `places.csv`.
struct Place {
    area_code: &'static str,
    kind: VenueKind,
    name: &'static str,
    address1: &'static str,
    city: &'static str,
    postcode: &'static str,
    latitude: f64,
    longitude: f64,
}

impl Place {
    /// Key of the venue's location; area code first because venue names repeat across Scotland.
    fn key(&self) -> String {
        format!("{}/{}", self.area_code, slug(self.name))
    }

    /// Libraries belong to the library service, health centres to the HSCP,
    /// and every other venue to the area's third-sector body.
    fn organization_key(&self) -> String {
        match self.kind {
            VenueKind::Library => format!("libraries/{}", self.area_code),
            VenueKind::Health => format!("hscp/{}", hscp_lead(self.area_code)),
            VenueKind::Community | VenueKind::Youth | VenueKind::Office => {
                format!("third-sector/{}", self.area_code)
            }
        }
    }
}

/// Parses the compiled-in venue list. The file has no quoting, so a plain split
/// on commas is enough; a malformed row is a build-time mistake the tests catch.
fn places() -> Vec<Place> {
    PLACES_CSV
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(parse_place)
        .collect()
}

fn parse_place(line: &'static str) -> Place {
    let fields: Vec<&'static str> = line.split(',').map(str::trim).collect();
    let [area_code, kind, name, address1, city, postcode, latitude, longitude] = fields[..] else {
        panic!("places.csv: expected 8 fields in {line:?}");
    };
    let kind = match kind {
        "library" => VenueKind::Library,
        "community" => VenueKind::Community,
        "health" => VenueKind::Health,
        "youth" => VenueKind::Youth,
        "office" => VenueKind::Office,
        other => panic!("places.csv: unknown kind {other:?}"),
    };
    let coordinate = |text: &str| {
        text.parse::<f64>()
            .unwrap_or_else(|_| panic!("places.csv: bad coordinate {text:?}"))
    };
    Place {
        area_code,
        kind,
        name,
        address1,
        city,
        postcode,
        latitude: coordinate(latitude),
        longitude: coordinate(longitude),
    }
}

/// `"Bo'ness Library"` -> `"boness-library"`.
fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if c == '\'' || c == '\u{2019}' {
            // Apostrophes vanish rather than split a word.
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

// ---- taxonomies -------------------------------------------------------------

const CATEGORY: &str = "service-category";
const AUDIENCE: &str = "audience";
const ACCESSIBILITY: &str = "accessibility";
const HUB_FACILITY: &str = "hub-facility";

/// A term: code (unique within its taxonomy), parent code, name, description.
type TermRow = (&'static str, Option<&'static str>, &'static str, &'static str);

struct TaxonomyDef {
    name: &'static str,
    description: &'static str,
    terms: &'static [TermRow],
}

const TAXONOMIES: &[TaxonomyDef] = &[
    TaxonomyDef {
        name: CATEGORY,
        description: "What a service offers. A tree: broad headings with more specific terms beneath.",
        terms: CATEGORY_TERMS,
    },
    TaxonomyDef {
        name: AUDIENCE,
        description: "Who a service or pathway is for.",
        terms: AUDIENCE_TERMS,
    },
    TaxonomyDef {
        name: ACCESSIBILITY,
        description: "Access features of a venue, so people can check before they travel.",
        terms: ACCESSIBILITY_TERMS,
    },
    TaxonomyDef {
        name: HUB_FACILITY,
        description: "Facilities a community or health and wellbeing hub has on offer right now.",
        terms: HUB_FACILITY_TERMS,
    },
];

const MENTAL_HEALTH: Option<&str> = Some("mental-health-and-wellbeing");
const CARERS: Option<&str> = Some("carers");
const DIGITAL: Option<&str> = Some("digital-inclusion");
const FOOD: Option<&str> = Some("food");
const SOCIAL: Option<&str> = Some("social-connection");
const HEALTH_INFO: Option<&str> = Some("health-information");
const ACTIVITY: Option<&str> = Some("physical-activity");
const MONEY: Option<&str> = Some("money-and-energy-advice");
const LEARNING: Option<&str> = Some("learning-and-reading");

#[rustfmt::skip] // one term a line reads as a table
const CATEGORY_TERMS: &[TermRow] = &[
    ("mental-health-and-wellbeing", None, "Mental health and wellbeing", "Support to look after your mental health, from a friendly chat to counselling."),
    ("young-peoples-mental-wellbeing", MENTAL_HEALTH, "Young people's mental wellbeing", "Groups, clinics and online support for young people's emotional wellbeing."),
    ("counselling", MENTAL_HEALTH, "Counselling", "Talking therapy with a trained counsellor, one to one or in a small group."),
    ("peer-support", MENTAL_HEALTH, "Peer support", "Meeting people who have been through something similar and sharing what helps."),
    ("community-link-working", MENTAL_HEALTH, "Community link working", "Link workers, often based in GP practices, who help you find local support for what matters to you."),
    ("carers", None, "Carers", "Help for unpaid carers looking after a relative, partner or friend."),
    ("carers-support", CARERS, "Carers' support", "Advice, adult carer support plans, young carer statements, emotional support and groups for unpaid carers."),
    ("short-breaks", CARERS, "Short breaks", "Time away from caring, for the carer or for the person they look after."),
    ("digital-inclusion", None, "Digital inclusion", "Getting online: devices, data and the skills to use them."),
    ("device-lending", DIGITAL, "Device lending", "Borrow a tablet, laptop or mobile wifi device, often with data included."),
    ("digital-skills", DIGITAL, "Digital skills", "Help with phones, tablets and computers: email, video calls, online forms and staying safe online."),
    ("food", None, "Food", "Food support, shared meals and collection points."),
    ("food-and-prescription-collection", FOOD, "Food and prescription collection", "Pick up a food parcel or a prescription from a convenient local venue."),
    ("community-meals", FOOD, "Community meals", "Shared meals in a community setting, free or low cost."),
    ("food-larder", FOOD, "Food larder", "Low-cost or free groceries from a community larder or pantry."),
    ("social-connection", None, "Social connection", "Ways to meet people and feel less lonely."),
    ("chatty-cafes", SOCIAL, "Chatty cafés", "Sessions where anyone can sit down for a cuppa and a chat."),
    ("befriending", SOCIAL, "Befriending", "Regular visits or phone calls from a trained volunteer."),
    ("warm-spaces", None, "Warm spaces", "Free, warm and welcoming places to spend time in the colder months, no questions asked."),
    ("health-information", None, "Health information", "Reliable information about health, conditions and local services."),
    ("health-information-points", HEALTH_INFO, "Health information points", "Staffed points with leaflets, self-help books and help finding NHS information."),
    ("long-term-conditions", HEALTH_INFO, "Long-term conditions", "Support for living well with conditions such as diabetes, COPD or arthritis."),
    ("physical-activity", None, "Physical activity", "Gentle ways to get moving, at your own pace."),
    ("walking-groups", ACTIVITY, "Walking groups", "Short led walks at an easy pace, usually followed by a cuppa."),
    ("chair-exercise", ACTIVITY, "Chair exercise", "Seated exercise classes to build strength and balance."),
    ("money-and-energy-advice", None, "Money and energy advice", "Help with benefits, debt, bills and keeping your home warm."),
    ("benefits-and-debt-advice", MONEY, "Benefits and debt advice", "Checking what you are entitled to, and help with debt and budgeting."),
    ("energy-advice", MONEY, "Energy advice", "Help with energy bills, meters, grants and keeping warm for less."),
    ("learning-and-reading", None, "Learning and reading", "Books, reading and learning together."),
    ("reading-groups", LEARNING, "Reading groups", "Groups that meet to read and talk about stories and poems."),
    ("rhyme-time", LEARNING, "Rhyme time", "Songs, rhymes and stories for babies and young children with their grown-ups."),
];

#[rustfmt::skip] // one term a line reads as a table
const AUDIENCE_TERMS: &[TermRow] = &[
    ("children", None, "Children", "Children up to 11, usually with a parent or carer."),
    ("young-people", None, "Young people", "Young people aged roughly 12 to 25."),
    ("adults", None, "Adults", "Adults of any age."),
    ("older-people", None, "Older people", "People aged 60 and over."),
    ("carers", None, "Carers", "Unpaid carers looking after a relative, partner or friend."),
    ("young-carers", Some("carers"), "Young carers", "Children and young people who help to look after someone in their family."),
    ("care-at-home-staff", None, "Care-at-home staff", "Paid care-at-home workers who need somewhere to rest between visits."),
    ("families", None, "Families", "Parents, carers and children together."),
    ("disabled-people", None, "Disabled people", "People with a physical or learning disability, a sensory impairment or a long-term condition."),
    ("people-with-dementia", None, "People with dementia", "People living with dementia, and those who support them."),
    ("veterans", None, "Veterans", "People who have served in the armed forces, and their families."),
    ("people-new-to-scotland", None, "People new to Scotland", "New Scots, including refugees and people seeking asylum."),
];

#[rustfmt::skip] // one term a line reads as a table
const ACCESSIBILITY_TERMS: &[TermRow] = &[
    ("step-free-access", None, "Step-free access", "Level or ramped entrance and a step-free route to the main rooms."),
    ("accessible-toilet", None, "Accessible toilet", "A toilet designed for wheelchair users."),
    ("hearing-loop", None, "Hearing loop", "An induction loop for hearing aid users at the counter or in meeting rooms."),
    ("bsl-on-request", None, "BSL interpretation on request", "A British Sign Language interpreter can be booked in advance."),
    ("large-print", None, "Large print", "Large print leaflets and forms are available."),
    ("quiet-space", None, "Quiet space", "A calm room or corner away from noise and crowds."),
    ("changing-places-toilet", None, "Changing Places toilet", "A larger accessible toilet with a hoist and an adult-sized changing bench."),
    ("accessible-parking", None, "Accessible parking", "Blue Badge parking close to the entrance."),
    ("assistance-dogs-welcome", None, "Assistance dogs welcome", "Assistance dogs are welcome throughout the building."),
    ("dementia-friendly", None, "Dementia-friendly", "Staff trained in dementia awareness, with clear signs and a calm layout."),
];

#[rustfmt::skip] // one term a line reads as a table
const HUB_FACILITY_TERMS: &[TermRow] = &[
    ("warm-space", None, "Warm space", "A warm, comfortable place to sit, free of charge."),
    ("rest-space-for-care-staff", None, "Rest space for care staff", "Somewhere for care-at-home staff to take a break, eat and recharge a phone between visits."),
    ("wifi", None, "Wifi", "Free public wifi."),
    ("public-computers", None, "Public computers and devices", "Computers, tablets or printers available to the public."),
    ("meeting-room", None, "Meeting room", "A private room that groups or professionals can book."),
    ("food-collection", None, "Food collection", "Food parcels can be collected here."),
    ("prescription-collection", None, "Prescription collection", "Prescriptions can be collected here."),
    ("health-information-point", None, "Health information point", "Health leaflets, self-help books and staff to help find health information."),
    ("toilets", None, "Toilets", "Public toilets."),
    ("hot-drinks", None, "Hot drinks", "Free tea, coffee or hot chocolate."),
];

fn taxonomy_id(name: &str) -> String {
    demo_id("taxonomy", name)
}

fn term_id(taxonomy: &str, code: &str) -> String {
    demo_id("taxonomy_term", &format!("{taxonomy}/{code}"))
}

// ---- organisations ----------------------------------------------------------

/// An invented voluntary body: one per council area runs that area's
/// community venues; the national ones (area `SCOTLAND`) serve all Scotland.
struct VoluntaryBody {
    area: &'static str,
    slug: &'static str,
    name: &'static str,
    description: &'static str,
    founded: i32,
    /// Invented OSCR-style number in the unissued SC09xxxx range.
    charity_number: Option<&'static str>,
}

impl VoluntaryBody {
    fn key(&self) -> String {
        if self.area == SCOTLAND {
            format!("national/{}", self.slug)
        } else {
            format!("third-sector/{}", self.area)
        }
    }
}

const LOCAL_BODIES: &[VoluntaryBody] = &[
    VoluntaryBody {
        area: "S12000033",
        slug: "silver-darling-food",
        name: "Silver Darling Community Food Network",
        description: "Volunteer-run food network in Aberdeen serving community meals and a food larder, with youth and befriending projects alongside.",
        founded: 2014,
        charity_number: Some("SC091204"),
    },
    VoluntaryBody {
        area: "S12000034",
        slug: "buchan-coast-carers",
        name: "Buchan Coast Carers Circle",
        description: "Support for unpaid carers across Aberdeenshire's towns and villages, from advice lines to carers' cafés and short breaks.",
        founded: 2003,
        charity_number: None,
    },
    VoluntaryBody {
        area: "S12000041",
        slug: "angus-glens-youth",
        name: "Angus Glens Youth Wellbeing Trust",
        description: "Youth work charity helping young people in Angus look after their mental wellbeing through groups, peer support and outdoor activities.",
        founded: 2011,
        charity_number: Some("SC092317"),
    },
    VoluntaryBody {
        area: "S12000035",
        slug: "lorn-and-cowal-befriending",
        name: "Lorn and Cowal Befriending Network",
        description: "Matches volunteers with older and isolated people across Argyll and Bute's mainland and islands, in person and by phone.",
        founded: 1998,
        charity_number: None,
    },
    VoluntaryBody {
        area: EDINBURGH,
        slug: "auld-reekie-digital",
        name: "Auld Reekie Digital Neighbours",
        description: "Helps Edinburgh residents get online with borrowed devices, patient volunteers and friendly community sessions.",
        founded: 2019,
        charity_number: Some("SC093452"),
    },
    VoluntaryBody {
        area: CLACKMANNANSHIRE,
        slug: "wee-county-carers",
        name: "Wee County Carers Collective",
        description: "Carers' support for Clackmannanshire: advice, carers' groups and a listening ear for anyone looking after someone.",
        founded: 2007,
        charity_number: None,
    },
    VoluntaryBody {
        area: "S12000006",
        slug: "solway-shore-food",
        name: "Solway Shore Community Food Network",
        description: "Community meals, food larders and lunch clubs across Dumfries and Galloway, run by local volunteers.",
        founded: 2016,
        charity_number: Some("SC094178"),
    },
    VoluntaryBody {
        area: "S12000042",
        slug: "law-hill-youth",
        name: "Law Hill Youth Wellbeing Trust",
        description: "Dundee youth charity running wellbeing groups and peer support for young people aged 12 to 25.",
        founded: 2012,
        charity_number: None,
    },
    VoluntaryBody {
        area: "S12000008",
        slug: "irvine-valley-befriending",
        name: "Irvine Valley Befriending Project",
        description: "Befriending, chatty cafés and walking groups that help older people in East Ayrshire stay connected.",
        founded: 2001,
        charity_number: Some("SC095063"),
    },
    VoluntaryBody {
        area: "S12000045",
        slug: "campsie-fells-carers",
        name: "Campsie Fells Carers Circle",
        description: "Information, advice and peer groups for unpaid carers of all ages in East Dunbartonshire.",
        founded: 2009,
        charity_number: None,
    },
    VoluntaryBody {
        area: "S12000010",
        slug: "lammermuir-wellbeing",
        name: "Lammermuir Community Wellbeing Trust",
        description: "East Lothian community trust running meals, activity groups and youth projects from local halls.",
        founded: 2013,
        charity_number: Some("SC095921"),
    },
    VoluntaryBody {
        area: "S12000011",
        slug: "levern-valley-digital",
        name: "Levern Valley Digital Neighbours",
        description: "Digital inclusion charity in East Renfrewshire lending devices and teaching everyday online skills.",
        founded: 2020,
        charity_number: None,
    },
    VoluntaryBody {
        area: "S12000014",
        slug: "carron-valley-food",
        name: "Carron Valley Community Food Network",
        description: "Falkirk food network linking community meals, food larders and a volunteer hub for the wider Forth Valley.",
        founded: 2015,
        charity_number: Some("SC096384"),
    },
    VoluntaryBody {
        area: "S12000047",
        slug: "kingdom-coast-carers",
        name: "Kingdom Coast Carers Collective",
        description: "Carers' support across Fife, with advice lines, carers' cafés and help planning short breaks.",
        founded: 2005,
        charity_number: None,
    },
    VoluntaryBody {
        area: GLASGOW,
        slug: "clydeside-youth",
        name: "Clydeside Youth Wellbeing Trust",
        description: "Glasgow youth charity offering wellbeing groups, peer support and a welcoming space for young people across the city.",
        founded: 2010,
        charity_number: Some("SC097145"),
    },
    VoluntaryBody {
        area: HIGHLAND,
        slug: "great-glen-befriending",
        name: "Great Glen Befriending Network",
        description: "Highland befriending charity connecting volunteers with people who feel isolated, from Inverness to the far north and Skye.",
        founded: 1999,
        charity_number: None,
    },
    VoluntaryBody {
        area: "S12000018",
        slug: "tail-of-the-bank-food",
        name: "Tail of the Bank Community Food Network",
        description: "Inverclyde volunteers running community meals and a food larder, with a youth project alongside.",
        founded: 2017,
        charity_number: Some("SC097802"),
    },
    VoluntaryBody {
        area: "S12000019",
        slug: "esk-valley-carers",
        name: "Esk Valley Carers Circle",
        description: "Midlothian carers' charity offering advice, groups and breaks for unpaid carers and young carers.",
        founded: 2006,
        charity_number: None,
    },
    VoluntaryBody {
        area: "S12000020",
        slug: "spey-and-lossie-youth",
        name: "Spey and Lossie Youth Wellbeing Trust",
        description: "Youth wellbeing charity in Moray running groups and peer support for young people in towns and rural areas.",
        founded: 2014,
        charity_number: Some("SC098236"),
    },
    VoluntaryBody {
        area: WESTERN_ISLES,
        slug: "eilean-siar-wellbeing",
        name: "Eilean Siar Community Wellbeing Trust",
        description: "Community trust supporting wellbeing across the Western Isles, in Gaelic and English, from Lewis to Barra.",
        founded: 2008,
        charity_number: None,
    },
    VoluntaryBody {
        area: "S12000021",
        slug: "three-towns-digital",
        name: "Three Towns Digital Neighbours",
        description: "North Ayrshire charity helping people get online, with device lending and volunteer helpers on the mainland and Arran.",
        founded: 2018,
        charity_number: Some("SC098817"),
    },
    VoluntaryBody {
        area: "S12000050",
        slug: "monklands-food",
        name: "Monklands Community Food Network",
        description: "North Lanarkshire food network running community meals, chatty cafés and a community action office.",
        founded: 2012,
        charity_number: None,
    },
    VoluntaryBody {
        area: "S12000023",
        slug: "orkney-isles-befriending",
        name: "Orkney Isles Befriending Network",
        description: "Befriending and social groups for older and isolated people across Orkney's mainland and isles.",
        founded: 2002,
        charity_number: Some("SC099150"),
    },
    VoluntaryBody {
        area: "S12000048",
        slug: "fair-city-carers",
        name: "Fair City Carers Collective",
        description: "Perth and Kinross carers' charity offering advice, carers' cafés and short breaks in town and countryside.",
        founded: 2004,
        charity_number: None,
    },
    VoluntaryBody {
        area: "S12000038",
        slug: "cart-valley-youth",
        name: "Cart Valley Youth Wellbeing Trust",
        description: "Renfrewshire youth charity supporting young people's mental wellbeing through groups and peer support.",
        founded: 2013,
        charity_number: Some("SC099471"),
    },
    VoluntaryBody {
        area: "S12000026",
        slug: "tweed-valley-wellbeing",
        name: "Tweed Valley Community Wellbeing Trust",
        description: "Borders community trust running meals, walking groups and youth projects in towns along the Tweed and beyond.",
        founded: 2010,
        charity_number: None,
    },
    VoluntaryBody {
        area: "S12000027",
        slug: "shetland-peerie-digital",
        name: "Shetland Peerie Digital Neighbours",
        description: "Small Shetland charity helping islanders get online and stay in touch, with device lending and home visits.",
        founded: 2021,
        charity_number: Some("SC099638"),
    },
    VoluntaryBody {
        area: "S12000028",
        slug: "carrick-coast-food",
        name: "Carrick Coast Community Food Network",
        description: "South Ayrshire food network serving community meals and running a food larder with local growers.",
        founded: 2016,
        charity_number: None,
    },
    VoluntaryBody {
        area: "S12000029",
        slug: "clydesdale-carers",
        name: "Clydesdale Carers Collective",
        description: "Carers' support across South Lanarkshire, from an advice line to carers' groups in local halls.",
        founded: 2003,
        charity_number: Some("SC099804"),
    },
    VoluntaryBody {
        area: STIRLING,
        slug: "forth-and-teith-befriending",
        name: "Forth and Teith Befriending Network",
        description: "Stirling befriending charity matching volunteers with older people in the city and rural villages.",
        founded: 2000,
        charity_number: None,
    },
    VoluntaryBody {
        area: "S12000039",
        slug: "leven-valley-youth",
        name: "Leven Valley Youth Wellbeing Trust",
        description: "West Dunbartonshire youth charity running wellbeing groups and peer support for young people.",
        founded: 2015,
        charity_number: Some("SC099927"),
    },
    VoluntaryBody {
        area: "S12000040",
        slug: "almond-valley-wellbeing",
        name: "Almond Valley Community Wellbeing Trust",
        description: "West Lothian community trust with meals, walking groups, a youth project and a voluntary hub.",
        founded: 2011,
        charity_number: None,
    },
];

const NATIONAL_BODIES: &[VoluntaryBody] = &[
    VoluntaryBody {
        area: SCOTLAND,
        slug: "thistle-carers",
        name: "Thistle Carers Helpline Scotland",
        description: "National helpline and text service for unpaid carers of all ages, with advice on carers' rights, support plans and breaks.",
        founded: 2006,
        charity_number: Some("SC090412"),
    },
    VoluntaryBody {
        area: SCOTLAND,
        slug: "blether-cafe",
        name: "Blether Café Network",
        description: "Supports volunteers across Scotland to run chatty cafés, and offers telephone befriending to people who feel lonely.",
        founded: 2017,
        charity_number: Some("SC090587"),
    },
    VoluntaryBody {
        area: SCOTLAND,
        slug: "clear-heid",
        name: "Clear Heid Young People's Collective",
        description: "Youth-led charity offering online chat and peer groups for young people aged 12 to 25 who are struggling with their mental health.",
        founded: 2019,
        charity_number: Some("SC090733"),
    },
    VoluntaryBody {
        area: SCOTLAND,
        slug: "byte-bothy",
        name: "Byte Bothy Digital Trust",
        description: "Lends tablets and data to people who are offline and trains volunteers to help them get started.",
        founded: 2020,
        charity_number: None,
    },
    VoluntaryBody {
        area: SCOTLAND,
        slug: "warm-hearth",
        name: "Warm Hearth Energy Advice Scotland",
        description: "Free, impartial advice on energy bills, heating and grants for households across Scotland.",
        founded: 2009,
        charity_number: Some("SC090869"),
    },
    VoluntaryBody {
        area: SCOTLAND,
        slug: "saltire-money",
        name: "Saltire Money Guidance Trust",
        description: "Free, confidential benefits and debt advice by phone and online.",
        founded: 2001,
        charity_number: None,
    },
    VoluntaryBody {
        area: SCOTLAND,
        slug: "lantern-young-carers",
        name: "Lantern Young Carers Scotland",
        description: "Online clubs, activities and a listening ear for young carers aged 8 to 18.",
        founded: 2015,
        charity_number: Some("SC090975"),
    },
    VoluntaryBody {
        area: SCOTLAND,
        slug: "veterans-bothy",
        name: "Veterans' Bothy Scotland",
        description: "Peer support by phone and in small groups for veterans and their families, run by veterans.",
        founded: 2012,
        charity_number: None,
    },
    VoluntaryBody {
        area: SCOTLAND,
        slug: "memory-lane-companions",
        name: "Memory Lane Companions Scotland",
        description: "Companion calls and carers' advice for people living with dementia and the families who support them.",
        founded: 2010,
        charity_number: None,
    },
];

// ---- services ---------------------------------------------------------------

/// A weekly slot: iCalendar days, opens at, closes at (local time).
type Slot = (&'static str, &'static str, &'static str);
/// A language: name, ISO 639 code.
type Lang = (&'static str, &'static str);

const ENGLISH: Lang = ("English", "en");
const GAELIC: Lang = ("Scottish Gaelic", "gd");
/// Spread over city services in turn.
const COMMUNITY_LANGUAGES: &[Lang] = &[
    ("Polish", "pl"),
    ("Arabic", "ar"),
    ("Ukrainian", "uk"),
    ("British Sign Language", "bfi"),
];

const DROP_IN: &str = "Drop in, no referral needed";
const SELF_REFERRAL_BY_PHONE: &str = "Self-referral by phone";
const FREE: &str = "Free";

struct Cost {
    option: &'static str,
    amount: f64,
    description: &'static str,
}

/// What one kind of service looks like wherever it runs. `{venue}` in the
/// text becomes the venue's name.
struct Template {
    key: &'static str,
    name: &'static str,
    description: &'static str,
    /// Leaf codes of the `service-category` tree.
    categories: &'static [&'static str],
    audiences: &'static [&'static str],
    minimum_age: Option<i32>,
    maximum_age: Option<i32>,
    eligibility: Option<&'static str>,
    application: &'static str,
    fees: &'static str,
    cost: Option<Cost>,
    /// Shown on some of the template's services (not all, so filters see both).
    alert: Option<&'static str>,
    /// Description of the service's own phone line, when it has one.
    phone: Option<&'static str>,
    contact_title: &'static str,
    /// Alternative weekly timetables; a venue takes one by its row number, so
    /// neighbouring venues do not all meet on the same morning.
    timetables: &'static [&'static [Slot]],
}

const WARM_SPACE: Template = Template {
    key: "warm-space",
    name: "Warm Space",
    description: "A warm, welcoming space at {venue} with hot drinks, wifi and newspapers. Open to everyone: no need to book, buy anything or explain why you are there.",
    categories: &["warm-spaces"],
    audiences: &["adults", "older-people"],
    minimum_age: None,
    maximum_age: None,
    eligibility: None,
    application: DROP_IN,
    fees: FREE,
    cost: None,
    alert: Some("Extra afternoon sessions run during cold weather warnings; check before you travel."),
    phone: None,
    contact_title: "Library Services Manager",
    timetables: &[
        &[("MO,WE,FR", "10:00", "16:00")],
        &[("TU,TH", "10:00", "16:00"), ("SA", "10:00", "13:00")],
        &[("MO,TU,WE,TH,FR", "12:00", "16:00")],
    ],
};

const DIGITAL_DROP_IN: Template = Template {
    key: "digital-drop-in",
    name: "Digital drop-in",
    description: "Bring your phone, tablet or laptop to {venue} for one-to-one help with email, video calls, online forms and staying safe online. Tablets can be borrowed to practise on.",
    categories: &["digital-skills", "device-lending"],
    audiences: &["adults", "older-people"],
    minimum_age: None,
    maximum_age: None,
    eligibility: None,
    application: "Drop in, no referral needed; booking a slot at the counter guarantees a helper",
    fees: FREE,
    cost: None,
    alert: None,
    phone: None,
    contact_title: "Digital Inclusion Officer",
    timetables: &[
        &[("TU", "14:00", "16:00")],
        &[("WE", "10:00", "12:00")],
        &[("TH", "13:30", "15:30"), ("SA", "10:30", "12:00")],
    ],
};

const HEALTH_INFORMATION_POINT: Template = Template {
    key: "health-information-point",
    name: "Health information point",
    description: "Leaflets, self-help books and trained staff at {venue} to help you find trustworthy information about health conditions and local services, and to use NHS websites.",
    categories: &["health-information-points", "long-term-conditions"],
    audiences: &["adults", "carers"],
    minimum_age: None,
    maximum_age: None,
    eligibility: None,
    application: DROP_IN,
    fees: FREE,
    cost: None,
    alert: None,
    phone: None,
    contact_title: "Health Information Librarian",
    timetables: &[
        &[("MO,TH", "10:00", "12:00")],
        &[("WE", "14:00", "16:00")],
        &[("FR", "10:00", "12:00")],
    ],
};

const CHATTY_CAFE: Template = Template {
    key: "chatty-cafe",
    name: "Chatty café",
    description: "Tea, coffee and conversation at {venue}. Volunteers keep the chat going, so it is a good place to come on your own.",
    categories: &["chatty-cafes"],
    audiences: &["older-people", "adults"],
    minimum_age: None,
    maximum_age: None,
    eligibility: None,
    application: DROP_IN,
    fees: "Free; donations to the tea fund welcome",
    cost: None,
    alert: None,
    phone: None,
    contact_title: "Volunteer Coordinator",
    timetables: &[
        &[("WE", "10:30", "12:00")],
        &[("TH", "14:00", "15:30")],
        &[("MO", "10:30", "12:00"), ("FR", "10:30", "12:00")],
    ],
};

const RHYME_TIME: Template = Template {
    key: "rhyme-time",
    name: "Rhyme time",
    description: "Songs, rhymes and stories at {venue} for babies and children up to five with their parents, carers or grandparents. A gentle way to meet other families.",
    categories: &["rhyme-time"],
    audiences: &["children", "families"],
    minimum_age: Some(0),
    maximum_age: Some(5),
    eligibility: Some("Babies and children up to 5, with an adult"),
    application: DROP_IN,
    fees: FREE,
    cost: None,
    alert: None,
    phone: None,
    contact_title: "Early Years Librarian",
    timetables: &[
        &[("TU", "10:30", "11:00")],
        &[("WE", "10:30", "11:00")],
        &[("FR", "11:00", "11:30")],
    ],
};

const FOOD_AND_PRESCRIPTION_COLLECTION: Template = Template {
    key: "food-and-prescription-collection",
    name: "Food and prescription collection",
    description: "Collect a prescription or a pre-packed food parcel from {venue} instead of travelling to a pharmacy or food larder. Parcels are handed over discreetly at the counter.",
    categories: &["food-and-prescription-collection"],
    audiences: &["disabled-people", "carers"],
    minimum_age: None,
    maximum_age: None,
    eligibility: Some("People who find it hard to reach a pharmacy or food larder during its opening hours"),
    application: "Ask your pharmacy or food larder to send your order here, then bring the collection text or letter",
    fees: FREE,
    cost: None,
    alert: None,
    phone: None,
    contact_title: "Library Services Manager",
    timetables: &[
        &[("MO,TU,WE,TH,FR", "10:00", "16:30")],
        &[("MO,WE,FR", "10:00", "16:30")],
    ],
};

const READING_GROUP: Template = Template {
    key: "reading-group",
    name: "Reading group",
    description: "A relaxed group at {venue} that reads a short story or poem aloud together and talks about it over a cuppa. No need to read anything beforehand.",
    categories: &["reading-groups"],
    audiences: &["adults", "older-people"],
    minimum_age: None,
    maximum_age: None,
    eligibility: None,
    application: DROP_IN,
    fees: FREE,
    cost: None,
    alert: None,
    phone: None,
    contact_title: "Reader Development Librarian",
    timetables: &[
        &[("TU", "14:00", "15:30")],
        &[("TH", "10:30", "12:00")],
        &[("FR", "14:00", "15:30")],
    ],
};

const CARERS_DROP_IN: Template = Template {
    key: "carers-drop-in",
    name: "Carers' support drop-in",
    description: "Talk to a carers' support worker at {venue} about your caring role, an adult carer support plan, short breaks or money worries. Young carers and their families are welcome too.",
    categories: &["carers-support", "short-breaks"],
    audiences: &["carers", "young-carers"],
    minimum_age: None,
    maximum_age: None,
    eligibility: Some("Unpaid carers looking after a relative, partner or friend"),
    application: DROP_IN,
    fees: FREE,
    cost: None,
    alert: None,
    phone: Some("Carers' support worker"),
    contact_title: "Carers Support Worker",
    timetables: &[
        &[("TU", "10:00", "12:00")],
        &[("WE", "13:30", "15:30")],
        &[("TH", "10:00", "12:00")],
    ],
};

const LINK_WORKER: Template = Template {
    key: "community-link-worker",
    name: "Community link worker sessions",
    description: "One-to-one appointments at {venue} with a community link worker, who helps with whatever is affecting your wellbeing, such as loneliness, money or housing, and connects you with local groups and services.",
    categories: &["community-link-working"],
    audiences: &["adults"],
    minimum_age: Some(16),
    maximum_age: None,
    eligibility: Some("People aged 16 and over registered with a GP practice based here"),
    application: "Referral from GP or practice staff; you can also ask at reception",
    fees: FREE,
    cost: None,
    alert: None,
    phone: Some("Link worker appointments"),
    contact_title: "Community Link Worker Team Leader",
    timetables: &[
        &[("MO,WE", "09:30", "16:30")],
        &[("TU,TH", "09:30", "16:30")],
        &[("MO,TU,FR", "09:30", "13:00")],
    ],
};

const YOUNG_PEOPLES_CLINIC: Template = Template {
    key: "young-peoples-wellbeing-clinic",
    name: "Young people's wellbeing clinic",
    description: "Short-term support at {venue} for young people aged 12 to 25 who feel anxious, low or stressed, with a wellbeing practitioner. Up to six sessions, face to face or by video.",
    categories: &["young-peoples-mental-wellbeing", "counselling"],
    audiences: &["young-people"],
    minimum_age: Some(12),
    maximum_age: Some(25),
    eligibility: Some("Young people aged 12 to 25 who live in the area"),
    application: "Self-referral by phone, or referral from GP, school nurse or guidance teacher",
    fees: FREE,
    cost: None,
    alert: Some("There is a short waiting list; you will be offered a first call within two weeks."),
    phone: Some("Clinic bookings"),
    contact_title: "Wellbeing Practitioner",
    timetables: &[
        &[("TH", "15:30", "18:00")],
        &[("MO", "15:30", "18:00"), ("WE", "15:30", "18:00")],
    ],
};

const YOUTH_WELLBEING_GROUP: Template = Template {
    key: "young-peoples-wellbeing-group",
    name: "Young people's wellbeing group",
    description: "A weekly group at {venue} where young people try out ways to manage stress and low mood, from art and music to walks, with trained youth workers. Come with a friend or on your own.",
    categories: &["young-peoples-mental-wellbeing"],
    audiences: &["young-people"],
    minimum_age: Some(12),
    maximum_age: Some(25),
    eligibility: Some("Young people aged 12 to 25"),
    application: "Drop in, or self-referral by phone or text to a youth worker",
    fees: FREE,
    cost: None,
    alert: None,
    phone: Some("Youth workers"),
    contact_title: "Youth Work Coordinator",
    timetables: &[
        &[("TU", "18:00", "20:00")],
        &[("WE", "18:30", "20:30")],
        &[("MO", "18:00", "20:00"), ("TH", "18:00", "20:00")],
    ],
};

const YOUTH_PEER_SUPPORT: Template = Template {
    key: "peer-support-young-people",
    name: "Peer support for young people",
    description: "Trained young volunteers at {venue} run a safe space to talk about what's on your mind with people who get it. Young carers are especially welcome.",
    categories: &["peer-support"],
    audiences: &["young-people", "young-carers"],
    minimum_age: Some(12),
    maximum_age: Some(25),
    eligibility: Some("Young people aged 12 to 25"),
    application: DROP_IN,
    fees: FREE,
    cost: None,
    alert: None,
    phone: None,
    contact_title: "Peer Support Coordinator",
    timetables: &[
        &[("FR", "17:00", "19:00")],
        &[("TH", "16:00", "18:00")],
        &[("SA", "13:00", "15:00")],
    ],
};

const COMMUNITY_MEAL: Template = Template {
    key: "community-meal",
    name: "Community meal",
    description: "A hot two-course lunch cooked by volunteers at {venue}, with time to sit and chat afterwards. Vegetarian options every week.",
    categories: &["community-meals"],
    audiences: &["adults", "older-people"],
    minimum_age: None,
    maximum_age: None,
    eligibility: None,
    application: "Drop in; booking by phone helps the cooks plan",
    fees: "Lunch £3; pay what you can, nobody is turned away",
    cost: Some(Cost {
        option: "Lunch",
        amount: 3.0,
        description: "Suggested contribution; pay what you can",
    }),
    alert: None,
    phone: None,
    contact_title: "Community Meals Coordinator",
    timetables: &[
        &[("WE", "12:00", "14:00")],
        &[("TH", "12:00", "14:00")],
        &[("TU", "12:00", "14:00"), ("FR", "12:00", "14:00")],
    ],
};

const WALKING_GROUP: Template = Template {
    key: "walking-group",
    name: "Walking group",
    description: "Short, gentle walks of about 45 minutes from {venue}, led by trained volunteer walk leaders and finishing with a cuppa.",
    categories: &["walking-groups"],
    audiences: &["adults", "older-people"],
    minimum_age: None,
    maximum_age: None,
    eligibility: None,
    application: "Drop in; meet at the main door ten minutes before the start",
    fees: FREE,
    cost: None,
    alert: Some("Walks are called off in ice or high winds; phone the venue if in doubt."),
    phone: None,
    contact_title: "Walk Leader Coordinator",
    timetables: &[
        &[("MO", "10:30", "12:00")],
        &[("TH", "10:00", "11:30")],
        &[("SA", "10:00", "11:30")],
    ],
};

const CHAIR_EXERCISE: Template = Template {
    key: "chair-exercise",
    name: "Chair exercise for over-60s",
    description: "A seated exercise class at {venue} to build strength, balance and confidence, led by a qualified instructor. Suitable if you use a walking aid.",
    categories: &["chair-exercise"],
    audiences: &["older-people"],
    minimum_age: Some(60),
    maximum_age: None,
    eligibility: Some("People aged 60 and over; check with your GP first if you have been unwell recently"),
    application: DROP_IN,
    fees: "£2 per class; your first class is free",
    cost: Some(Cost {
        option: "Class",
        amount: 2.0,
        description: "Per class; first class free",
    }),
    alert: None,
    phone: None,
    contact_title: "Activities Coordinator",
    timetables: &[
        &[("TU", "11:00", "12:00")],
        &[("FR", "10:30", "11:30")],
        &[("MO", "14:00", "15:00"), ("TH", "14:00", "15:00")],
    ],
};

const CARERS_ADVICE_LINE: Template = Template {
    key: "carers-advice-line",
    name: "Carers' advice line",
    description: "A phone line run from {venue} where carers' advisers give information on carers' rights, benefits, short breaks and local support, and can arrange a home visit.",
    categories: &["carers-support"],
    audiences: &["carers"],
    minimum_age: None,
    maximum_age: None,
    eligibility: Some("Unpaid carers and the people supporting them"),
    application: SELF_REFERRAL_BY_PHONE,
    fees: FREE,
    cost: None,
    alert: None,
    phone: Some("Carers' advice line"),
    contact_title: "Carers Adviser",
    timetables: &[
        &[("MO,TU,WE,TH,FR", "09:30", "16:30")],
        &[("MO,WE,FR", "10:00", "15:00")],
    ],
};

const BEFRIENDING: Template = Template {
    key: "befriending",
    name: "Befriending service",
    description: "Trained volunteers, matched from {venue}, visit or phone older people who feel lonely for a weekly chat or outing.",
    categories: &["befriending"],
    audiences: &["older-people", "people-with-dementia"],
    minimum_age: Some(60),
    maximum_age: None,
    eligibility: Some("People aged 60 and over living in the area who feel lonely or isolated"),
    application: "Self-referral by phone, or referral from GP, link worker or social work",
    fees: FREE,
    cost: None,
    alert: None,
    phone: Some("Befriending coordinator"),
    contact_title: "Befriending Coordinator",
    timetables: &[&[("TU,TH", "10:00", "15:00")], &[("MO,WE", "10:00", "15:00")]],
};

const LIBRARY_TEMPLATES: &[Template] = &[
    WARM_SPACE,
    DIGITAL_DROP_IN,
    HEALTH_INFORMATION_POINT,
    CHATTY_CAFE,
    RHYME_TIME,
    FOOD_AND_PRESCRIPTION_COLLECTION,
    READING_GROUP,
];
const HEALTH_TEMPLATES: &[Template] = &[CARERS_DROP_IN, LINK_WORKER, YOUNG_PEOPLES_CLINIC];
const YOUTH_TEMPLATES: &[Template] = &[YOUTH_WELLBEING_GROUP, YOUTH_PEER_SUPPORT];
const COMMUNITY_TEMPLATES: &[Template] = &[COMMUNITY_MEAL, CHATTY_CAFE, WALKING_GROUP, CHAIR_EXERCISE];
const OFFICE_TEMPLATES: &[Template] = &[CARERS_ADVICE_LINE, BEFRIENDING];

/// The services a venue runs, chosen by its row number so the mix varies
/// from place to place but never between runs.
fn templates_for(kind: VenueKind, row: usize) -> Vec<&'static Template> {
    match kind {
        VenueKind::Library => {
            // Two or three of the seven; offsets 0, 3 and 5 never collide mod 7.
            let offsets: &[usize] = if row.is_multiple_of(2) { &[0, 3, 5] } else { &[0, 3] };
            offsets
                .iter()
                .map(|k| &LIBRARY_TEMPLATES[(row + k) % LIBRARY_TEMPLATES.len()])
                .collect()
        }
        // The young people's clinic runs from every other health centre.
        VenueKind::Health => HEALTH_TEMPLATES
            .iter()
            .take(if row.is_multiple_of(2) { 3 } else { 2 })
            .collect(),
        // Three of the four, a different one left out in turn.
        VenueKind::Community => COMMUNITY_TEMPLATES
            .iter()
            .enumerate()
            .filter(|(k, _)| *k != row % COMMUNITY_TEMPLATES.len())
            .map(|(_, t)| t)
            .collect(),
        VenueKind::Youth => YOUTH_TEMPLATES.iter().collect(),
        VenueKind::Office => OFFICE_TEMPLATES.iter().collect(),
    }
}

/// Library opening hours; every variant is open 10:00-17:00 on weekdays, so
/// the daytime services above always fall inside opening hours.
const LIBRARY_HOURS: &[&[Slot]] = &[
    &[("MO,TU,WE,TH,FR", "09:30", "17:00"), ("SA", "10:00", "13:00")],
    &[
        ("MO,WE,FR", "10:00", "17:00"),
        ("TU,TH", "10:00", "19:00"),
        ("SA", "10:00", "16:00"),
    ],
    &[("MO,TU,WE,TH,FR", "09:00", "17:30"), ("SA", "09:30", "12:30")],
];

/// A service of a national body: no venue, covers `SCOTLAND`.
struct NationalService {
    body: &'static str,
    status: &'static str,
    /// Its line takes texts rather than calls.
    text_line: bool,
    languages: &'static [Lang],
    template: Template,
}

const NATIONAL_SERVICES: &[NationalService] = &[
    NationalService {
        body: "thistle-carers",
        status: "active",
        text_line: false,
        languages: &[COMMUNITY_LANGUAGES[3]],
        template: Template {
            key: "carers-helpline",
            name: "Thistle Carers Helpline",
            description: "Free, confidential phone advice for unpaid carers on carers' rights, support plans, breaks and money. Advisers can connect you with your local carers' centre.",
            categories: &["carers-support"],
            audiences: &["carers"],
            minimum_age: None,
            maximum_age: None,
            eligibility: Some("Unpaid carers of any age living in Scotland, and professionals supporting them"),
            application: "Call free; no referral needed",
            fees: FREE,
            cost: None,
            alert: None,
            phone: Some("Helpline"),
            contact_title: "Helpline Manager",
            timetables: &[&[("MO,TU,WE,TH,FR", "09:00", "17:00"), ("TU,TH", "18:00", "20:00")]],
        },
    },
    NationalService {
        body: "thistle-carers",
        status: "active",
        text_line: true,
        languages: &[],
        template: Template {
            key: "carers-text-support",
            name: "Carers' text support",
            description: "Text a trained adviser for quick answers and a listening ear when you can't talk freely at home. Replies within one working day.",
            categories: &["carers-support"],
            audiences: &["carers", "young-carers"],
            minimum_age: None,
            maximum_age: None,
            eligibility: Some("Unpaid carers of any age living in Scotland"),
            application: "Text to start; no referral needed",
            fees: "Free; standard text rates may apply",
            cost: None,
            alert: None,
            phone: Some("Text line"),
            contact_title: "Text Service Coordinator",
            timetables: &[&[("MO,TU,WE,TH,FR", "09:00", "21:00")]],
        },
    },
    NationalService {
        body: "clear-heid",
        status: "active",
        text_line: true,
        languages: &[],
        template: Template {
            key: "online-chat",
            name: "Clear Heid online chat",
            description: "Anonymous online chat with trained volunteers for young people who are struggling with anxiety, low mood or stress, every evening.",
            categories: &["young-peoples-mental-wellbeing", "peer-support"],
            audiences: &["young-people"],
            minimum_age: Some(12),
            maximum_age: Some(25),
            eligibility: Some("Young people aged 12 to 25 living in Scotland"),
            application: "Start a chat on the website or by text; no referral needed",
            fees: FREE,
            cost: None,
            alert: Some("If you or someone else is in immediate danger, call 999."),
            phone: Some("Text to chat"),
            contact_title: "Volunteer Services Lead",
            timetables: &[&[("MO,TU,WE,TH,FR,SA,SU", "17:00", "22:00")]],
        },
    },
    NationalService {
        body: "clear-heid",
        status: "temporarily closed",
        text_line: false,
        languages: &[],
        template: Template {
            key: "online-peer-groups",
            name: "Clear Heid online peer groups",
            description: "Small online groups, led by trained young volunteers, where young people share what helps with their mental health.",
            categories: &["peer-support"],
            audiences: &["young-people"],
            minimum_age: Some(16),
            maximum_age: Some(25),
            eligibility: Some("Young people aged 16 to 25 living in Scotland"),
            application: "Sign up online; a volunteer will call before your first group",
            fees: FREE,
            cost: None,
            alert: Some("New groups start in the spring; join the waiting list online."),
            phone: Some("Group enquiries"),
            contact_title: "Peer Groups Coordinator",
            timetables: &[&[("WE", "19:00", "20:30")]],
        },
    },
    NationalService {
        body: "blether-cafe",
        status: "active",
        text_line: false,
        languages: &[],
        template: Template {
            key: "blether-by-phone",
            name: "Blether by phone",
            description: "A friendly volunteer calls you at the same time each week for a blether. Calls last about half an hour and you can stop at any time.",
            categories: &["befriending"],
            audiences: &["older-people"],
            minimum_age: Some(60),
            maximum_age: None,
            eligibility: Some("People aged 60 and over living in Scotland who feel lonely"),
            application: "Self-referral by phone, or referral from GP, link worker or social work",
            fees: FREE,
            cost: None,
            alert: None,
            phone: Some("Referrals"),
            contact_title: "Befriending Manager",
            timetables: &[&[("MO,WE,FR", "10:00", "16:00")]],
        },
    },
    NationalService {
        body: "blether-cafe",
        status: "inactive",
        text_line: false,
        languages: &[],
        template: Template {
            key: "starter-grants",
            name: "Chatty café starter grants",
            description: "Small grants and a starter kit for community groups opening a new chatty café.",
            categories: &["chatty-cafes"],
            audiences: &["adults"],
            minimum_age: None,
            maximum_age: None,
            eligibility: Some("Constituted community groups in Scotland"),
            application: "Apply online",
            fees: FREE,
            cost: None,
            alert: Some("This grant round has closed."),
            phone: Some("Grants team"),
            contact_title: "Grants Officer",
            timetables: &[&[("TU,TH", "10:00", "15:00")]],
        },
    },
    NationalService {
        body: "byte-bothy",
        status: "active",
        text_line: false,
        languages: &[],
        template: Template {
            key: "device-lending-by-post",
            name: "Device lending by post",
            description: "A tablet with six months of free data, posted to your home, with a volunteer to help you set it up by phone.",
            categories: &["device-lending"],
            audiences: &["adults", "disabled-people"],
            minimum_age: Some(18),
            maximum_age: None,
            eligibility: Some("Adults on a low income who have no suitable device or internet at home"),
            application: "Referral from a library, link worker or support organisation",
            fees: FREE,
            cost: None,
            alert: None,
            phone: Some("Referrals"),
            contact_title: "Lending Coordinator",
            timetables: &[&[("MO,TU,WE,TH,FR", "09:30", "16:30")]],
        },
    },
    NationalService {
        body: "byte-bothy",
        status: "active",
        text_line: false,
        languages: &[],
        template: Template {
            key: "digital-skills-helpline",
            name: "Digital skills helpline",
            description: "Patient phone help with everyday tech: setting up email, video calling family, booking appointments online and spotting scams.",
            categories: &["digital-skills"],
            audiences: &["older-people", "adults"],
            minimum_age: None,
            maximum_age: None,
            eligibility: None,
            application: "Call free; no referral needed",
            fees: FREE,
            cost: None,
            alert: None,
            phone: Some("Helpline"),
            contact_title: "Helpline Coordinator",
            timetables: &[&[("MO,TU,WE,TH,FR", "10:00", "16:00")]],
        },
    },
    NationalService {
        body: "warm-hearth",
        status: "active",
        text_line: false,
        languages: &[COMMUNITY_LANGUAGES[0], COMMUNITY_LANGUAGES[2]],
        template: Template {
            key: "energy-advice-line",
            name: "Energy advice line",
            description: "Free advice on energy bills, prepayment meters, heating controls and grants to make your home warmer.",
            categories: &["energy-advice"],
            audiences: &["adults", "families"],
            minimum_age: None,
            maximum_age: None,
            eligibility: Some("Households in Scotland"),
            application: "Call free; no referral needed",
            fees: FREE,
            cost: None,
            alert: None,
            phone: Some("Advice line"),
            contact_title: "Advice Services Manager",
            timetables: &[&[("MO,TU,WE,TH,FR", "08:30", "18:00"), ("SA", "09:00", "13:00")]],
        },
    },
    NationalService {
        body: "saltire-money",
        status: "active",
        text_line: false,
        languages: &[COMMUNITY_LANGUAGES[1]],
        template: Template {
            key: "money-advice-line",
            name: "Money advice line",
            description: "Confidential benefits checks and debt advice by phone, including help with forms and appeals.",
            categories: &["benefits-and-debt-advice"],
            audiences: &["adults", "carers"],
            minimum_age: Some(16),
            maximum_age: None,
            eligibility: Some("Anyone aged 16 or over living in Scotland"),
            application: SELF_REFERRAL_BY_PHONE,
            fees: FREE,
            cost: None,
            alert: None,
            phone: Some("Advice line"),
            contact_title: "Money Advice Team Leader",
            timetables: &[&[("MO,TU,WE,TH,FR", "09:00", "17:00")]],
        },
    },
    NationalService {
        body: "lantern-young-carers",
        status: "active",
        text_line: false,
        languages: &[],
        template: Template {
            key: "young-carers-online-club",
            name: "Young carers online club",
            description: "A weekly online club with games, chat and time out for young carers, run by youth workers who understand caring.",
            categories: &["carers-support", "short-breaks"],
            audiences: &["young-carers"],
            minimum_age: Some(8),
            maximum_age: Some(18),
            eligibility: Some("Young carers aged 8 to 18 living in Scotland"),
            application: "Self-referral online or by phone, or referral from a school or young carers' service",
            fees: FREE,
            cost: None,
            alert: None,
            phone: Some("Club enquiries"),
            contact_title: "Young Carers Worker",
            timetables: &[&[("WE", "18:00", "19:30")]],
        },
    },
    NationalService {
        body: "veterans-bothy",
        status: "active",
        text_line: false,
        languages: &[],
        template: Template {
            key: "veterans-peer-line",
            name: "Veterans' peer support line",
            description: "Talk to another veteran who has been there, about anything from sleep and stress to housing and work.",
            categories: &["peer-support"],
            audiences: &["veterans"],
            minimum_age: None,
            maximum_age: None,
            eligibility: Some("Veterans of any age and their families"),
            application: SELF_REFERRAL_BY_PHONE,
            fees: FREE,
            cost: None,
            alert: None,
            phone: Some("Peer support line"),
            contact_title: "Peer Support Lead",
            timetables: &[&[("MO,TU,WE,TH,FR", "10:00", "20:00")]],
        },
    },
    NationalService {
        body: "memory-lane-companions",
        status: "active",
        text_line: false,
        languages: &[],
        template: Template {
            key: "dementia-companion-calls",
            name: "Dementia companion calls",
            description: "Regular calls from a trained companion for people living with dementia, with advice for the family members who support them.",
            categories: &["befriending"],
            audiences: &["people-with-dementia", "carers"],
            minimum_age: None,
            maximum_age: None,
            eligibility: Some("People living with dementia in Scotland, and their carers"),
            application: "Self-referral by phone, or referral from a memory clinic, GP or link worker",
            fees: FREE,
            cost: None,
            alert: None,
            phone: Some("Referrals"),
            contact_title: "Companion Service Manager",
            timetables: &[&[("MO,TU,WE,TH", "10:00", "16:00")]],
        },
    },
];

/// Invented names for service contacts; no real person is meant.
const CONTACT_NAMES: &[&str] = &[
    "Morag Kerr",
    "Callum Baird",
    "Isla Cunningham",
    "Ewan Drummond",
    "Kirsty Lennox",
    "Fraser Moodie",
    "Ailsa Guthrie",
    "Ruaridh Sinclair",
    "Eilidh Paterson",
    "Jamie Cowie",
    "Shona Rennie",
    "Alasdair Munro",
    "Catriona Lyall",
    "Niall Dunbar",
    "Fiona Rattray",
    "Hamish Petrie",
];

/// Running numbers of seeded services at which a local service is shown as
/// inactive, so the status filter has something to hide.
const INACTIVE_LOCAL_SERVICES: &[usize] = &[101, 307];

/// The alert of a service paused because its venue is being refurbished;
/// the hub there, if any, is closed (see `seed::hubs::demo_hubs`).
pub const REFURBISHMENT_ALERT: &str = "Paused while the venue is refurbished; the team will post a restart date here.";

/// The locations whose paused services say the venue is being refurbished.
pub fn refurbishing_venues(data: &DirectoryData) -> HashSet<String> {
    let paused: HashSet<&str> = data
        .services
        .iter()
        .filter(|s| s.alert.as_deref() == Some(REFURBISHMENT_ALERT))
        .map(|s| s.id.as_str())
        .collect();
    data.service_at_locations
        .iter()
        .filter(|link| paused.contains(link.service_id.as_str()))
        .map(|link| link.location_id.clone())
        .collect()
}

/// Most listings are live; a few are paused or finished.
fn local_status(seq: usize) -> &'static str {
    if INACTIVE_LOCAL_SERVICES.contains(&seq) {
        "inactive"
    } else if seq % 53 == 26 {
        "temporarily closed"
    } else {
        "active"
    }
}

// ---- phone numbers ----------------------------------------------------------

/// Hands out numbers from Ofcom's ranges reserved for drama, so no demo
/// number can ring a real phone. Each range holds 1,000 numbers.
#[derive(Default)]
struct PhoneNumbers {
    edinburgh: u32,
    glasgow: u32,
    elsewhere: u32,
    freephone: u32,
    mobile: u32,
}

impl PhoneNumbers {
    fn next(counter: &mut u32) -> u32 {
        *counter += 1;
        *counter % 1000
    }

    fn local(&mut self, area_code: &str) -> String {
        match area_code {
            EDINBURGH => format!("0131 496 0{:03}", Self::next(&mut self.edinburgh)),
            GLASGOW => format!("0141 496 0{:03}", Self::next(&mut self.glasgow)),
            _ => format!("01632 960{:03}", Self::next(&mut self.elsewhere)),
        }
    }

    fn freephone(&mut self) -> String {
        format!("0808 157 0{:03}", Self::next(&mut self.freephone))
    }

    /// For text lines.
    fn mobile(&mut self) -> String {
        format!("07700 900{:03}", Self::next(&mut self.mobile))
    }
}

// ---- the builder ------------------------------------------------------------

/// An organisation to add; its web and mail live at `<domain>.example.org`.
struct NewOrganization {
    key: String,
    name: String,
    description: String,
    domain: String,
    legal_status: &'static str,
    founded: Option<i32>,
    charity_number: Option<&'static str>,
}

/// Everything a service row needs beyond its template.
struct NewService<'a> {
    key: String,
    name: String,
    organization_id: String,
    template: &'a Template,
    /// `{venue}` in the template's text.
    venue_name: Option<&'a str>,
    /// The venue's location, for local services.
    location_id: Option<String>,
    area_code: &'a str,
    area_name: &'a str,
    status: &'static str,
    show_alert: bool,
    url: Option<String>,
    email: Option<String>,
    timetable: &'a [Slot],
    languages: Vec<Lang>,
}

struct Demo {
    now: DateTime<Utc>,
    data: DirectoryData,
    numbers: PhoneNumbers,
    /// Top-level records made so far; spreads their timestamps.
    records: usize,
    /// Services made so far; drives every "some of them" choice.
    services: usize,
    /// The first Warm Space (service id, location id), for the special opening.
    first_warm_space: Option<(String, String)>,
}

impl Demo {
    fn new(now: DateTime<Utc>) -> Self {
        Demo {
            now,
            data: DirectoryData::default(),
            numbers: PhoneNumbers::default(),
            records: 0,
            services: 0,
            first_warm_space: None,
        }
    }

    /// Created and last-modified times: records went in over the last two
    /// years and were touched at different times since.
    fn stamps(&mut self) -> (DateTime<Utc>, DateTime<Utc>) {
        self.records += 1;
        let n = self.records as i64;
        let created = self.now - TimeDelta::days(400 + (n * 37) % 330) - TimeDelta::minutes((n * 53) % 1440);
        let modified = self.now - TimeDelta::days((n * 11) % 120) - TimeDelta::minutes((n * 17) % 600);
        (created, modified)
    }

    fn taxonomies(&mut self) {
        for def in TAXONOMIES {
            let taxonomy_id = taxonomy_id(def.name);
            self.data.taxonomies.push(taxonomy::Model {
                id: taxonomy_id.clone(),
                name: def.name.into(),
                description: Some(def.description.into()),
                uri: Some(format!("https://hubgraph.example.org/taxonomies/{}", def.name)),
                version: Some("1".into()),
            });
            // Parents are listed before their children, so inserting in order keeps foreign keys valid.
            for (code, parent, name, description) in def.terms {
                self.data.taxonomy_terms.push(taxonomy_term::Model {
                    id: term_id(def.name, code),
                    code: Some((*code).into()),
                    name: (*name).into(),
                    description: (*description).into(),
                    parent_id: parent.map(|p| term_id(def.name, p)),
                    taxonomy: Some(def.name.into()),
                    language: Some("en".into()),
                    taxonomy_id: Some(taxonomy_id.clone()),
                    term_uri: None,
                });
            }
        }
    }

    fn organizations(&mut self, areas: &[Area]) {
        for area in areas {
            self.push_organization(NewOrganization {
                key: format!("libraries/{}", area.code),
                name: format!("{} Libraries", area.name),
                description: format!(
                    "Public library service for {}: branch libraries with books, free wifi and computers, and health and wellbeing activities. Demo listing: details are invented.",
                    area.name
                ),
                domain: format!("libraries.{}", area.slug),
                legal_status: "Local authority service",
                founded: None,
                charity_number: None,
            });
        }
        for area in areas.iter().filter(|a| a.code == hscp_lead(a.code)) {
            let served = if area.code == CLACKMANNANSHIRE {
                "Clackmannanshire and Stirling"
            } else {
                area.name
            };
            self.push_organization(NewOrganization {
                key: format!("hscp/{}", area.code),
                name: hscp_name(area),
                description: format!(
                    "Health and social care partnership for {served}: community health and social care teams, carers' support and community link workers. Demo listing: details are invented."
                ),
                domain: format!("hscp.{}", area.slug),
                legal_status: "Integration joint board",
                founded: None,
                charity_number: None,
            });
        }
        for body in LOCAL_BODIES.iter().chain(NATIONAL_BODIES) {
            self.push_organization(NewOrganization {
                key: body.key(),
                name: body.name.into(),
                description: body.description.into(),
                domain: body.slug.into(),
                legal_status: if body.charity_number.is_some() {
                    "SCIO"
                } else {
                    "Company limited by guarantee"
                },
                founded: Some(body.founded),
                charity_number: body.charity_number,
            });
        }
    }

    /// Adds an organisation, and its charity number when it has one.
    fn push_organization(&mut self, new: NewOrganization) {
        let id = demo_id("organization", &new.key);
        let (created_at, last_modified) = self.stamps();
        let domain = new.domain;
        self.data.organizations.push(organization::Model {
            id: id.clone(),
            name: new.name,
            alternate_name: None,
            description: new.description,
            email: Some(format!("hello@{domain}.example.org")),
            website: Some(format!("https://{domain}.example.org")),
            tax_status: new.charity_number.map(|_| "Scottish charity".into()),
            tax_id: new.charity_number.map(Into::into),
            year_incorporated: new.founded,
            legal_status: Some(new.legal_status.into()),
            logo: None,
            uri: None,
            parent_organization_id: None,
            version: 1,
            created_at,
            last_modified,
        });
        if let Some(number) = new.charity_number {
            self.data.organization_identifiers.push(organization_identifier::Model {
                id: demo_id("organization_identifier", &new.key),
                organization_id: id,
                identifier_scheme: Some("SC-OSCR".into()),
                identifier_type: "Scottish Charity Number".into(),
                identifier: number.into(),
            });
        }
    }

    /// One location per venue, with its address, phone, access features and,
    /// for libraries, opening hours.
    fn venues(&mut self, areas: &[Area], places: &[Place]) {
        for (row, place) in places.iter().enumerate() {
            let key = place.key();
            let id = demo_id("location", &key);
            let area = area(areas, place.area_code);
            let (created_at, last_modified) = self.stamps();
            self.data.locations.push(location::Model {
                id: id.clone(),
                location_type: "physical".into(),
                url: None,
                organization_id: Some(demo_id("organization", &place.organization_key())),
                name: Some(place.name.into()),
                alternate_name: None,
                description: Some(venue_description(place)),
                transportation: None,
                latitude: Some(place.latitude),
                longitude: Some(place.longitude),
                external_identifier: None,
                external_identifier_type: None,
                area_code: Some(place.area_code.into()),
                version: 1,
                created_at,
                last_modified,
            });
            self.data.addresses.push(address::Model {
                id: demo_id("address", &key),
                location_id: Some(id.clone()),
                attention: None,
                address_1: place.address1.into(),
                address_2: None,
                city: place.city.into(),
                region: Some(area.name.into()),
                state_province: None,
                postal_code: place.postcode.into(),
                country: "GB".into(),
                address_type: "physical".into(),
            });
            let number = self.numbers.local(place.area_code);
            self.data.phones.push(phone::Model {
                id: demo_id("phone", &format!("location/{key}/0")),
                location_id: Some(id.clone()),
                service_id: None,
                organization_id: None,
                contact_id: None,
                service_at_location_id: None,
                number,
                extension: None,
                phone_type: Some("voice".into()),
                description: Some(venue_phone_description(place.kind).into()),
                position: 0,
            });
            self.access_features(&key, &id, row);
            if place.kind == VenueKind::Library {
                for (n, slot) in LIBRARY_HOURS[row % LIBRARY_HOURS.len()].iter().enumerate() {
                    let schedule_id = demo_id("schedule", &format!("{key}/opening/{n}"));
                    self.data
                        .schedules
                        .push(weekly(schedule_id, None, Some(id.clone()), slot, "Opening hours"));
                }
            }
        }
    }

    /// One to three access features per venue, each as an accessibility row
    /// and as an attribute on the `accessibility` taxonomy (which filters use).
    fn access_features(&mut self, key: &str, location_id: &str, row: usize) {
        let count = 1 + row % 3;
        // Offsets 0, 3 and 6 stay distinct among the ten features.
        for k in [0, 3, 6].into_iter().take(count) {
            let (code, _, name, _) = ACCESSIBILITY_TERMS[(row + k) % ACCESSIBILITY_TERMS.len()];
            self.data.accessibilities.push(accessibility::Model {
                id: demo_id("accessibility", &format!("{key}/{code}")),
                location_id: Some(location_id.into()),
                description: Some(name.into()),
                details: None,
                url: None,
            });
            self.data.attributes.push(attribute::Model {
                id: demo_id("attribute", &format!("location/{key}/{code}")),
                link_id: location_id.into(),
                taxonomy_term_id: term_id(ACCESSIBILITY, code),
                link_type: Some("accessibility".into()),
                link_entity: "location".into(),
                value: None,
                label: None,
            });
        }
    }

    fn local_services(&mut self, areas: &[Area], places: &[Place]) {
        for (row, place) in places.iter().enumerate() {
            let area = area(areas, place.area_code);
            let venue_key = place.key();
            let location_id = demo_id("location", &venue_key);
            let organization_key = place.organization_key();
            for template in templates_for(place.kind, row) {
                let seq = self.services;
                let key = format!("{venue_key}/{}", template.key);
                // Library listings link to the library service's "what's on" pages now and then.
                let url = (place.kind == VenueKind::Library && seq.is_multiple_of(3))
                    .then(|| format!("https://libraries.{}.example.org/whats-on/{}", area.slug, template.key));
                let service_id = self.add_service(NewService {
                    key: key.clone(),
                    name: format!("{} at {}", template.name, place.name),
                    organization_id: demo_id("organization", &organization_key),
                    template,
                    venue_name: Some(place.name),
                    location_id: Some(location_id.clone()),
                    area_code: place.area_code,
                    area_name: area.name,
                    status: local_status(seq),
                    show_alert: seq.is_multiple_of(3),
                    url,
                    email: None,
                    timetable: template.timetables[row % template.timetables.len()],
                    languages: local_languages(place.area_code, seq),
                });
                if let Some(description) = template.phone {
                    let number = self.numbers.local(place.area_code);
                    self.service_phone(&key, &service_id, 0, number, "voice", description);
                    // Young people often prefer to text.
                    if place.kind == VenueKind::Youth {
                        let number = self.numbers.mobile();
                        self.service_phone(&key, &service_id, 1, number, "text", "Text a youth worker");
                    }
                }
                if template.key == WARM_SPACE.key && self.first_warm_space.is_none() {
                    self.first_warm_space = Some((service_id, location_id.clone()));
                }
            }
        }
    }

    fn national_services(&mut self) {
        for national in NATIONAL_SERVICES {
            let template = &national.template;
            let key = format!("national/{}", template.key);
            let languages = std::iter::once(ENGLISH)
                .chain(national.languages.iter().copied())
                .collect();
            let service_id = self.add_service(NewService {
                key: key.clone(),
                name: template.name.into(),
                organization_id: demo_id("organization", &format!("national/{}", national.body)),
                template,
                venue_name: None,
                location_id: None,
                area_code: SCOTLAND,
                area_name: "Scotland",
                status: national.status,
                show_alert: true,
                url: Some(format!("https://{}.example.org/{}", national.body, template.key)),
                email: Some(format!("hello@{}.example.org", national.body)),
                timetable: template.timetables[0],
                languages,
            });
            let (number, phone_type) = if national.text_line {
                (self.numbers.mobile(), "text")
            } else {
                (self.numbers.freephone(), "voice")
            };
            self.service_phone(
                &key,
                &service_id,
                0,
                number,
                phone_type,
                template.phone.unwrap_or("Enquiries"),
            );
        }
    }

    /// The service row and everything hanging off it except phones.
    fn add_service(&mut self, new: NewService<'_>) -> String {
        let seq = self.services;
        self.services += 1;
        let t = new.template;
        let fill = |text: &str| match new.venue_name {
            Some(venue) => text.replace("{venue}", venue),
            None => text.to_string(),
        };
        let id = demo_id("service", &new.key);
        let alert = if new.status == "temporarily closed" && new.location_id.is_some() {
            Some(REFURBISHMENT_ALERT.to_string())
        } else {
            t.alert.filter(|_| new.show_alert).map(Into::into)
        };
        let (created_at, last_modified) = self.stamps();
        // Most listings were reviewed at some point in the last two years, so
        // some are overdue (older than 12 months); a few never were. No review
        // predates the listing itself.
        let assured_date = (seq % 10 != 9).then(|| {
            let reviewed = (self.now - TimeDelta::days(15 + (seq as i64 * 53) % 715)).date_naive();
            reviewed.max(created_at.date_naive())
        });
        let interpretation = (new.languages.len() > 1).then(|| "Interpreters available on request".to_string());
        self.data.services.push(service::Model {
            id: id.clone(),
            organization_id: new.organization_id,
            program_id: None,
            name: new.name,
            alternate_name: None,
            description: Some(fill(t.description)),
            url: new.url,
            email: new.email,
            status: new.status.into(),
            interpretation_services: interpretation,
            application_process: Some(t.application.into()),
            fees_description: Some(t.fees.into()),
            wait_time: None,
            fees: None,
            accreditations: None,
            eligibility_description: t.eligibility.map(fill),
            minimum_age: t.minimum_age,
            maximum_age: t.maximum_age,
            assured_date,
            assurer_email: assured_date.map(|_| "directory@hubgraph.example.org".into()),
            licenses: None,
            alert,
            version: 1,
            created_at,
            last_modified,
        });

        if let Some(location_id) = &new.location_id {
            self.data.service_at_locations.push(service_at_location::Model {
                id: demo_id("service_at_location", &new.key),
                service_id: id.clone(),
                location_id: location_id.clone(),
                description: None,
            });
        }
        self.data.service_areas.push(service_area::Model {
            id: demo_id("service_area", &new.key),
            service_id: Some(id.clone()),
            service_at_location_id: None,
            name: Some(new.area_name.into()),
            description: None,
            extent: None,
            extent_type: None,
            uri: None,
            area_code: Some(new.area_code.into()),
        });
        for (link_type, taxonomy, codes) in [
            ("service_category", CATEGORY, t.categories),
            ("audience", AUDIENCE, t.audiences),
        ] {
            for code in codes {
                self.data.attributes.push(attribute::Model {
                    id: demo_id("attribute", &format!("service/{}/{taxonomy}/{code}", new.key)),
                    link_id: id.clone(),
                    taxonomy_term_id: term_id(taxonomy, code),
                    link_type: Some(link_type.into()),
                    link_entity: "service".into(),
                    value: None,
                    label: None,
                });
            }
        }
        for (n, slot) in new.timetable.iter().enumerate() {
            let schedule_id = demo_id("schedule", &format!("{}/{n}", new.key));
            self.data
                .schedules
                .push(weekly(schedule_id, Some(id.clone()), new.location_id.clone(), slot, ""));
        }
        for (name, code) in &new.languages {
            let note = match *code {
                "en" => None,
                "gd" => Some("Gaelic-speaking staff on most days"),
                "bfi" => Some("BSL interpreter on request; please give a week's notice"),
                _ => Some("Interpreter on request"),
            };
            self.data.languages.push(language::Model {
                id: demo_id("language", &format!("{}/{code}", new.key)),
                service_id: Some(id.clone()),
                location_id: None,
                phone_id: None,
                name: Some((*name).into()),
                code: Some((*code).into()),
                note: note.map(Into::into),
            });
        }
        // Every fifth local listing names a contact; national bodies always do.
        if seq.is_multiple_of(5) || new.location_id.is_none() {
            self.data.contacts.push(contact::Model {
                id: demo_id("contact", &new.key),
                organization_id: None,
                service_id: Some(id.clone()),
                service_at_location_id: None,
                location_id: None,
                name: Some(CONTACT_NAMES[(seq / 5) % CONTACT_NAMES.len()].into()),
                title: Some(t.contact_title.into()),
                department: None,
                email: None,
            });
        }
        if let Some(cost) = &t.cost {
            self.data.cost_options.push(cost_option::Model {
                id: demo_id("cost_option", &new.key),
                service_id: id.clone(),
                valid_from: None,
                valid_to: None,
                option: Some(cost.option.into()),
                currency: Some("GBP".into()),
                amount: Some(cost.amount),
                amount_description: Some(cost.description.into()),
            });
        }
        id
    }

    fn service_phone(
        &mut self,
        service_key: &str,
        service_id: &str,
        position: i32,
        number: String,
        phone_type: &str,
        description: &str,
    ) {
        self.data.phones.push(phone::Model {
            id: demo_id("phone", &format!("service/{service_key}/{position}")),
            location_id: None,
            service_id: Some(service_id.into()),
            organization_id: None,
            contact_id: None,
            service_at_location_id: None,
            number,
            extension: None,
            phone_type: Some(phone_type.into()),
            description: Some(description.into()),
            position,
        });
    }

    /// Holiday closures and one extra opening, so "open at" queries around
    /// Christmas have exceptions to honour.
    fn one_off_schedules(&mut self) {
        let christmas = NaiveDate::from_ymd_opt(2026, 12, 25);
        for (library, date, description) in [
            (
                "S12000036/edinburgh-central-library",
                christmas,
                "Closed for Christmas Day",
            ),
            ("S12000049/mitchell-library", christmas, "Closed for Christmas Day"),
        ] {
            let suffix = date.map(|d| d.to_string()).unwrap_or_default();
            self.data.schedules.push(one_off(
                demo_id("schedule", &format!("{library}/closed/{suffix}")),
                None,
                Some(demo_id("location", library)),
                date,
                None,
                description,
            ));
        }
        if let Some((service_id, location_id)) = self.first_warm_space.clone() {
            // Sunday 27 December: an extra Warm Space session between the holidays.
            self.data.schedules.push(one_off(
                demo_id("schedule", &format!("{service_id}/special/2026-12-27")),
                Some(service_id),
                Some(location_id),
                NaiveDate::from_ymd_opt(2026, 12, 27),
                Some(("12:00", "16:00")),
                "Extra Warm Space opening on Sunday 27 December, 12:00-16:00",
            ));
        }
    }
}

fn venue_description(place: &Place) -> String {
    let city = place.city;
    match place.kind {
        VenueKind::Library => {
            format!("Public library in {city} with free wifi, public computers and space to sit and read.")
        }
        VenueKind::Health => {
            format!("Health centre in {city} with GP practices and community health and social care teams.")
        }
        VenueKind::Community => format!("Community venue in {city} with a main hall, kitchen and small meeting rooms."),
        VenueKind::Youth => {
            format!("Youth project in {city} with a drop-in space, kitchen and quiet room for young people.")
        }
        VenueKind::Office => format!(
            "Voluntary sector office in {city}; phone lines and volunteer matching run from here, with visits by appointment."
        ),
    }
}

fn venue_phone_description(kind: VenueKind) -> &'static str {
    match kind {
        VenueKind::Library => "Library enquiries",
        VenueKind::Health => "Reception",
        VenueKind::Community => "Centre office",
        VenueKind::Youth => "Youth project office",
        VenueKind::Office => "Office",
    }
}

/// English everywhere; Gaelic throughout the Western Isles and on about half
/// of Highland and Argyll services; one community language on about half of
/// the city services.
fn local_languages(area_code: &str, seq: usize) -> Vec<Lang> {
    let mut languages = vec![ENGLISH];
    match area_code {
        WESTERN_ISLES => languages.push(GAELIC),
        HIGHLAND | ARGYLL_AND_BUTE if seq.is_multiple_of(2) => languages.push(GAELIC),
        city if CITY_AREAS.contains(&city) && seq.is_multiple_of(2) => {
            languages.push(COMMUNITY_LANGUAGES[(seq / 2) % COMMUNITY_LANGUAGES.len()]);
        }
        _ => {}
    }
    languages
}

/// A weekly recurring opening. `prefix` leads the human description, e.g.
/// "Opening hours: Monday to Friday 09:30-17:00".
fn weekly(
    id: String,
    service_id: Option<String>,
    location_id: Option<String>,
    (byday, opens_at, closes_at): &Slot,
    prefix: &str,
) -> schedule::Model {
    let when = format!("{} {opens_at}-{closes_at}", describe_days(byday));
    let description = if prefix.is_empty() {
        when
    } else {
        format!("{prefix}: {when}")
    };
    schedule::Model {
        freq: Some("WEEKLY".into()),
        interval: Some(1),
        byday: Some((*byday).into()),
        opens_at: Some((*opens_at).into()),
        closes_at: Some((*closes_at).into()),
        description: Some(description),
        ..blank_schedule(id, service_id, location_id)
    }
}

/// A single day's exception: a closure, or (with hours) a special opening.
fn one_off(
    id: String,
    service_id: Option<String>,
    location_id: Option<String>,
    date: Option<NaiveDate>,
    hours: Option<(&str, &str)>,
    description: &str,
) -> schedule::Model {
    schedule::Model {
        valid_from: date,
        valid_to: date,
        opens_at: hours.map(|(opens, _)| opens.into()),
        closes_at: hours.map(|(_, closes)| closes.into()),
        description: Some(description.into()),
        closed: hours.is_none(),
        ..blank_schedule(id, service_id, location_id)
    }
}

fn blank_schedule(id: String, service_id: Option<String>, location_id: Option<String>) -> schedule::Model {
    schedule::Model {
        id,
        service_id,
        location_id,
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

/// `"MO,WE"` -> `"Mondays and Wednesdays"`; runs of weekdays read naturally.
fn describe_days(byday: &str) -> String {
    match byday {
        "MO,TU,WE,TH,FR" => return "Monday to Friday".into(),
        "MO,TU,WE,TH,FR,SA,SU" => return "Every day".into(),
        _ => {}
    }
    let days: Vec<&str> = byday
        .split(',')
        .map(|day| match day {
            "MO" => "Mondays",
            "TU" => "Tuesdays",
            "WE" => "Wednesdays",
            "TH" => "Thursdays",
            "FR" => "Fridays",
            "SA" => "Saturdays",
            "SU" => "Sundays",
            other => other,
        })
        .collect();
    match days.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => days.concat(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
    }

    fn demo() -> DirectoryData {
        demo_directory(now())
    }

    fn id_set<'a>(ids: impl IntoIterator<Item = &'a String>) -> HashSet<&'a str> {
        ids.into_iter().map(String::as_str).collect()
    }

    #[test]
    fn the_directory_is_big_enough_to_explore() {
        let d = demo();
        assert!(d.services.len() >= 300, "{} services", d.services.len());
        assert!(d.organizations.len() >= 80, "{} organisations", d.organizations.len());
        assert!(d.locations.len() >= 120, "{} locations", d.locations.len());
        assert_eq!(d.locations.len(), places().len());
    }

    #[test]
    fn libraries_hold_at_least_forty_locations() {
        let d = demo();
        let libraries = id_set(
            d.organizations
                .iter()
                .filter(|o| o.name.ends_with(" Libraries"))
                .map(|o| &o.id),
        );
        assert_eq!(libraries.len(), 32);
        let count = d
            .locations
            .iter()
            .filter(|l| l.organization_id.as_deref().is_some_and(|o| libraries.contains(o)))
            .count();
        assert!(count >= 40, "{count} library locations");
    }

    #[test]
    fn every_area_has_a_library_service_a_partnership_and_a_voluntary_body() {
        let d = demo();
        let organizations = id_set(d.organizations.iter().map(|o| &o.id));
        for area in council_areas() {
            for key in [
                format!("libraries/{}", area.code),
                format!("hscp/{}", hscp_lead(area.code)),
                format!("third-sector/{}", area.code),
            ] {
                assert!(
                    organizations.contains(demo_id("organization", &key).as_str()),
                    "missing {key}"
                );
            }
        }
        let partnerships = d
            .organizations
            .iter()
            .filter(|o| o.name.ends_with("Health and Social Care Partnership"));
        assert_eq!(partnerships.count(), 31, "Clackmannanshire and Stirling share one");
        assert!((6..=10).contains(&NATIONAL_BODIES.len()));
    }

    #[test]
    fn every_council_area_has_a_location() {
        let d = demo();
        let areas = council_areas();
        assert_eq!(areas.len(), 32);
        for area in &areas {
            assert!(
                d.locations.iter().any(|l| l.area_code.as_deref() == Some(area.code)),
                "no location in {}",
                area.name
            );
        }
    }

    #[test]
    fn ids_are_unique_within_each_table() {
        let d = demo();
        macro_rules! unique {
            ($($table:ident),*) => {$(
                let ids = id_set(d.$table.iter().map(|r| &r.id));
                assert_eq!(ids.len(), d.$table.len(), "duplicate id in {}", stringify!($table));
            )*};
        }
        unique!(
            taxonomies,
            taxonomy_terms,
            organizations,
            organization_identifiers,
            locations,
            addresses,
            accessibilities,
            services,
            service_at_locations,
            service_areas,
            contacts,
            phones,
            schedules,
            attributes,
            languages,
            cost_options
        );
    }

    #[test]
    fn ids_are_lower_case_v5_uuids() {
        let id = demo_id("service", "national/carers-helpline");
        assert_eq!(id, demo_id("service", "national/carers-helpline"));
        assert_ne!(id, demo_id("organization", "national/carers-helpline"));
        let parsed = Uuid::parse_str(&id).unwrap();
        assert_eq!(parsed.get_version_num(), 5);
        assert_eq!(id, parsed.hyphenated().to_string());
        assert_eq!(id, id.to_lowercase());
    }

    #[test]
    fn foreign_keys_point_at_rows_in_the_same_directory() {
        let d = demo();
        let taxonomies = id_set(d.taxonomies.iter().map(|r| &r.id));
        let terms = id_set(d.taxonomy_terms.iter().map(|r| &r.id));
        let organizations = id_set(d.organizations.iter().map(|r| &r.id));
        let locations = id_set(d.locations.iter().map(|r| &r.id));
        let services = id_set(d.services.iter().map(|r| &r.id));
        let service_at_locations = id_set(d.service_at_locations.iter().map(|r| &r.id));
        let phones = id_set(d.phones.iter().map(|r| &r.id));
        let contacts = id_set(d.contacts.iter().map(|r| &r.id));
        let optional = |set: &HashSet<&str>, id: &Option<String>| id.as_deref().is_none_or(|id| set.contains(id));

        for t in &d.taxonomy_terms {
            assert!(
                optional(&taxonomies, &t.taxonomy_id) && t.taxonomy_id.is_some(),
                "term {}",
                t.name
            );
            assert!(optional(&terms, &t.parent_id), "parent of {}", t.name);
        }
        for o in &d.organizations {
            assert!(optional(&organizations, &o.parent_organization_id));
        }
        for i in &d.organization_identifiers {
            assert!(organizations.contains(i.organization_id.as_str()));
        }
        for l in &d.locations {
            assert!(optional(&organizations, &l.organization_id) && l.organization_id.is_some());
        }
        for a in &d.addresses {
            assert!(optional(&locations, &a.location_id) && a.location_id.is_some());
        }
        for a in &d.accessibilities {
            assert!(optional(&locations, &a.location_id) && a.location_id.is_some());
        }
        for s in &d.services {
            assert!(
                organizations.contains(s.organization_id.as_str()),
                "organisation of {}",
                s.name
            );
        }
        for sal in &d.service_at_locations {
            assert!(services.contains(sal.service_id.as_str()));
            assert!(locations.contains(sal.location_id.as_str()));
        }
        for a in &d.service_areas {
            assert!(optional(&services, &a.service_id) && a.service_id.is_some());
            assert!(optional(&service_at_locations, &a.service_at_location_id));
        }
        for c in &d.contacts {
            assert!(optional(&organizations, &c.organization_id));
            assert!(optional(&services, &c.service_id));
            assert!(optional(&service_at_locations, &c.service_at_location_id));
            assert!(optional(&locations, &c.location_id));
        }
        for p in &d.phones {
            assert!(optional(&locations, &p.location_id));
            assert!(optional(&services, &p.service_id));
            assert!(optional(&organizations, &p.organization_id));
            assert!(optional(&contacts, &p.contact_id));
            assert!(optional(&service_at_locations, &p.service_at_location_id));
            assert!(p.location_id.is_some() || p.service_id.is_some());
        }
        for s in &d.schedules {
            assert!(optional(&services, &s.service_id));
            assert!(optional(&locations, &s.location_id));
            assert!(optional(&service_at_locations, &s.service_at_location_id));
            assert!(s.service_id.is_some() || s.location_id.is_some());
        }
        for a in &d.attributes {
            assert!(
                terms.contains(a.taxonomy_term_id.as_str()),
                "term of attribute {}",
                a.id
            );
            let owner = match a.link_entity.as_str() {
                "service" => &services,
                "location" => &locations,
                other => panic!("unexpected link_entity {other}"),
            };
            assert!(owner.contains(a.link_id.as_str()));
        }
        for l in &d.languages {
            assert!(optional(&services, &l.service_id) && l.service_id.is_some());
            assert!(optional(&locations, &l.location_id));
            assert!(optional(&phones, &l.phone_id));
        }
        for c in &d.cost_options {
            assert!(services.contains(c.service_id.as_str()));
        }
    }

    #[test]
    fn parents_come_before_their_children() {
        let d = demo();
        let mut seen = HashSet::new();
        for t in &d.taxonomy_terms {
            if let Some(parent) = &t.parent_id {
                assert!(seen.contains(parent.as_str()), "{} listed before its parent", t.name);
            }
            seen.insert(t.id.as_str());
        }
    }

    #[test]
    fn taxonomies_have_the_expected_shape() {
        let d = demo();
        let names: Vec<&str> = d.taxonomies.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, [CATEGORY, AUDIENCE, ACCESSIBILITY, HUB_FACILITY]);
        let terms_of = |name: &str| {
            d.taxonomy_terms
                .iter()
                .filter(|t| t.taxonomy.as_deref() == Some(name))
                .collect::<Vec<_>>()
        };
        let categories = terms_of(CATEGORY);
        assert!(categories.len() >= 25);
        let tops = categories.iter().filter(|t| t.parent_id.is_none()).count();
        let children = categories.iter().filter(|t| t.parent_id.is_some()).count();
        assert!(tops >= 10 && children >= 15, "{tops} top-level, {children} children");
        let young_carers = terms_of(AUDIENCE)
            .into_iter()
            .find(|t| t.code.as_deref() == Some("young-carers"))
            .unwrap();
        assert_eq!(young_carers.parent_id, Some(term_id(AUDIENCE, "carers")));
        assert!(terms_of(ACCESSIBILITY).len() >= 7);
        assert_eq!(terms_of(HUB_FACILITY).len(), 10);
        for t in &d.taxonomy_terms {
            assert!(!t.description.is_empty(), "{} has no description", t.name);
            assert!(t.code.as_deref().is_some_and(|c| !c.is_empty()));
        }
    }

    #[test]
    fn services_carry_one_or_two_leaf_categories_and_audiences() {
        let d = demo();
        let parents: HashSet<&str> = d.taxonomy_terms.iter().filter_map(|t| t.parent_id.as_deref()).collect();
        let category_terms: HashSet<String> = CATEGORY_TERMS.iter().map(|(c, ..)| term_id(CATEGORY, c)).collect();
        let audience_terms: HashSet<String> = AUDIENCE_TERMS.iter().map(|(c, ..)| term_id(AUDIENCE, c)).collect();
        let mut per_service: HashMap<(&str, &str), usize> = HashMap::new();
        for a in d.attributes.iter().filter(|a| a.link_entity == "service") {
            let link_type = a.link_type.as_deref().unwrap();
            match link_type {
                "service_category" => {
                    assert!(category_terms.contains(&a.taxonomy_term_id));
                    assert!(!parents.contains(a.taxonomy_term_id.as_str()), "category is not a leaf");
                }
                "audience" => assert!(audience_terms.contains(&a.taxonomy_term_id)),
                other => panic!("unexpected link_type {other}"),
            }
            *per_service.entry((a.link_id.as_str(), link_type)).or_default() += 1;
        }
        for s in &d.services {
            for link_type in ["service_category", "audience"] {
                let n = per_service.get(&(s.id.as_str(), link_type)).copied().unwrap_or(0);
                assert!((1..=2).contains(&n), "{} has {n} {link_type} terms", s.name);
            }
        }
    }

    #[test]
    fn some_services_have_age_limits() {
        let d = demo();
        let with_minimum = d.services.iter().filter(|s| s.minimum_age.is_some()).count();
        assert!(with_minimum >= 3, "{with_minimum}");
        assert!(
            d.services
                .iter()
                .any(|s| s.minimum_age == Some(12) && s.maximum_age == Some(25))
        );
        assert!(
            d.services
                .iter()
                .any(|s| s.minimum_age == Some(0) && s.maximum_age == Some(5))
        );
        assert!(d.services.iter().any(|s| s.minimum_age == Some(60)));
        for s in &d.services {
            if let (Some(min), Some(max)) = (s.minimum_age, s.maximum_age) {
                assert!(min <= max, "{}", s.name);
            }
        }
    }

    #[test]
    fn every_library_offers_at_least_two_services() {
        let d = demo();
        let mut per_location: HashMap<&str, usize> = HashMap::new();
        for sal in &d.service_at_locations {
            *per_location.entry(sal.location_id.as_str()).or_default() += 1;
        }
        for place in places().iter().filter(|p| p.kind == VenueKind::Library) {
            let id = demo_id("location", &place.key());
            let n = per_location.get(id.as_str()).copied().unwrap_or(0);
            assert!(n >= 2, "{} offers {n} services", place.name);
        }
    }

    #[test]
    fn local_services_meet_weekly_at_their_venue() {
        let d = demo();
        let venue: HashMap<&str, &str> = d
            .service_at_locations
            .iter()
            .map(|sal| (sal.service_id.as_str(), sal.location_id.as_str()))
            .collect();
        assert_eq!(venue.len(), d.service_at_locations.len(), "one venue per local service");
        for s in &d.services {
            let weekly: Vec<_> = d
                .schedules
                .iter()
                .filter(|r| r.service_id.as_deref() == Some(s.id.as_str()) && r.freq.is_some())
                .collect();
            let area = d
                .service_areas
                .iter()
                .find(|a| a.service_id.as_deref() == Some(s.id.as_str()))
                .unwrap();
            match venue.get(s.id.as_str()) {
                Some(location_id) => {
                    assert!(
                        (1..=3).contains(&weekly.len()),
                        "{} has {} weekly rows",
                        s.name,
                        weekly.len()
                    );
                    let location = d.locations.iter().find(|l| l.id == *location_id).unwrap();
                    assert_eq!(area.area_code, location.area_code, "{}", s.name);
                    for r in &weekly {
                        assert_eq!(r.location_id.as_deref(), Some(*location_id));
                    }
                }
                None => {
                    assert_eq!(area.area_code.as_deref(), Some(SCOTLAND));
                    assert_eq!(area.name.as_deref(), Some("Scotland"));
                }
            }
            for r in &weekly {
                assert_eq!(r.freq.as_deref(), Some("WEEKLY"));
                assert_eq!(r.interval, Some(1));
                assert!(!r.closed);
                let (opens, closes) = (r.opens_at.as_deref().unwrap(), r.closes_at.as_deref().unwrap());
                assert!(
                    opens.len() == 5 && closes.len() == 5 && opens < closes,
                    "{opens}-{closes}"
                );
                assert!(r.description.as_deref().is_some_and(|d| d.contains(opens)));
            }
        }
        let opening_hours = d
            .schedules
            .iter()
            .filter(|r| r.service_id.is_none() && r.freq.as_deref() == Some("WEEKLY"))
            .count();
        assert!(opening_hours >= 2 * places().iter().filter(|p| p.kind == VenueKind::Library).count());
    }

    #[test]
    fn holiday_exceptions_are_one_day_rows() {
        let d = demo();
        let one_offs: Vec<_> = d.schedules.iter().filter(|r| r.freq.is_none()).collect();
        assert!((2..=3).contains(&one_offs.len()), "{} one-off rows", one_offs.len());
        let christmas = NaiveDate::from_ymd_opt(2026, 12, 25);
        assert!(one_offs.iter().any(|r| r.closed
            && r.valid_from == christmas
            && r.valid_to == christmas
            && r.description.as_deref() == Some("Closed for Christmas Day")));
        assert!(
            one_offs
                .iter()
                .any(|r| !r.closed && r.opens_at.is_some() && r.service_id.is_some())
        );
        for r in one_offs {
            assert_eq!(r.valid_from, r.valid_to);
        }
    }

    #[test]
    fn statuses_are_mostly_active() {
        let d = demo();
        let count = |status: &str| d.services.iter().filter(|s| s.status == status).count();
        assert!(count("active") * 10 >= d.services.len() * 9);
        assert!(count("temporarily closed") >= 2);
        assert!((2..=3).contains(&count("inactive")));
        assert_eq!(
            count("active") + count("temporarily closed") + count("inactive"),
            d.services.len()
        );
        for s in d.services.iter().filter(|s| s.status == "temporarily closed") {
            assert!(s.alert.is_some(), "{} is closed without saying why", s.name);
        }
    }

    #[test]
    fn every_service_can_be_phoned() {
        let d = demo();
        let phoned: HashSet<&str> = d
            .phones
            .iter()
            .flat_map(|p| [p.service_id.as_deref(), p.location_id.as_deref()])
            .flatten()
            .collect();
        let venue: HashMap<&str, &str> = d
            .service_at_locations
            .iter()
            .map(|sal| (sal.service_id.as_str(), sal.location_id.as_str()))
            .collect();
        for s in &d.services {
            let by_venue = venue.get(s.id.as_str()).is_some_and(|l| phoned.contains(l));
            assert!(phoned.contains(s.id.as_str()) || by_venue, "{} has no phone", s.name);
        }
    }

    #[test]
    fn phone_numbers_are_reserved_for_drama_and_distinct() {
        let d = demo();
        let reserved = ["0131 496 0", "0141 496 0", "01632 960", "0808 157 0", "07700 900"];
        let mut seen = HashSet::new();
        for p in &d.phones {
            assert!(reserved.iter().any(|r| p.number.starts_with(r)), "{}", p.number);
            assert!(
                p.number.chars().filter(char::is_ascii_digit).count() == 11,
                "{}",
                p.number
            );
            assert!(seen.insert(p.number.as_str()), "{} used twice", p.number);
            assert!(matches!(p.phone_type.as_deref(), Some("voice" | "text")));
            assert!((0..=1).contains(&p.position));
        }
    }

    #[test]
    fn every_service_speaks_english_and_island_services_gaelic() {
        let d = demo();
        let codes_of = |service_id: &str| -> Vec<&str> {
            d.languages
                .iter()
                .filter(|l| l.service_id.as_deref() == Some(service_id))
                .filter_map(|l| l.code.as_deref())
                .collect()
        };
        for s in &d.services {
            assert!(codes_of(&s.id).contains(&"en"), "{}", s.name);
        }
        let western_isles: HashSet<&str> = d
            .service_areas
            .iter()
            .filter(|a| a.area_code.as_deref() == Some(WESTERN_ISLES))
            .filter_map(|a| a.service_id.as_deref())
            .collect();
        assert!(!western_isles.is_empty());
        for id in western_isles {
            assert!(codes_of(id).contains(&"gd"));
        }
        let all: HashSet<&str> = d.languages.iter().filter_map(|l| l.code.as_deref()).collect();
        for code in ["pl", "ar", "uk", "bfi"] {
            assert!(all.contains(code), "no service in {code}");
        }
    }

    #[test]
    fn text_fields_are_filled_and_dates_are_plausible() {
        let d = demo();
        let today = now().date_naive();
        let mut overdue = 0;
        for s in &d.services {
            assert!(
                s.description
                    .as_deref()
                    .is_some_and(|t| !t.is_empty() && !t.contains('{')),
                "{}",
                s.name
            );
            assert!(s.application_process.is_some() && s.fees_description.is_some());
            assert_eq!(s.version, 1);
            assert!(s.created_at <= s.last_modified && s.last_modified <= now());
            if let Some(assured) = s.assured_date {
                assert!(assured <= today && assured >= s.created_at.date_naive(), "{}", s.name);
                if assured < today - TimeDelta::days(365) {
                    overdue += 1;
                }
            }
        }
        let assured = d.services.iter().filter(|s| s.assured_date.is_some()).count();
        assert!(assured * 4 >= d.services.len() * 3, "most services are assured");
        assert!(overdue > 0, "some reviews are overdue");
        for o in &d.organizations {
            assert!(!o.description.is_empty());
            assert!(
                o.website.as_deref().is_some_and(|w| w.ends_with(".example.org")),
                "{}",
                o.name
            );
            assert!(
                o.email.as_deref().is_some_and(|e| e.ends_with(".example.org")),
                "{}",
                o.name
            );
        }
        let names: HashSet<&str> = d.organizations.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names.len(), d.organizations.len(), "organisation names repeat");
        assert!(!d.cost_options.is_empty() && !d.contacts.is_empty());
        assert!(
            d.organization_identifiers
                .iter()
                .all(|i| i.identifier.starts_with("SC0"))
        );
    }

    #[test]
    fn every_location_has_an_address_and_access_features() {
        let d = demo();
        let areas = council_areas();
        for l in &d.locations {
            let addresses: Vec<_> = d
                .addresses
                .iter()
                .filter(|a| a.location_id.as_ref() == Some(&l.id))
                .collect();
            assert_eq!(addresses.len(), 1);
            let area_name = area(&areas, l.area_code.as_deref().unwrap()).name;
            assert_eq!(addresses[0].region.as_deref(), Some(area_name));
            let features = d
                .accessibilities
                .iter()
                .filter(|a| a.location_id.as_ref() == Some(&l.id))
                .count();
            let links = d
                .attributes
                .iter()
                .filter(|a| a.link_entity == "location" && a.link_id == l.id)
                .count();
            assert!((1..=3).contains(&features) && features == links, "{:?}", l.name);
        }
    }

    #[test]
    fn keys_in_the_module_docs_name_real_records() {
        let d = demo();
        let has = |ids: HashSet<&str>, kind: &str, key: &str| ids.contains(demo_id(kind, key).as_str());
        assert!(has(
            id_set(d.taxonomies.iter().map(|r| &r.id)),
            "taxonomy",
            "service-category"
        ));
        assert!(has(
            id_set(d.taxonomy_terms.iter().map(|r| &r.id)),
            "taxonomy_term",
            "service-category/warm-spaces"
        ));
        let organizations = || id_set(d.organizations.iter().map(|r| &r.id));
        for key in [
            "libraries/S12000036",
            "hscp/S12000036",
            "hscp/S12000005",
            "third-sector/S12000036",
        ] {
            assert!(has(organizations(), "organization", key), "{key}");
        }
        assert!(has(organizations(), "organization", "national/thistle-carers"));
        assert!(has(
            id_set(d.locations.iter().map(|r| &r.id)),
            "location",
            "S12000036/leith-library"
        ));
        let services = || id_set(d.services.iter().map(|r| &r.id));
        assert!(has(services(), "service", "S12000036/leith-library/warm-space"));
        assert!(has(services(), "service", "national/carers-helpline"));
    }

    #[test]
    fn the_directory_is_deterministic() {
        let (a, b) = (demo(), demo());
        macro_rules! same {
            ($($table:ident),*) => {$( assert_eq!(a.$table, b.$table, "{} differs", stringify!($table)); )*};
        }
        same!(
            taxonomies,
            taxonomy_terms,
            organizations,
            organization_identifiers,
            locations,
            addresses,
            accessibilities,
            services,
            service_at_locations,
            service_areas,
            contacts,
            phones,
            schedules,
            attributes,
            languages,
            cost_options
        );
    }

    #[test]
    fn days_read_naturally() {
        assert_eq!(describe_days("TU"), "Tuesdays");
        assert_eq!(describe_days("MO,WE"), "Mondays and Wednesdays");
        assert_eq!(describe_days("MO,WE,FR"), "Mondays, Wednesdays and Fridays");
        assert_eq!(describe_days("MO,TU,WE,TH,FR"), "Monday to Friday");
        assert_eq!(slug("Bo'ness Library"), "boness-library");
        assert_eq!(slug("Na h-Eileanan Siar"), "na-h-eileanan-siar");
    }
}
