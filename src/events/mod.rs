//! Post-commit events: a write tells live subscribers "something changed",
//! and they re-read the database for the details.
//!
//! Publishing is two steps, so that an event can never be seen before its
//! write is committed, nor at all for a write that rolls back:
//!
//! ```ignore
//! let txn = db.begin().await?;
//! // ... the write and its audit row ...
//! let pending = bus.stage(&txn, Event::new("hub.status", json!({ "hubId": id }))).await?;
//! txn.commit().await?;
//! pending.deliver();
//! ```
//!
//! - **PostgreSQL**: `stage` runs `SELECT pg_notify(...)` inside the
//!   transaction. PostgreSQL delivers notifications only when the
//!   transaction commits (and drops them on rollback), to every session
//!   that listens on the channel, so a write on instance A reaches
//!   subscribers on instance B with no broker in between. Each bus holds
//!   one listening connection and fans notifications out to its local
//!   subscribers; `deliver` does nothing, since this instance's own listener
//!   receives the notification like any other.
//! - **SQLite** (one instance by nature): `stage` only remembers the event
//!   and `deliver` broadcasts it in-process. Dropping the pending event
//!   instead (the write failed or rolled back) sends nothing. Writes made by
//!   another process on the same file (the CLI) are not seen.
//!
//! Delivery is at most once: subscribers that fall behind lose the oldest
//! events (logged and counted, never slowing a publisher), and events sent
//! while a PostgreSQL listener reconnects are lost. Consumers re-read the
//! database, so an event carries only ids (well under PostgreSQL's 8000-byte
//! notification limit, which `stage` enforces).

mod postgres;

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use futures_util::{Stream, StreamExt};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, Statement};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

use crate::error::{AppError, AppResult};

/// The PostgreSQL notification channel every instance listens on.
pub const CHANNEL: &str = "hubgraph_events";

/// The largest encoded event (topic and payload as JSON) `stage` accepts:
/// PostgreSQL refuses notification payloads of 8000 bytes or more.
pub const MAX_EVENT_BYTES: usize = 7999;

/// The topic of the event a PostgreSQL listener sends its own process
/// after getting its connection back: events may have been lost meanwhile.
pub const RESUMED_TOPIC: &str = "events.resumed";

/// The topic of the announcements PostgreSQL's triggers send for every
/// committed change of a data table, naming the table in the payload
/// (migrations `m20261201_000050_change_announcements` and
/// `m20261206_000080_changes_name_their_table`).
pub const DATA_CHANGED_TOPIC: &str = "data.changed";

/// Events each subscriber may fall behind by before it loses the oldest.
pub const DEFAULT_CAPACITY: usize = 1024;

/// Something changed: `topic` says what kind of thing, `payload` which one
/// (ids only; consumers read the rest from the database).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub topic: String,
    pub payload: serde_json::Value,
}

impl Event {
    pub fn new(topic: impl Into<String>, payload: serde_json::Value) -> Event {
        Event {
            topic: topic.into(),
            payload,
        }
    }
}

/// The process's end of the event bus; cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    inner: Arc<Inner>,
}

struct Inner {
    /// Local fan-out to this process's subscribers (fed by the PostgreSQL
    /// listener, or directly by `deliver` on SQLite).
    sender: broadcast::Sender<Event>,
    /// Whether events travel through PostgreSQL NOTIFY.
    notify: bool,
    /// Events subscribers lost by falling behind.
    lagged: Arc<AtomicU64>,
    /// The PostgreSQL listener task, stopped when the last clone goes.
    listener: Option<tokio::task::AbortHandle>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(listener) = &self.listener {
            listener.abort();
        }
    }
}

impl EventBus {
    /// The bus for `db`: PostgreSQL LISTEN/NOTIFY, or in-process on SQLite.
    /// On PostgreSQL the channel is listened on before this returns, so an
    /// event committed afterwards is received.
    pub async fn start(db: &DatabaseConnection) -> AppResult<EventBus> {
        EventBus::with_capacity(db, DEFAULT_CAPACITY).await
    }

    /// As `start`, with `capacity` events of buffer per subscriber.
    pub async fn with_capacity(db: &DatabaseConnection, capacity: usize) -> AppResult<EventBus> {
        let (sender, _) = broadcast::channel(capacity.max(1));
        let notify = db.get_database_backend() == DatabaseBackend::Postgres;
        let listener = if notify {
            let pool = db.get_postgres_connection_pool().clone();
            Some(postgres::spawn_listener(pool, sender.clone()).await?)
        } else {
            None
        };
        Ok(EventBus {
            inner: Arc::new(Inner {
                sender,
                notify,
                lagged: Arc::new(AtomicU64::new(0)),
                listener,
            }),
        })
    }

    /// Makes `event` part of the transaction `txn`: it is sent when
    /// `deliver` is called on the result after `txn` commits, and never if
    /// the transaction rolls back. Refuses an event over `MAX_EVENT_BYTES`.
    pub async fn stage(&self, txn: &DatabaseTransaction, event: Event) -> AppResult<PendingEvent> {
        let encoded = serde_json::to_string(&event)
            .map_err(|error| AppError::Internal(format!("cannot encode an event: {error}")))?;
        if encoded.len() > MAX_EVENT_BYTES {
            return Err(AppError::Internal(format!(
                "event {} is {} bytes encoded, over the {MAX_EVENT_BYTES}-byte limit",
                event.topic,
                encoded.len()
            )));
        }
        if self.inner.notify {
            let notify = Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), encoded.into()],
            );
            txn.execute_raw(notify).await?;
            return Ok(PendingEvent { local: None });
        }
        Ok(PendingEvent {
            local: Some((self.inner.sender.clone(), event)),
        })
    }

    /// Events from now on, from any instance. The stream buffers up to the
    /// bus's capacity; past that it skips the oldest events. Dropping it
    /// releases everything it held.
    pub fn subscribe(&self) -> EventStream {
        EventStream {
            inner: BroadcastStream::new(self.inner.sender.subscribe()),
            lagged: self.inner.lagged.clone(),
        }
    }

    /// This process's events as tokio's receiver, for a consumer that must
    /// know when it lost some (`RecvError::Lagged`) rather than skip them.
    pub fn receiver(&self) -> broadcast::Receiver<Event> {
        self.inner.sender.subscribe()
    }

    /// Events subscribers of this process lost by falling behind, so far.
    pub fn lagged_total(&self) -> u64 {
        self.inner.lagged.load(Ordering::Relaxed)
    }

    /// Subscribers currently open in this process.
    pub fn subscriber_count(&self) -> usize {
        self.inner.sender.receiver_count()
    }
}

/// An event staged in a transaction, waiting for the commit.
#[must_use = "call deliver() once the transaction has committed"]
pub struct PendingEvent {
    /// In-process delivery (SQLite); `None` when PostgreSQL delivers it.
    local: Option<(broadcast::Sender<Event>, Event)>,
}

impl PendingEvent {
    /// Sends the event; call it only after the transaction committed.
    pub fn deliver(self) {
        if let Some((sender, event)) = self.local {
            // An error only means that nobody is subscribed right now.
            let _ = sender.send(event);
        }
    }
}

/// The events a subscriber receives, oldest first.
pub struct EventStream {
    inner: BroadcastStream<Event>,
    lagged: Arc<AtomicU64>,
}

impl Stream for EventStream {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        loop {
            match self.inner.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(event))) => return Poll::Ready(Some(event)),
                Poll::Ready(Some(Err(BroadcastStreamRecvError::Lagged(missed)))) => {
                    tracing::warn!(missed, "an event subscriber fell behind and lost events");
                    self.lagged.fetch_add(missed, Ordering::Relaxed);
                }
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

#[cfg(test)]
mod tests;
