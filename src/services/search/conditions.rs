//! The filter as SQL: the conditions on services, on their places and on
//! the rows the search reads.

use super::*;

/// A `LIKE` pattern that matches `text` literally anywhere, lower-cased.
pub fn contains_pattern(text: &str) -> LikeExpr {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// `lower(column) LIKE %text%`, portable across SQLite and PostgreSQL.
pub fn column_contains(column: impl Into<SimpleExpr>, text: &str) -> SimpleExpr {
    Expr::expr(Func::lower(column.into())).like(contains_pattern(text))
}

pub(super) fn text_of(filter: &ServiceFilter) -> Option<&str> {
    filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// `SELECT service_id FROM service_at_location JOIN location ... WHERE <location condition>`.
pub(super) fn services_at_locations_where(condition: SimpleExpr) -> SelectStatement {
    Query::select()
        .column((service_at_location::Entity, service_at_location::Column::ServiceId))
        .from(service_at_location::Entity)
        .inner_join(
            location::Entity,
            Expr::col((location::Entity, location::Column::Id))
                .equals((service_at_location::Entity, service_at_location::Column::LocationId)),
        )
        .and_where(condition)
        .to_owned()
}

/// Ids of services delivered at a location in one of the areas, or whose
/// service area covers one of them.
pub(super) fn in_areas(areas: AreaSet<'_>) -> Condition {
    let covering = Query::select()
        .column(service_area::Column::ServiceId)
        .from(service_area::Entity)
        .and_where(areas.holds((service_area::Entity, service_area::Column::AreaCode)))
        .to_owned();
    Condition::any()
        .add(service::Column::Id.in_subquery(services_at_locations_where(
            areas.holds((location::Entity, location::Column::AreaCode)),
        )))
        .add(service::Column::Id.in_subquery(covering))
}

/// Whether the service is linked through HSDS `attribute` to any of
/// `terms`. Correlated, so it is checked per service the rest of the query
/// reaches (a page by name, say) instead of first gathering every service
/// under a broad category.
pub(super) fn service_linked_to(terms: Vec<String>) -> SimpleExpr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(attribute::Entity)
            .and_where(
                Expr::col((attribute::Entity, attribute::Column::LinkId))
                    .equals((service::Entity, service::Column::Id)),
            )
            .and_where(attribute::Column::LinkEntity.eq("service"))
            .and_where(attribute::Column::TaxonomyTermId.is_in(terms))
            .to_owned(),
    )
}

/// Rows of `link_entity` linked through HSDS `attribute` to any of `terms`.
pub(super) fn linked_to(link_entity: &str, terms: Vec<String>) -> SelectStatement {
    Query::select()
        .column(attribute::Column::LinkId)
        .from(attribute::Entity)
        .and_where(attribute::Column::LinkEntity.eq(link_entity))
        .and_where(attribute::Column::TaxonomyTermId.is_in(terms))
        .to_owned()
}

/// The table the radius search reads (see the `located_services`
/// migration): one row per service at a location with coordinates, with
/// the service's status, age range, name, dates and term ids.
#[derive(Debug, Clone, Copy)]
pub(super) struct Located;

impl sea_orm::sea_query::Iden for Located {
    fn unquoted(&self) -> &str {
        "located_service"
    }
}

/// A column of `located_service`; those it shares with `service` have the same names.
pub(super) fn located(column: &str) -> ColumnRef {
    (Located, Alias::new(column)).into_column_ref()
}

/// What each located row's `terms` holds between ids.
const TERM_SEPARATOR: char = '\u{1f}';

/// Whether the located row's service is linked to any of `terms`: a
/// substring test per term on the row's own list, no look-up.
pub(super) fn located_linked_to(backend: DatabaseBackend, terms: Vec<String>) -> Condition {
    let find = match backend {
        DatabaseBackend::Postgres => "strpos",
        _ => "instr",
    };
    terms.into_iter().fold(Condition::any(), |any, term| {
        let needle = format!("{TERM_SEPARATOR}{term}{TERM_SEPARATOR}");
        any.add(Func::cust(find).arg(Expr::col(located("terms"))).arg(needle).gt(0))
    })
}

/// Which table the status, age and category filters read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// `service`: every search but the radius search.
    Service,
    /// `located_service`: the radius search.
    Located,
}

impl Target {
    fn column(self, column: service::Column) -> SimpleExpr {
        match self {
            Target::Service => Expr::col((service::Entity, column)),
            Target::Located => Expr::col(located(column.as_str())),
        }
    }
}

/// The filters a located row answers itself: status, categories, ages.
pub(super) async fn row_condition(
    db: &impl ConnectionTrait,
    filter: &ServiceFilter,
    target: Target,
) -> AppResult<Condition> {
    let mut statuses = filter.statuses.clone().unwrap_or_else(status::default_listed);
    if filter.open_at.is_some() {
        // Only an active service is ever open (see `running`).
        statuses.retain(|s| s == status::ACTIVE);
    }
    let column = |c| target.column(c);
    let mut condition = Condition::all().add(column(service::Column::Status).is_in(statuses));
    let linked = |terms| match target {
        Target::Service => Condition::all().add(service_linked_to(terms)),
        Target::Located => located_linked_to(db.get_database_backend(), terms),
    };
    if !filter.taxonomy_term_ids.is_empty() {
        let terms = taxonomy::with_descendants(db, &filter.taxonomy_term_ids).await?;
        condition = condition.add(linked(terms));
    }
    for term in &filter.all_taxonomy_term_ids {
        let terms = taxonomy::with_descendants(db, std::slice::from_ref(term)).await?;
        condition = condition.add(linked(terms));
    }
    if let Some(age) = filter.age {
        condition = condition
            .add(
                Condition::any()
                    .add(column(service::Column::MinimumAge).is_null())
                    .add(column(service::Column::MinimumAge).lte(age)),
            )
            .add(
                Condition::any()
                    .add(column(service::Column::MaximumAge).is_null())
                    .add(column(service::Column::MaximumAge).gte(age)),
            );
    }
    if let Some(age) = filter.minimum_age_at_least {
        condition = condition.add(column(service::Column::MinimumAge).gte(age));
    }
    if let Some(age) = filter.maximum_age_at_most {
        condition = condition.add(column(service::Column::MaximumAge).lte(age));
    }
    Ok(condition)
}

/// The filters only the service and its relations answer (on `service`).
pub(super) async fn service_condition(db: &impl ConnectionTrait, filter: &ServiceFilter) -> AppResult<Condition> {
    let mut condition = Condition::all();
    // With a radius the few services nearby are matched against the text in
    // `candidates` (scoring them anyway); otherwise the text index narrows first.
    if let Some(text) = text_of(filter).filter(|_| filter.near.is_none()) {
        // Text with no words at all (only punctuation) matches nothing.
        let matching = text::matching(db.get_database_backend(), text).unwrap_or_else(|| Expr::cust("1 = 0"));
        condition = condition.add(matching);
    }
    if let Some(organization_id) = &filter.organization_id {
        condition = condition.add(service::Column::OrganizationId.eq(organization_id.clone()));
    }
    if !filter.area_codes.is_empty() {
        condition = condition.add(in_areas(AreaSet::Codes(&filter.area_codes)));
    }
    if !filter.health_board_codes.is_empty() {
        condition = condition.add(in_areas(AreaSet::HealthBoards(&filter.health_board_codes)));
    }
    if !filter.covers_area_codes.is_empty() {
        let covering = Query::select()
            .column(service_area::Column::ServiceId)
            .from(service_area::Entity)
            .and_where(service_area::Column::AreaCode.is_in(filter.covers_area_codes.clone()))
            .to_owned();
        condition = condition.add(service::Column::Id.in_subquery(covering));
    }
    if !filter.languages.is_empty() {
        let codes: Vec<String> = filter.languages.iter().map(|c| c.trim().to_lowercase()).collect();
        let speaking = Query::select()
            .column(language::Column::ServiceId)
            .from(language::Entity)
            .and_where(Expr::expr(Func::lower(Expr::col(language::Column::Code))).is_in(codes))
            .to_owned();
        condition = condition.add(service::Column::Id.in_subquery(speaking));
    }
    if !filter.accessibility_term_ids.is_empty() {
        let terms = taxonomy::with_descendants(db, &filter.accessibility_term_ids).await?;
        let accessible_locations = linked_to("location", terms);
        condition = condition.add(service::Column::Id.in_subquery(services_at_locations_where(
            Expr::col((location::Entity, location::Column::Id)).in_subquery(accessible_locations),
        )));
    }
    if let Some(after) = filter.modified_after {
        condition = condition.add(service::Column::LastModified.gt(after));
    }
    Ok(condition)
}

/// The SQL side of the filter: everything but the exact distance and the
/// opening hours. On `service`, or with a radius on `located_service`
/// (read by `matches_in_box`).
pub(super) async fn condition(db: &impl ConnectionTrait, filter: &ServiceFilter) -> AppResult<Condition> {
    match filter.near {
        Some(_) => located_condition(db, filter).await,
        None => Ok(row_condition(db, filter, Target::Service)
            .await?
            .add(service_condition(db, filter).await?)),
    }
}

/// The radius search's filter on `located_service`: the row's own columns,
/// and the rest checked on the service row only when such a filter is given.
pub(super) async fn located_condition(db: &impl ConnectionTrait, filter: &ServiceFilter) -> AppResult<Condition> {
    let mut condition = row_condition(db, filter, Target::Located).await?;
    let rest = service_condition(db, filter).await?;
    if !rest.is_empty() {
        condition = condition.add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(service::Entity)
                .and_where(Expr::col((service::Entity, service::Column::Id)).equals(located("service_id")))
                .cond_where(rest)
                .to_owned(),
        ));
    }
    Ok(condition)
}
