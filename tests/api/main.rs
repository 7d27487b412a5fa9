//! The integration suite: the real server on a random port with a fresh
//! database per test, on SQLite and (with `TEST_DATABASE_URL`) PostgreSQL.

mod helpers;

mod architecture;
mod auth;
mod bench_harness;
mod browser;
mod changes;
mod clearing;
mod cli;
mod consistency;
mod crash;
mod directory;
mod examples;
mod geography;
mod guide;
mod hostile_input;
mod hsds;
mod http_rules;
mod hub_live;
mod hubs;
mod located;
mod locks;
mod observe;
mod open_now;
mod outage;
mod outline;
mod pagination;
mod pathway_demo;
mod pathways;
mod playground;
mod postcodes;
mod probe;
mod process;
mod properties;
mod protocol_audit;
mod response_cache;
mod schema;
mod search;
mod serve;
mod settings;
mod shutdown;
mod statements;
mod writes;
mod ws;
mod ws_client;
