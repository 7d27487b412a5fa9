//! The one error type of the application.
//!
//! Each variant maps to a stable `extensions.code` (and, at the HTTP layer, a
//! status). Database and unexpected errors are logged where they are turned
//! into a response and shown to clients only as `INTERNAL`, except that a
//! database out of reach (or a pool with no connection to spare) is
//! `SERVICE_UNAVAILABLE` (503), which a client may retry.
//!
//! `AppError` deliberately does not implement `Display`: async-graphql turns
//! any `Display` type into an error without a code, so a `?` on an
//! `AppResult` in a resolver must go through our conversion instead.

use sea_orm::{DbErr, RuntimeErr};

#[derive(Debug)]
pub enum AppError {
    /// The input is wrong; `field` is the path of the offending input field.
    BadUserInput {
        message: String,
        field: Vec<String>,
    },
    NotFound(String),
    Unauthenticated,
    Forbidden(String),
    /// A stale `expectedVersion`.
    Conflict {
        message: String,
        current_version: i32,
    },
    ServiceUnavailable,
    Database(DbErr),
    Internal(String),
}

impl From<DbErr> for AppError {
    fn from(error: DbErr) -> Self {
        AppError::Database(error)
    }
}

impl From<AppError> for anyhow::Error {
    fn from(error: AppError) -> Self {
        anyhow::anyhow!("{} ({}): {:?}", error.message(), error.code(), error)
    }
}

impl AppError {
    pub fn bad_input(field: &[&str], message: impl Into<String>) -> Self {
        AppError::BadUserInput {
            message: message.into(),
            field: field.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// The stable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadUserInput { .. } => "BAD_USER_INPUT",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::Unauthenticated => "UNAUTHENTICATED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::Conflict { .. } => "CONFLICT",
            AppError::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            // The database is out of reach or has no connection to spare: worth a retry.
            AppError::Database(error) if is_unavailable(error) => "SERVICE_UNAVAILABLE",
            AppError::Database(_) | AppError::Internal(_) => "INTERNAL",
        }
    }

    /// The message a client may see: internal details are never in it.
    pub fn message(&self) -> String {
        match self {
            AppError::BadUserInput { message, .. } | AppError::Conflict { message, .. } => message.clone(),
            AppError::NotFound(message) | AppError::Forbidden(message) => message.clone(),
            AppError::Unauthenticated => "authentication required".into(),
            _ if self.code() == "SERVICE_UNAVAILABLE" => "the service is temporarily unavailable".into(),
            _ => "internal error".into(),
        }
    }

    /// Whether the error hides a fault of ours (logged, never shown in detail).
    pub fn is_internal(&self) -> bool {
        self.code() == "INTERNAL"
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Whether an error means the database cannot be reached or has no
/// connection to spare right now (rather than a fault in the statement):
/// the client gets `SERVICE_UNAVAILABLE` and may retry.
pub fn is_unavailable(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(error)) | DbErr::Query(RuntimeErr::SqlxError(error)) => {
            sqlx_unavailable(error)
        }
        _ => false,
    }
}

fn sqlx_unavailable(error: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    use sea_orm::sqlx::error::DatabaseError;
    match error {
        // The connection broke under the statement (server gone, socket closed).
        Error::Io(_) | Error::PoolTimedOut | Error::PoolClosed | Error::WorkerCrashed => true,
        Error::Database(error) => {
            if let Some(error) = error.try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>() {
                // SQLITE_BUSY and SQLITE_LOCKED (primary codes 5 and 6, under
                // any extended code): the write lock was not granted within
                // the busy timeout.
                let primary = error
                    .code()
                    .and_then(|code| code.parse::<i32>().ok())
                    .map(|code| code & 0xff);
                return matches!(primary, Some(5 | 6));
            }
            // PostgreSQL: class 08 is "connection exception"; 57P01-57P03 are
            // an administrator or crash shutdown and "cannot connect now";
            // 55P03 is a lock not granted within `lock_timeout` (another
            // transaction, maybe a dead instance's, holds it); 25P03 and
            // 57P05 are a session ended for idling (in a transaction or not).
            let code = error.code().unwrap_or_default();
            code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03" | "55P03" | "25P03" | "57P05")
        }
        _ => false,
    }
}
