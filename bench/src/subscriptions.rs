//! W6: many `graphql-transport-ws` subscribers to every hub's status
//! changes while a writer updates random hubs at a fixed rate (open loop:
//! each update is sent on its tick, whether or not the last one answered).
//!
//! Each delivery's delay is measured from the event's `at` (set by the
//! server just before the write commits) to the subscriber reading the
//! message, and also from the writer reading the mutation's response (the
//! commit done); a delivery can beat the response, which counts as 0.
//! Events are matched by hub id and version, which are unique per change.
//! A delivery missing 30 s after the last write counts as missed.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use rand::SeedableRng;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::{Inputs, hub_update};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const SUBSCRIPTION: &str = "subscription { hubStatusChanged { id at version hub { id } } }";

/// Subscribers connecting at once: enough to be quick, few enough not to
/// look like a flood to the server's accept queue.
const CONNECTING_AT_ONCE: usize = 50;
/// How long deliveries may take after the last write before they count as missed.
const DRAIN: Duration = Duration::from_secs(30);
/// How long a handshake step may take.
const STEP: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub struct Settings {
    pub subscribers: usize,
    /// Updates a second.
    pub rate: f64,
    pub length: Duration,
}

/// W6's figures.
#[derive(Debug, Serialize)]
pub struct SubscriptionOutcome {
    pub subscribers: usize,
    pub connect_seconds: f64,
    pub updates_sent: u64,
    pub update_errors: u64,
    /// Why the first failed update failed.
    pub first_update_error: Option<String>,
    pub updates_per_second: f64,
    /// Committed updates times subscribers.
    pub expected_deliveries: u64,
    pub deliveries: u64,
    pub missed_deliveries: u64,
    /// Subscribers whose connection ended early.
    pub dropped_subscribers: usize,
    /// Delay from the event's `at` to receipt.
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Delay from the mutation's response to receipt (0 when the event came first).
    pub after_response_p50_ms: f64,
    pub after_response_p99_ms: f64,
    /// Deliveries that arrived before the writer read the mutation's response.
    pub before_response: u64,
    /// Events the server's subscribers lost by falling behind (from /metrics).
    pub lagged_on_server: u64,
}

impl SubscriptionOutcome {
    pub fn markdown(&self) -> String {
        format!(
            "| W6 subscriptions | subscribers | updates/s | deliveries | missed | p50 ms | p90 ms | p99 ms | max ms | \
             after response p50 / p99 ms |\n\
             | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n\
             | from `at` to receipt | {} | {:.1} | {} of {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} / {:.2} |\n\n\
             {} updates sent ({} errors); connecting took {:.1} s; {} subscribers dropped; \
             {} deliveries beat the mutation's response; {} events lagged on the server\n{}",
            self.subscribers,
            self.updates_per_second,
            self.deliveries,
            self.expected_deliveries,
            self.missed_deliveries,
            self.p50_ms,
            self.p90_ms,
            self.p99_ms,
            self.max_ms,
            self.after_response_p50_ms,
            self.after_response_p99_ms,
            self.updates_sent,
            self.update_errors,
            self.connect_seconds,
            self.dropped_subscribers,
            self.before_response,
            self.lagged_on_server,
            self.first_update_error
                .as_ref()
                .map(|error| format!("\nfirst failed update: {error}\n"))
                .unwrap_or_default(),
        )
    }
}

/// One event as a subscriber received it.
struct Receipt {
    hub_id: String,
    version: i64,
    at: DateTime<Utc>,
    received: DateTime<Utc>,
}

/// When subscribers stop listening: once they hold `expected` events, or at `deadline`.
#[derive(Debug, Clone, Copy)]
struct Finish {
    expected: usize,
    deadline: Instant,
}

pub async fn run(
    client: &reqwest::Client,
    base: &str,
    inputs: &Arc<Inputs>,
    settings: &Settings,
) -> anyhow::Result<SubscriptionOutcome> {
    let url = format!("{}/graphql/ws", base.replacen("http://", "ws://", 1));
    let started = Instant::now();
    let connected: Vec<anyhow::Result<Socket>> = futures_util::stream::iter(0..settings.subscribers)
        .map(|_| subscribe(&url))
        .buffer_unordered(CONNECTING_AT_ONCE)
        .collect()
        .await;
    let sockets: Vec<Socket> = connected.into_iter().collect::<anyhow::Result<_>>()?;
    wait_for_subscribers(client, base, sockets.len()).await?;
    let connect_seconds = started.elapsed().as_secs_f64();

    let (finish_tx, finish_rx) = watch::channel(None);
    let listeners: Vec<_> = sockets
        .into_iter()
        .map(|socket| tokio::spawn(listen(socket, finish_rx.clone())))
        .collect();

    let Written {
        committed,
        sent: updates_sent,
        failed: update_errors,
        first_error: first_update_error,
        elapsed,
    } = write(client, base, inputs, settings).await;
    let _ = finish_tx.send(Some(Finish {
        expected: committed.len(),
        deadline: Instant::now() + DRAIN,
    }));

    let mut from_at = histogram();
    let mut from_response = histogram();
    let (mut deliveries, mut before_response, mut dropped) = (0u64, 0u64, 0usize);
    for listener in listeners {
        let (receipts, complete) = listener.await.context("a subscriber task failed")?;
        dropped += usize::from(!complete);
        let mut seen = HashSet::new();
        for receipt in receipts {
            let key = (receipt.hub_id, receipt.version);
            let Some(responded) = committed.get(&key) else {
                continue;
            };
            if !seen.insert(key) {
                continue;
            }
            deliveries += 1;
            let _ = from_at.record(micros(receipt.received - receipt.at));
            let after = receipt.received - *responded;
            before_response += u64::from(after < chrono::TimeDelta::zero());
            let _ = from_response.record(micros(after));
        }
    }
    let expected = (committed.len() * settings.subscribers) as u64;
    let ms = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    Ok(SubscriptionOutcome {
        subscribers: settings.subscribers,
        connect_seconds,
        updates_sent,
        update_errors,
        first_update_error,
        updates_per_second: updates_sent as f64 / elapsed.as_secs_f64(),
        expected_deliveries: expected,
        deliveries,
        missed_deliveries: expected.saturating_sub(deliveries),
        dropped_subscribers: dropped,
        p50_ms: ms(&from_at, 0.50),
        p90_ms: ms(&from_at, 0.90),
        p99_ms: ms(&from_at, 0.99),
        max_ms: from_at.max() as f64 / 1000.0,
        after_response_p50_ms: ms(&from_response, 0.50),
        after_response_p99_ms: ms(&from_response, 0.99),
        before_response,
        lagged_on_server: 0,
    })
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds")
}

/// Microseconds, at least 1 (a histogram records no zero or negative values).
fn micros(delay: chrono::TimeDelta) -> u64 {
    delay.num_microseconds().unwrap_or(i64::MAX).max(1) as u64
}

/// Connects, initialises and subscribes to every hub's changes.
async fn subscribe(url: &str) -> anyhow::Result<Socket> {
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static(hubgraph::http::ws::PROTOCOL),
    );
    let (mut socket, _) = tokio::time::timeout(STEP, tokio_tungstenite::connect_async(request))
        .await
        .context("connecting took too long")??;
    send(&mut socket, json!({ "type": "connection_init", "payload": {} })).await?;
    expect(&mut socket, "connection_ack").await?;
    send(
        &mut socket,
        json!({ "type": "subscribe", "id": "live", "payload": { "query": SUBSCRIPTION } }),
    )
    .await?;
    Ok(socket)
}

async fn send(socket: &mut Socket, message: Value) -> anyhow::Result<()> {
    socket.send(Message::text(message.to_string())).await?;
    Ok(())
}

/// Reads until a message of type `kind` arrives.
async fn expect(socket: &mut Socket, kind: &str) -> anyhow::Result<()> {
    loop {
        let message = tokio::time::timeout(STEP, socket.next())
            .await
            .with_context(|| format!("no {kind} in time"))?
            .with_context(|| format!("closed before {kind}"))??;
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text)?;
            if value["type"] == kind {
                return Ok(());
            }
            if value["type"] != "ping" {
                bail!("expected {kind}, got {value}");
            }
        }
    }
}

/// Waits until the server's event bus has all `count` subscribers: a
/// subscription joins the bus only once the server first polls it.
async fn wait_for_subscribers(client: &reqwest::Client, base: &str, count: usize) -> anyhow::Result<()> {
    let deadline = Instant::now() + STEP;
    loop {
        let text = client.get(format!("{base}/metrics")).send().await?.text().await?;
        let joined: usize = text
            .lines()
            .find_map(|l| l.strip_prefix("hubgraph_event_subscribers "))
            .and_then(|v| v.trim().parse().ok())
            .context("no event subscriber gauge in /metrics")?;
        if joined >= count {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("only {joined} of {count} subscribers joined the event bus");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Collects events until told to finish and done; the receipts, and
/// whether the connection lasted.
async fn listen(mut socket: Socket, finish: watch::Receiver<Option<Finish>>) -> (Vec<Receipt>, bool) {
    let mut receipts = Vec::new();
    loop {
        let finish = *finish.borrow();
        if let Some(finish) = finish
            && (receipts.len() >= finish.expected || Instant::now() >= finish.deadline)
        {
            let _ = socket.close(None).await;
            return (receipts, true);
        }
        let message = match tokio::time::timeout(Duration::from_millis(250), socket.next()).await {
            Err(_) => continue,
            Ok(Some(Ok(message))) => message,
            Ok(Some(Err(_)) | None) => return (receipts, false),
        };
        let received = Utc::now();
        let Message::Text(text) = message else {
            continue;
        };
        let Ok(value) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        match value["type"].as_str() {
            Some("next") => {
                let event = &value["payload"]["data"]["hubStatusChanged"];
                let at = event["at"].as_str().and_then(|at| at.parse::<DateTime<Utc>>().ok());
                if let (Some(hub_id), Some(version), Some(at)) =
                    (event["hub"]["id"].as_str(), event["version"].as_i64(), at)
                {
                    receipts.push(Receipt {
                        hub_id: hub_id.to_owned(),
                        version,
                        at,
                        received,
                    });
                }
            }
            // Answer the server's keep-alive; a failed send means the connection is gone.
            Some("ping") if send(&mut socket, json!({ "type": "pong" })).await.is_err() => return (receipts, false),
            Some("error" | "complete") => return (receipts, false),
            _ => {}
        }
    }
}

/// Committed updates by (hub id, version) with when their responses arrived,
/// updates sent, failed updates, and the time spent.
/// What the writer sent and what came of it.
struct Written {
    /// When the writer read each committed update's response, by (hub, version).
    committed: HashMap<(String, i64), DateTime<Utc>>,
    sent: u64,
    failed: u64,
    first_error: Option<String>,
    elapsed: Duration,
}

/// Sends hub status updates at `settings.rate` a second for `settings.length`.
async fn write(client: &reqwest::Client, base: &str, inputs: &Arc<Inputs>, settings: &Settings) -> Written {
    let committed = Arc::new(Mutex::new(HashMap::new()));
    let mut rng = rand::rngs::StdRng::from_os_rng();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / settings.rate.max(0.1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let started = Instant::now();
    let mut updates = Vec::new();
    while started.elapsed() < settings.length {
        tick.tick().await;
        let (body, token) = hub_update(inputs, &mut rng);
        let post = client.post(format!("{base}/graphql")).bearer_auth(token).json(&body);
        let committed = committed.clone();
        updates.push(tokio::spawn(async move {
            let response = post.send().await.map_err(|e| format!("request: {e}"))?;
            let status = response.status();
            let response: Value = response
                .json()
                .await
                .map_err(|e| format!("HTTP {status}, body not JSON: {e}"))?;
            let responded = Utc::now();
            let hub = &response["data"]["updateHubStatus"]["hub"];
            let (Some(id), Some(version)) = (hub["id"].as_str(), hub["version"].as_i64()) else {
                return Err(format!("HTTP {status}: {}", response["errors"]));
            };
            if let Ok(mut committed) = committed.lock() {
                committed.insert((id.to_owned(), version), responded);
            }
            Ok(())
        }));
    }
    let elapsed = started.elapsed();
    let sent = updates.len() as u64;
    let (mut failed, mut first_error) = (0, None);
    for update in updates {
        let outcome = update
            .await
            .unwrap_or_else(|e| Err(format!("the update task failed: {e}")));
        if let Err(error) = outcome {
            failed += 1;
            first_error.get_or_insert(error);
        }
    }
    let committed = std::mem::take(&mut *committed.lock().unwrap_or_else(|e| e.into_inner()));
    Written {
        committed,
        sent,
        failed,
        first_error,
        elapsed,
    }
}
