//! The soak test's load and watch (`bench/soak.sh` starts the server and
//! runs this): readers, a hub-status writer and WebSocket subscribers that
//! reconnect now and then, for a fixed time; meanwhile the server's RSS and
//! open sockets (from /proc) and its database pool and WebSockets (from
//! /metrics) are sampled. After the warm-up, memory and connections must
//! stay flat: the samples are averaged over windows (a minute by default)
//! and the window means must stay within a band (max over min, 10% by
//! default), or the run exits 1. Single samples swing while the allocator
//! hands pages back and subscribers reconnect; averaging tells that swing
//! from growth, which moves every later window up.
//!
//!     soak --base http://127.0.0.1:8080 --pid 1234 --token JWT --minutes 10

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

#[derive(Debug, Parser)]
#[command(about = "Mixed load on a running hubgraph while its memory and connections are watched")]
struct Args {
    /// The server's base URL.
    #[arg(long)]
    base: String,
    /// The server's process id (its /proc entry is read).
    #[arg(long)]
    pid: u32,
    /// An admin token: the writer updates any hub.
    #[arg(long)]
    token: String,
    /// Length of the run, warm-up included.
    #[arg(long, default_value_t = 10.0)]
    minutes: f64,
    /// Warm-up not judged, in seconds [default: a fifth of the run, at most 120].
    #[arg(long)]
    warmup: Option<u64>,
    /// Seconds between samples.
    #[arg(long, default_value_t = 5)]
    every: u64,
    /// Concurrent readers.
    #[arg(long, default_value_t = 8)]
    readers: usize,
    /// Hub status updates a second.
    #[arg(long, default_value_t = 10.0)]
    writes: f64,
    /// WebSocket subscribers held open (each reconnects about every `--resubscribe` seconds).
    #[arg(long, default_value_t = 50)]
    subscribers: usize,
    #[arg(long, default_value_t = 30)]
    resubscribe: u64,
    /// Largest allowed (max - min) / min of the window means after the warm-up, in percent.
    #[arg(long, default_value_t = 10.0)]
    tolerance: f64,
    /// Seconds a window averages [default: 60, or a quarter of the judged time if shorter].
    #[arg(long)]
    window: Option<u64>,
}

/// One look at the server.
#[derive(Debug, Clone, Copy)]
struct Sample {
    seconds: f64,
    rss_kb: u64,
    sockets: u64,
    pool: u64,
    websockets: u64,
}

/// A measure judged for flatness: its name and how to read it from a sample.
type Measure = (&'static str, fn(&Sample) -> u64);

/// Requests and failures of the load, by kind.
#[derive(Debug, Default)]
struct Counts {
    reads: AtomicU64,
    read_errors: AtomicU64,
    writes: AtomicU64,
    write_errors: AtomicU64,
    events: AtomicU64,
    resubscribes: AtomicU64,
    subscriber_errors: AtomicU64,
}

const READS: [&str; 3] = [
    "query SoakList { services(orderBy: NAME, first: 20) { nodes { name organization { name } taxonomyTerms { name } } } }",
    "query SoakHubs { hubs(first: 50) { totalCount nodes { id name status occupancy location { name } } } }",
    "query SoakAreas { areas { code name } hubSummary { total byStatus { status count } } }",
];
const UPDATE: &str = "mutation SoakUpdate($input: UpdateHubStatusInput!) {
    updateHubStatus(input: $input) { hub { id version } userErrors { code message } } }";
const SUBSCRIPTION: &str = "subscription SoakWatch { hubStatusChanged { id version hub { id } } }";

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let length = Duration::from_secs_f64(args.minutes * 60.0);
    let warmup = Duration::from_secs(args.warmup.unwrap_or((length.as_secs() / 5).min(120)));
    if warmup >= length {
        bail!("the warm-up ({warmup:?}) leaves nothing of the run ({length:?}) to judge");
    }
    let client = reqwest::Client::new();
    wait_ready(&client, &args.base).await?;
    let hubs = hub_ids(&client, &args.base).await?;
    eprintln!(
        "soak: {:.1} min ({} s warm-up), {} readers, {} writes/s over {} hubs, {} subscribers",
        args.minutes,
        warmup.as_secs(),
        args.readers,
        args.writes,
        hubs.len(),
        args.subscribers
    );
    let stop = Arc::new(AtomicBool::new(false));
    let counts = Arc::new(Counts::default());
    let mut load = Vec::new();
    for _ in 0..args.readers {
        load.push(tokio::spawn(reader(
            client.clone(),
            args.base.clone(),
            stop.clone(),
            counts.clone(),
        )));
    }
    load.push(tokio::spawn(writer(
        client.clone(),
        args.base.clone(),
        args.token.clone(),
        hubs,
        args.writes,
        stop.clone(),
        counts.clone(),
    )));
    let ws_url = format!("{}/graphql/ws", args.base.replacen("http", "ws", 1));
    for n in 0..args.subscribers {
        // Spread the reconnections over the period.
        let first = Duration::from_millis((n as u64 * args.resubscribe * 1000) / args.subscribers.max(1) as u64);
        load.push(tokio::spawn(subscriber(
            ws_url.clone(),
            first,
            Duration::from_secs(args.resubscribe),
            stop.clone(),
            counts.clone(),
        )));
    }

    let started = Instant::now();
    let mut samples = Vec::new();
    while started.elapsed() < length {
        tokio::time::sleep(Duration::from_secs(args.every)).await;
        let sample = sample(&client, &args, started.elapsed()).await?;
        eprintln!(
            "{:>6.0} s  rss {:>7} kB  sockets {:>4}  pool {:>3}  websockets {:>4}  reads {}  writes {}  events {}",
            sample.seconds,
            sample.rss_kb,
            sample.sockets,
            sample.pool,
            sample.websockets,
            counts.reads.load(Ordering::Relaxed),
            counts.writes.load(Ordering::Relaxed),
            counts.events.load(Ordering::Relaxed),
        );
        samples.push(sample);
    }
    stop.store(true, Ordering::Relaxed);
    for task in load {
        let _ = task.await;
    }

    let judged: Vec<Sample> = samples
        .iter()
        .copied()
        .filter(|s| s.seconds >= warmup.as_secs_f64())
        .collect();
    if judged.len() < 2 {
        bail!("too few samples after the warm-up: run longer or sample more often");
    }
    let judged_span = length.saturating_sub(warmup).as_secs();
    let window = args.window.unwrap_or((judged_span / 4).clamp(args.every, 60));
    let mut flat = true;
    println!(
        "## Soak: {:.1} min, judged after {} s on {} s window means\n",
        args.minutes,
        warmup.as_secs(),
        window
    );
    println!(
        "| measure | sample min | sample max | window mean min | window mean max | spread of means | within {}% |",
        args.tolerance
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
    let measures: [Measure; 4] = [
        ("RSS kB", |s| s.rss_kb),
        ("open sockets", |s| s.sockets),
        ("DB pool connections", |s| s.pool),
        ("WebSockets", |s| s.websockets),
    ];
    for (name, value) in measures {
        let points: Vec<(f64, u64)> = judged.iter().map(|s| (s.seconds, value(s))).collect();
        let band = Band::of(&points, window as f64);
        let ok = band.spread_percent() <= args.tolerance;
        flat &= ok;
        println!(
            "| {name} | {} | {} | {:.0} | {:.0} | {:.1}% | {} |",
            band.sample_min,
            band.sample_max,
            band.mean_min,
            band.mean_max,
            band.spread_percent(),
            if ok { "yes" } else { "NO" }
        );
    }
    let c = |n: &AtomicU64| n.load(Ordering::Relaxed);
    println!(
        "\n{} reads ({} failed), {} writes ({} failed), {} events received, {} resubscriptions ({} failed); {} samples",
        c(&counts.reads),
        c(&counts.read_errors),
        c(&counts.writes),
        c(&counts.write_errors),
        c(&counts.events),
        c(&counts.resubscribes),
        c(&counts.subscriber_errors),
        samples.len()
    );
    if c(&counts.reads) == 0 || c(&counts.writes) == 0 || c(&counts.events) == 0 {
        bail!("the load did not run: no reads, writes or events");
    }
    if !flat {
        bail!("memory or connections grew after the warm-up");
    }
    Ok(())
}

/// Waits up to a minute for the server's /readyz.
async fn wait_ready(client: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    for _ in 0..600 {
        let ready = client.get(format!("{base}/readyz")).send().await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the server at {base} did not become ready")
}

/// Hub ids to update (global ids), from the first page of hubs.
async fn hub_ids(client: &reqwest::Client, base: &str) -> anyhow::Result<Vec<String>> {
    let response: Value = client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": "{ hubs(first: 100) { nodes { id } } }" }))
        .send()
        .await?
        .json()
        .await?;
    let ids: Vec<String> = response["data"]["hubs"]["nodes"]
        .as_array()
        .context("no hubs in the response")?
        .iter()
        .filter_map(|h| h["id"].as_str().map(str::to_owned))
        .collect();
    if ids.is_empty() {
        bail!("the database has no hubs");
    }
    Ok(ids)
}

async fn reader(client: reqwest::Client, base: String, stop: Arc<AtomicBool>, counts: Arc<Counts>) {
    let mut rng = rand::rngs::StdRng::from_os_rng();
    let url = format!("{base}/graphql");
    while !stop.load(Ordering::Relaxed) {
        let query = READS.choose(&mut rng).copied().unwrap_or(READS[0]);
        let ok = match client.post(&url).json(&json!({ "query": query })).send().await {
            Ok(response) => {
                response.status().is_success()
                    && response
                        .json::<Value>()
                        .await
                        .is_ok_and(|body| body.get("errors").is_none())
            }
            Err(_) => false,
        };
        counts.reads.fetch_add(1, Ordering::Relaxed);
        if !ok {
            counts.read_errors.fetch_add(1, Ordering::Relaxed);
        }
    }
}

async fn writer(
    client: reqwest::Client,
    base: String,
    token: String,
    hubs: Vec<String>,
    rate: f64,
    stop: Arc<AtomicBool>,
    counts: Arc<Counts>,
) {
    let mut rng = rand::rngs::StdRng::from_os_rng();
    let url = format!("{base}/graphql");
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(0.1)));
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        let hub = hubs.choose(&mut rng).cloned().unwrap_or_default();
        let status = ["OPEN", "LIMITED", "CLOSED"][rng.random_range(0..3)];
        let body = json!({
            "query": UPDATE,
            "variables": { "input": { "hubId": hub, "status": status } }
        });
        let ok = match client.post(&url).bearer_auth(&token).json(&body).send().await {
            Ok(response) => response.json::<Value>().await.is_ok_and(|body| {
                body.get("errors").is_none() && body["data"]["updateHubStatus"]["userErrors"] == json!([])
            }),
            Err(_) => false,
        };
        counts.writes.fetch_add(1, Ordering::Relaxed);
        if !ok {
            counts.write_errors.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Holds a subscription open, closing it and subscribing afresh every `period`.
async fn subscriber(url: String, first: Duration, period: Duration, stop: Arc<AtomicBool>, counts: Arc<Counts>) {
    let mut hold = first;
    while !stop.load(Ordering::Relaxed) {
        if subscribe_for(&url, hold, &stop, &counts).await.is_err() {
            counts.subscriber_errors.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        counts.resubscribes.fetch_add(1, Ordering::Relaxed);
        hold = period;
    }
}

/// One connection: init, subscribe, read events for `hold` (or until stopped), close.
async fn subscribe_for(url: &str, hold: Duration, stop: &AtomicBool, counts: &Counts) -> anyhow::Result<()> {
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    let send = |value: Value| Message::text(value.to_string());
    socket
        .send(send(json!({ "type": "connection_init", "payload": {} })))
        .await?;
    socket
        .send(send(
            json!({ "type": "subscribe", "id": "1", "payload": { "query": SUBSCRIPTION } }),
        ))
        .await?;
    let until = Instant::now() + hold.max(Duration::from_secs(1));
    while Instant::now() < until && !stop.load(Ordering::Relaxed) {
        let next = tokio::time::timeout(Duration::from_millis(500), socket.next()).await;
        match next {
            Err(_) => continue,
            Ok(None) => bail!("the server closed the connection"),
            Ok(Some(message)) => {
                let message = message?;
                if let Message::Text(text) = message {
                    let value: Value = serde_json::from_str(&text)?;
                    match value["type"].as_str() {
                        Some("next") => {
                            counts.events.fetch_add(1, Ordering::Relaxed);
                        }
                        Some("ping") => socket.send(send(json!({ "type": "pong" }))).await?,
                        Some("error") => bail!("subscription refused: {value}"),
                        _ => {}
                    }
                }
            }
        }
    }
    socket.send(send(json!({ "type": "complete", "id": "1" }))).await?;
    socket.close(None).await?;
    Ok(())
}

async fn sample(client: &reqwest::Client, args: &Args, elapsed: Duration) -> anyhow::Result<Sample> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", args.pid))
        .with_context(|| format!("the server (pid {}) is gone", args.pid))?;
    let rss_kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS")?;
    let sockets = std::fs::read_dir(format!("/proc/{}/fd", args.pid))?
        .filter_map(Result::ok)
        .filter(|entry| {
            std::fs::read_link(entry.path()).is_ok_and(|target| target.to_string_lossy().starts_with("socket:"))
        })
        .count() as u64;
    let metrics = client
        .get(format!("{}/metrics", args.base))
        .send()
        .await?
        .text()
        .await?;
    let value = |series: &str| -> u64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .map_or(0, |v| v as u64)
    };
    Ok(Sample {
        seconds: elapsed.as_secs_f64(),
        rss_kb,
        sockets,
        pool: value("hubgraph_db_pool_connections{state=\"in_use\"}")
            + value("hubgraph_db_pool_connections{state=\"idle\"}"),
        websockets: value("hubgraph_ws_connections"),
    })
}

/// How one measure moved after the warm-up: its single samples and the
/// means of consecutive windows.
#[derive(Debug, PartialEq)]
struct Band {
    sample_min: u64,
    sample_max: u64,
    mean_min: f64,
    mean_max: f64,
}

impl Band {
    /// `points` are (seconds since the start, value), in time order. Each
    /// window of `window` seconds from the first point is averaged; a last
    /// window shorter than half of `window` joins the one before, so a
    /// stub of one or two samples does not decide the verdict.
    fn of(points: &[(f64, u64)], window: f64) -> Band {
        let first = points.first().map_or(0.0, |p| p.0);
        let mut windows: Vec<Vec<u64>> = Vec::new();
        for &(at, value) in points {
            let index = ((at - first) / window.max(1.0)).floor() as usize;
            if windows.len() <= index {
                windows.resize_with(index + 1, Vec::new);
            }
            windows[index].push(value);
        }
        windows.retain(|w| !w.is_empty());
        let span_of_last = points.last().map_or(0.0, |p| p.0 - first) % window.max(1.0);
        if windows.len() > 1 && span_of_last < window / 2.0 {
            let last = windows.pop().unwrap_or_default();
            if let Some(before) = windows.last_mut() {
                before.extend(last);
            }
        }
        let means: Vec<f64> = windows
            .iter()
            .map(|w| w.iter().sum::<u64>() as f64 / w.len() as f64)
            .collect();
        Band {
            sample_min: points.iter().map(|p| p.1).min().unwrap_or(0),
            sample_max: points.iter().map(|p| p.1).max().unwrap_or(0),
            mean_min: means.iter().copied().fold(f64::INFINITY, f64::min),
            mean_max: means.iter().copied().fold(0.0, f64::max),
        }
    }

    /// (max - min) / min of the window means, in percent.
    fn spread_percent(&self) -> f64 {
        if self.mean_max <= 0.0 {
            return 0.0;
        }
        (self.mean_max - self.mean_min) * 100.0 / self.mean_min.max(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Band;

    /// One sample every 5 s for `minutes`, from `value(seconds)`.
    fn series(minutes: u64, value: impl Fn(u64) -> u64) -> Vec<(f64, u64)> {
        (0..minutes * 12).map(|n| (n as f64 * 5.0, value(n * 5))).collect()
    }

    #[test]
    fn swing_between_single_samples_is_not_growth() {
        // 100 MB with a dip to 87 MB every 50 s: 15% max over min in single
        // samples, the same mean every minute.
        let points = series(8, |s| if s % 50 == 0 { 87_000 } else { 100_000 });
        let band = Band::of(&points, 60.0);
        assert_eq!((band.sample_min, band.sample_max), (87_000, 100_000));
        assert!(band.spread_percent() < 3.0, "{band:?}");
    }

    #[test]
    fn steady_growth_moves_the_window_means() {
        // +2% a minute for 8 minutes: each sample is close to the one
        // before, yet the first and last minutes differ by about 14%.
        let points = series(8, |s| 100_000 + s * 2_000 / 60);
        let band = Band::of(&points, 60.0);
        assert!(band.spread_percent() > 10.0, "{band:?}");
    }

    #[test]
    fn a_constant_measure_has_no_spread() {
        let band = Band::of(&series(3, |_| 8), 60.0);
        assert_eq!(band.spread_percent(), 0.0);
        assert_eq!((band.mean_min, band.mean_max), (8.0, 8.0));
    }

    #[test]
    fn a_short_last_window_joins_the_one_before() {
        // 2 full minutes and one sample into the third, which is high: on
        // its own it would be a window of one.
        let mut points = series(2, |_| 100);
        points.push((120.0, 200));
        let band = Band::of(&points, 60.0);
        assert!(band.mean_max < 110.0, "{band:?}");
    }

    #[test]
    fn no_samples_make_no_spread() {
        assert_eq!(Band::of(&[], 60.0).spread_percent(), 0.0);
    }
}
