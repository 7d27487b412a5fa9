//! `hubgraph serve --demo` as a newcomer runs it, and SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

#[tokio::test]
async fn serve_demo_answers_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("serve.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_hubgraph"))
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        // Away from the repository: nothing may be read from its files.
        .current_dir(dir.path())
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // The server logs where the playground is; read the address from it.
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("playground: ").nth(1) {
                let _ = tx.send(rest.trim().to_owned());
            }
        }
    });
    let playground = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server announces its address");
    assert!(playground.starts_with("http://127.0.0.1:") && playground.ends_with("/graphql"));

    let client = reqwest::Client::new();
    let body: Value = client
        .post(&playground)
        .json(&json!({ "query": "{ services { totalCount } areas { code } kilwinning: postcode(code: \"KA13 6AA\") { precision areaCode healthBoard { name } } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        body["data"]["services"]["totalCount"].as_i64().unwrap() >= 300,
        "{body}"
    );
    // The demo knows Scotland's real postcodes, not only its venues'.
    assert_eq!(
        body["data"]["kilwinning"],
        json!({ "precision": "FULL", "areaCode": "S12000021", "healthBoard": { "name": "NHS Ayrshire and Arran" } }),
        "{body}"
    );
    let html = client
        .get(&playground)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), 200);
    // The partner examples come with the binary, whatever the working directory.
    let finder = client
        .get(playground.replace("/graphql", "/examples/service-finder/"))
        .send()
        .await
        .unwrap();
    assert_eq!(finder.status(), 200);
    assert!(finder.text().await.unwrap().contains("<service-finder"));

    let stopped = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "still running 20 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
    assert!(
        client.get(&playground).send().await.is_err(),
        "no new connections after shutdown"
    );

    // A second start finds data and does not seed again.
    let output = Command::new(env!("CARGO_BIN_EXE_hubgraph"))
        .args(["seed", "demo"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        !output.status.success(),
        "the demo set was seeded into a database that had it already"
    );
}

/// ADVERSARIAL 44: logs carry the request id, partner and operation, never a token.
#[tokio::test]
async fn logs_name_the_request_and_partner_but_never_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("logs.db").display());
    let secret = crate::helpers::TEST_JWT_SECRET;
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_hubgraph"))
            .args(args)
            .env("DATABASE_URL", &url)
            .env("HUBGRAPH_JWT_SECRET", secret)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    };
    let partner = run(&["partner", "add", "--kind", "admin", "--name", "Operator"]);
    let token = run(&["token", "issue", "--partner", &partner]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_hubgraph"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", &url)
        .env("HUBGRAPH_JWT_SECRET", secret)
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let collected = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("playground: ").nth(1) {
                let _ = tx.send(rest.trim().to_owned());
            }
            collected.lock().unwrap().push(line);
        }
    });
    let playground = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    let client = reqwest::Client::new();
    for bearer in [token.clone(), format!("{token}x")] {
        client
            .post(&playground)
            .header("authorization", format!("Bearer {bearer}"))
            .header("x-request-id", "log-check-1")
            .json(&json!({ "query": "query WhoAmI { me { scopes } }", "operationName": "WhoAmI" }))
            .send()
            .await
            .unwrap();
    }
    // A token in the URL is ignored (and must not be logged with the URL).
    client
        .get(&playground)
        .query(&[("query", "{ me { scopes } }"), ("access_token", token.as_str())])
        .send()
        .await
        .unwrap();
    // Contact details written at debug level stay out of the log too.
    let write = async |query: &str, variables: serde_json::Value| -> serde_json::Value {
        let response = client
            .post(&playground)
            .bearer_auth(&token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .unwrap();
        response.json().await.unwrap()
    };
    let organization = write(
        "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } } }",
        json!({ "input": { "name": "Log Check Trust", "description": "Checks what the log keeps." } }),
    )
    .await;
    let organization_id = organization["data"]["createOrganization"]["organization"]["id"].clone();
    assert!(organization_id.is_string(), "{organization}");
    let (email, phone) = ("jean.personal@example.org", "0131 496 0917");
    let service = write(
        "mutation($input: CreateServiceInput!) { createService(input: $input) { service { id } userErrors { code } } }",
        json!({ "input": {
            "organizationId": organization_id,
            "name": "Log check service",
            "email": email,
            "phones": [{ "number": phone }],
        } }),
    )
    .await;
    assert!(
        service["data"]["createService"]["service"]["id"].is_string(),
        "{service}"
    );
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let log = lines.lock().unwrap().join("\n");
    assert!(!log.contains(&token), "a token reached the log");
    assert!(!log.contains(email), "an email address reached the log");
    assert!(!log.contains(phone), "a phone number reached the log");
    let signature = token.rsplit('.').next().unwrap();
    assert!(!log.contains(signature), "a token signature reached the log");
    assert!(log.contains("log-check-1"), "no request id in the log:\n{log}");
    assert!(
        log.contains(&partner) || log.contains("WhoAmI"),
        "no partner or operation in the log:\n{log}"
    );
}
