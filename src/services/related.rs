//! Batch reads behind the GraphQL DataLoaders: each function answers for many
//! owners in one statement, returning `(owner id, row)` pairs or rows keyed
//! by their own id. Keeping them here lets the CLI and exporters reuse them.

use entity::*;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, FromQueryResult, Iterable, PrimaryKeyToColumn,
    QueryFilter, QueryOrder, QueryTrait,
};

use crate::db::is_in_list;
use crate::error::AppResult;

/// Column alias carrying the owner id in joined reads.
const OWNER: &str = "owner_id";

/// Rows of `E` by primary key; no statement for no ids.
pub async fn by_ids<E>(db: &impl ConnectionTrait, id: E::Column, ids: &[String]) -> AppResult<Vec<E::Model>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let listed = is_in_list(db.get_database_backend(), id.into_expr(), ids);
    Ok(E::find().filter(listed).all(db).await?)
}

/// Child rows of `E` whose `owner` column is among `owners`, in `order`
/// (ties by primary key, so that equal positions keep one order).
pub async fn children<E>(
    db: &impl ConnectionTrait,
    owner: E::Column,
    owners: &[String],
    order: E::Column,
) -> AppResult<Vec<E::Model>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
{
    let listed = is_in_list(db.get_database_backend(), owner.into_expr(), owners);
    let mut select = E::find().filter(listed).order_by_asc(order);
    for key in E::PrimaryKey::iter() {
        select = select.order_by_asc(key.into_column());
    }
    Ok(select.all(db).await?)
}

/// Runs `select` (rows of `E` plus an `owner_id` column) and pairs each row with its owner.
async fn owned_rows<E>(db: &impl ConnectionTrait, select: &SelectStatement) -> AppResult<Vec<(String, E::Model)>>
where
    E: EntityTrait,
    E::Model: FromQueryResult,
{
    let mut pairs = Vec::new();
    for row in db.query_all(select).await? {
        let owner: String = row.try_get("", OWNER)?;
        pairs.push((owner, E::Model::from_query_result(&row, "")?));
    }
    Ok(pairs)
}

/// `SELECT E.*, link.owner AS owner_id FROM E JOIN link ON link.target = E.id WHERE link.owner IN (...)`.
fn linked<E, L>(
    backend: DatabaseBackend,
    target_id: E::Column,
    link_target: L::Column,
    link_owner: L::Column,
    owners: &[String],
) -> SelectStatement
where
    E: EntityTrait,
    L: EntityTrait,
{
    let mut select = E::find().order_by_asc(target_id).into_query();
    select
        .expr_as(Expr::col((L::default(), link_owner)), Alias::new(OWNER))
        .inner_join(
            L::default(),
            Expr::col((L::default(), link_target)).equals((E::default(), target_id)),
        )
        .and_where(is_in_list(backend, link_owner.into_expr(), owners));
    select
}

/// Locations where each service is delivered.
pub async fn locations_of_services(
    db: &impl ConnectionTrait,
    service_ids: &[String],
) -> AppResult<Vec<(String, location::Model)>> {
    let select = linked::<location::Entity, service_at_location::Entity>(
        db.get_database_backend(),
        location::Column::Id,
        service_at_location::Column::LocationId,
        service_at_location::Column::ServiceId,
        service_ids,
    );
    owned_rows::<location::Entity>(db, &select).await
}

/// Services delivered at each location.
pub async fn services_at_locations(
    db: &impl ConnectionTrait,
    location_ids: &[String],
) -> AppResult<Vec<(String, service::Model)>> {
    let select = linked::<service::Entity, service_at_location::Entity>(
        db.get_database_backend(),
        service::Column::Id,
        service_at_location::Column::ServiceId,
        service_at_location::Column::LocationId,
        location_ids,
    );
    owned_rows::<service::Entity>(db, &select).await
}

/// Taxonomy terms linked (through HSDS `attribute`) to records of one table.
pub async fn terms_of(
    db: &impl ConnectionTrait,
    link_entity: &str,
    owner_ids: &[String],
) -> AppResult<Vec<(String, taxonomy_term::Model)>> {
    let mut select = linked::<taxonomy_term::Entity, attribute::Entity>(
        db.get_database_backend(),
        taxonomy_term::Column::Id,
        attribute::Column::TaxonomyTermId,
        attribute::Column::LinkId,
        owner_ids,
    );
    select.and_where(Expr::col((attribute::Entity, attribute::Column::LinkEntity)).eq(link_entity));
    // A page's terms are many short rows (three or so per service): read
    // as one aggregated row, they cross from sqlx-sqlite's worker thread
    // once instead of once each (see `db::rows_as_json`).
    type TermRow = (
        String,
        Option<String>,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
    );
    let rows: Vec<TermRow> = crate::db::rows_as_json(
        db,
        select,
        &[
            "id",
            "code",
            "name",
            "description",
            "parent_id",
            "taxonomy",
            "language",
            "taxonomy_id",
            "term_uri",
            OWNER,
        ],
    )
    .await?;
    let mut pairs: Vec<(String, taxonomy_term::Model)> = rows
        .into_iter()
        .map(
            |(id, code, name, description, parent_id, taxonomy, language, taxonomy_id, term_uri, owner)| {
                let term = taxonomy_term::Model {
                    id,
                    code,
                    name,
                    description,
                    parent_id,
                    taxonomy,
                    language,
                    taxonomy_id,
                    term_uri,
                };
                (owner, term)
            },
        )
        .collect();
    // In term id order, as the rows were selected (an aggregate need not keep it).
    pairs.sort_by(|a, b| a.1.id.cmp(&b.1.id));
    Ok(pairs)
}

/// How many services are delivered at each of some locations (the services
/// `Location.services` lists); locations with none are left out.
pub async fn service_counts_at_locations(
    db: &impl ConnectionTrait,
    location_ids: &[String],
) -> AppResult<Vec<(String, i64)>> {
    use sea_orm::QuerySelect;
    let listed = is_in_list(
        db.get_database_backend(),
        service_at_location::Column::LocationId.into_expr(),
        location_ids,
    );
    Ok(service_at_location::Entity::find()
        .select_only()
        .column(service_at_location::Column::LocationId)
        .column_as(service_at_location::Column::ServiceId.count(), "count")
        .filter(listed)
        .group_by(service_at_location::Column::LocationId)
        .into_tuple()
        .all(db)
        .await?)
}
