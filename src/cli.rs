//! The command line (clap). Human messages go to stderr; stdout carries only
//! the result, so scripts can capture it.

mod auth;

use clap::{Parser, Subcommand};

use crate::config::{Config, DEFAULT_BIND, DEFAULT_DATABASE_URL};
use crate::{AppState, Application, db, seed, shutdown_signal};

#[derive(Debug, Parser)]
#[command(
    name = "hubgraph",
    version,
    about = "Shared GraphQL API for Scotland's health and wellbeing hubs, services and referral pathways"
)]
pub struct Cli {
    /// Database URL: sqlite://FILE?mode=rwc or postgres://...
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database and serve the API (and the playground at /graphql).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "HUBGRAPH_BIND", default_value = DEFAULT_BIND)]
        bind: String,
        /// Seed the demo data set when the database is empty.
        #[arg(long)]
        demo: bool,
        /// Introspection on or off (the playground needs it on).
        #[arg(long, env = "HUBGRAPH_INTROSPECTION", default_value = "on", value_parser = ["on", "off"])]
        introspection: String,
        /// Origins browsers may call the API from (repeat, or comma-separated); any origin when none is given.
        #[arg(long = "cors-origin", env = "HUBGRAPH_CORS_ORIGINS", value_delimiter = ',')]
        cors_origins: Vec<String>,
        /// Requests a minute per bearer token (0: no limit).
        #[arg(long, env = "HUBGRAPH_RATE_LIMIT_PER_TOKEN", default_value_t = 1_200)]
        rate_per_token: u32,
        /// Requests a minute per IP address for anonymous callers (0: no limit).
        #[arg(long, env = "HUBGRAPH_RATE_LIMIT_PER_IP", default_value_t = 600)]
        rate_per_ip: u32,
        /// How long a WebSocket client has to send connection_init (e.g. 3s).
        #[arg(long, env = "HUBGRAPH_WS_INIT_TIMEOUT", default_value = "3s", value_parser = humantime::parse_duration)]
        ws_init_timeout: std::time::Duration,
        /// How often the server pings WebSocket clients (e.g. 15s).
        #[arg(long, env = "HUBGRAPH_WS_KEEPALIVE", default_value = "15s", value_parser = humantime::parse_duration)]
        ws_keepalive: std::time::Duration,
        /// How often expired manual hub statuses are reverted (e.g. 30s; 0s: never).
        #[arg(long, env = "HUBGRAPH_HUB_EXPIRY_INTERVAL", default_value = "30s", value_parser = humantime::parse_duration)]
        hub_expiry_interval: std::time::Duration,
        /// How long in-flight requests may take to finish after SIGTERM (whole seconds, e.g. 20s).
        #[arg(long, env = "HUBGRAPH_SHUTDOWN_GRACE", default_value = "20s", value_parser = humantime::parse_duration)]
        shutdown_grace: std::time::Duration,
        /// How long a request waits for a database connection before a 503 (e.g. 2s).
        #[arg(long, env = "HUBGRAPH_DB_ACQUIRE_TIMEOUT", default_value = "2s", value_parser = humantime::parse_duration)]
        db_acquire_timeout: std::time::Duration,
        #[command(flatten)]
        jwt: auth::JwtArgs,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Print the GraphQL SDL (the content of schema.graphql).
    Schema,
    /// Load a data set.
    Seed {
        #[command(subcommand)]
        set: SeedSet,
    },
    /// Import data from a file.
    Import {
        #[command(subcommand)]
        what: ImportKind,
    },
    /// Export data to files.
    Export {
        #[command(subcommand)]
        what: ExportKind,
    },
    /// Register, list and disable partners.
    Partner {
        #[command(subcommand)]
        action: auth::PartnerCommand,
    },
    /// Issue, list and revoke partners' tokens.
    Token {
        #[command(subcommand)]
        action: auth::TokenCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportKind {
    /// Postcode centroids from a CSV with postcode, latitude and longitude
    /// columns (ONS postcode directory layout; a council-area column is used when present).
    Postcodes {
        /// The CSV file.
        file: std::path::PathBuf,
    },
    /// Open Referral HSDS 3.0 JSON: a service, organization, location or
    /// taxonomy document, a paged list (`contents`), NDJSON, or a directory
    /// of such files. Ids are kept; importing again updates in place.
    Hsds {
        /// A file or a directory.
        path: std::path::PathBuf,
        /// Stop at the first bad record and write nothing.
        #[arg(long)]
        strict: bool,
        /// Records per transaction.
        #[arg(long, default_value_t = 200)]
        batch: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportKind {
    /// Every organization, service, taxonomy and term as HSDS 3.0 documents.
    Hsds {
        /// The directory to write (created if missing).
        dir: std::path::PathBuf,
        /// `json`: a file per document under organizations/, services/, ...;
        /// `ndjson`: one file per kind, a document a line.
        #[arg(long, default_value = "json", value_parser = ["json", "ndjson"])]
        format: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SeedSet {
    /// The fictional Scotland-wide demo directory (only into an empty database).
    Demo,
    /// A synthetic directory of N services for benchmarks, deterministic for a given seed.
    Synthetic {
        /// Number of services.
        #[arg(long, default_value_t = 20_000)]
        services: usize,
        /// Random seed: the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
        Command::Migrate => {
            let (conn, _) = db::connect(&cli.database_url).await?;
            db::migrate(&conn).await?;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::Seed { set } => {
            let (conn, _) = db::connect(&cli.database_url).await?;
            db::migrate(&conn).await?;
            let started = std::time::Instant::now();
            let counts = match set {
                SeedSet::Demo => seed::seed_demo(&conn).await?,
                SeedSet::Synthetic { services, seed: s } => seed::seed_synthetic(&conn, services, s, true).await?,
            };
            eprintln!("seeded {counts} in {:.1} s", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::Import {
            what: ImportKind::Postcodes { file },
        } => {
            let (conn, _) = db::connect(&cli.database_url).await?;
            db::migrate(&conn).await?;
            let input =
                std::fs::File::open(&file).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", file.display()))?;
            let size = input.metadata().ok().map(|m| m.len());
            let report = crate::interchange::postcodes::import(&conn, input, size, true).await?;
            eprintln!(
                "imported {} postcodes, skipped {} unusable rows",
                report.imported, report.skipped
            );
            println!("{}", report.imported);
            Ok(())
        }
        Command::Import {
            what: ImportKind::Hsds { path, strict, batch },
        } => {
            let (conn, _) = db::connect(&cli.database_url).await?;
            db::migrate(&conn).await?;
            let started = std::time::Instant::now();
            let options = crate::interchange::hsds::ImportOptions {
                strict,
                batch: batch.max(1),
                show_progress: true,
            };
            let report = crate::interchange::hsds::import(&conn, &path, options).await?;
            for issue in &report.warnings {
                eprintln!("warning: {issue}");
            }
            for issue in &report.rejected {
                eprintln!("rejected: {issue}");
            }
            let written = report.written;
            eprintln!(
                "imported {} records in {:.1} s ({} created, {} updated, {} unchanged organizations, services and \
                 locations); {} rejected, {} warnings",
                report.imported,
                started.elapsed().as_secs_f64(),
                written.created,
                written.updated,
                written.unchanged,
                report.rejected.len(),
                report.warnings.len()
            );
            if strict && !report.rejected.is_empty() {
                anyhow::bail!("--strict: a record was rejected, nothing was imported");
            }
            println!("{}", report.imported);
            if report.rejected.is_empty() {
                Ok(())
            } else {
                anyhow::bail!("{} records rejected", report.rejected.len())
            }
        }
        Command::Export {
            what: ExportKind::Hsds { dir, format },
        } => {
            let (conn, _) = db::connect(&cli.database_url).await?;
            db::migrate(&conn).await?;
            let started = std::time::Instant::now();
            let format = match format.as_str() {
                "ndjson" => crate::interchange::hsds::export::Format::Ndjson,
                _ => crate::interchange::hsds::export::Format::Json,
            };
            let report = crate::interchange::hsds::export::export(&conn, &dir, format, 200).await?;
            eprintln!(
                "exported {} organizations, {} services, {} other locations, {} taxonomies and {} terms to {} in {:.1} s",
                report.organizations,
                report.services,
                report.locations,
                report.taxonomies,
                report.taxonomy_terms,
                dir.display(),
                started.elapsed().as_secs_f64()
            );
            println!("{}", report.organizations + report.services + report.locations);
            Ok(())
        }
        Command::Partner { action } => {
            let (conn, _) = db::connect(&cli.database_url).await?;
            db::migrate(&conn).await?;
            auth::run_partner(&conn, action).await
        }
        Command::Token { action } => {
            let (conn, _) = db::connect(&cli.database_url).await?;
            db::migrate(&conn).await?;
            auth::run_token(&conn, action).await
        }
        Command::Serve {
            bind,
            demo,
            introspection,
            cors_origins,
            rate_per_token,
            rate_per_ip,
            ws_init_timeout,
            ws_keepalive,
            hub_expiry_interval,
            shutdown_grace,
            db_acquire_timeout,
            jwt,
        } => {
            let mut config = Config::new(cli.database_url);
            config.introspection = introspection == "on";
            config.limits.rate_per_token_per_minute = Some(rate_per_token).filter(|n| *n > 0);
            config.limits.rate_per_ip_per_minute = Some(rate_per_ip).filter(|n| *n > 0);
            config.cors_origins = cors_origins
                .into_iter()
                .map(|o| o.trim().to_owned())
                .filter(|o| !o.is_empty())
                .collect();
            config.jwt = jwt.settings()?;
            config.ws_init_timeout = ws_init_timeout;
            config.ws_keepalive = ws_keepalive;
            config.hub_expiry_interval = Some(hub_expiry_interval).filter(|i| !i.is_zero());
            config.shutdown_grace_secs = shutdown_grace.as_secs();
            config.db_acquire_timeout = db_acquire_timeout;
            let state = AppState::prepare(config).await?;
            if demo {
                if seed::is_empty(&state.db).await? {
                    let counts = seed::seed_demo(&state.db).await?;
                    tracing::info!(%counts, "demo data seeded");
                } else {
                    tracing::info!("database not empty: demo data not seeded");
                }
            }
            let app = Application::bind(state, &bind).await?;
            tracing::info!("playground: http://{}/graphql", app.address());
            tracing::info!("examples for partners: http://{}/examples/", app.address());
            app.run_until(shutdown_signal()).await?;
            Ok(())
        }
    }
}
