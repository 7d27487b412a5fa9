//! The developer guide (`docs/*.md`) cannot rot: every GraphQL example in
//! it runs against a server holding the demo data, every `hubgraph` command
//! line parses with the real command line, and every local URL it names is
//! served. The playground's example tabs are the guide's own examples and
//! run here too.
//!
//! How the guide marks its examples (see `docs/README.md`):
//!
//! - each ```` ```graphql ```` block runs, anonymously unless told otherwise;
//!   the blocks of one guide run in order on one server, so a later write
//!   sees an earlier one;
//! - a ```` ```json ```` block right after it (blank lines between at most)
//!   holds its variables;
//! - an HTML comment on the line before the block, `<!-- run: KEY=VALUE ... -->`,
//!   says how: `as=hscp:AREA | library:AREA | admin` (the demo HSCP or
//!   library partner of that area, or an admin) calls with that partner's
//!   token; `expect=CODE` wants that `extensions.code` or `userErrors` code
//!   instead of success; `dated=YYYY-MM-DD` says when the example's dates
//!   were written, and they move forward by the days since; `trigger=AREA`
//!   (subscriptions) has an admin change a hub of that area, whose event the
//!   subscription must then receive.
//!
//! Anything else fails with the guide's file and line.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{NaiveDate, Utc};
use clap::Parser;
use hubgraph::http::graphql::playground;
use hubgraph::partners::PartnerKind;
use hubgraph::seed::pathways::{hscp_partner_id, library_partner_id};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both;
use crate::ws_client::{Client, app_url};

/// The guide, one file per reader.
const GUIDES: [&str; 4] = [
    "docs/partner-websites.md",
    "docs/hscp-dashboards.md",
    "docs/writing.md",
    "docs/operators.md",
];

fn repository_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read_guide(path: &str) -> String {
    std::fs::read_to_string(repository_file(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

// --- reading the markdown -----------------------------------------------------

/// A fenced block of a guide.
#[derive(Debug, Clone)]
struct Block {
    /// The fence's language (`graphql`, `json`, `sh`...).
    lang: String,
    /// The line of the opening fence, from 1.
    line: usize,
    text: String,
    /// The `<!-- run: ... -->` comment on the line before the fence.
    directive: Option<String>,
    /// Whether only blank lines separate it from the block before.
    follows_previous: bool,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    let mut previous_line = "";
    let mut blank_since_block = false;
    let mut any_block = false;
    for (index, line) in markdown.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(block) = open.as_mut() {
            if trimmed == "```" {
                blocks.push(open.take().expect("an open block"));
                blank_since_block = true;
                any_block = true;
            } else {
                block.text.push_str(line);
                block.text.push('\n');
            }
            previous_line = "";
            continue;
        }
        if let Some(lang) = trimmed.strip_prefix("```") {
            let directive = previous_line
                .trim()
                .strip_prefix("<!-- run:")
                .and_then(|rest| rest.strip_suffix("-->"))
                .map(|d| d.trim().to_owned());
            open = Some(Block {
                lang: lang.trim().to_owned(),
                line: index + 1,
                text: String::new(),
                directive,
                follows_previous: any_block && blank_since_block,
            });
        } else if !trimmed.is_empty() {
            blank_since_block = false;
        }
        previous_line = line;
    }
    assert!(open.is_none(), "a fenced block is never closed");
    blocks
}

/// How to run one example.
#[derive(Debug, Default)]
struct Directive {
    caller: Option<String>,
    expect: Option<String>,
    dated: Option<NaiveDate>,
    trigger: Option<String>,
}

fn directive(text: Option<&str>, at: &str) -> Directive {
    let mut directive = Directive::default();
    for word in text.unwrap_or("").split_whitespace() {
        let Some((key, value)) = word.split_once('=') else {
            panic!("{at}: `{word}` in the run comment is not KEY=VALUE");
        };
        match key {
            "as" => directive.caller = Some(value.to_owned()),
            "expect" => directive.expect = Some(value.to_owned()),
            "dated" => {
                let date = NaiveDate::parse_from_str(value, "%Y-%m-%d")
                    .unwrap_or_else(|_| panic!("{at}: dated={value} is not a date"));
                directive.dated = Some(date);
            }
            "trigger" => directive.trigger = Some(value.to_owned()),
            _ => panic!("{at}: unknown run option `{key}`"),
        }
    }
    directive
}

/// Moves every `YYYY-MM-DD` in `text` by `days`, so an example written on
/// one day keeps its meaning ("yesterday", "the last four weeks") later.
fn shift_dates(text: &str, days: i64) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let candidate = text.get(i..i + 10).filter(|c| {
            let b = c.as_bytes();
            b[4] == b'-' && b[7] == b'-' && c.chars().filter(char::is_ascii_digit).count() == 8
        });
        let boundary = i == 0 || !bytes[i - 1].is_ascii_digit();
        if let (Some(candidate), true) = (candidate, boundary)
            && let Ok(date) = NaiveDate::parse_from_str(candidate, "%Y-%m-%d")
        {
            let moved = date + chrono::Duration::days(days);
            out.push_str(&moved.format("%Y-%m-%d").to_string());
            i += 10;
            continue;
        }
        let c = text[i..].chars().next().expect("a character");
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// One GraphQL example with what it needs.
#[derive(Debug)]
struct Example {
    at: String,
    query: String,
    variables: Value,
    directive: Directive,
}

fn examples(path: &str, markdown: &str) -> Vec<Example> {
    let blocks = blocks(markdown);
    let mut examples = Vec::new();
    for (n, block) in blocks.iter().enumerate() {
        let at = format!("{path}:{}", block.line);
        if block.lang != "graphql" {
            // A shell block's run comment names the caller of its curl commands.
            assert!(
                block.directive.is_none() || block.lang == "sh",
                "{at}: a run comment before a {} block",
                block.lang
            );
            continue;
        }
        let directive = directive(block.directive.as_deref(), &at);
        let variables = match blocks.get(n + 1) {
            Some(next) if next.lang == "json" && next.follows_previous => serde_json::from_str(&next.text)
                .unwrap_or_else(|e| panic!("{path}:{}: the variables are not JSON: {e}", next.line)),
            _ => json!({}),
        };
        let (query, variables) = match directive.dated {
            Some(written) => {
                let days = (Utc::now().date_naive() - written).num_days();
                let variables = shift_dates(&variables.to_string(), days);
                let variables = serde_json::from_str(&variables).expect("dates moved in JSON");
                (shift_dates(&block.text, days), variables)
            }
            None => (block.text.clone(), variables),
        };
        examples.push(Example {
            at,
            query,
            variables,
            directive,
        });
    }
    examples
}

// --- running the examples -----------------------------------------------------

/// Tokens of the partners the examples call as, issued once per server.
struct Callers<'a> {
    app: &'a TestApp,
    tokens: HashMap<String, String>,
}

impl<'a> Callers<'a> {
    fn new(app: &'a TestApp) -> Self {
        Callers {
            app,
            tokens: HashMap::new(),
        }
    }

    async fn token(&mut self, caller: &str, at: &str) -> String {
        if let Some(token) = self.tokens.get(caller) {
            return token.clone();
        }
        let partner = match caller.split_once(':') {
            Some(("hscp", area)) => hscp_partner_id(area),
            Some(("library", area)) => library_partner_id(area),
            _ if caller == "admin" => self.app.add_partner(PartnerKind::Admin, "Guide admin", None, &[]).await,
            _ => panic!("{at}: unknown caller `{caller}` (hscp:AREA, library:AREA or admin)"),
        };
        let token = self.app.issue_token(&partner, &[]).await.token;
        self.tokens.insert(caller.to_owned(), token.clone());
        token
    }
}

/// Whether an answer holds nothing worth showing: null, an empty list or an
/// empty connection.
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(fields) => ["nodes", "edges"]
            .iter()
            .filter_map(|key| fields.get(*key))
            .any(|list| list.as_array().is_none_or(Vec::is_empty)),
        _ => false,
    }
}

/// Every `userErrors[].code` anywhere in the data.
fn user_error_codes(value: &Value, codes: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                if key == "userErrors" {
                    for error in field.as_array().into_iter().flatten() {
                        codes.push(error["code"].as_str().unwrap_or("<no code>").to_owned());
                    }
                } else {
                    user_error_codes(field, codes);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| user_error_codes(item, codes)),
        _ => {}
    }
}

/// Checks one answer against what the example expects.
fn check_answer(example: &Example, answer: &Value) {
    let at = &example.at;
    let mut codes: Vec<String> = answer["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["extensions"]["code"].as_str().unwrap_or("<no code>").to_owned())
        .collect();
    user_error_codes(&answer["data"], &mut codes);
    if let Some(expected) = &example.directive.expect {
        assert!(
            codes.contains(expected),
            "{at}: expected {expected}, got {codes:?}: {answer:#}"
        );
        return;
    }
    assert!(codes.is_empty(), "{at}: the example fails with {codes:?}: {answer:#}");
    let data = answer["data"]
        .as_object()
        .unwrap_or_else(|| panic!("{at}: no data: {answer:#}"));
    assert!(!data.is_empty(), "{at}: no data: {answer:#}");
    for (field, value) in data {
        assert!(!is_empty(value), "{at}: `{field}` comes back empty: {answer:#}");
    }
}

fn is_subscription(query: &str) -> bool {
    query
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .is_some_and(|line| line.starts_with("subscription"))
}

async fn run_query(app: &TestApp, callers: &mut Callers<'_>, example: &Example) -> Value {
    let body = json!({ "query": example.query, "variables": example.variables });
    let mut request = app.client.post(app.url("/graphql")).json(&body);
    if let Some(caller) = &example.directive.caller {
        request = request.bearer_auth(callers.token(caller, &example.at).await);
    }
    let response = request.send().await.expect("send");
    assert!(
        response.status().as_u16() < 500,
        "{}: HTTP {}",
        example.at,
        response.status()
    );
    response.json().await.expect("a JSON answer")
}

/// Subscribes over WebSocket, has an admin change a hub of the trigger's
/// area and returns the event the subscription receives.
async fn run_subscription(app: &TestApp, callers: &mut Callers<'_>, example: &Example) -> Value {
    let at = &example.at;
    let area = example
        .directive
        .trigger
        .as_deref()
        .unwrap_or_else(|| panic!("{at}: a subscription needs trigger=AREA"));
    let mut client = Client::connect(&app_url(app)).await;
    let payload = match &example.directive.caller {
        Some(caller) => json!({ "authorization": format!("Bearer {}", callers.token(caller, at).await) }),
        None => json!({}),
    };
    client.init(payload).await;
    let before = app.state.events.subscriber_count();
    client
        .send(json!({ "type": "subscribe", "id": "guide",
                      "payload": { "query": example.query, "variables": example.variables } }))
        .await;
    // The event must not be sent before the subscription listens for it.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while app.state.events.subscriber_count() <= before {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{at}: the subscription never started"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let hub = crate::helpers::hub_in(app, area).await;
    let admin = callers.token("admin", at).await;
    let update =
        "mutation($id: ID!) { updateHubStatus(input: { hubId: $id, status: LIMITED, note: \"Guide example\" }) {
        userErrors { code } } }";
    let answer: Value = app
        .graphql_as(&admin, update, json!({ "id": hub.id }))
        .await
        .json()
        .await
        .expect("JSON");
    assert!(answer.get("errors").is_none(), "{at}: the trigger failed: {answer:#}");
    let message = client.recv().await;
    assert_eq!(message["type"], "next", "{at}: {message:#}");
    message["payload"].clone()
}

/// Runs every GraphQL example of a guide, in order, on one server.
async fn run_guide(app: &TestApp, path: &str) -> usize {
    let markdown = read_guide(path);
    let examples = examples(path, &markdown);
    let mut callers = Callers::new(app);
    for example in &examples {
        let answer = if is_subscription(&example.query) {
            run_subscription(app, &mut callers, example).await
        } else {
            run_query(app, &mut callers, example).await
        };
        check_answer(example, &answer);
    }
    run_curls(app, &mut callers, path, &markdown).await;
    examples.len()
}

/// Runs the `curl` commands of a guide's shell blocks against the server:
/// each must succeed (below 400, no GraphQL errors), and one sent with an
/// `Idempotency-Key` must be replayed, not run, when sent again. The token
/// (`$(cat token.jwt)`) is that of the caller the block's run comment names.
async fn run_curls(app: &TestApp, callers: &mut Callers<'_>, path: &str, markdown: &str) {
    for block in blocks(markdown).into_iter().filter(|b| b.lang == "sh") {
        let at = format!("{path}:{}", block.line);
        let directive = directive(block.directive.as_deref(), &at);
        // Lines ending in a backslash go on.
        for command in block.text.replace("\\\n", " ").lines() {
            let words = shell_words(command);
            if words.first().is_none_or(|w| w != "curl") {
                continue;
            }
            let mut request = Curl::default();
            let mut words = words.iter().skip(1);
            while let Some(word) = words.next() {
                match word.as_str() {
                    "-H" | "--header" => request.headers.push(words.next().expect("a header").clone()),
                    "-d" | "--data" => request.body = words.next().cloned(),
                    "-s" | "--silent" | "-i" => {}
                    url if url.starts_with("http://127.0.0.1:8080") => request.url = url.to_owned(),
                    other => panic!("{at}: the guide's curl commands take -s, -H and -d, not {other}"),
                }
            }
            let token = match &directive.caller {
                Some(caller) => Some(callers.token(caller, &at).await),
                None => None,
            };
            let first = request.send(app, token.as_deref(), &at).await;
            if request
                .headers
                .iter()
                .any(|h| h.to_lowercase().starts_with("idempotency-key:"))
            {
                let again = request.send(app, token.as_deref(), &at).await;
                assert_eq!(again.0.as_deref(), Some("true"), "{at}: the retry was not replayed");
                assert_eq!(again.1, first.1, "{at}: the replay differs");
            }
        }
    }
}

/// One curl command of the guide.
#[derive(Debug, Default)]
struct Curl {
    url: String,
    headers: Vec<String>,
    body: Option<String>,
}

impl Curl {
    /// Sends it; the `Idempotent-Replayed` header and the body.
    async fn send(&self, app: &TestApp, token: Option<&str>, at: &str) -> (Option<String>, String) {
        let local = self.url.trim_start_matches("http://127.0.0.1:8080");
        let mut request = match &self.body {
            Some(body) => app.client.post(app.url(local)).body(body.clone()),
            None => app.client.get(app.url(local)),
        };
        for header in &self.headers {
            let (name, value) = header.split_once(':').expect("Name: value");
            let value = value.trim();
            let value = match (value.contains("$(cat token.jwt)"), token) {
                (false, _) => value.to_owned(),
                (true, Some(token)) => value.replace("$(cat token.jwt)", token),
                (true, None) => panic!("{at}: a token is used, but the run comment names no caller"),
            };
            request = request.header(name.trim(), value);
        }
        let response = request.send().await.expect("send");
        let status = response.status();
        let replayed = response
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.text().await.expect("a body");
        assert!(status.as_u16() < 400, "{at}: {} answers {status}: {body}", self.url);
        if let Ok(json) = serde_json::from_str::<Value>(&body) {
            assert!(json.get("errors").is_none(), "{at}: {body}");
            let mut codes = Vec::new();
            user_error_codes(&json["data"], &mut codes);
            assert!(codes.is_empty(), "{at}: {codes:?}: {body}");
        }
        (replayed, body)
    }
}

on_both! {
    /// A partner website's examples: anonymous searches, categories, pathways.
    async fn the_partner_website_guide_runs(app) {
        assert!(run_guide(&app, GUIDES[0]).await >= 5);
    }
}

on_both! {
    /// An HSCP's examples: its token, hub dashboards, history, live changes, pathway activity.
    async fn the_hscp_dashboard_guide_runs(app) {
        assert!(run_guide(&app, GUIDES[1]).await >= 5);
    }
}

on_both! {
    /// A writing partner's examples: updates, conflicts, user errors, pathways, activity.
    async fn the_writing_guide_runs(app) {
        assert!(run_guide(&app, GUIDES[2]).await >= 5);
    }
}

on_both! {
    /// An operator's examples.
    async fn the_operator_guide_runs(app) {
        run_guide(&app, GUIDES[3]).await;
    }
}

// --- the playground -------------------------------------------------------------

/// Comments and layout aside, the text of a query.
fn normalised(query: &str) -> String {
    query
        .lines()
        .map(|line| line.split('#').next().unwrap_or(""))
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_playground_tabs_are_quoted_in_the_guide() {
    let quoted: Vec<String> = GUIDES
        .iter()
        .flat_map(|path| blocks(&read_guide(path)))
        .filter(|block| block.lang == "graphql")
        .map(|block| normalised(&block.text))
        .collect();
    for tab in playground::TABS {
        assert!(
            quoted.contains(&normalised(tab.query)),
            "the playground's {} tab is not in the guide word for word",
            tab.title
        );
    }
}

on_both! {
    /// The playground opens on its example tabs, and each works on the demo data.
    async fn the_playground_opens_on_example_tabs_that_work(app) {
        let page = app
            .client
            .get(app.url("/graphql"))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for name in ["query PartnerSearch", "query HubDashboard", "query PathwayLookup"] {
            assert!(page.contains(name), "the page lacks the tab {name}");
        }
        // The script that starts GraphiQL opens it on those tabs, headers showing.
        let script = page
            .split("<script defer src=\"")
            .filter_map(|rest| rest.split('"').next())
            .find(|src| src.contains("/playground."))
            .expect("the page loads its start-up script");
        let script = app.client.get(app.url(&format!("/{script}"))).send().await.unwrap().text().await.unwrap();
        assert!(script.contains("defaultTabs: config.tabs"));
        assert!(script.contains("defaultEditorToolsVisibility: 'headers'"));
        // The headers template, with `<` escaped inside the data block.
        assert!(page.contains(r#"\"Authorization\": \"Bearer \u003ctoken>\""#), "no headers template");
        assert!(!page.contains("<token>"), "unescaped text in the script");
        for tab in playground::TABS {
            let answer = app.graphql(tab.query, json!({})).await;
            let example = Example {
                at: format!("playground tab {}", tab.title),
                query: tab.query.to_owned(),
                variables: json!({}),
                directive: Directive::default(),
            };
            check_answer(&example, &answer);
        }
    }
}

// --- command lines and addresses --------------------------------------------------

/// Splits a shell line into words: quotes group, `#` starts a comment,
/// a redirection or pipe ends the command.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '#') if !in_word => break,
            (None, '>' | '|' | ';' | '&') if !in_word => break,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// The `hubgraph ...` command lines of a guide's shell blocks, with where they are.
fn command_lines(path: &str) -> Vec<(String, Vec<String>)> {
    let mut lines = Vec::new();
    for block in blocks(&read_guide(path)) {
        if !matches!(block.lang.as_str(), "sh" | "bash" | "shell") {
            continue;
        }
        for (n, line) in block.text.lines().enumerate() {
            let words = shell_words(line);
            // Leading `NAME=value` words set the environment.
            let words: Vec<&String> = words
                .iter()
                .skip_while(|w| w.contains('=') && !w.starts_with('-'))
                .collect();
            let args: Vec<String> = match words.first().map(|w| w.as_str()) {
                Some("hubgraph") => words[1..].iter().map(|w| w.to_string()).collect(),
                // `cargo run [--release] -- ARGS` runs hubgraph too.
                Some("cargo") => match words.iter().position(|w| *w == "--") {
                    Some(i) => words[i + 1..].iter().map(|w| w.to_string()).collect(),
                    None => continue,
                },
                _ => continue,
            };
            if args.is_empty() {
                continue;
            }
            lines.push((format!("{path}:{}", block.line + 1 + n), args));
        }
    }
    lines
}

#[test]
fn every_command_line_in_the_guide_parses() {
    let mut count = 0;
    for path in GUIDES {
        for (at, args) in command_lines(path) {
            let argv = std::iter::once("hubgraph".to_owned()).chain(args.iter().cloned());
            if let Err(error) = hubgraph::cli::Cli::try_parse_from(argv) {
                panic!("{at}: `hubgraph {}` does not parse:\n{error}", args.join(" "));
            }
            count += 1;
        }
    }
    assert!(count >= 10, "only {count} command lines found");
}

/// The paths of `http://127.0.0.1:8080/...` addresses anywhere in the guide.
fn local_paths(text: &str) -> Vec<String> {
    const ORIGIN: &str = "http://127.0.0.1:8080";
    text.match_indices(ORIGIN)
        .map(|(i, _)| {
            let rest = &text[i + ORIGIN.len()..];
            let end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, '>' | ')' | '`' | '"' | '\'' | ']'))
                .unwrap_or(rest.len());
            let path = &rest[..end];
            if path.is_empty() {
                "/".to_owned()
            } else {
                path.to_owned()
            }
        })
        .collect()
}

on_both! {
    /// Every local address the guide names is served (not 404, not 5xx).
    async fn every_address_in_the_guide_is_served(app) {
        let mut count = 0;
        for path in GUIDES {
            for local in local_paths(&read_guide(path)) {
                let status = app.client.get(app.url(&local)).send().await.unwrap().status();
                assert!(status != 404 && status.as_u16() < 500, "{path}: {local} answers {status}");
                count += 1;
            }
        }
        assert!(count >= 5, "only {count} addresses found");
    }
}

on_both! {
    /// The caching advice holds: GraphQL answers carry no caching headers.
    async fn graphql_answers_carry_no_caching_headers(app) {
        let response = app.client.get(app.url("/graphql?query=%7B__typename%7D")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        for header in ["cache-control", "etag", "last-modified", "expires"] {
            assert!(response.headers().get(header).is_none(), "{header} is set");
        }
    }
}

#[test]
fn the_readers_of_the_guide_are_all_linked_from_the_readme() {
    let readme = read_guide("README.md");
    for path in GUIDES.iter().chain(["docs/README.md"].iter()) {
        assert!(readme.contains(&format!("({path})")), "README does not link {path}");
    }
}

#[test]
fn dates_move_with_the_days_since_the_example_was_written() {
    assert_eq!(
        shift_dates(
            r#"{"from": "2026-11-01", "at": "2026-11-30T10:00:00Z", "n": 12026-11-01}"#,
            2
        ),
        r#"{"from": "2026-11-03", "at": "2026-12-02T10:00:00Z", "n": 12026-11-01}"#
    );
}

/// Every picture the README and the guide show is in the repository.
#[test]
fn the_pictures_the_docs_show_are_there() {
    let mut shown = 0;
    for path in std::iter::once("README.md").chain(GUIDES.iter().copied()) {
        let markdown = std::fs::read_to_string(repository_file(path)).unwrap();
        for rest in markdown.match_indices("](").map(|(i, _)| &markdown[i + 2..]) {
            let target = rest.split(')').next().unwrap_or_default();
            if !target.ends_with(".png") || target.contains("://") {
                continue;
            }
            let file = repository_file(path).parent().unwrap().join(target);
            assert!(file.is_file(), "{path} shows {target}, which is not in the repository");
            shown += 1;
        }
    }
    assert!(shown >= 2, "the README shows the example pages");
}
