//! What every resolver reaches through the request's context: the
//! database, the per-request loaders (charged to the query's budget), and
//! the errors resolvers share.

use async_graphql::Context;
use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;

use super::errors::GqlResult;
use super::ids::Kind;
use super::loaders::{DirectoryLoader, Loaders};
use crate::error::AppError;

pub(crate) fn db<'a>(ctx: &Context<'a>) -> GqlResult<&'a DatabaseConnection> {
    ctx.data::<DatabaseConnection>()
}

/// Loads one key through the request's loaders.
pub(crate) async fn load<K, V>(ctx: &Context<'_>, key: K) -> GqlResult<Option<V>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    DirectoryLoader: Loader<K, Value = V, Error = async_graphql::Error>,
    V: Send + Sync + Clone + 'static,
{
    let found = ctx.data::<Loaders>()?.load_one(key).await?;
    super::budget::charge(ctx, usize::from(found.is_some())).await?;
    Ok(found)
}

/// Loads a list-valued key; no rows is an empty list.
pub(crate) async fn load_many<K, V>(ctx: &Context<'_>, key: K) -> GqlResult<Vec<V>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    DirectoryLoader: Loader<K, Value = Vec<V>, Error = async_graphql::Error>,
    V: Send + Sync + Clone + 'static,
{
    let found: Vec<V> = ctx.data::<Loaders>()?.load_one(key).await?.unwrap_or_default();
    super::budget::charge(ctx, found.len()).await?;
    Ok(found)
}

/// Fetches one record by typed id: malformed or wrong-kind ids are
/// BAD_USER_INPUT, unknown ones NOT_FOUND.
pub(crate) fn not_found(kind: Kind) -> async_graphql::Error {
    AppError::NotFound(format!("no {} with that id", kind.name())).into()
}

/// Puts `parent` in front of a bad-input error's field path.
pub(crate) fn prefix_field(error: AppError, parent: &str) -> AppError {
    match error {
        AppError::BadUserInput { message, mut field } => {
            field.insert(0, parent.to_owned());
            AppError::BadUserInput { message, field }
        }
        other => other,
    }
}
