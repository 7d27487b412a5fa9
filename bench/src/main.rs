//! hubgraph's load benchmark: one command seeds a synthetic directory, starts
//! the server pinned to one CPU, drives each workload from the other CPU at a
//! fixed concurrency for a fixed time, and reports throughput, latency
//! percentiles (HdrHistogram), errors, SQL statements per request (read from
//! the server's /metrics) and the server's peak RSS, as Markdown and JSON.
//! W6 instead holds many WebSocket subscribers open while a writer changes
//! hubs at a fixed rate, and reports how long each event took to arrive.
//!
//!     cargo run --release -p hubgraph-bench -- --db sqlite --services 20000

mod answers;
mod cpu;
mod rss;
mod subscriptions;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, ValueEnum};
use hdrhistogram::Histogram;
use hubgraph::graphql::ids::{self, Kind};
use hubgraph::partners::{JwtKeys, NewPartner, PartnerKind};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use serde_json::json;

use subscriptions::SubscriptionOutcome;

/// The server this binary starts (`--serve`) allocates as `hubgraph serve`
/// does, so the figures are those of the real binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
enum Db {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
enum Switch {
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
enum Workload {
    /// Partner search: near a postcode, 10 km, one category, text, age, 20 results with details.
    W1,
    /// First 20 services by name with organisation and taxonomy terms.
    W2,
    /// Hub dashboard: 100 hubs with location, organisation and service count, and the summary of all areas.
    W3,
    /// One service by a random id with organisation and locations.
    W4,
    /// Mixed: 10% hub status updates by the hub's library, 90% W2.
    W5,
    /// Subscribers to every hub's status changes while a writer changes hubs at a fixed rate.
    W6,
}

/// The CPU the load generator runs on, and that of the server and PostgreSQL.
const LOAD_CPU: usize = 0;
const SERVER_CPU: usize = 1;

/// Share of W5 requests that are writes.
const WRITE_SHARE: f64 = 0.10;

#[derive(Debug, Parser)]
#[command(about = "Load benchmark of hubgraph")]
struct Args {
    /// Database to run on.
    #[arg(long, value_enum, default_value = "sqlite")]
    db: Db,
    /// Synthetic services to seed.
    #[arg(long, default_value_t = 20_000)]
    services: usize,
    /// Concurrent connections.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Seconds of measurement per workload.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Seconds of warm-up per workload (not measured).
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Workloads to run.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [
        Workload::W1, Workload::W2, Workload::W3, Workload::W4, Workload::W5, Workload::W6,
    ])]
    workloads: Vec<Workload>,
    /// W6: WebSocket subscribers to hold open.
    #[arg(long, default_value_t = 1_000)]
    subscribers: usize,
    /// W6: hub status updates a second while the subscribers listen.
    #[arg(long, default_value_t = 20.0)]
    event_rate: f64,
    /// PostgreSQL server to create the benchmark database on.
    #[arg(
        long,
        env = "BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
    /// The server's cache of answers to anonymous queries, on as `hubgraph serve` runs it.
    #[arg(long, value_enum, default_value = "on")]
    response_cache: Switch,
    /// SQLite only: bytes of the database file the server reads through a
    /// memory map (Linux counts mapped pages in RSS once per connection).
    #[arg(long, default_value_t = hubgraph::config::defaults::SQLITE_MMAP_BYTES)]
    sqlite_mmap_bytes: u64,
    /// Connections the server's database pool opens at most (default: the
    /// server's own default for the database).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    db_pool_size: Option<u32>,
    /// Where the Markdown and JSON reports go.
    #[arg(long, default_value = "bench-results")]
    out: PathBuf,
    /// Internal: run the server in this process (the benchmark starts itself this way).
    #[arg(long, hide = true)]
    serve: Option<String>,
    #[arg(long, hide = true)]
    bind: Option<String>,
}

/// One workload's figures, or those of one part (`writes`, `reads`) of a mixed one.
#[derive(Debug, Serialize)]
struct Outcome {
    workload: Workload,
    part: Option<&'static str>,
    requests: u64,
    errors: u64,
    requests_per_second: f64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    /// The server counts statements, not which request ran them: none for a part.
    statements_per_request: Option<f64>,
    /// Share of the requests answered from the server's response cache.
    cached_share: Option<f64>,
    /// Why the first failed request failed, if any did.
    first_error: Option<String>,
    /// Busy share of the load generator's CPU over the measured time: near 1
    /// with the server's CPU below it, the figures are the load generator's
    /// ceiling. None for a part, or where `/proc/stat` cannot be read.
    load_cpu_busy: Option<f64>,
    /// Busy share of the CPU of the server (and PostgreSQL).
    server_cpu_busy: Option<f64>,
    /// Share of the server's CPU time the host gave to other guests.
    server_cpu_steal: Option<f64>,
}

impl Outcome {
    fn new(workload: Workload, part: Option<&'static str>, measured: &Measured, elapsed: Duration) -> Outcome {
        let ms = |q: f64| measured.latencies.value_at_quantile(q) as f64 / 1000.0;
        Outcome {
            workload,
            part,
            requests: measured.requests,
            errors: measured.errors,
            requests_per_second: measured.requests as f64 / elapsed.as_secs_f64(),
            p50_ms: ms(0.50),
            p90_ms: ms(0.90),
            p99_ms: ms(0.99),
            max_ms: measured.latencies.max() as f64 / 1000.0,
            statements_per_request: None,
            cached_share: None,
            first_error: measured.first_error.clone(),
            load_cpu_busy: None,
            server_cpu_busy: None,
            server_cpu_steal: None,
        }
    }
}

#[derive(Debug, Serialize)]
struct Report {
    db: Db,
    services: usize,
    concurrency: usize,
    duration_seconds: u64,
    response_cache: Switch,
    /// SQLite's memory map in bytes (0: none); `None` on PostgreSQL.
    sqlite_mmap_bytes: Option<u64>,
    /// The server's pool size; `None`: its default for the database.
    db_pool_size: Option<u32>,
    seed_seconds: f64,
    startup_ms: f64,
    /// Peak RSS in MB (10^6 bytes), the unit the goals are set in.
    server_peak_rss_mb: f64,
    /// The same in MiB (2^20 bytes).
    server_peak_rss_mib: f64,
    pinned: String,
    commit: String,
    machine: String,
    outcomes: Vec<Outcome>,
    subscriptions: Option<SubscriptionOutcome>,
}

/// Inputs the workloads draw from at random.
pub struct Inputs {
    service_ids: Vec<String>,
    postcodes: Vec<String>,
    categories: Vec<String>,
    hubs: Vec<HubTarget>,
}

/// A hub to update and a token of the library that keeps it.
pub struct HubTarget {
    /// Global id.
    id: String,
    capacity: i32,
    token: Arc<str>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let (Some(url), Some(bind)) = (&args.serve, &args.bind) {
        return serve(url, bind, &args);
    }
    // W6 holds a socket per subscriber on each side; the server inherits the limit.
    raise_open_files_limit();
    // The load generator runs on LOAD_CPU; the server (and database) on SERVER_CPU.
    let pinned = pin(&format!("{}", std::process::id()), &LOAD_CPU.to_string());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(args, pinned))
}

fn serve(url: &str, bind: &str, args: &Args) -> anyhow::Result<()> {
    hubgraph::allocator::configure();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let mut config = hubgraph::Config::new(url);
        // The load generator is one client at thousands of requests a second.
        config.limits.rate_per_ip_per_minute = None;
        config.limits.rate_per_token_per_minute = None;
        // W5 and W6 write as libraries, with tokens the benchmark issued.
        config.jwt.secret = std::env::var("HUBGRAPH_JWT_SECRET").ok();
        config.sqlite_mmap_bytes = args.sqlite_mmap_bytes;
        config.db_pool_size = args.db_pool_size;
        if args.response_cache == Switch::Off {
            config.response_cache_bytes = 0;
        }
        let state = hubgraph::AppState::prepare(config).await?;
        let app = hubgraph::Application::bind(state, bind).await?;
        app.run_until(hubgraph::shutdown_signal()).await?;
        Ok(())
    })
}

/// Pins every thread of a process to the CPUs given; false when taskset is missing or refuses.
fn pin(pid: &str, cpus: &str) -> bool {
    Command::new("taskset")
        .args(["-a", "-p", "-c", cpus, pid])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

async fn run(args: Args, self_pinned: bool) -> anyhow::Result<()> {
    let temp = std::env::temp_dir().join(format!("hubgraph-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&temp)?;
    let (url, pg_database) = match args.db {
        Db::Sqlite => (format!("sqlite://{}?mode=rwc", temp.join("bench.db").display()), None),
        Db::Postgres => {
            let name = format!("hubgraph_bench_{}", uuid::Uuid::new_v4().simple());
            let (admin, _) = hubgraph::db::connect(&args.postgres_url)
                .await
                .context("connect to PostgreSQL")?;
            admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await?;
            let (server, options) = args
                .postgres_url
                .split_once('?')
                .unwrap_or((args.postgres_url.as_str(), ""));
            let base = server.rsplit_once('/').map_or(server, |(b, _)| b);
            // Unless the URL says otherwise, the server talks to PostgreSQL
            // without TLS, as a server beside its database would (sqlx's
            // default, `prefer`, negotiates TLS: 6% of PostgreSQL's CPU in
            // the W4 profile).
            let options = if options.is_empty() { "sslmode=disable" } else { options };
            (format!("{base}/{name}?{options}"), Some((admin, name)))
        }
    };

    eprintln!("seeding {} synthetic services ({:?})...", args.services, args.db);
    let started = Instant::now();
    let (db, _) = hubgraph::db::connect(&url).await?;
    hubgraph::db::migrate(&db).await?;
    hubgraph::seed::seed_synthetic(&db, args.services, 1, true).await?;
    let seed_seconds = started.elapsed().as_secs_f64();
    if args.db == Db::Postgres {
        db.execute_unprepared("ANALYZE").await?;
    }
    // A fresh secret per run: the tokens live no longer than the database.
    let secret = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    let inputs = inputs(&db, &secret).await?;
    db.close().await?;

    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let bind = format!("127.0.0.1:{port}");
    let started = Instant::now();
    let cache = serde_json::to_value(args.response_cache)?;
    let cache = cache.as_str().unwrap_or("on");
    let mmap = args.sqlite_mmap_bytes.to_string();
    let pool_size = args.db_pool_size;
    let exe = std::env::current_exe()?;
    // Pinned to the server's CPU by taskset where it can be run; else unpinned,
    // and the report says so.
    let spawn_server = |pinned: bool| {
        let mut command = if pinned {
            let mut taskset = Command::new("taskset");
            taskset.args(["-c", &SERVER_CPU.to_string()]).arg(&exe);
            taskset
        } else {
            Command::new(&exe)
        };
        command
            .args(["--serve", &url, "--bind", &bind, "--response-cache", cache])
            .args(["--sqlite-mmap-bytes", &mmap])
            .args(
                pool_size
                    .iter()
                    .flat_map(|size| ["--db-pool-size".to_owned(), size.to_string()]),
            )
            .env("RUST_LOG", "warn")
            .env("HUBGRAPH_JWT_SECRET", &secret)
            .stdout(Stdio::null())
            .spawn()
    };
    let (mut server, server_pinned) = match spawn_server(true) {
        Ok(server) => (server, true),
        Err(_) => (spawn_server(false)?, false),
    };
    let base = format!("http://{bind}");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    wait_ready(&client, &base, &mut server).await?;
    let startup_ms = started.elapsed().as_secs_f64() * 1000.0;
    let postgres_pinned = if args.db == Db::Postgres {
        pin_postgres(&SERVER_CPU.to_string())
    } else {
        true
    };
    let pinned = format!(
        "load generator on CPU {LOAD_CPU}: {self_pinned}; server on CPU {SERVER_CPU}: {server_pinned}{}",
        if args.db == Db::Postgres {
            format!("; PostgreSQL on CPU {SERVER_CPU}: {postgres_pinned}")
        } else {
            String::new()
        }
    );

    let inputs = Arc::new(inputs);
    let mut outcomes = Vec::new();
    let mut subscription_outcome = None;
    for workload in &args.workloads {
        if *workload == Workload::W6 {
            eprintln!(
                "W6: {} subscribers, {} updates a second for {} s",
                args.subscribers, args.event_rate, args.duration
            );
            let settings = subscriptions::Settings {
                subscribers: args.subscribers,
                rate: args.event_rate,
                length: Duration::from_secs(args.duration),
            };
            let before = counter(&client, &base, LAGGED).await?;
            let mut outcome = subscriptions::run(&client, &base, &inputs, &settings).await?;
            outcome.lagged_on_server = counter(&client, &base, LAGGED).await? - before;
            subscription_outcome = Some(outcome);
            continue;
        }
        eprintln!(
            "{workload:?}: warm-up {} s, then {} s at concurrency {}",
            args.warmup, args.duration, args.concurrency
        );
        drive(
            &client,
            &base,
            *workload,
            &inputs,
            args.concurrency,
            Duration::from_secs(args.warmup),
        )
        .await;
        let before = counter(&client, &base, STATEMENTS).await?;
        let hits_before = counter(&client, &base, CACHE_HITS).await?;
        let ticks_before = cpu::ticks_now();
        let (all, parts, elapsed) = drive(
            &client,
            &base,
            *workload,
            &inputs,
            args.concurrency,
            Duration::from_secs(args.duration),
        )
        .await;
        let ticks_after = cpu::ticks_now();
        let after = counter(&client, &base, STATEMENTS).await?;
        let hits = counter(&client, &base, CACHE_HITS).await? - hits_before;
        let mut outcome = Outcome::new(*workload, None, &all, elapsed);
        // The statement count itself queries nothing: /metrics reads a counter.
        outcome.statements_per_request = Some((after - before) as f64 / all.requests.max(1) as f64);
        outcome.cached_share = Some(hits as f64 / all.requests.max(1) as f64);
        outcome.load_cpu_busy = cpu::shares(&ticks_before, &ticks_after, LOAD_CPU).map(|s| s.busy);
        if let Some(server) = cpu::shares(&ticks_before, &ticks_after, SERVER_CPU) {
            outcome.server_cpu_busy = Some(server.busy);
            outcome.server_cpu_steal = Some(server.steal);
        }
        outcomes.push(outcome);
        if *workload == Workload::W5 {
            for (part, measured) in parts {
                outcomes.push(Outcome::new(*workload, Some(part), &measured, elapsed));
            }
        }
    }

    let rss = rss::peak_rss_bytes(server.id());
    let _ = Command::new("kill").args(["-TERM", &server.id().to_string()]).status();
    let _ = server.wait();
    if args.db == Db::Postgres {
        let cores = std::fs::read_to_string("/proc/cpuinfo")
            .map_or(1, |s| s.lines().filter(|l| l.starts_with("processor")).count());
        let cpus = format!("0-{}", cores.max(1) - 1);
        pin_postgres(&cpus);
    }
    if let Some((admin, name)) = pg_database {
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await?;
    }
    let _ = std::fs::remove_dir_all(&temp);

    let report = Report {
        db: args.db,
        services: args.services,
        concurrency: args.concurrency,
        duration_seconds: args.duration,
        response_cache: args.response_cache,
        sqlite_mmap_bytes: (args.db == Db::Sqlite).then_some(args.sqlite_mmap_bytes),
        db_pool_size: args.db_pool_size,
        seed_seconds,
        startup_ms,
        // The goal is in MB (10^6 bytes); MiB beside it, as tools show.
        server_peak_rss_mb: rss as f64 / 1e6,
        server_peak_rss_mib: rss as f64 / (1024.0 * 1024.0),
        pinned,
        commit: command_output("git", &["rev-parse", "--short", "HEAD"]),
        machine: machine(),
        outcomes,
        subscriptions: subscription_outcome,
    };
    let markdown = markdown(&report);
    println!("{markdown}");
    std::fs::create_dir_all(&args.out)?;
    let stem = format!(
        "{}-{}",
        serde_json::to_value(args.db)?.as_str().unwrap_or("db"),
        args.services
    );
    std::fs::write(args.out.join(format!("{stem}.md")), &markdown)?;
    std::fs::write(
        args.out.join(format!("{stem}.json")),
        serde_json::to_string_pretty(&report)?,
    )?;
    eprintln!("reports written to {}", args.out.display());
    Ok(())
}

async fn inputs(db: &sea_orm::DatabaseConnection, secret: &str) -> anyhow::Result<Inputs> {
    let service_ids: Vec<String> = entity::service::Entity::find()
        .select_only()
        .column(entity::service::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let categories: Vec<String> = entity::taxonomy_term::Entity::find()
        .filter(entity::taxonomy_term::Column::Taxonomy.eq("service-category"))
        .filter(entity::taxonomy_term::Column::ParentId.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|t| ids::encode(Kind::TaxonomyTerm, &t.id).0)
        .collect();
    let postcodes: Vec<String> = hubgraph::seed::places::postcodes()
        .into_iter()
        .map(|p| p.code)
        .collect();
    let hubs = hub_targets(db, secret).await?;
    if service_ids.is_empty() || categories.is_empty() || postcodes.is_empty() || hubs.is_empty() {
        bail!("the seeded database lacks services, categories, postcodes or hubs");
    }
    Ok(Inputs {
        service_ids,
        postcodes,
        categories,
        hubs,
    })
}

/// Registers a library partner for each organisation that keeps hubs, with
/// a token signed with `secret`, and lists every hub with its keeper's token.
async fn hub_targets(db: &sea_orm::DatabaseConnection, secret: &str) -> anyhow::Result<Vec<HubTarget>> {
    let settings = hubgraph::config::JwtSettings {
        secret: Some(secret.to_owned()),
        ..Default::default()
    };
    let keys = JwtKeys::from_settings(&settings)?.context("no JWT keys from the secret")?;
    let hubs = entity::hub::Entity::find()
        .order_by_asc(entity::hub::Column::Id)
        .all(db)
        .await?;
    let mut tokens: BTreeMap<String, Arc<str>> = BTreeMap::new();
    let mut targets = Vec::with_capacity(hubs.len());
    for hub in hubs {
        let token = match tokens.get(&hub.organization_id) {
            Some(token) => token.clone(),
            None => {
                let new = NewPartner {
                    kind: PartnerKind::Library,
                    name: format!("Benchmark library {}", tokens.len() + 1),
                    organization_id: Some(hub.organization_id.clone()),
                    area_codes: Vec::new(),
                };
                let partner = hubgraph::partners::add_partner(db, new).await?;
                let issued = hubgraph::partners::issue_token(
                    db,
                    &keys,
                    &partner.record.id,
                    &[],
                    Duration::from_secs(24 * 60 * 60),
                )
                .await?;
                let token: Arc<str> = issued.token.into();
                tokens.insert(hub.organization_id.clone(), token.clone());
                token
            }
        };
        targets.push(HubTarget {
            id: ids::encode(Kind::Hub, &hub.id).0,
            capacity: hub.capacity.unwrap_or(0),
            token,
        });
    }
    eprintln!("{} hubs kept by {} library partners", targets.len(), tokens.len());
    Ok(targets)
}

// The read workloads' documents, shared with the test that pins the
// statements each costs (tests/api/statements.rs).
const W1_PARTNER_SEARCH: &str = include_str!("../queries/w1-partner-search.graphql");
const W2_LIST: &str = include_str!("../queries/w2-list.graphql");
const W3_DASHBOARD: &str = include_str!("../queries/w3-dashboard.graphql");
const W4_BY_ID: &str = include_str!("../queries/w4-by-id.graphql");

const UPDATE_HUB_STATUS: &str = "mutation($input: UpdateHubStatusInput!) {
    updateHubStatus(input: $input) { hub { id version } userErrors { code message } } }";

/// One request of a workload: its body, the bearer token if any, and whether it writes.
struct Call<'a> {
    body: serde_json::Value,
    token: Option<&'a str>,
    write: bool,
}

/// A status update of a random hub by its keeper: random status and an
/// occupancy within the capacity; no `expectedVersion`, so it never conflicts.
pub fn hub_update<'a>(inputs: &'a Inputs, rng: &mut impl Rng) -> (serde_json::Value, &'a str) {
    let hub = &inputs.hubs[rng.random_range(0..inputs.hubs.len())];
    let status = ["OPEN", "LIMITED", "CLOSED"][rng.random_range(0..3)];
    let body = json!({
        "query": UPDATE_HUB_STATUS,
        "variables": { "input": {
            "hubId": hub.id,
            "status": status,
            "occupancy": rng.random_range(0..=hub.capacity.max(0)),
        } }
    });
    (body, &hub.token)
}

/// The GraphQL request a workload sends, with random inputs.
fn request<'a>(workload: Workload, inputs: &'a Inputs, rng: &mut impl Rng) -> Call<'a> {
    let read = |body| Call {
        body,
        token: None,
        write: false,
    };
    match workload {
        Workload::W1 => read(json!({
            "query": W1_PARTNER_SEARCH,
            "variables": { "p": inputs.postcodes.choose(rng), "t": [inputs.categories.choose(rng)] }
        })),
        Workload::W2 => read(json!({ "query": W2_LIST })),
        Workload::W3 => read(json!({ "query": W3_DASHBOARD })),
        Workload::W4 => read(json!({
            "query": W4_BY_ID,
            "variables": { "id": inputs.service_ids.choose(rng) }
        })),
        Workload::W5 if rng.random_bool(WRITE_SHARE) => {
            let (body, token) = hub_update(inputs, rng);
            Call {
                body,
                token: Some(token),
                write: true,
            }
        }
        Workload::W5 => read(json!({ "query": W2_LIST })),
        Workload::W6 => unreachable!("W6 runs subscribers, not requests"),
    }
}

/// Latencies (µs), requests and errors of a run or a part of it.
struct Measured {
    latencies: Histogram<u64>,
    requests: u64,
    errors: u64,
    /// Why the first failed request failed: a count alone does not say
    /// whether the server refused, timed out or answered with errors.
    first_error: Option<String>,
}

impl Measured {
    fn new() -> Measured {
        Measured {
            latencies: Histogram::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds"),
            requests: 0,
            errors: 0,
            first_error: None,
        }
    }

    fn record(&mut self, took: Duration, outcome: Result<(), String>) {
        let _ = self.latencies.record(took.as_micros().max(1) as u64);
        self.requests += 1;
        if let Err(error) = outcome {
            self.errors += 1;
            self.first_error.get_or_insert(error);
        }
    }

    fn add(&mut self, other: &Measured) {
        let _ = self.latencies.add(&other.latencies);
        self.requests += other.requests;
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error.clone_from(&other.first_error);
        }
    }
}

/// Whether a response is a success; if not, why.
async fn succeeded(response: reqwest::Result<reqwest::Response>, write: bool) -> Result<(), String> {
    let response = response.map_err(|e| format!("no response: {e}"))?;
    let status = response.status().as_u16();
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("HTTP {status}, body not read: {e}"))?;
    answers::judge(status, &body, write)
}

/// Runs `workload` with `concurrency` workers for `length`; returns the
/// figures of all requests, of the writes and reads apart, and the time taken.
async fn drive(
    client: &reqwest::Client,
    base: &str,
    workload: Workload,
    inputs: &Arc<Inputs>,
    concurrency: usize,
    length: Duration,
) -> (Measured, [(&'static str, Measured); 2], Duration) {
    let started = Instant::now();
    let deadline = started + length;
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let url = format!("{base}/graphql");
        let inputs = inputs.clone();
        workers.push(tokio::spawn(async move {
            let (mut writes, mut reads) = (Measured::new(), Measured::new());
            let mut rng = rand::rngs::StdRng::from_os_rng();
            while Instant::now() < deadline {
                let call = request(workload, &inputs, &mut rng);
                let mut post = client.post(&url).json(&call.body);
                if let Some(token) = call.token {
                    post = post.bearer_auth(token);
                }
                let sent = Instant::now();
                let outcome = succeeded(post.send().await, call.write).await;
                let part = if call.write { &mut writes } else { &mut reads };
                part.record(sent.elapsed(), outcome);
            }
            (writes, reads)
        }));
    }
    let (mut all, mut writes, mut reads) = (Measured::new(), Measured::new(), Measured::new());
    for worker in workers {
        if let Ok((w, r)) = worker.await {
            all.add(&w);
            all.add(&r);
            writes.add(&w);
            reads.add(&r);
        }
    }
    (all, [("writes", writes), ("reads", reads)], started.elapsed())
}

async fn wait_ready(client: &reqwest::Client, base: &str, server: &mut Child) -> anyhow::Result<()> {
    for _ in 0..600 {
        if let Some(status) = server.try_wait()? {
            bail!("the server exited: {status}");
        }
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    bail!("the server did not become ready")
}

/// SQL statements the server executed so far.
const STATEMENTS: &str = "hubgraph_sql_statements_total";
/// Events the server's subscribers lost by falling behind, so far.
const LAGGED: &str = "hubgraph_events_lagged_total";
/// Anonymous queries the server answered from its response cache, so far.
const CACHE_HITS: &str = "hubgraph_response_cache_hits_total";

/// A counter of the server's `/metrics`.
async fn counter(client: &reqwest::Client, base: &str, name: &str) -> anyhow::Result<u64> {
    let text = client.get(format!("{base}/metrics")).send().await?.text().await?;
    let prefix = format!("{name} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|v| v.trim().parse().ok())
        .with_context(|| format!("no {name} in /metrics"))
}

/// Raises the soft limit on open files to the hard limit (best effort).
fn raise_open_files_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// Pins the local PostgreSQL server's processes (best effort).
fn pin_postgres(cpus: &str) -> bool {
    let pids = command_output("pgrep", &["-x", "postgres"]);
    let mut all = !pids.is_empty();
    for pid in pids.lines() {
        all &= pin(pid.trim(), cpus);
    }
    all
}

fn command_output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    // Count the machine's CPUs, not those this (pinned) process may use.
    let cores = std::fs::read_to_string("/proc/cpuinfo")
        .map_or(0, |s| s.lines().filter(|l| l.starts_with("processor")).count());
    format!("{cores} × {cpu}")
}

fn markdown(report: &Report) -> String {
    let pool = report.db_pool_size.map_or("default".into(), |size| size.to_string());
    let mmap = report
        .sqlite_mmap_bytes
        .map_or(String::new(), |bytes| format!(", SQLite memory map {bytes} bytes"));
    let mut out = format!(
        "### hubgraph on {:?}, {} services, concurrency {}, {} s per workload, response cache {:?}, \
         pool size {pool}{mmap}\n\n\
         | workload | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | SQL/request | from cache | load CPU | server CPU (stolen) |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
        report.db, report.services, report.concurrency, report.duration_seconds, report.response_cache
    );
    let percent = |share: Option<f64>| share.map_or("–".into(), |s| format!("{:.0}%", s * 100.0));
    for o in &report.outcomes {
        let name = match o.part {
            Some(part) => format!("{:?} {part}", o.workload),
            None => format!("{:?}", o.workload),
        };
        let statements = o.statements_per_request.map_or("–".into(), |s| format!("{s:.2}"));
        let cached = percent(o.cached_share);
        let load_cpu = percent(o.load_cpu_busy);
        let server_cpu = match (o.server_cpu_busy, o.server_cpu_steal) {
            (Some(busy), Some(steal)) => format!("{} ({})", percent(Some(busy)), percent(Some(steal))),
            _ => "–".into(),
        };
        out.push_str(&format!(
            "| {name} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {statements} | {cached} | {load_cpu} | {server_cpu} |\n",
            o.requests_per_second, o.p50_ms, o.p90_ms, o.p99_ms, o.max_ms, o.errors,
        ));
    }
    for o in report.outcomes.iter().filter(|o| o.part.is_none()) {
        if let Some(error) = &o.first_error {
            out.push_str(&format!("\nFirst failed request of {:?}: `{error}`\n", o.workload));
        }
    }
    out.push_str(
        "\nCPU columns: busy share of each CPU over the measured time (load generator; server and \
         database, with the share the host took for other guests). With the load generator's CPU near \
         100% and the server's below it, the figures are the load generator's ceiling.\n",
    );
    if let Some(w6) = &report.subscriptions {
        out.push('\n');
        out.push_str(&w6.markdown());
    }
    out.push_str(&format!(
        "\nseed {:.1} s; startup to ready {:.0} ms; server peak RSS {:.1} MB ({:.1} MiB); {}; commit {}; {}\n",
        report.seed_seconds,
        report.startup_ms,
        report.server_peak_rss_mb,
        report.server_peak_rss_mib,
        report.pinned,
        report.commit,
        report.machine
    ));
    out
}
