//! Encoded responses to anonymous queries, kept by request and dropped as
//! soon as the data they were read from may have changed.
//!
//! Partner websites ask the same public questions over and over (a
//! service's page, the first page of a category, the hubs of an area), far
//! more often than the directory changes. A query sent again by another
//! anonymous caller gets the bytes the first one got, without a statement.
//!
//! What keeps an answer right:
//!
//! - **Only anonymous queries over HTTP** (and the HSDS API, anonymous by
//!   nature, by URL: `hsds::cached`): a token's answer may hold what only
//!   its partner sees, so those always run. Responses with errors are
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
//!     (another instance, the CLI, an import, `psql`), naming the table,
//!   - when events may have been lost (a subscriber fell behind, the
//!     PostgreSQL listener reconnected).
//! - **Except hub changes, which empty only answers that may show hubs.**
//!   Libraries update their hubs' status all day, while partner websites
//!   ask about services. A change to the hub tables alone ([`HUB_TABLES`]:
//!   a status update, a new hub, an expiry) moves a second, hub generation;
//!   an answer that may show anything read from those tables is served
//!   only while both generations are those it was read in. Whoever runs a
//!   question decides, on a miss, whether its answer shows no hub
//!   ([`Ticket::showing_no_hub`], decided by `graphql::reach` for GraphQL);
//!   until told so an answer counts as showing hubs.
//! - **A read that raced a change is not kept**: the generation is taken
//!   before the query runs and the answer is stored only if it is still
//!   current afterwards.
//! - **One asks, the others wait**: while a query runs for a key, others
//!   asking the same wait for its answer instead of running it too (after
//!   every change, popular questions would otherwise all reach the
//!   database at once). When the answer cannot be kept (an error, a field
//!   that says `no_cache`, a change meanwhile), a marker says so and the
//!   waiting requests, and those after them for a while, run their own.
//! - **Entries live at most `ttl`** (60 s by default), bounding what nothing
//!   announces: another process writing the same SQLite file, or a change
//!   of day for `reviewDue`.
//!
//! The cache is bounded by the bytes of its keys and bodies.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use quick_cache::sync::{Cache, DefaultLifecycle, PlaceholderGuard};
use quick_cache::{DefaultHashBuilder, Weighter};
use tokio::sync::broadcast::error::RecvError;

use crate::events::{Event, EventBus};

/// The tables whose changes can only change answers that may show hubs.
pub const HUB_TABLES: [&str; 3] = ["hub", "hub_facility", "hub_status_event"];

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

    /// The whole text, the query and variables among it.
    pub fn text(&self) -> &str {
        &self.0
    }
}

#[derive(Clone)]
struct Entry {
    generation: u64,
    /// The hub generation it was read in, for an answer that may show hubs.
    hub_generation: Option<u64>,
    expires: Instant,
    /// The answer; `None` marks a question whose answer is not kept (run it).
    body: Option<Bytes>,
}

/// How long a question whose answer could not be kept this time (an
/// error, a change while it ran) is run by each asker without waiting.
const NOT_NOW: Duration = Duration::from_secs(1);

type Guard<'a> = PlaceholderGuard<'a, Key, Entry, EntrySize, DefaultHashBuilder, DefaultLifecycle<Key, Entry>>;

/// What the cache says of a question.
pub enum Lookup<'a> {
    /// The kept answer.
    Kept(Bytes),
    /// Run the query. With a ticket, others asking the same wait for its
    /// answer: hand it back with [`ResponseCache::settle`].
    Run(Option<Ticket<'a>>),
}

/// The right, and the duty, to answer a question others wait for.
pub struct Ticket<'a> {
    guard: Guard<'a>,
    read_in: u64,
    hubs_read_in: u64,
    /// Whether the answer may show hubs: yes, unless the asker says not.
    reads_hubs: bool,
}

impl Ticket<'_> {
    /// The answer shows nothing read from the hub tables: hub changes
    /// leave it kept.
    pub fn showing_no_hub(self) -> Self {
        Ticket {
            reads_hubs: false,
            ..self
        }
    }
}

/// What became of a query that held a ticket.
pub enum Answer {
    /// Keep `body`, for at most `max_age` (`None`: the cache's own limit).
    Keep { max_age: Option<Duration>, body: Bytes },
    /// Its fields say it may not be kept (`no_cache`, `private`).
    NeverKept,
    /// Not kept this time (an error, or not the answer it expected).
    NotNow,
}

/// Weighs an entry by its key and body, plus what the cache spends on it.
#[derive(Clone)]
struct EntrySize;

impl Weighter<Key, Entry> for EntrySize {
    fn weight(&self, key: &Key, entry: &Entry) -> u64 {
        (key.0.len() + entry.body.as_ref().map_or(0, Bytes::len) + 64) as u64
    }
}

/// The cache; `capacity_bytes` of 0 turns it off.
pub struct ResponseCache {
    entries: Option<Cache<Key, Entry, EntrySize>>,
    generation: AtomicU64,
    hub_generation: AtomicU64,
    ttl: Duration,
    hits: AtomicU64,
    misses: AtomicU64,
    invalidations: AtomicU64,
}

impl ResponseCache {
    pub fn new(capacity_bytes: u64, ttl: Duration) -> ResponseCache {
        let on = capacity_bytes > 0 && !ttl.is_zero();
        // quick_cache sizes its tables by an estimate of the entry count.
        let estimated_entries = usize::try_from(capacity_bytes / 2048).unwrap_or(usize::MAX).max(16);
        ResponseCache {
            entries: on.then(|| Cache::with_weighter(estimated_entries, capacity_bytes, EntrySize)),
            generation: AtomicU64::new(0),
            hub_generation: AtomicU64::new(0),
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

    /// What to do for `key`: its kept answer, or run the query (with a
    /// ticket if nobody else is running it; if somebody is, this waits for
    /// their answer). Counts a hit or a miss.
    pub async fn lookup(&self, key: &Key) -> Lookup<'_> {
        let Some(entries) = &self.entries else {
            return Lookup::Run(None);
        };
        // A stale entry is removed and the question asked again; twice at
        // most, since a busy key may go stale again meanwhile.
        for _ in 0..3 {
            let read_in = self.generation.load(Ordering::Acquire);
            let hubs_read_in = self.hub_generation.load(Ordering::Acquire);
            match entries.get_value_or_guard_async(key).await {
                Ok(entry) if self.is_current(&entry) && Instant::now() < entry.expires => {
                    return match entry.body {
                        Some(body) => {
                            self.hits.fetch_add(1, Ordering::Relaxed);
                            Lookup::Kept(body)
                        }
                        None => {
                            self.misses.fetch_add(1, Ordering::Relaxed);
                            Lookup::Run(None)
                        }
                    };
                }
                Ok(_) => {
                    entries.remove(key);
                }
                Err(guard) => {
                    self.misses.fetch_add(1, Ordering::Relaxed);
                    return Lookup::Run(Some(Ticket {
                        guard,
                        read_in,
                        hubs_read_in,
                        reads_hubs: true,
                    }));
                }
            }
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        Lookup::Run(None)
    }

    /// Hands the answer of a ticket's query back: kept if it may be and
    /// nothing changed since the ticket was taken, else a marker that lets
    /// the waiting requests run their own.
    pub fn settle(&self, ticket: Ticket<'_>, answer: Answer) {
        let current = self.generation.load(Ordering::Acquire);
        let hubs_current = self.hub_generation.load(Ordering::Acquire);
        let hubs_changed = ticket.reads_hubs && hubs_current != ticket.hubs_read_in;
        let answer = match answer {
            Answer::Keep { .. } if current != ticket.read_in || hubs_changed => Answer::NotNow,
            Answer::Keep { max_age: Some(age), .. } if age.is_zero() => Answer::NeverKept,
            answer => answer,
        };
        let (body, life) = match answer {
            Answer::Keep { max_age, body } => (
                Some(own_bytes(&body)),
                max_age.map_or(self.ttl, |age| age.min(self.ttl)),
            ),
            Answer::NeverKept => (None, self.ttl),
            Answer::NotNow => (None, NOT_NOW.min(self.ttl)),
        };
        let entry = Entry {
            generation: current,
            hub_generation: ticket.reads_hubs.then_some(hubs_current),
            expires: Instant::now() + life,
            body,
        };
        // An error only means that the placeholder was removed meanwhile.
        let _ = ticket.guard.insert(entry);
    }

    /// Whether `entry` was read in the generations now current.
    fn is_current(&self, entry: &Entry) -> bool {
        entry.generation == self.generation.load(Ordering::Acquire)
            && entry
                .hub_generation
                .is_none_or(|read_in| read_in == self.hub_generation.load(Ordering::Acquire))
    }

    /// Something may have changed: nothing kept so far is served again.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.invalidations.fetch_add(1, Ordering::Relaxed);
    }

    /// Only the hub tables may have changed: answers that may show hubs
    /// are not served again.
    pub fn invalidate_hubs(&self) {
        self.hub_generation.fetch_add(1, Ordering::AcqRel);
        self.invalidations.fetch_add(1, Ordering::Relaxed);
    }

    /// A write this instance ran has committed (or failed): `only_hubs`
    /// when all it may have written is in the hub tables.
    pub fn after_write(&self, only_hubs: bool) {
        if only_hubs {
            self.invalidate_hubs();
        } else {
            self.invalidate();
        }
    }

    /// Empties what `event` may have made wrong: a change to a hub table
    /// (named by PostgreSQL's trigger) or a hub status event only the
    /// answers that may show hubs; anything else, or an event of unknown
    /// shape, everything.
    fn follow_event(&self, event: &Event) {
        let hub_table = event.topic == crate::events::DATA_CHANGED_TOPIC
            && event.payload["table"]
                .as_str()
                .is_some_and(|table| HUB_TABLES.contains(&table));
        if hub_table || event.topic == crate::hubs::announce::TOPIC {
            self.invalidate_hubs();
        } else {
            self.invalidate();
        }
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
                    Ok(event) => cache.follow_event(&event),
                    Err(RecvError::Lagged(_)) => cache.invalidate(),
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

/// A copy of `body` in an allocation of its own length. A response is
/// written into a growing buffer, and `Bytes` made from it keeps the whole
/// buffer, up to twice the response's length: the cache would hold about
/// half as much again as the bytes it counts.
fn own_bytes(body: &Bytes) -> Bytes {
    Bytes::copy_from_slice(body)
}

impl Default for ResponseCache {
    fn default() -> Self {
        let bytes = crate::config::defaults::RESPONSE_CACHE_MB * 1024 * 1024;
        ResponseCache::new(bytes, default_ttl())
    }
}

fn default_ttl() -> Duration {
    crate::config::duration(crate::config::defaults::RESPONSE_CACHE_TTL)
}

/// What the fields of a clean response allow: keep it for as long as the
/// cache does (`max_age` unset), for their `max_age`, or not at all
/// (`no_cache`, or `private`: only the caller may see it).
pub fn answer(control: &async_graphql::CacheControl, body: Bytes) -> Answer {
    if !control.public || control.max_age < 0 {
        return Answer::NeverKept;
    }
    let max_age = (control.max_age > 0).then(|| Duration::from_secs(control.max_age.unsigned_abs().into()));
    Answer::Keep { max_age, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(query: &str) -> Key {
        Key::new("json", None, query, "{}")
    }

    fn cache() -> ResponseCache {
        ResponseCache::new(1024 * 1024, default_ttl())
    }

    fn keep(body: &'static [u8]) -> Answer {
        Answer::Keep {
            max_age: None,
            body: Bytes::from_static(body),
        }
    }

    async fn ticket<'a>(cache: &'a ResponseCache, key: &Key) -> Ticket<'a> {
        match cache.lookup(key).await {
            Lookup::Run(Some(ticket)) => ticket,
            Lookup::Run(None) => panic!("run without a ticket"),
            Lookup::Kept(body) => panic!("kept: {body:?}"),
        }
    }

    async fn kept(cache: &ResponseCache, key: &Key) -> Option<Bytes> {
        match cache.lookup(key).await {
            Lookup::Kept(body) => Some(body),
            Lookup::Run(_) => None,
        }
    }

    #[tokio::test]
    async fn an_answer_is_served_until_something_changes() {
        let cache = cache();
        let first = ticket(&cache, &key("{ a }")).await;
        cache.settle(first, keep(b"A"));
        assert_eq!(kept(&cache, &key("{ a }")).await, Some(Bytes::from_static(b"A")));
        assert_eq!(kept(&cache, &key("{ b }")).await, None);
        cache.invalidate();
        // A stale answer is not served, and the next asker answers again.
        let again = ticket(&cache, &key("{ a }")).await;
        cache.settle(again, keep(b"A2"));
        assert_eq!(kept(&cache, &key("{ a }")).await, Some(Bytes::from_static(b"A2")));
        assert_eq!((cache.hits(), cache.misses(), cache.invalidations()), (2, 3, 1));
    }

    /// A kept answer does not hold on to the buffer it was written in,
    /// which may be twice its length and is not what the cache counts.
    #[tokio::test]
    async fn a_kept_answer_holds_only_its_bytes() {
        let cache = cache();
        let mut buffer = Vec::with_capacity(4096);
        buffer.extend_from_slice(b"{\"data\":{}}");
        let body = Bytes::from(buffer);
        let first = ticket(&cache, &key("{ a }")).await;
        cache.settle(
            first,
            Answer::Keep {
                max_age: None,
                body: body.clone(),
            },
        );
        let kept = kept(&cache, &key("{ a }")).await.unwrap();
        assert_eq!(kept, body);
        assert_ne!(
            kept.as_ptr(),
            body.as_ptr(),
            "the kept answer shares the response's buffer"
        );
    }

    #[tokio::test]
    async fn an_answer_read_before_a_change_is_not_kept() {
        let cache = cache();
        let first = ticket(&cache, &key("{ a }")).await;
        cache.invalidate();
        cache.settle(first, keep(b"old"));
        // For a while, askers run their own query, without a ticket.
        assert!(matches!(cache.lookup(&key("{ a }")).await, Lookup::Run(None)));
    }

    #[tokio::test]
    async fn answers_that_may_not_be_kept_are_run_by_every_asker() {
        let cache = cache();
        let first = ticket(&cache, &key("{ now }")).await;
        cache.settle(first, Answer::NeverKept);
        for _ in 0..3 {
            assert!(matches!(cache.lookup(&key("{ now }")).await, Lookup::Run(None)));
        }
        let zero = ticket(&cache, &key("{ zero }")).await;
        let answer = Answer::Keep {
            max_age: Some(Duration::ZERO),
            body: Bytes::from_static(b"Z"),
        };
        cache.settle(zero, answer);
        assert!(matches!(cache.lookup(&key("{ zero }")).await, Lookup::Run(None)));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn others_asking_the_same_wait_for_the_first_answer() {
        let cache = Arc::new(cache());
        let first = ticket(&cache, &key("{ a }")).await;
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { kept(&cache, &key("{ a }")).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        cache.settle(first, keep(b"A"));
        for waiter in waiters {
            assert_eq!(waiter.await.unwrap(), Some(Bytes::from_static(b"A")));
        }
        assert_eq!((cache.hits(), cache.misses()), (4, 1));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_ticket_given_up_passes_to_a_waiting_asker() {
        let cache = Arc::new(cache());
        let first = ticket(&cache, &key("{ a }")).await;
        let waiter = {
            let cache = cache.clone();
            tokio::spawn(async move {
                let next = ticket(&cache, &key("{ a }")).await;
                cache.settle(next, keep(b"B"));
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        // The first asker went away (its client hung up) without an answer.
        drop(first);
        waiter.await.unwrap();
        assert_eq!(kept(&cache, &key("{ a }")).await, Some(Bytes::from_static(b"B")));
    }

    #[tokio::test]
    async fn entries_expire() {
        let cache = ResponseCache::new(1024 * 1024, Duration::from_millis(20));
        let first = ticket(&cache, &key("{ a }")).await;
        cache.settle(first, keep(b"A"));
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert_eq!(kept(&cache, &key("{ a }")).await, None);
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

    #[tokio::test]
    async fn an_off_cache_keeps_nothing_and_counts_nothing() {
        let cache = ResponseCache::off();
        assert!(matches!(cache.lookup(&key("{ a }")).await, Lookup::Run(None)));
        assert_eq!((cache.hits(), cache.misses(), cache.weight()), (0, 0, 0));
    }

    #[tokio::test]
    async fn the_cache_keeps_no_more_than_its_capacity() {
        let capacity = 64 * 1024;
        let cache = ResponseCache::new(capacity, default_ttl());
        for i in 0..2_000 {
            let first = ticket(&cache, &key(&format!("{{ a{i} }}"))).await;
            let body = Bytes::from(vec![b'x'; 300]);
            cache.settle(first, Answer::Keep { max_age: None, body });
        }
        assert!(cache.weight() <= capacity, "{}", cache.weight());
    }

    #[test]
    fn field_cache_control_decides_what_is_kept() {
        use async_graphql::CacheControl;
        let answer_for = |public, max_age| answer(&CacheControl { public, max_age }, Bytes::from_static(b"A"));
        assert!(matches!(answer_for(true, 0), Answer::Keep { max_age: None, .. }));
        let thirty = Some(Duration::from_secs(30));
        assert!(matches!(answer_for(true, 30), Answer::Keep { max_age, .. } if max_age == thirty));
        assert!(matches!(answer_for(true, -1), Answer::NeverKept));
        assert!(matches!(answer_for(false, 30), Answer::NeverKept));
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

    /// Keeps `answer` under `key`; `hubs`: it may show hubs.
    async fn keep_under(cache: &ResponseCache, (key, hubs): &(Key, bool), answer: &'static [u8]) {
        let ticket = reading(ticket(cache, key).await, *hubs);
        cache.settle(ticket, keep(answer));
    }

    fn reading(ticket: Ticket<'_>, hubs: bool) -> Ticket<'_> {
        if hubs { ticket } else { ticket.showing_no_hub() }
    }

    #[tokio::test]
    async fn a_hub_change_empties_only_the_answers_that_may_show_hubs() {
        let cache = cache();
        let (services, hubs) = ((key("{ services }"), false), (key("{ hubs }"), true));
        keep_under(&cache, &services, b"S").await;
        keep_under(&cache, &hubs, b"H").await;
        cache.invalidate_hubs();
        assert_eq!(kept(&cache, &services.0).await.as_deref(), Some(&b"S"[..]));
        assert_eq!(kept(&cache, &hubs.0).await, None);
        keep_under(&cache, &hubs, b"H2").await;
        assert_eq!(kept(&cache, &hubs.0).await.as_deref(), Some(&b"H2"[..]));
        // Any other change empties both.
        cache.after_write(false);
        assert_eq!(kept(&cache, &services.0).await, None);
        assert_eq!(kept(&cache, &hubs.0).await, None);
        keep_under(&cache, &services, b"S").await;
        cache.after_write(true);
        assert_eq!(kept(&cache, &services.0).await.as_deref(), Some(&b"S"[..]));
    }

    #[tokio::test]
    async fn an_answer_that_raced_a_hub_change_is_not_kept_if_it_may_show_hubs() {
        let cache = cache();
        let (services, hubs) = (key("{ services }"), key("{ hubs }"));
        let reading_services = ticket(&cache, &services).await.showing_no_hub();
        let reading_hubs = ticket(&cache, &hubs).await;
        cache.invalidate_hubs();
        cache.settle(reading_services, keep(b"S"));
        cache.settle(reading_hubs, keep(b"H"));
        assert_eq!(kept(&cache, &services).await.as_deref(), Some(&b"S"[..]));
        assert_eq!(kept(&cache, &hubs).await, None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_event_of_the_bus_empties_what_it_may_have_changed() {
        use sea_orm::TransactionTrait;
        let (db, _) = crate::db::connect("sqlite::memory:").await.unwrap();
        let bus = EventBus::start(&db).await.unwrap();
        let cache = Arc::new(cache());
        cache.follow(&bus);
        let (services, hubs) = ((key("{ services }"), false), (key("{ hubs }"), true));
        let events = [
            // (event, whether it leaves the answers that show no hub)
            (Event::new(crate::hubs::announce::TOPIC, serde_json::json!({})), true),
            (
                Event::new(
                    crate::events::DATA_CHANGED_TOPIC,
                    serde_json::json!({ "table": "hub_status_event" }),
                ),
                true,
            ),
            (
                Event::new(crate::events::DATA_CHANGED_TOPIC, serde_json::json!({ "table": "hub" })),
                true,
            ),
            (
                Event::new(
                    crate::events::DATA_CHANGED_TOPIC,
                    serde_json::json!({ "table": "service" }),
                ),
                false,
            ),
            (
                Event::new(crate::events::DATA_CHANGED_TOPIC, serde_json::json!({})),
                false,
            ),
            (Event::new(crate::events::RESUMED_TOPIC, serde_json::json!({})), false),
        ];
        for (times, (event, leaves_services)) in (1..).zip(events) {
            keep_under(&cache, &services, b"S").await;
            keep_under(&cache, &hubs, b"H").await;
            let txn = db.begin().await.unwrap();
            let pending = bus.stage(&txn, event.clone()).await.unwrap();
            txn.commit().await.unwrap();
            pending.deliver();
            invalidated(&cache, times).await;
            assert_eq!(kept(&cache, &hubs.0).await, None, "{event:?}");
            assert_eq!(kept(&cache, &services.0).await.is_some(), leaves_services, "{event:?}");
            // Emptied, whatever the event, before the next one.
            cache.generation.fetch_add(1, Ordering::AcqRel);
        }
    }

    #[test]
    fn the_hub_tables_are_the_hub_entities_tables() {
        use sea_orm::EntityName;
        let tables = [
            entity::hub::Entity.table_name(),
            entity::hub_facility::Entity.table_name(),
            entity::hub_status_event::Entity.table_name(),
        ];
        assert_eq!(HUB_TABLES, tables);
    }
}
