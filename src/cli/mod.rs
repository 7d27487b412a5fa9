//! The command line (clap). Human messages go to stderr; stdout carries only
//! the result, so scripts can capture it.

mod auth;
mod listing;
mod serve;

use clap::{Parser, Subcommand};

pub use serve::ServeArgs;

use crate::config::{DEFAULT_DATABASE_URL, redact_url};
use crate::telemetry::LogFormat;
use crate::{AppState, Application, db, seed, shutdown_signal};

#[derive(Parser)]
#[command(
    name = "hubgraph",
    version,
    about = "Shared GraphQL API for Scotland's health and wellbeing hubs, services and referral pathways"
)]
pub struct Cli {
    /// Database URL: sqlite://FILE?mode=rwc or postgres://USER:PASSWORD@HOST/NAME.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true, hide_env_values = true)]
    pub database_url: String,
    /// Log lines as text for people or as JSON objects for collectors (to stderr).
    #[arg(long, env = "HUBGRAPH_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

impl std::fmt::Debug for Cli {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The database URL may hold a password.
        f.debug_struct("Cli")
            .field("database_url", &redact_url(&self.database_url))
            .field("log_format", &self.log_format)
            .field("command", &self.command)
            .finish()
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database and serve the API (and the playground at /graphql).
    Serve(Box<ServeArgs>),
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
    /// Postcode centroids: Ordnance Survey's Code-Point Open as published
    /// (`codepo_gb.zip`, or one of its `Data/CSV/*.csv` files), Scotland
    /// only unless `--all-gb`; or a CSV whose header names postcode, latitude
    /// and longitude columns (ONS postcode directory layout; council-area,
    /// health-board and ward columns are used when present).
    Postcodes {
        /// The zip or CSV file.
        file: std::path::PathBuf,
        /// Keep Code-Point Open's postcodes in England and Wales too.
        #[arg(long)]
        all_gb: bool,
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
    if !matches!(cli.command, Command::Schema) {
        // Before anything connects, and without repeating the URL.
        crate::config::check_database_url(&cli.database_url).map_err(anyhow::Error::msg)?;
    }
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
                SeedSet::Demo => seed::seed_demo(&conn, seed::DemoPostcodes::Scotland).await?,
                SeedSet::Synthetic { services, seed: s } => seed::seed_synthetic(&conn, services, s, true).await?,
            };
            eprintln!("seeded {counts} in {:.1} s", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::Import {
            what: ImportKind::Postcodes { file, all_gb },
        } => {
            let (conn, _) = db::connect(&cli.database_url).await?;
            db::migrate(&conn).await?;
            let started = std::time::Instant::now();
            let options = crate::interchange::postcodes::ImportOptions {
                all_gb,
                show_progress: true,
            };
            let report = crate::interchange::postcodes::import_file(&conn, &file, options).await?;
            let seconds = started.elapsed().as_secs_f64();
            eprintln!(
                "imported {} postcodes, skipped {} unusable rows, left out {} outside Scotland",
                report.imported, report.skipped, report.outside_scotland
            );
            eprintln!(
                "read {} rows in {seconds:.1} s: {:.0} rows/s",
                report.rows(),
                report.rows() as f64 / seconds.max(1e-9)
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
        Command::Serve(args) => {
            let config = args.config(cli.database_url)?;
            tracing::info!(?config, "starting");
            let (bind, demo) = (args.bind, args.demo);
            let state = AppState::prepare(config).await?;
            if demo {
                if seed::is_empty(&state.db).await? {
                    let counts = seed::seed_demo(&state.db, seed::DemoPostcodes::Scotland).await?;
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
