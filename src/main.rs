//! The `hubgraph` binary: parses the command line and calls the library.

use clap::Parser;

/// mimalloc instead of glibc's malloc: under load, glibc's allocator (its
/// chunk consolidation above all) took about a fifth of the server's CPU
/// (profile in `bench/RESULTS.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Before any thread starts (see `allocator`).
    hubgraph::allocator::configure();
    // Arguments first: the log format is one of them (clap reports its own errors).
    let cli = hubgraph::cli::Cli::parse();
    hubgraph::telemetry::init_with(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(hubgraph::cli::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
