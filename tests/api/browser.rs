//! The partner example pages and the GraphiQL playground in a real
//! browser: `tests/browser/run.mjs` drives headless Chromium
//! (playwright-core) against the server with the demo data. It needs Node,
//! `npm ci` in tests/browser and /usr/bin/chromium, so it runs only with
//! `HUBGRAPH_BROWSER_TESTS=1` (as `.ci/run` sets); otherwise it says so
//! and passes. Screenshots land in `target/browser-artifacts/`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use hubgraph::partners::PartnerKind;

use crate::helpers::{Backend, TestApp, demo_library, spawn_app, spawn_app_with};

/// The area the dashboard check watches, and a demo postcode in it.
const EDINBURGH: &str = "S12000036";
const LEITH: &str = "EH6 4AE";
/// The area whose partnership's token the dashboard checks use: the demo
/// has pathways there, some needing review, with referral counts.
const MIDLOTHIAN: &str = "S12000019";

/// The whole browser run; it stops well inside CI's time.
const RUN_LIMIT: Duration = Duration::from_secs(300);

/// Whether the tests that need Node (and Chromium) run: `HUBGRAPH_BROWSER_TESTS=1`.
/// Otherwise says which are skipped, on the real stderr (the harness
/// captures that of passing tests).
pub fn enabled(what: &str) -> bool {
    let on = std::env::var("HUBGRAPH_BROWSER_TESTS").is_ok_and(|v| v == "1");
    if !on {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "notice: HUBGRAPH_BROWSER_TESTS is not 1; {what} skipped"
        );
    }
    on
}

/// `tests/browser`, with its npm packages installed.
pub fn node_project() -> PathBuf {
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        browser.join("node_modules/playwright-core").is_dir(),
        "tests/browser/node_modules is missing: run `npm ci` in tests/browser"
    );
    browser
}

/// Runs `script` (in tests/browser) with node against `app`, within the
/// run's time limit; returns its whole output after checking it succeeded.
pub async fn run_node(app: &TestApp, script: &str, env: &[(&str, &str)]) -> String {
    let browser = node_project();
    let mut command = tokio::process::Command::new("node");
    command
        .arg(browser.join(script))
        .arg(&app.address)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = tokio::time::timeout(RUN_LIMIT, command.output())
        .await
        .expect("the node run finishes within its limit")
        .expect("node runs (is Node.js installed?)");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{script} failed:\n{report}");
    report
}

/// Runs the browser checks of `groups` against `app`, as the library
/// service that runs Edinburgh's hubs (which sets their status) and as
/// Midlothian's HSCP (which reads hub history and referral counts).
async fn run_checks(app: &TestApp, groups: &str) {
    let library = app
        .add_partner(
            PartnerKind::Library,
            "Edinburgh Libraries",
            Some(&demo_library(EDINBURGH)),
            &[],
        )
        .await;
    let token = app.issue_token(&library, &["hubs:write"]).await.token;
    let hscp = app
        .add_partner(PartnerKind::Hscp, "Midlothian HSCP", None, &[MIDLOTHIAN])
        .await;
    let hscp_token = app.issue_token(&hscp, &["reports:read"]).await.token;
    forget_a_hub(app, MIDLOTHIAN).await;
    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts");
    let report = run_node(
        app,
        "run.mjs",
        &[
            ("HUBGRAPH_TOKEN", &token),
            ("HUBGRAPH_HSCP_TOKEN", &hscp_token),
            ("HUBGRAPH_HSCP_AREA", MIDLOTHIAN),
            ("HUBGRAPH_AREA", EDINBURGH),
            ("HUBGRAPH_POSTCODE", LEITH),
            ("BROWSER_CHECKS", groups),
            ("BROWSER_ARTIFACTS", &artifacts.to_string_lossy()),
        ],
    )
    .await;
    assert!(report.contains(" passed, 0 failed"), "{report}");
}

/// The finder's words for schedules, costs, reviews and hubs
/// (`examples/service-finder/finder-text.js`), with Node's own test runner.
#[tokio::test]
async fn the_finders_words_pass_their_node_tests() {
    if !enabled("the Node tests of the finder's words are") {
        return;
    }
    let output = tokio::process::Command::new("node")
        .arg("--test")
        .arg(node_project().join("finder-text.test.mjs"))
        .stdin(Stdio::null())
        .output()
        .await
        .expect("node runs (is Node.js installed?)");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(report.contains("# fail 0"), "{report}");
}

/// Leaves a hub of `area` unconfirmed for ten days (the demo's hubs are
/// all recent), for the dashboard to flag.
async fn forget_a_hub(app: &TestApp, area: &str) {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let hub = crate::helpers::hub_in(app, area).await;
    let long_ago = chrono::Utc::now() - chrono::Duration::days(10);
    entity::hub::Entity::update_many()
        .col_expr(entity::hub::Column::LastModified, Expr::value(long_ago))
        .filter(entity::hub::Column::Id.eq(hub.id))
        .exec(&app.state.db)
        .await
        .expect("backdate a hub");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partner_pages_work_in_headless_chromium() {
    if !enabled("the browser tests of the example pages are") {
        return;
    }
    // The demo with every Scottish postcode, as `serve --demo` loads it:
    // the dashboard's map draws Scotland from them.
    let app = spawn_app_with(Backend::Sqlite, false).await.expect("app");
    hubgraph::seed::seed_demo(&app.state.db, hubgraph::seed::DemoPostcodes::Scotland)
        .await
        .expect("demo with Scotland's postcodes");
    run_checks(&app, "examples").await;
}

/// The playground in Chromium with every host but the server's blocked:
/// GraphiQL renders, runs its first tab and shows the API's answer, opens
/// the schema's documentation and follows a subscription over its
/// WebSocket, with no Content-Security-Policy violation.
mod the_playground_works_offline_in_headless_chromium {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        if !enabled("the browser tests of the playground are") {
            return;
        }
        let app = spawn_app(Backend::Sqlite).await.expect("app with the demo data");
        run_checks(&app, "playground").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if !enabled("the browser tests of the playground are") {
            return;
        }
        let Some(app) = spawn_app(Backend::Postgres).await else {
            return;
        };
        run_checks(&app, "playground").await;
    }
}
