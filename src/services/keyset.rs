//! Keyset ordering shared by the directory listings: rows sorted by a text key
//! then by id, a page starting strictly after the cursor's (key, id).

use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    Condition, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
};

use crate::db::with_literal_limit;
use crate::error::AppResult;
use crate::page::PageRequest;

/// Orders `select` by (`key`, `id`) and starts it after the page's cursor.
pub fn apply<E: EntityTrait>(mut select: Select<E>, key: SimpleExpr, id: SimpleExpr, page: &PageRequest) -> Select<E> {
    if let Some(after) = &page.after {
        select = select.filter(
            Condition::any().add(key.clone().gt(after.key.clone())).add(
                Condition::all()
                    .add(key.clone().eq(after.key.clone()))
                    .add(id.clone().gt(after.id.clone())),
            ),
        );
    }
    select
        .order_by(key, Order::Asc)
        .order_by(id, Order::Asc)
        .limit(page.fetch_limit())
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
