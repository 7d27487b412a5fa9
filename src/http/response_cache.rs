//! Encoded responses to anonymous queries, kept by request and dropped as
//! soon as the data they were read from may have changed.
//!
//! Partner websites ask the same public questions over and over (a
//! service's page, the first page of a category, the hubs of an area), and
//! the directory changes a few times an hour. A query sent again by another
//! anonymous caller gets the bytes the first one got, without a statement.
//!
//! What keeps an answer right:
//!
//! - **Only anonymous queries over HTTP**: a token's answer may hold what
//!   only its partner sees, so those always run. Responses with errors are
//!   not kept, nor those whose fields say `no_cache` (async-graphql's cache
//!   control: `isOpen` depends on the clock), and a field's `max_age`
//!   shortens the entry's life.
//! - **Every change empties it.** The cache has a generation; an entry is
//!   served only while the generation it was read in is current. The
//!   generation moves on
//!   - after every write operation this instance runs (so a partner reads
//!     its own write at once),
//!   - on every event of the bus: on PostgreSQL a trigger on each data table
//!     notifies every instance of every committed change, whoever made it
//!     (another instance, the CLI, an import, `psql`),
//!   - when events may have been lost (a subscriber fell behind, the
//!     PostgreSQL listener reconnected).
//! - **A read that raced a change is not kept**: the generation is taken
//!   before the query runs and the answer is stored only if it is still
//!   current afterwards.
//! - **Entries live at most `ttl`** (60 s by default), bounding what nothing
//!   announces: another process writing the same SQLite file, or a change
//!   of day for `reviewDue`.
//!
//! The cache is bounded by the bytes of its keys and bodies.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use tokio::sync::broadcast::error::RecvError;

use crate::events::EventBus;

/// Bytes of responses kept by default.
pub const DEFAULT_CAPACITY_BYTES: u64 = 32 * 1024 * 1024;

/// How long an entry may be served by default, changes or not.
pub const DEFAULT_TTL: Duration = Duration::from_secs(60);

/// What identifies an answer: the response's media type, the operation
/// name, the query text and the variables (serde_json writes object keys
/// sorted, so the same variables give the same text).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key(Box<str>);

impl Key {
    pub fn new(media: &str, operation_name: Option<&str>, query: &str, variables: &str) -> Key {
        let operation_name = operation_name.unwrap_or("");
        // Lengths first, so that no two requests give the same text.
        Key(format!(
            "{media}\n{}:{operation_name}\n{}:{query}\n{variables}",
            operation_name.len(),
            query.len()
        )
        .into_boxed_str())
    }
}

#[derive(Clone)]
struct Entry {
    generation: u64,
    expires: Instant,
    body: Bytes,
}

/// Weighs an entry by its key and body, plus what the cache spends on it.
#[derive(Clone)]
struct EntrySize;

impl Weighter<Key, Entry> for EntrySize {
    fn weight(&self, key: &Key, entry: &Entry) -> u64 {
        (key.0.len() + entry.body.len() + 64) as u64
    }
}

/// The cache; `capacity_bytes` of 0 turns it off.
pub struct ResponseCache {
    entries: Option<Cache<Key, Entry, EntrySize>>,
    generation: AtomicU64,
    ttl: Duration,
    hits: AtomicU64,
    misses: AtomicU64,
    invalidations: AtomicU64,
}

/// The generation a query started in, to store its answer with.
#[derive(Debug, Clone, Copy)]
pub struct Generation(u64);

impl ResponseCache {
    pub fn new(capacity_bytes: u64, ttl: Duration) -> ResponseCache {
        let on = capacity_bytes > 0 && !ttl.is_zero();
        // quick_cache sizes its tables by an estimate of the entry count.
        let estimated_entries = usize::try_from(capacity_bytes / 2048).unwrap_or(usize::MAX).max(16);
        ResponseCache {
            entries: on.then(|| Cache::with_weighter(estimated_entries, capacity_bytes, EntrySize)),
            generation: AtomicU64::new(0),
            ttl,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            invalidations: AtomicU64::new(0),
        }
    }

    /// A cache that keeps nothing.
    pub fn off() -> ResponseCache {
        ResponseCache::new(0, Duration::ZERO)
    }

    pub fn is_on(&self) -> bool {
        self.entries.is_some()
    }

    /// The body kept for `key`, if it is still good; counts a hit or a miss.
    pub fn get(&self, key: &Key) -> Option<Bytes> {
        let entries = self.entries.as_ref()?;
        let current = self.generation.load(Ordering::Acquire);
        let found = entries
            .get(key)
            .filter(|entry| entry.generation == current && Instant::now() < entry.expires);
        let counter = if found.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found.map(|entry| entry.body)
    }

    /// The generation now, taken before a query runs.
    pub fn generation(&self) -> Generation {
        Generation(self.generation.load(Ordering::Acquire))
    }

    /// Keeps `body` for `key`, for at most `max_age` (`None`: the cache's
    /// own limit), unless the data changed since `read_in`.
    pub fn put(&self, key: Key, read_in: Generation, max_age: Option<Duration>, body: Bytes) {
        let Some(entries) = &self.entries else { return };
        if self.generation.load(Ordering::Acquire) != read_in.0 {
            return;
        }
        let life = max_age.map_or(self.ttl, |age| age.min(self.ttl));
        if life.is_zero() {
            return;
        }
        let entry = Entry {
            generation: read_in.0,
            expires: Instant::now() + life,
            body,
        };
        entries.insert(key, entry);
    }

    /// Something may have changed: nothing kept so far is served again.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.invalidations.fetch_add(1, Ordering::Relaxed);
    }

    /// Invalidates the cache on every event of `bus`, and whenever events
    /// may have been lost, until the bus or the cache goes.
    pub fn follow(self: &Arc<Self>, bus: &EventBus) {
        if !self.is_on() {
            return;
        }
        let cache: Weak<ResponseCache> = Arc::downgrade(self);
        let mut events = bus.receiver();
        tokio::spawn(async move {
            loop {
                let received = events.recv().await;
                let Some(cache) = cache.upgrade() else { break };
                match received {
                    Ok(_) | Err(RecvError::Lagged(_)) => cache.invalidate(),
                    Err(RecvError::Closed) => break,
                }
            }
        });
    }

    /// Answers served from the cache so far.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Anonymous queries the cache had no good answer for so far.
    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }

    /// Times the cache was emptied because something may have changed.
    pub fn invalidations(&self) -> u64 {
        self.invalidations.load(Ordering::Relaxed)
    }

    /// Bytes kept now (keys and bodies).
    pub fn weight(&self) -> u64 {
        self.entries.as_ref().map_or(0, Cache::weight)
    }
}

impl Default for ResponseCache {
    fn default() -> Self {
        ResponseCache::new(DEFAULT_CAPACITY_BYTES, DEFAULT_TTL)
    }
}

/// How long the fields of a response allow it to be kept: `None` for no
/// limit of their own, `Some(ZERO)` for not at all (`no_cache`) and for
/// answers only the caller may see (`private`).
pub fn allowed_age(control: &async_graphql::CacheControl) -> Option<Duration> {
    if !control.public || control.max_age < 0 {
        return Some(Duration::ZERO);
    }
    (control.max_age > 0).then(|| Duration::from_secs(control.max_age.unsigned_abs().into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(query: &str) -> Key {
        Key::new("json", None, query, "{}")
    }

    #[test]
    fn an_answer_is_served_until_something_changes() {
        let cache = ResponseCache::new(1024 * 1024, DEFAULT_TTL);
        assert_eq!(cache.get(&key("{ a }")), None);
        cache.put(key("{ a }"), cache.generation(), None, Bytes::from_static(b"A"));
        assert_eq!(cache.get(&key("{ a }")), Some(Bytes::from_static(b"A")));
        assert_eq!(cache.get(&key("{ b }")), None);
        cache.invalidate();
        assert_eq!(cache.get(&key("{ a }")), None);
        assert_eq!((cache.hits(), cache.misses(), cache.invalidations()), (1, 3, 1));
    }

    #[test]
    fn an_answer_read_before_a_change_is_not_kept() {
        let cache = ResponseCache::new(1024 * 1024, DEFAULT_TTL);
        let read_in = cache.generation();
        cache.invalidate();
        cache.put(key("{ a }"), read_in, None, Bytes::from_static(b"old"));
        assert_eq!(cache.get(&key("{ a }")), None);
    }

    #[test]
    fn entries_expire() {
        let cache = ResponseCache::new(1024 * 1024, DEFAULT_TTL);
        cache.put(
            key("{ a }"),
            cache.generation(),
            Some(Duration::ZERO),
            Bytes::from_static(b"A"),
        );
        assert_eq!(cache.get(&key("{ a }")), None);
    }

    #[test]
    fn keys_tell_every_part_apart() {
        let keys = [
            Key::new("json", None, "{ a }", "{}"),
            Key::new("graphql-response", None, "{ a }", "{}"),
            Key::new("json", Some("A"), "{ a }", "{}"),
            Key::new("json", None, "{ a }", r#"{"x":1}"#),
            // The same characters split differently between name and query.
            Key::new("json", Some("A\n1:{"), " a }", "{}"),
            Key::new("json", Some("A"), "\n1:{ a }", "{}"),
        ];
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn an_off_cache_keeps_nothing_and_counts_nothing() {
        let cache = ResponseCache::off();
        cache.put(key("{ a }"), cache.generation(), None, Bytes::from_static(b"A"));
        assert_eq!(cache.get(&key("{ a }")), None);
        assert_eq!((cache.hits(), cache.misses(), cache.weight()), (0, 0, 0));
    }

    #[test]
    fn the_cache_keeps_no_more_than_its_capacity() {
        let capacity = 64 * 1024;
        let cache = ResponseCache::new(capacity, DEFAULT_TTL);
        for i in 0..2_000 {
            let body = Bytes::from(vec![b'x'; 300]);
            cache.put(key(&format!("{{ a{i} }}")), cache.generation(), None, body);
        }
        assert!(cache.weight() <= capacity, "{}", cache.weight());
    }

    /// Waits until the cache has been invalidated `times` times.
    async fn invalidated(cache: &ResponseCache, times: u64) {
        let waited = tokio::time::timeout(Duration::from_secs(10), async {
            while cache.invalidations() < times {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        assert!(waited.is_ok(), "{} invalidations, not {times}", cache.invalidations());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_event_of_the_bus_empties_the_cache() {
        use sea_orm::TransactionTrait;
        let (db, _) = crate::db::connect("sqlite::memory:").await.unwrap();
        let bus = EventBus::start(&db).await.unwrap();
        let cache = Arc::new(ResponseCache::new(1024 * 1024, DEFAULT_TTL));
        cache.follow(&bus);
        cache.put(key("{ a }"), cache.generation(), None, Bytes::from_static(b"A"));
        let txn = db.begin().await.unwrap();
        let pending = bus
            .stage(&txn, crate::events::Event::new("hub.status", serde_json::json!({})))
            .await
            .unwrap();
        txn.commit().await.unwrap();
        pending.deliver();
        invalidated(&cache, 1).await;
        assert_eq!(cache.get(&key("{ a }")), None);
    }

    #[test]
    fn field_cache_control_sets_the_age() {
        use async_graphql::CacheControl;
        let control = |public, max_age| CacheControl { public, max_age };
        assert_eq!(allowed_age(&control(true, 0)), None);
        assert_eq!(allowed_age(&control(true, 30)), Some(Duration::from_secs(30)));
        assert_eq!(allowed_age(&control(true, -1)), Some(Duration::ZERO));
        assert_eq!(allowed_age(&control(false, 30)), Some(Duration::ZERO));
    }
}
