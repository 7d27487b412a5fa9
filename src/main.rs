//! The `hubgraph` binary: parses the command line and calls the library.

use clap::Parser;

/// mimalloc instead of glibc's malloc: under load, glibc's allocator (its
/// chunk consolidation above all) took about a fifth of the server's CPU
/// (profile in `bench/RESULTS.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Arguments first: the log format is one of them (clap reports its own errors).
    let cli = hubgraph::cli::Cli::parse();
    hubgraph::telemetry::init_with(cli.log_format);
    match hubgraph::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
