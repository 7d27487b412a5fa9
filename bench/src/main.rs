//! hubgraph's load benchmark: one command seeds a synthetic directory, starts
//! the server pinned to one CPU, drives each workload from the other CPU at a
//! fixed concurrency for a fixed time, and reports throughput, latency
//! percentiles (HdrHistogram), errors, SQL statements per request (read from
//! the server's /metrics) and the server's peak RSS, as Markdown and JSON.
//!
//!     cargo run --release -p hubgraph-bench -- --db sqlite --services 20000

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, ValueEnum};
use hdrhistogram::Histogram;
use hubgraph::graphql::ids::{self, Kind};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
enum Db {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
enum Workload {
    /// Partner search: near a postcode, 10 km, one category, text, age, 20 results with details.
    W1,
    /// First 20 services by name with organisation and taxonomy terms.
    W2,
    /// One service by a random id with organisation and locations.
    W4,
}

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
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Workload::W1, Workload::W2, Workload::W4])]
    workloads: Vec<Workload>,
    /// PostgreSQL server to create the benchmark database on.
    #[arg(
        long,
        env = "BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
    /// Where the Markdown and JSON reports go.
    #[arg(long, default_value = "bench-results")]
    out: PathBuf,
    /// Internal: run the server in this process (the benchmark starts itself this way).
    #[arg(long, hide = true)]
    serve: Option<String>,
    #[arg(long, hide = true)]
    bind: Option<String>,
}

/// One workload's figures.
#[derive(Debug, Serialize)]
struct Outcome {
    workload: Workload,
    requests: u64,
    errors: u64,
    requests_per_second: f64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    statements_per_request: f64,
}

#[derive(Debug, Serialize)]
struct Report {
    db: Db,
    services: usize,
    concurrency: usize,
    duration_seconds: u64,
    seed_seconds: f64,
    startup_ms: f64,
    server_peak_rss_mb: f64,
    pinned: String,
    commit: String,
    machine: String,
    outcomes: Vec<Outcome>,
}

/// Inputs the workloads draw from at random.
struct Inputs {
    service_ids: Vec<String>,
    postcodes: Vec<String>,
    categories: Vec<String>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let (Some(url), Some(bind)) = (&args.serve, &args.bind) {
        return serve(url, bind);
    }
    // The load generator runs on CPU 0; the server (and database) on CPU 1.
    let pinned = pin(&format!("{}", std::process::id()), "0");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(args, pinned))
}

fn serve(url: &str, bind: &str) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let mut config = hubgraph::Config::new(url);
        // The load generator is one client at thousands of requests a second.
        config.limits.rate_per_ip_per_minute = None;
        config.limits.rate_per_token_per_minute = None;
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
            let base = args
                .postgres_url
                .rsplit_once('/')
                .map_or(args.postgres_url.as_str(), |(b, _)| b);
            (format!("{base}/{name}"), Some((admin, name)))
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
    let inputs = inputs(&db).await?;
    db.close().await?;

    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let bind = format!("127.0.0.1:{port}");
    let started = Instant::now();
    let mut server = Command::new("taskset")
        .args(["-c", "1"])
        .arg(std::env::current_exe()?)
        .args(["--serve", &url, "--bind", &bind])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .or_else(|_| {
            Command::new(std::env::current_exe()?)
                .args(["--serve", &url, "--bind", &bind])
                .env("RUST_LOG", "warn")
                .spawn()
        })?;
    let base = format!("http://{bind}");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    wait_ready(&client, &base, &mut server).await?;
    let startup_ms = started.elapsed().as_secs_f64() * 1000.0;
    let postgres_pinned = if args.db == Db::Postgres {
        pin_postgres("1")
    } else {
        true
    };
    let pinned = format!(
        "load generator on CPU 0: {self_pinned}; server on CPU 1: true{}",
        if args.db == Db::Postgres {
            format!("; PostgreSQL on CPU 1: {postgres_pinned}")
        } else {
            String::new()
        }
    );

    let inputs = Arc::new(inputs);
    let mut outcomes = Vec::new();
    for workload in &args.workloads {
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
        let before = statements(&client, &base).await?;
        let (histogram, requests, errors, elapsed) = drive(
            &client,
            &base,
            *workload,
            &inputs,
            args.concurrency,
            Duration::from_secs(args.duration),
        )
        .await;
        let after = statements(&client, &base).await?;
        let ms = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
        outcomes.push(Outcome {
            workload: *workload,
            requests,
            errors,
            requests_per_second: requests as f64 / elapsed.as_secs_f64(),
            p50_ms: ms(0.50),
            p90_ms: ms(0.90),
            p99_ms: ms(0.99),
            max_ms: histogram.max() as f64 / 1000.0,
            // The statement count itself queries nothing: /metrics reads a counter.
            statements_per_request: (after - before) as f64 / requests.max(1) as f64,
        });
    }

    let rss = peak_rss_mb(server.id());
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
        seed_seconds,
        startup_ms,
        server_peak_rss_mb: rss,
        pinned,
        commit: command_output("git", &["rev-parse", "--short", "HEAD"]),
        machine: machine(),
        outcomes,
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

async fn inputs(db: &sea_orm::DatabaseConnection) -> anyhow::Result<Inputs> {
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
    if service_ids.is_empty() || categories.is_empty() || postcodes.is_empty() {
        bail!("the seeded database lacks services, categories or postcodes");
    }
    Ok(Inputs {
        service_ids,
        postcodes,
        categories,
    })
}

/// The GraphQL request a workload sends, with random inputs.
fn request(workload: Workload, inputs: &Inputs, rng: &mut impl Rng) -> serde_json::Value {
    match workload {
        Workload::W1 => json!({
            "query": "query($p: String, $t: [ID!]) { services(first: 20, filter: {
                near: { postcode: $p }, radiusKm: 10, taxonomyTermIds: $t, text: \"support\", age: 30 }) {
                totalCount edges { distanceKm node { name organization { name } locations { name latitude longitude }
                schedules { byDay opensAt closesAt } phones { number } taxonomyTerms { name } } } } }",
            "variables": { "p": inputs.postcodes.choose(rng), "t": [inputs.categories.choose(rng)] }
        }),
        Workload::W2 => json!({
            "query": "{ services(orderBy: NAME, first: 20) { nodes { name organization { name } taxonomyTerms { name } } } }"
        }),
        Workload::W4 => json!({
            "query": "query($id: ID!) { service(id: $id) { name organization { name } locations { name latitude longitude } } }",
            "variables": { "id": inputs.service_ids.choose(rng) }
        }),
    }
}

/// Runs `workload` with `concurrency` workers for `length`; returns latencies (µs), requests, errors and the time taken.
async fn drive(
    client: &reqwest::Client,
    base: &str,
    workload: Workload,
    inputs: &Arc<Inputs>,
    concurrency: usize,
    length: Duration,
) -> (Histogram<u64>, u64, u64, Duration) {
    let started = Instant::now();
    let deadline = started + length;
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let url = format!("{base}/graphql");
        let inputs = inputs.clone();
        workers.push(tokio::spawn(async move {
            let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds");
            let (mut requests, mut errors) = (0u64, 0u64);
            let mut rng = rand::rngs::StdRng::from_os_rng();
            while Instant::now() < deadline {
                let body = request(workload, &inputs, &mut rng);
                let sent = Instant::now();
                let ok = match client.post(&url).json(&body).send().await {
                    Ok(response) if response.status().is_success() => response
                        .bytes()
                        .await
                        .is_ok_and(|b| !b.windows(9).any(|w| w == b"\"errors\":")),
                    _ => false,
                };
                let _ = histogram.record(sent.elapsed().as_micros().max(1) as u64);
                requests += 1;
                errors += u64::from(!ok);
            }
            (histogram, requests, errors)
        }));
    }
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds");
    let (mut requests, mut errors) = (0, 0);
    for worker in workers {
        if let Ok((h, r, e)) = worker.await {
            let _ = histogram.add(h);
            requests += r;
            errors += e;
        }
    }
    (histogram, requests, errors, started.elapsed())
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

async fn statements(client: &reqwest::Client, base: &str) -> anyhow::Result<u64> {
    let text = client.get(format!("{base}/metrics")).send().await?.text().await?;
    text.lines()
        .find_map(|l| l.strip_prefix("hubgraph_sql_statements_total "))
        .and_then(|v| v.trim().parse().ok())
        .context("no statement counter in /metrics")
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

fn peak_rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("VmHWM:")
                    .map(|v| v.trim().trim_end_matches("kB").trim().to_owned())
            })
        })
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
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
    let mut out = format!(
        "### hubgraph on {:?}, {} services, concurrency {}, {} s per workload\n\n\
         | workload | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | SQL/request |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
        report.db, report.services, report.concurrency, report.duration_seconds
    );
    for o in &report.outcomes {
        out.push_str(&format!(
            "| {:?} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {:.2} |\n",
            o.workload,
            o.requests_per_second,
            o.p50_ms,
            o.p90_ms,
            o.p99_ms,
            o.max_ms,
            o.errors,
            o.statements_per_request
        ));
    }
    out.push_str(&format!(
        "\nseed {:.1} s; startup to ready {:.0} ms; server peak RSS {:.1} MB; {}; commit {}; {}\n",
        report.seed_seconds, report.startup_ms, report.server_peak_rss_mb, report.pinned, report.commit, report.machine
    ));
    out
}
