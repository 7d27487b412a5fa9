//! The partner example pages in a real browser: `tests/browser/run.mjs`
//! drives headless Chromium (playwright-core) against the server with the
//! demo data. It needs Node, `npm ci` in tests/browser and
//! /usr/bin/chromium, so it runs only with `HUBGRAPH_BROWSER_TESTS=1`
//! (as `.ci/run` sets); otherwise it says so and passes.
//! Screenshots land in `target/browser-artifacts/`.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use hubgraph::partners::PartnerKind;

use crate::helpers::{Backend, demo_library, spawn_app};

/// The area the dashboard check watches, and a demo postcode in it.
const EDINBURGH: &str = "S12000036";
const LEITH: &str = "EH6 4AE";

/// The whole browser run; it stops well inside CI's time.
const RUN_LIMIT: Duration = Duration::from_secs(300);

fn enabled() -> bool {
    let on = std::env::var("HUBGRAPH_BROWSER_TESTS").is_ok_and(|v| v == "1");
    if !on {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "notice: HUBGRAPH_BROWSER_TESTS is not 1; the browser tests of the example pages are skipped"
        );
    }
    on
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partner_pages_work_in_headless_chromium() {
    if !enabled() {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let browser = root.join("tests/browser");
    assert!(
        browser.join("node_modules/playwright-core").is_dir(),
        "tests/browser/node_modules is missing: run `npm ci` in tests/browser"
    );
    let app = spawn_app(Backend::Sqlite).await.expect("app with the demo data");
    // The library service that runs Edinburgh's hubs sets their status.
    let library = app
        .add_partner(
            PartnerKind::Library,
            "Edinburgh Libraries",
            Some(&demo_library(EDINBURGH)),
            &[],
        )
        .await;
    let token = app.issue_token(&library, &["hubs:write"]).await.token;

    let run = tokio::process::Command::new("node")
        .arg(browser.join("run.mjs"))
        .arg(&app.address)
        .env("HUBGRAPH_TOKEN", &token)
        .env("HUBGRAPH_AREA", EDINBURGH)
        .env("HUBGRAPH_POSTCODE", LEITH)
        .env("BROWSER_ARTIFACTS", root.join("target/browser-artifacts"))
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(RUN_LIMIT, run)
        .await
        .expect("the browser run finishes within its limit")
        .expect("node runs (is Node.js installed?)");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "browser checks failed:\n{report}");
    assert!(report.contains(" passed, 0 failed"), "{report}");
}
