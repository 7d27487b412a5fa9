//! Ending manual statuses whose `valid_until` has passed: the hub goes back
//! to what its location's opening hours say, and the change is recorded
//! like any other (an `expired` event and a system audit row).
//!
//! Every instance may run the sweep: each hub is reverted in its own
//! transaction, conditional on the version read, so when two instances race
//! one reverts it and the other finds nothing to do.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::writes::{Written, due_for_expiry, expire};
use crate::error::AppResult;
use crate::partners::audit;

/// Hubs reverted per sweep at most; the next sweep takes the rest.
const BATCH: u64 = 200;

/// Reverts the hubs whose manual status ran out by `now`; returns what was
/// written (after commit), for announcing.
pub async fn expire_due(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<Vec<Written>> {
    let mut done = Vec::new();
    for id in due_for_expiry(db, now, BATCH).await? {
        let txn = crate::db::begin_write(db).await?;
        let Some(written) = expire(&txn, &id, now).await? else {
            continue;
        };
        audit::record(&txn, None, "hub.expire", "hub", &id, &["status", "validUntil"], None).await?;
        txn.commit().await?;
        done.push(written);
    }
    Ok(done)
}

/// How often the sweeper looks for expired statuses.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);

/// Runs `expire_due` every `interval` until the process ends, handing what
/// was reverted to `announce`. Errors are logged and the sweep retried.
pub async fn sweep_forever<F>(db: DatabaseConnection, interval: Duration, announce: F)
where
    F: Fn(Vec<Written>) + Send,
{
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match expire_due(&db, Utc::now()).await {
            Ok(done) if done.is_empty() => {}
            Ok(done) => {
                tracing::info!(hubs = done.len(), "manual hub statuses expired");
                announce(done);
            }
            Err(error) => tracing::warn!(error = ?error, "hub expiry sweep failed; retrying"),
        }
    }
}
