//! The PostgreSQL side of the bus: one `LISTEN` connection per instance,
//! forwarding notifications to the local subscribers.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::broadcast;

use super::{CHANNEL, Event, RESUMED_TOPIC};
use crate::error::{AppError, AppResult};

/// The longest pause between attempts to get the listener back.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Listens on `CHANNEL` (before returning, so nothing committed afterwards
/// is missed) and forwards notifications to `sender` from a task that lives
/// until it is aborted or the pool is closed.
pub(super) async fn spawn_listener(
    pool: PgPool,
    sender: broadcast::Sender<Event>,
) -> AppResult<tokio::task::AbortHandle> {
    let listener = listen(&pool)
        .await
        .map_err(|error| AppError::Internal(format!("cannot listen for events on PostgreSQL: {error}")))?;
    tracing::info!(channel = CHANNEL, "listening for events");
    Ok(tokio::spawn(forward(pool, listener, sender)).abort_handle())
}

async fn listen(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

async fn forward(pool: PgPool, mut listener: PgListener, sender: broadcast::Sender<Event>) {
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => match serde_json::from_str::<Event>(notification.payload()) {
                // An error only means that nobody is subscribed right now.
                Ok(event) => drop(sender.send(event)),
                Err(error) => tracing::warn!(%error, "ignoring a malformed event notification"),
            },
            // PgListener has already reconnected and listens again; whatever
            // was sent in between is gone.
            Ok(None) => {
                tracing::warn!("event listener lost its connection; events sent meanwhile are lost");
                resumed(&sender);
            }
            Err(sqlx::Error::PoolClosed) => break,
            // Anything else leaves the listener in a state we cannot vouch
            // for: start over on a fresh connection.
            Err(error) => {
                tracing::warn!(%error, "event listener failed; listening again");
                match relisten(&pool).await {
                    Some(fresh) => {
                        listener = fresh;
                        resumed(&sender);
                    }
                    None => break,
                }
            }
        }
    }
    tracing::info!("event listener stopped: the database pool is closed");
}

/// Tells local consumers that events may have been lost (caches drop what
/// they kept; subscriptions ignore the topic).
fn resumed(sender: &broadcast::Sender<Event>) {
    drop(sender.send(Event::new(RESUMED_TOPIC, serde_json::json!({}))));
}

/// A new listener, retrying (less often each time) while PostgreSQL is out
/// of reach; `None` once the pool is closed.
async fn relisten(pool: &PgPool) -> Option<PgListener> {
    let mut backoff = Duration::from_millis(100);
    loop {
        match listen(pool).await {
            Ok(listener) => {
                tracing::info!(
                    channel = CHANNEL,
                    "listening for events again; events sent meanwhile are lost"
                );
                return Some(listener);
            }
            Err(sqlx::Error::PoolClosed) => return None,
            Err(error) => {
                let retry_in_ms = backoff.as_millis() as u64;
                tracing::warn!(%error, retry_in_ms, "event listener cannot reach PostgreSQL");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}
