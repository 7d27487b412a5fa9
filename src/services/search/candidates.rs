//! The candidate pipeline: the services that match, with what ranking
//! needs (distance, relevance, review date), ranked, before paging.

use super::*;

/// A matching service before paging: what ranking needs, no more.
#[derive(Debug, Clone)]
pub(super) struct Candidate {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) reviewed: NaiveDate,
    pub(super) name_matches: bool,
    /// Text relevance, higher is better (0 without text).
    pub(super) score: f64,
    pub(super) distance_km: Option<f64>,
    pub(super) key: SortKey,
}

pub(super) async fn candidates(
    db: &impl ConnectionTrait,
    filter: &ServiceFilter,
    condition: Condition,
) -> AppResult<Vec<Candidate>> {
    let rows = match filter.near {
        Some(centre) => nearest_matches(db, centre, filter.radius(), condition).await?,
        None => {
            let rows: Vec<(String, String, Option<NaiveDate>, DateTime<Utc>)> = service::Entity::find()
                .select_only()
                .columns(CANDIDATE_COLUMNS)
                .filter(condition)
                .into_tuple()
                .all(db)
                .await?;
            rows.into_iter()
                .map(|(id, name, assured, created)| CandidateRow {
                    id,
                    name,
                    reviewed: assured.unwrap_or_else(|| created.date_naive()),
                    distance_km: None,
                })
                .collect()
        }
    };
    let relevance = match text_of(filter) {
        Some(words) => {
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            text::relevance(db, words, &ids).await?
        }
        None => HashMap::new(),
    };
    let mut found: Vec<Candidate> = rows
        .into_iter()
        .filter(|row| text_of(filter).is_none() || relevance.contains_key(&row.id))
        .map(|row| {
            let matched = relevance.get(&row.id);
            Candidate {
                distance_km: row.distance_km,
                name_matches: matched.is_some_and(|r| r.in_name),
                score: matched.map_or(0.0, |r| r.score),
                reviewed: row.reviewed,
                id: row.id,
                name: row.name,
                key: SortKey::default(),
            }
        })
        .collect();
    if let Some(at) = filter.open_at {
        // Every candidate is active (`row_condition`); the rest of the rule
        // needs the hours and the places.
        let ids: Vec<String> = found.iter().map(|c| c.id.clone()).collect();
        let (schedules, venues) = (schedules_of(db, &ids).await?, running::venues_of(db, &ids).await?);
        found.retain(|c| {
            let schedules = schedules.get(&c.id).map_or(&[][..], Vec::as_slice);
            let venues = venues.get(&c.id).map_or(&[][..], Vec::as_slice);
            running::is_open(status::ACTIVE, schedules, venues, at) == Some(true)
        });
    }
    Ok(found)
}

/// The service columns ranking needs.
const CANDIDATE_COLUMNS: [service::Column; 4] = [
    service::Column::Id,
    service::Column::Name,
    service::Column::AssuredDate,
    service::Column::CreatedAt,
];

/// A matching service as read, before text scoring.
pub(super) struct CandidateRow {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) reviewed: NaiveDate,
    pub(super) distance_km: Option<f64>,
}

/// The located services (see the `located_services` migration) matching
/// `condition` inside a bounding box, one row per (service, location), with
/// the location's coordinates: the radius search's one candidate statement.
/// The box is one range of the table's index on both databases (a test
/// reads the query plan), whose rows carry every column read here.
pub(super) fn matches_in_box(bbox: &BoundingBox, condition: Condition) -> SelectStatement {
    let mut select = Query::select()
        .columns(
            [
                "service_id",
                "name",
                "assured_date",
                "created_at",
                "latitude",
                "longitude",
            ]
            .map(located),
        )
        .from(Located)
        .to_owned();
    if let Some(strips) = longitude_strips(bbox) {
        select.and_where(Expr::col(located("longitude_strip")).is_in(strips));
    }
    select
        .and_where(Expr::col(located("latitude")).between(bbox.min_latitude, bbox.max_latitude))
        .and_where(Expr::col(located("longitude")).between(bbox.min_longitude, bbox.max_longitude))
        .cond_where(condition)
        .to_owned()
}

/// Most strips a box is looked up by; a wider box (near a pole) reads the
/// table without them, as every strip would be read anyway.
const MAX_STRIPS: i64 = 64;

/// The longitude strips a box spans (see the `located_services`
/// migration, which stores each row's), or `None` past `MAX_STRIPS`.
pub(super) fn longitude_strips(bbox: &BoundingBox) -> Option<Vec<i64>> {
    use migration::m20261201_000060_located_services::STRIPS_PER_DEGREE;
    let strip = |longitude: f64| ((longitude.clamp(-180.0, 180.0) + 180.0) * STRIPS_PER_DEGREE).floor() as i64;
    let (first, last) = (strip(bbox.min_longitude), strip(bbox.max_longitude));
    (last - first < MAX_STRIPS).then(|| (first..=last).collect())
}

/// The radius search's candidate statement for `filter` (which has `near`),
/// as `search_services` runs it: for reading its query plan.
pub async fn radius_statement(db: &impl ConnectionTrait, filter: &ServiceFilter) -> AppResult<SelectStatement> {
    let centre = filter
        .near
        .ok_or_else(|| AppError::bad_input(&["filter", "near"], "a radius search needs near"))?;
    let condition = condition(db, filter).await?;
    Ok(matches_in_box(&centre.bounding_box(filter.radius()), condition))
}

/// The services matching `condition` with a location within `radius_km` of
/// `centre`, each with the distance to its nearest such location.
pub(super) async fn nearest_matches(
    db: &impl ConnectionTrait,
    centre: GeoPoint,
    radius_km: f64,
    condition: Condition,
) -> AppResult<Vec<CandidateRow>> {
    let statement = matches_in_box(&centre.bounding_box(radius_km), condition);
    let mut nearest: HashMap<String, CandidateRow> = HashMap::new();
    for row in db.query_all(&statement).await? {
        let latitude: f64 = row.try_get_by_index(4)?;
        let longitude: f64 = row.try_get_by_index(5)?;
        let distance = centre.distance_km(&GeoPoint { latitude, longitude });
        if distance > radius_km {
            continue;
        }
        let id: String = row.try_get_by_index(0)?;
        if let Some(seen) = nearest.get_mut(&id) {
            seen.distance_km = seen.distance_km.map(|d| d.min(distance));
            continue;
        }
        let assured: Option<NaiveDate> = row.try_get_by_index(2)?;
        let created: DateTime<Utc> = row.try_get_by_index(3)?;
        let name: String = row.try_get_by_index(1)?;
        nearest.insert(
            id.clone(),
            CandidateRow {
                id,
                name,
                reviewed: assured.unwrap_or_else(|| created.date_naive()),
                distance_km: Some(distance),
            },
        );
    }
    Ok(nearest.into_values().collect())
}

/// Every schedule row of each service.
pub(super) async fn schedules_of(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> AppResult<HashMap<String, Vec<schedule::Model>>> {
    let mut by_service: HashMap<String, Vec<schedule::Model>> = HashMap::new();
    let rows = schedule::Entity::find()
        .filter(is_in_list(
            db.get_database_backend(),
            schedule::Column::ServiceId.into_expr(),
            ids,
        ))
        .all(db)
        .await?;
    for row in rows {
        if let Some(service_id) = row.service_id.clone() {
            by_service.entry(service_id).or_default().push(row);
        }
    }
    Ok(by_service)
}

/// Fetches the candidates' rows (with the relations `joins` asks for) in
/// one statement, in the candidates' order.
pub(super) async fn fetch_in_order(
    db: &impl ConnectionTrait,
    taken: &[Candidate],
    joins: ServiceJoins,
) -> AppResult<(Vec<service::Model>, ServiceRelations)> {
    if taken.is_empty() {
        return Ok(Default::default());
    }
    let ids: Vec<String> = taken.iter().map(|c| c.id.clone()).collect();
    let select = service::Entity::find().filter(is_in_list(
        db.get_database_backend(),
        service::Column::Id.into_expr(),
        &ids,
    ));
    // Put in the candidates' order here.
    let (rows, relations) = services_of(db, select, &[], joins).await?;
    let mut rows: HashMap<String, service::Model> = rows.into_iter().map(|s| (s.id.clone(), s)).collect();
    // A row deleted between the two reads drops out of the page.
    Ok((ids.iter().filter_map(|id| rows.remove(id)).collect(), relations))
}

/// Whether a listing is due for review: not assured (or, failing that,
/// created) in the last 12 months.
pub fn review_due(reviewed: NaiveDate, now: DateTime<Utc>) -> bool {
    reviewed < review_cutoff(now)
}

/// The earliest review date not yet due at `now`: a year before today (UTC).
pub(super) fn review_cutoff(now: DateTime<Utc>) -> NaiveDate {
    let today = now.date_naive();
    today.checked_sub_months(Months::new(12)).unwrap_or(today)
}

/// Gives each candidate its sort key for `order` and sorts them.
pub(super) fn rank(
    mut found: Vec<Candidate>,
    filter: &ServiceFilter,
    order: ServiceOrder,
    now: DateTime<Utc>,
) -> Vec<Candidate> {
    let has_text = text_of(filter).is_some();
    for c in &mut found {
        let distance = Part::Number(c.distance_km.unwrap_or(0.0));
        let name = Part::Text(c.name.clone());
        c.key = SortKey(match order {
            ServiceOrder::Relevance => vec![
                Part::Number(if review_due(c.reviewed, now) { 1.0 } else { 0.0 }),
                Part::Number(if has_text && !c.name_matches { 1.0 } else { 0.0 }),
                Part::Number(-c.score),
                distance,
                name,
            ],
            ServiceOrder::Distance => vec![distance, name],
            ServiceOrder::Name => vec![name],
            ServiceOrder::RecentlyReviewed => {
                vec![
                    Part::Number(-(c.reviewed.signed_duration_since(NaiveDate::MIN).num_days() as f64)),
                    name,
                ]
            }
        });
    }
    found.sort_by(|a, b| (&a.key, &a.id).cmp(&(&b.key, &b.id)));
    found
}

/// One component of a sort key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub(super) enum Part {
    Number(f64),
    Text(String),
}

impl Eq for Part {}

impl PartialOrd for Part {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Part {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self, other) {
            (Part::Number(a), Part::Number(b)) => a.total_cmp(b),
            (Part::Text(a), Part::Text(b)) => a.cmp(b),
            (Part::Number(_), Part::Text(_)) => std::cmp::Ordering::Less,
            (Part::Text(_), Part::Number(_)) => std::cmp::Ordering::Greater,
        }
    }
}

/// The ordered values a result sorts by; a cursor carries it.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(super) struct SortKey(pub(super) Vec<Part>);

impl SortKey {
    pub(super) fn encode(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_default()
    }

    pub(super) fn decode(text: &str) -> AppResult<SortKey> {
        serde_json::from_str(text)
            .map(SortKey)
            .map_err(|_| AppError::bad_input(&["after"], "malformed cursor"))
    }
}
