//! Turning `AppError` into GraphQL errors with `extensions.code` (and
//! `extensions.field` for bad input). Internal errors are logged here and
//! reach the client only as `INTERNAL`, never with SQL or internals.

use async_graphql::ErrorExtensions;

use crate::error::AppError;

impl From<AppError> for async_graphql::Error {
    fn from(error: AppError) -> Self {
        let code = error.code();
        if error.is_internal() {
            tracing::error!(error = ?error, "internal error");
        } else if code == "SERVICE_UNAVAILABLE" {
            tracing::warn!(error = ?error, "database unavailable");
        }
        let message = error.message();
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", code);
            match &error {
                AppError::BadUserInput { field, .. } if !field.is_empty() => ext.set("field", field.clone()),
                AppError::Conflict { current_version, .. } => ext.set("currentVersion", *current_version),
                _ => {}
            }
        })
    }
}

/// Result type of resolvers.
pub type GqlResult<T> = async_graphql::Result<T>;
