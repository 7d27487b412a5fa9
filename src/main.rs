//! The `hubgraph` binary: parses the command line and calls the library.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    hubgraph::telemetry::init();
    let cli = hubgraph::cli::Cli::parse();
    match hubgraph::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
