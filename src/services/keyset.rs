//! Keyset ordering shared by the directory listings: rows sorted by one or
//! more keys then by id, a page starting strictly after the cursor's.

use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    Condition, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Value,
};

use crate::db::with_literal_limit;
use crate::error::AppResult;
use crate::page::PageRequest;

/// Orders `select` by (`key`, `id`) and starts it after the page's cursor.
pub fn apply<E: EntityTrait>(select: Select<E>, key: SimpleExpr, id: SimpleExpr, page: &PageRequest) -> Select<E> {
    let after = page
        .after
        .as_ref()
        .map(|after| (vec![Value::from(after.key.clone())], after.id.clone()));
    apply_keys(select, vec![key], id, after, page.fetch_limit())
}

/// Orders `select` by `keys`, then `id`, all ascending, starts it after
/// `after` (the cursor's value of each key, in order, and its id) and
/// takes `limit` rows.
pub fn apply_keys<E: EntityTrait>(
    mut select: Select<E>,
    keys: Vec<SimpleExpr>,
    id: SimpleExpr,
    after: Option<(Vec<Value>, String)>,
    limit: u64,
) -> Select<E> {
    if let Some((values, after_id)) = after {
        // Later: a key greater and the keys before it equal, or all equal and the id greater.
        let mut later = Condition::any();
        let mut equal = Condition::all();
        for (key, value) in keys.iter().zip(values) {
            later = later.add(equal.clone().add(key.clone().gt(value.clone())));
            equal = equal.add(key.clone().eq(value));
        }
        select = select.filter(later.add(equal.add(id.clone().gt(after_id))));
    }
    for key in keys {
        select = select.order_by(key, Order::Asc);
    }
    select.order_by(id, Order::Asc).limit(limit)
}

/// A nullable text column as a sort key (`NULL` sorts as the empty string,
/// the same on SQLite and PostgreSQL).
pub fn text_key(column: impl Into<SimpleExpr>) -> SimpleExpr {
    Expr::expr(column.into()).if_null("")
}

/// The rows of a paged select (one `apply` built, or any ending in its
/// `LIMIT`), its limit written into the SQL so that
/// PostgreSQL can keep one plan for the statement (`db::with_literal_limit`).
pub async fn fetch<E: EntityTrait>(db: &impl ConnectionTrait, select: Select<E>) -> AppResult<Vec<E::Model>> {
    let statement = with_literal_limit(db.get_database_backend(), &select.into_query());
    Ok(E::find().from_raw_sql(statement).all(db).await?)
}
