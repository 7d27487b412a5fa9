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

use tokio_util::sync::CancellationToken;

use super::commit::{Author, commit};
use super::writes::{Written, due_for_expiry, expire};
use crate::error::AppResult;
use crate::events::EventBus;

/// Hubs reverted per sweep at most; the next sweep takes the rest.
const BATCH: u64 = 200;

/// Reverts the hubs whose manual status ran out by `now`, announcing each
/// change on `bus` once committed; returns what was written.
pub async fn expire_due(db: &DatabaseConnection, bus: &EventBus, now: DateTime<Utc>) -> AppResult<Vec<Written>> {
    let mut done = Vec::new();
    for id in due_for_expiry(db, now, BATCH).await? {
        let txn = crate::db::begin_write(db).await?;
        let Some(written) = expire(&txn, &id, now).await? else {
            continue;
        };
        commit(
            txn,
            bus,
            Author::default(),
            "hub.expire",
            &written,
            &["status", "validUntil"],
        )
        .await?;
        done.push(written);
    }
    Ok(done)
}

/// Runs `expire_due` every `interval` until `stop` is cancelled. Errors
/// (a database outage) are logged and the sweep tried again next time.
pub async fn sweep_until(db: DatabaseConnection, bus: EventBus, interval: Duration, stop: CancellationToken) {
    // The first sweep waits an interval too: start-up has enough to do.
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = ticker.tick() => {}
        }
        match expire_due(&db, &bus, Utc::now()).await {
            Ok(done) if done.is_empty() => {}
            Ok(done) => tracing::info!(hubs = done.len(), "manual hub statuses expired"),
            Err(error) => tracing::warn!(error = ?error, "hub expiry sweep failed; retrying"),
        }
    }
}
