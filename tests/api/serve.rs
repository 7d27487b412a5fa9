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
        .json(&json!({ "query": "{ services { totalCount } areas { code } }" }))
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
    let html = client
        .get(&playground)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), 200);

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
