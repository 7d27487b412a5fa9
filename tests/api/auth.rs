//! Partners, tokens and authentication: the JWT cases of ADVERSARIAL.md
//! (1-12), anonymous reads (15), `me`, `node(id:)` on a partner, and the
//! `partner` / `token` commands.

use std::process::Output;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use hubgraph::graphql::ids::{self, Kind};
use hubgraph::partners::PartnerKind;
use reqwest::StatusCode;
use reqwest::header::WWW_AUTHENTICATE;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::*;
use crate::on_both;

const ME: &str = "{ me { partner { id name kind areaCodes organization { id name } } scopes expiresAt } }";
const EDINBURGH: &str = "S12000036";

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A token built by hand, the way another library (or a few lines of any
/// language) would: header and claims JSON, base64url, HMAC-SHA256.
fn hand_built(header: &Value, claims: &Value, secret: &[u8]) -> String {
    let signing_input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(signing_input.as_bytes());
    format!("{signing_input}.{}", b64(&mac.finalize().into_bytes()))
}

/// Claims an external issuer would put in a token for `partner`, with a jti
/// hubgraph never issued.
fn external_claims(partner: &str) -> Value {
    json!({
        "iss": "hubgraph",
        "aud": "hubgraph",
        "sub": partner,
        "iat": now(),
        "exp": now() + 600,
        "jti": uuid::Uuid::new_v4().to_string(),
        "scope": "services:write",
    })
}

fn hs256_header() -> Value {
    json!({ "alg": "HS256", "typ": "JWT" })
}

/// Signs `claims` with the test apps' secret and a JWT header.
pub(crate) fn signed(claims: &Value) -> String {
    hand_built(&hs256_header(), claims, TEST_JWT_SECRET.as_bytes())
}

fn without(claims: &Value, key: &str) -> Value {
    let mut claims = claims.clone();
    claims.as_object_mut().unwrap().remove(key);
    claims
}

fn with(claims: &Value, key: &str, value: Value) -> Value {
    let mut claims = claims.clone();
    claims[key] = value;
    claims
}

/// The JSON of the middle (claims) part of a token.
fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// Replaces the claims of a signed token, keeping its header and signature.
fn tampered(token: &str, claims: &Value) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    format!("{}.{}.{}", parts[0], b64(claims.to_string().as_bytes()), parts[2])
}

/// Asserts a request was refused as RFC 6750 says, without echoing the token.
async fn assert_refused(response: reqwest::Response, token: &str, case: &str) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
    assert_eq!(
        response.headers().get(WWW_AUTHENTICATE).map(|v| v.to_str().unwrap()),
        Some(r#"Bearer error="invalid_token""#),
        "{case}"
    );
    let body = response.text().await.unwrap();
    for part in token.split('.').filter(|p| p.len() > 8) {
        assert!(!body.contains(part), "{case}: the response echoes the token: {body}");
    }
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{case}: {body}");
    assert!(body.get("data").is_none_or(Value::is_null), "{case}: {body}");
}

/// `me` for a token that must be accepted.
async fn me_of(app: &TestApp, token: &str, case: &str) -> Value {
    let response = app.graphql_as(token, ME, json!({})).await;
    assert_eq!(response.status(), StatusCode::OK, "{case}");
    let body: Value = response.json().await.unwrap();
    assert!(body.get("errors").is_none(), "{case}: {body}");
    body["data"]["me"].clone()
}

/// Runs the `hubgraph` binary against the app's database, with the test secret.
async fn cli(app: &TestApp, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_hubgraph"))
        .args(args)
        .env("DATABASE_URL", &app.state.config.database_url)
        .env("HUBGRAPH_JWT_SECRET", TEST_JWT_SECRET)
        .env("RUST_LOG", "warn")
        .env_remove("HUBGRAPH_JWT_PUBLIC_KEY")
        .env_remove("HUBGRAPH_JWT_PRIVATE_KEY")
        .env_remove("HUBGRAPH_JWT_KEY_ID")
        .env_remove("HUBGRAPH_JWT_ISSUER")
        .env_remove("HUBGRAPH_JWT_AUDIENCE")
        .output()
        .await
        .expect("run hubgraph")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// The rows a `--format json` listing printed.
fn json_list(output: &Output) -> Vec<Value> {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_str(&stdout(output)).expect("a JSON array on stdout")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn succeeded(output: &Output, what: &str) {
    assert!(output.status.success(), "{what}: {}", stderr(output));
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/jwt/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

on_both! {
    async fn anonymous_callers_read_public_data_and_me_is_null(app) {
        let data = app
            .data(
                "{ me { scopes } services(first: 3) { totalCount nodes { name organization { name } } }
                   organizations(first: 2) { nodes { name } } areas { code } }",
                json!({}),
            )
            .await;
        assert!(data["me"].is_null());
        assert!(data["services"]["totalCount"].as_i64().unwrap() > 300);
        assert_eq!(data["services"]["nodes"].as_array().unwrap().len(), 3);
        assert_eq!(data["organizations"]["nodes"].as_array().unwrap().len(), 2);
    }
}

on_both! {
    async fn me_tells_the_partner_its_scopes_and_expiry(app) {
        let library = demo_library(EDINBURGH);
        let partner = app
            .add_partner(PartnerKind::Library, "Edinburgh Libraries", Some(&library), &[])
            .await;
        let issued = app.issue_token(&partner, &["hubs:write"]).await;
        let me = me_of(&app, &issued.token, "library token").await;
        assert_eq!(me["partner"]["id"], ids::encode(Kind::Partner, &partner).0);
        assert_eq!(me["partner"]["name"], "Edinburgh Libraries");
        assert_eq!(me["partner"]["kind"], "LIBRARY");
        assert_eq!(me["partner"]["organization"]["id"], ids::encode(Kind::Organization, &library).0);
        assert_eq!(me["partner"]["areaCodes"], json!([]));
        assert_eq!(me["scopes"], json!(["hubs:write"]));
        let expires = chrono::DateTime::parse_from_rfc3339(me["expiresAt"].as_str().unwrap()).unwrap();
        assert_eq!(expires, issued.expires_at);

        let hscp = app
            .add_partner(PartnerKind::Hscp, "Edinburgh HSCP", None, &[EDINBURGH, "S12000049"])
            .await;
        let me = me_of(&app, &app.issue_token(&hscp, &[]).await.token, "hscp token").await;
        assert_eq!(me["partner"]["kind"], "HSCP");
        assert_eq!(me["partner"]["areaCodes"], json!([EDINBURGH, "S12000049"]));
        assert!(me["partner"]["organization"].is_null());
        assert_eq!(
            me["scopes"],
            json!(["pathways:write", "pathways:activity", "reports:read"]),
            "no scopes asked for: all the kind allows"
        );
    }
}

on_both! {
    /// ADVERSARIAL 1-7: every forged, malformed or mis-addressed token is
    /// refused with 401; well-formed tokens in other libraries' styles pass.
    async fn forged_malformed_and_misaddressed_tokens_are_refused(app) {
        let partner = app
            .add_partner(PartnerKind::Library, "Leith Library", Some(&demo_library(EDINBURGH)), &[])
            .await;
        let other = app.add_partner(PartnerKind::Admin, "Operator", None, &[]).await;
        let issued = app.issue_token(&partner, &["services:write"]).await;
        let claims = external_claims(&partner);
        let secret = TEST_JWT_SECRET.as_bytes();
        let [head, body, _] = <[&str; 3]>::try_from(issued.token.split('.').collect::<Vec<_>>()).unwrap();

        let none_header = b64(br#"{"alg":"none","typ":"JWT"}"#);
        let none_claims = b64(claims.to_string().as_bytes());
        let refused: Vec<(&str, String)> = vec![
            ("alg none", format!("{none_header}.{none_claims}.")),
            ("alg none, no signature part", format!("{none_header}.{none_claims}")),
            ("alg None", format!("{}.{none_claims}.", b64(br#"{"alg":"None"}"#))),
            ("HS384 with the right secret", hand_built(&json!({ "alg": "HS384" }), &claims, secret)),
            ("wrong secret", hand_built(&hs256_header(), &claims, b"another-secret-that-is-32-bytes-long!!")),
            ("tampered scope", tampered(&issued.token, &with(&payload(&issued.token), "scope", json!("admin")))),
            ("tampered sub", tampered(&issued.token, &with(&payload(&issued.token), "sub", json!(other)))),
            ("stripped signature", format!("{head}.{body}.")),
            ("signature part missing", format!("{head}.{body}")),
            ("exp missing", signed(&without(&claims, "exp"))),
            ("exp as a string", signed(&with(&claims, "exp", json!((now() + 600).to_string())))),
            ("expired beyond the leeway", signed(&with(&claims, "exp", json!(now() - 90)))),
            // The leeway is 30 s: ten seconds past it is refused.
            ("expired just beyond the leeway", signed(&with(&claims, "exp", json!(now() - 40)))),
            ("wrong aud", signed(&with(&claims, "aud", json!("someone-else")))),
            ("wrong iss", signed(&with(&claims, "iss", json!("https://evil.example")))),
            ("iss missing", signed(&without(&claims, "iss"))),
            ("aud missing", signed(&without(&claims, "aud"))),
            ("sub missing", signed(&without(&claims, "sub"))),
            ("jti missing", signed(&without(&claims, "jti"))),
            ("empty jti", signed(&with(&claims, "jti", json!("")))),
            ("unknown partner", signed(&with(&claims, "sub", json!(uuid::Uuid::new_v4().to_string())))),
            ("another partner's jti", signed(&with(&with(&claims, "sub", json!(other)), "jti", json!(issued.jti)))),
            ("kid path traversal", hand_built(&json!({ "alg": "HS256", "kid": "../../x" }), &claims, secret)),
            ("kid SQL", hand_built(&json!({ "alg": "HS256", "kid": "' OR 1=1; DROP TABLE token; --" }), &claims, secret)),
            ("unknown kid", hand_built(&json!({ "alg": "HS256", "kid": "key-2" }), &claims, secret)),
            ("typ at+jwt", hand_built(&json!({ "alg": "HS256", "typ": "at+jwt" }), &claims, secret)),
            ("typ JWE", hand_built(&json!({ "alg": "HS256", "typ": "JWE" }), &claims, secret)),
            ("crit header", hand_built(&json!({ "alg": "HS256", "crit": ["exp"] }), &claims, secret)),
            ("not a JWT", "not-a-token".into()),
            ("garbage segments", "a.b.c".into()),
        ];
        for (case, token) in &refused {
            let before = app.statements();
            assert_refused(app.graphql_as(token, ME, json!({})).await, token, case).await;
            // A hostile key id is never looked up, in files or the database.
            if case.contains("kid") {
                assert_eq!(app.statements(), before, "{case}: SQL ran");
            }
        }
        // Nothing was written while refusing.
        let data = app.data("{ areas { code } }", json!({})).await;
        assert_eq!(data["areas"].as_array().unwrap().len(), 33);

        // Other Authorization values than one bearer token.
        for (case, value) in [
            ("basic auth", "Basic dXNlcjpwYXNz".to_owned()),
            ("empty bearer", "Bearer ".to_owned()),
            ("bearer with spaces", format!("Bearer {} x", issued.token)),
        ] {
            let response = app
                .client
                .post(app.url("/graphql"))
                .header("authorization", &value)
                .json(&json!({ "query": ME }))
                .send()
                .await
                .unwrap();
            assert_refused(response, &issued.token, case).await;
        }

        // ADVERSARIAL 5 and 12: tokens in other libraries' conventions are fine.
        let accepted: Vec<(&str, String)> = vec![
            ("hubgraph's own", issued.token.clone()),
            ("minted elsewhere, jti unknown to hubgraph", signed(&claims)),
            ("expired inside the 30 s leeway", signed(&with(&claims, "exp", json!(now() - 10)))),
            ("expired ten seconds before the leeway ends", signed(&with(&claims, "exp", json!(now() - 20)))),
            ("no typ", hand_built(&json!({ "alg": "HS256" }), &claims, secret)),
            ("typ in lower case", hand_built(&json!({ "alg": "HS256", "typ": "jwt" }), &claims, secret)),
            ("aud as an array", signed(&with(&claims, "aud", json!(["other-api", "hubgraph"])))),
            ("no iat", signed(&without(&claims, "iat"))),
        ];
        for (case, token) in &accepted {
            let me = me_of(&app, token, case).await;
            assert_eq!(me["partner"]["name"], "Leith Library", "{case}");
        }
    }
}

on_both! {
    /// The kind and areas come from the database: a token cannot widen them.
    async fn scopes_are_narrowed_to_what_the_kind_allows(app) {
        let partner = app
            .add_partner(PartnerKind::ThirdSector, "Thistle Carers", Some(&demo_library(EDINBURGH)), &[])
            .await;
        let claims = with(
            &with(&external_claims(&partner), "scope", json!("admin hubs:write services:write reports:read")),
            "kind",
            json!("admin"),
        );
        let me = me_of(&app, &signed(&claims), "over-scoped external token").await;
        assert_eq!(me["partner"]["kind"], "THIRD_SECTOR");
        assert_eq!(me["scopes"], json!(["services:write"]));
        let me = me_without_scope(&app, &partner).await;
        assert_eq!(me["scopes"], json!([]), "no scope claim: no scopes");
    }
}

on_both! {
    /// A token minted elsewhere with the shared secret lives no longer than
    /// the longest `hubgraph token issue` makes (366 days): counted from
    /// `iat`, or from now when it has none or dates itself in the future.
    async fn an_external_token_outliving_the_longest_issued_is_refused(app) {
        let partner = app
            .add_partner(PartnerKind::Library, "Leith Library", Some(&demo_library(EDINBURGH)), &[])
            .await;
        let day = 24 * 60 * 60;
        let claims = external_claims(&partner);
        let ten_years = now() + 3650 * day;
        let refused: Vec<(&str, String)> = vec![
            ("ten years from iat", signed(&with(&claims, "exp", json!(ten_years)))),
            ("ten years, no iat", signed(&with(&without(&claims, "iat"), "exp", json!(ten_years)))),
            ("367 days from iat", signed(&with(&claims, "exp", json!(now() + 367 * day)))),
            (
                "iat dated in the future to shorten the span",
                signed(&with(&with(&claims, "iat", json!(ten_years - day)), "exp", json!(ten_years))),
            ),
            (
                "issued two years ago, a day left",
                signed(&with(&with(&claims, "iat", json!(now() - 730 * day)), "exp", json!(now() + day))),
            ),
        ];
        for (case, token) in &refused {
            assert_refused(app.graphql_as(token, ME, json!({})).await, token, case).await;
        }
        for (case, token) in [
            ("365 days from iat", signed(&with(&claims, "exp", json!(now() + 365 * day)))),
            ("365 days, no iat", signed(&with(&without(&claims, "iat"), "exp", json!(now() + 365 * day)))),
        ] {
            assert_eq!(me_of(&app, &token, case).await["partner"]["name"], "Leith Library", "{case}");
        }
    }
}

async fn me_without_scope(app: &TestApp, partner: &str) -> Value {
    me_of(
        app,
        &signed(&without(&external_claims(partner), "scope")),
        "no scope claim",
    )
    .await
}

on_both! {
    /// ADVERSARIAL 9: `hubgraph token revoke` takes effect on the next request.
    async fn a_revoked_token_is_refused_on_the_next_request(app) {
        let partner = app.add_partner(PartnerKind::Hscp, "Fife HSCP", None, &["S12000047"]).await;
        let issued = app.issue_token(&partner, &["reports:read"]).await;
        let kept = app.issue_token(&partner, &["reports:read"]).await;
        me_of(&app, &issued.token, "before revocation").await;
        let output = cli(&app, &["token", "revoke", &issued.jti]).await;
        succeeded(&output, "token revoke");
        let revoked_at = Instant::now();
        assert_refused(app.graphql_as(&issued.token, ME, json!({})).await, &issued.token, "revoked").await;
        assert!(revoked_at.elapsed() < Duration::from_secs(1));
        me_of(&app, &kept.token, "the partner's other token still works").await;
    }
}

on_both! {
    /// ADVERSARIAL 10: a disabled or deleted partner's tokens are refused.
    async fn a_disabled_or_deleted_partners_tokens_are_refused(app) {
        use sea_orm::EntityTrait;
        let partner = app.add_partner(PartnerKind::Admin, "Operator", None, &[]).await;
        let issued = app.issue_token(&partner, &[]).await;
        let external = signed(&external_claims(&partner));
        me_of(&app, &issued.token, "enabled").await;
        me_of(&app, &external, "enabled, external").await;
        let output = cli(&app, &["partner", "disable", &ids::encode(Kind::Partner, &partner).0]).await;
        succeeded(&output, "partner disable");
        assert_refused(app.graphql_as(&issued.token, ME, json!({})).await, &issued.token, "disabled").await;
        assert_refused(app.graphql_as(&external, ME, json!({})).await, &external, "disabled, external").await;

        let gone = app.add_partner(PartnerKind::Admin, "Former operator", None, &[]).await;
        let issued = app.issue_token(&gone, &[]).await;
        entity::partner::Entity::delete_by_id(gone).exec(&app.state.db).await.unwrap();
        assert_refused(app.graphql_as(&issued.token, ME, json!({})).await, &issued.token, "deleted").await;
    }
}

on_both! {
    /// ADVERSARIAL 11: `token issue` refuses scopes the partner's kind does not hold.
    async fn token_issue_refuses_a_scope_the_kind_does_not_allow(app) {
        let library = app
            .add_partner(PartnerKind::Library, "Leith Library", Some(&demo_library(EDINBURGH)), &[])
            .await;
        for scope in ["admin", "pathways:write", "reports:read", "no-such-scope"] {
            let output = cli(&app, &["token", "issue", "--partner", &library, "--scope", scope]).await;
            assert!(!output.status.success(), "{scope} was issued");
            assert!(stdout(&output).is_empty(), "{scope}: no token on stdout");
            let message = stderr(&output);
            assert!(message.contains("not allowed") || message.contains("unknown scope"), "{scope}: {message}");
        }
        let tokens = hubgraph::partners::list_tokens(&app.state.db, Some(&library)).await.unwrap();
        assert!(tokens.is_empty(), "nothing was recorded");
    }
}

on_both! {
    /// ADVERSARIAL 16 for partners: only the partner itself or an admin sees it.
    async fn a_partner_node_is_visible_to_itself_and_admins_only(app) {
        let a = app.add_partner(PartnerKind::Library, "Library A", Some(&demo_library(EDINBURGH)), &[]).await;
        let b = app.add_partner(PartnerKind::Library, "Library B", Some(&demo_library("S12000049")), &[]).await;
        let admin = app.add_partner(PartnerKind::Admin, "Operator", None, &[]).await;
        let a_token = app.issue_token(&a, &[]).await.token;
        let admin_token = app.issue_token(&admin, &[]).await.token;
        let query = "query($id: ID!) { node(id: $id) { id ... on Partner { name kind } } }";
        let node = |token: Option<String>, id: &str| {
            let variables = json!({ "id": ids::encode(Kind::Partner, id).0 });
            let app = &app;
            async move {
                match token {
                    Some(token) => app.graphql_as(&token, query, variables).await.json::<Value>().await.unwrap(),
                    None => app.graphql(query, variables).await,
                }
            }
        };

        let own = node(Some(a_token.clone()), &a).await;
        assert_eq!(own["data"]["node"]["name"], "Library A", "{own}");
        let admins = node(Some(admin_token.clone()), &b).await;
        assert_eq!(admins["data"]["node"]["kind"], "LIBRARY", "{admins}");

        let missing = uuid::Uuid::new_v4().to_string();
        for (case, response) in [
            ("another library", node(Some(a_token.clone()), &b).await),
            ("anonymous", node(None, &a).await),
            ("no such partner", node(Some(a_token.clone()), &missing).await),
        ] {
            assert!(response["data"]["node"].is_null(), "{case}: {response}");
            assert_eq!(error_code(&response), "FORBIDDEN", "{case}: {response}");
            assert_eq!(response["errors"][0]["path"], json!(["node"]), "{case}: {response}");
        }
        let missing_for_admin = node(Some(admin_token), &missing).await;
        assert!(missing_for_admin["data"]["node"].is_null());
        assert!(missing_for_admin.get("errors").is_none(), "{missing_for_admin}");

        // Through `nodes`, the refused partner is null beside the one shown,
        // and the rest of the answer stands.
        let both = json!({ "ids": [ids::encode(Kind::Partner, &b).0, ids::encode(Kind::Partner, &a).0] });
        let listed: Value = app
            .graphql_as(&a_token, "query($ids: [ID!]!) { areas { code } nodes(ids: $ids) { ... on Partner { name } } }", both)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(listed["data"]["nodes"], json!([null, { "name": "Library A" }]), "{listed:#}");
        assert_eq!(error_code(&listed), "FORBIDDEN", "{listed:#}");
        assert!(listed["data"]["areas"].as_array().is_some_and(|areas| !areas.is_empty()), "{listed:#}");
    }
}

on_both! {
    /// The operator's story on the command line: register partners, issue,
    /// list and revoke tokens, disable a partner.
    async fn partners_and_tokens_from_the_command_line(app) {
        let library = demo_library(EDINBURGH);
        let output = cli(
            &app,
            &[
                "partner", "add", "--kind", "library", "--name", "Edinburgh Libraries",
                "--organization", &ids::encode(Kind::Organization, &library).0,
            ],
        )
        .await;
        succeeded(&output, "partner add library");
        let library_partner = stdout(&output).trim().to_owned();
        assert!(uuid::Uuid::parse_str(&library_partner).is_ok(), "the id alone on stdout: {library_partner:?}");

        let output = cli(&app, &["partner", "add", "--kind", "hscp", "--name", "Edinburgh HSCP", "--area", "s12000036"]).await;
        succeeded(&output, "partner add hscp");
        let hscp = stdout(&output).trim().to_owned();

        for (args, message) in [
            (vec!["--kind", "hscp", "--name", "Nowhere HSCP"], "council area"),
            (vec!["--kind", "hscp", "--name", "Bad HSCP", "--area", "S99999999"], "no council area"),
            (vec!["--kind", "library", "--name", "Orphan Library"], "organization"),
            (vec!["--kind", "third-sector", "--name", "Ghost", "--organization", &uuid::Uuid::new_v4().to_string()], "no organization"),
            (vec!["--kind", "library", "--name", " ", "--organization", &library], "name"),
        ] {
            let output = cli(&app, &[&["partner", "add"][..], &args[..]].concat()).await;
            assert!(!output.status.success(), "{args:?}");
            assert!(stdout(&output).is_empty(), "{args:?}");
            assert!(stderr(&output).contains(message), "{args:?}: {}", stderr(&output));
        }

        // For people: a header over aligned columns.
        let output = cli(&app, &["partner", "list"]).await;
        succeeded(&output, "partner list");
        let table = stdout(&output);
        let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
        assert_eq!(header, ["ID", "KIND", "NAME", "ORGANIZATION", "AREAS", "STATUS"], "{table}");
        let row = table.lines().find(|l| l.starts_with(hscp.as_str())).unwrap();
        assert!(row.contains("Edinburgh HSCP") && row.ends_with("enabled"), "{table}");
        // For spreadsheets: the same header, tab-separated.
        let tsv = stdout(&cli(&app, &["partner", "list", "--format", "tsv"]).await);
        assert_eq!(tsv.lines().next(), Some("ID\tKIND\tNAME\tORGANIZATION\tAREAS\tSTATUS"));
        let lines: Vec<Vec<&str>> = tsv
            .lines()
            .map(|l| l.split('\t').collect::<Vec<&str>>())
            .filter(|fields| [hscp.as_str(), library_partner.as_str()].contains(&fields[0]))
            .collect();
        assert_eq!(
            lines,
            vec![
                vec![hscp.as_str(), "hscp", "Edinburgh HSCP", "-", EDINBURGH, "enabled"],
                vec![library_partner.as_str(), "library", "Edinburgh Libraries", library.as_str(), "-", "enabled"],
            ]
        );
        // For scripts: JSON.
        let listed = json_list(&cli(&app, &["partner", "list", "--format", "json"]).await);
        let mine = listed.iter().find(|p| p["id"] == library_partner.as_str()).unwrap();
        assert_eq!(
            mine,
            &json!({ "id": library_partner, "kind": "library", "name": "Edinburgh Libraries",
                "organizationId": library, "areaCodes": [], "status": "enabled" })
        );
        let bad = cli(&app, &["partner", "list", "--format", "xml"]).await;
        assert!(!bad.status.success() && stderr(&bad).contains("xml"), "{}", stderr(&bad));

        let output = cli(
            &app,
            &["token", "issue", "--partner", &library_partner, "--scope", "services:write", "--ttl", "2h"],
        )
        .await;
        succeeded(&output, "token issue");
        let token = stdout(&output);
        assert!(token.ends_with('\n') && token.trim().split('.').count() == 3, "the JWT alone: {token:?}");
        let token = token.trim().to_owned();
        let me = me_of(&app, &token, "CLI token").await;
        assert_eq!(me["scopes"], json!(["services:write"]));
        let expires = chrono::DateTime::parse_from_rfc3339(me["expiresAt"].as_str().unwrap()).unwrap();
        let ttl = expires.timestamp() - now();
        assert!((7190..=7200).contains(&ttl), "ttl {ttl}");

        let hscp_token = cli(&app, &["token", "issue", "--partner", &hscp]).await;
        succeeded(&hscp_token, "token issue with default scopes");

        let output = cli(&app, &["token", "list", "--partner", &library_partner, "--format", "json"]).await;
        succeeded(&output, "token list");
        let listed = json_list(&output);
        assert_eq!(listed.len(), 1, "{listed:?}");
        let jti = listed[0]["jti"].as_str().unwrap().to_owned();
        assert_eq!(jti, payload(&token)["jti"]);
        assert_eq!(listed[0]["partnerId"], library_partner.as_str());
        assert_eq!(listed[0]["scopes"], json!(["services:write"]));
        assert_eq!(listed[0]["status"], "active");
        assert_eq!(json_list(&cli(&app, &["token", "list", "--format", "json"]).await).len(), 2);
        let table = stdout(&cli(&app, &["token", "list"]).await);
        assert_eq!(table.lines().count(), 3, "a header and two tokens: {table}");
        assert!(table.starts_with("JTI "), "{table}");

        succeeded(&cli(&app, &["token", "revoke", &jti]).await, "token revoke");
        assert_refused(app.graphql_as(&token, ME, json!({})).await, &token, "revoked from the CLI").await;
        let list = stdout(&cli(&app, &["token", "list", "--partner", &library_partner, "--format", "tsv"]).await);
        assert!(list.trim().ends_with("\trevoked"), "{list}");
        let unknown = cli(&app, &["token", "revoke", "no-such-jti"]).await;
        assert!(!unknown.status.success());
        assert!(stderr(&unknown).contains("no token"), "{}", stderr(&unknown));

        let hscp_token = stdout(&hscp_token).trim().to_owned();
        me_of(&app, &hscp_token, "hscp before disabling").await;
        succeeded(&cli(&app, &["partner", "disable", &hscp]).await, "partner disable");
        assert_refused(app.graphql_as(&hscp_token, ME, json!({})).await, &hscp_token, "disabled from the CLI").await;
        let listed = json_list(&cli(&app, &["partner", "list", "--format", "json"]).await);
        let disabled = listed.iter().find(|p| p["id"] == hscp.as_str()).unwrap();
        assert_eq!(disabled["status"], "disabled");
        let refused = cli(&app, &["token", "issue", "--partner", &hscp]).await;
        assert!(!refused.status.success());
        assert!(stderr(&refused).contains("disabled"), "{}", stderr(&refused));
    }
}

/// ADVERSARIAL 8: a token in the URL is ignored, never used.
#[tokio::test]
async fn a_token_in_the_url_is_ignored() {
    let app = spawn_app_with(Backend::Sqlite, false).await.unwrap();
    let partner = app.add_partner(PartnerKind::Admin, "Operator", None, &[]).await;
    let token = app.issue_token(&partner, &[]).await.token;
    let response: Value = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "{ me { scopes } }"), ("access_token", &token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(response["data"], json!({ "me": null }));
    assert!(response.get("errors").is_none(), "{response}");
    let response: Value = app
        .client
        .post(app.url(&format!("/graphql?access_token={token}")))
        .json(&json!({ "query": "{ me { scopes } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(response["data"], json!({ "me": null }));
    assert!(response.get("errors").is_none(), "{response}");
}

/// ADVERSARIAL 8: a 1 MB Authorization header is refused before it reaches
/// us (hyper answers 431 past its ~400 KB header buffer), and quickly.
#[tokio::test]
async fn a_one_megabyte_authorization_header_is_refused_fast() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(Backend::Sqlite, false).await.unwrap();
    let address = app.address.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let body = r#"{"query":"{ me { scopes } }"}"#;
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Authorization: Bearer {}\r\nContent-Length: {}\r\n\r\n{body}",
        "a".repeat(1024 * 1024),
        body.len()
    );
    let started = Instant::now();
    // Write and read at once: the server answers before it has read it all.
    let write = tokio::spawn(async move {
        let _ = writer.write_all(request.as_bytes()).await;
        writer
    });
    let mut response = vec![0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(5), reader.read(&mut response))
        .await
        .expect("an answer within 5 s")
        .expect("read the answer");
    let status_line = String::from_utf8_lossy(&response[..read])
        .lines()
        .next()
        .unwrap_or("")
        .to_owned();
    assert!(
        status_line.starts_with("HTTP/1.1 431") || status_line.starts_with("HTTP/1.1 400"),
        "{status_line:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    drop(write.await);
    // The server is fine afterwards.
    let data = app.data("{ me { scopes } }", json!({})).await;
    assert!(data["me"].is_null());
}

/// Without JWT settings the server serves anonymous reads and refuses any bearer token.
#[tokio::test]
async fn without_jwt_settings_tokens_are_off() {
    let app = spawn_app_configured(Backend::Sqlite, false, |config| {
        config.jwt = hubgraph::config::JwtSettings::default();
    })
    .await
    .unwrap();
    assert!(app.state.keys.is_none());
    let data = app.data("{ me { scopes } areas { code } }", json!({})).await;
    assert!(data["me"].is_null());
    assert_eq!(data["areas"].as_array().unwrap().len(), 33);
    let token = signed(&external_claims(&uuid::Uuid::new_v4().to_string()));
    assert_refused(app.graphql_as(&token, ME, json!({})).await, &token, "tokens off").await;
}

/// A secret shorter than 32 bytes stops `serve` at start-up, with a clear message.
#[tokio::test]
async fn a_short_secret_stops_the_server_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("short.db").display());
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_hubgraph"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", &url)
        .env("HUBGRAPH_JWT_SECRET", "sixteen-byte-key")
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(20), child)
        .await
        .expect("serve exits instead of serving")
        .unwrap();
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("at least 32 bytes"), "{message}");
    assert!(!message.contains("sixteen-byte-key"), "the secret is never printed");
}

/// ADVERSARIAL 2: with a public key configured, an HS256 token signed with
/// that key's PEM text (algorithm confusion) is refused; RS256 tokens work.
#[tokio::test]
async fn rs256_tokens_work_and_hs256_signed_with_the_public_key_is_refused() {
    let public = fixture("rsa-public.pem");
    let app = spawn_app_configured(Backend::Sqlite, false, |config| {
        config.jwt.secret = None;
        config.jwt.public_key_pem = Some(public.clone());
        config.jwt.private_key_pem = Some(fixture("rsa-private.pem"));
    })
    .await
    .unwrap();
    let partner = app.add_partner(PartnerKind::Admin, "Operator", None, &[]).await;
    let issued = app.issue_token(&partner, &["admin"]).await;
    assert_eq!(
        serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(issued.token.split('.').next().unwrap()).unwrap())
            .unwrap()["alg"],
        "RS256"
    );
    assert_eq!(me_of(&app, &issued.token, "RS256").await["scopes"], json!(["admin"]));

    // ADVERSARIAL 12: an RS256 token minted elsewhere (an identity provider
    // holding the private key), by another library, is accepted.
    let claims = external_claims(&partner);
    let private = jsonwebtoken::EncodingKey::from_rsa_pem(fixture("rsa-private.pem").as_bytes()).unwrap();
    let minted = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &private,
    )
    .unwrap();
    assert_eq!(
        me_of(&app, &minted, "RS256 minted elsewhere").await["partner"]["name"],
        "Operator"
    );
    for (case, token) in [
        (
            "HS256 with the public key PEM",
            hand_built(&hs256_header(), &claims, public.as_bytes()),
        ),
        (
            "HS256 with the trimmed PEM",
            hand_built(&hs256_header(), &claims, public.trim().as_bytes()),
        ),
        ("HS256 with the test secret", signed(&claims)),
    ] {
        assert_refused(app.graphql_as(&token, ME, json!({})).await, &token, case).await;
    }
}

/// EdDSA is chosen by an Ed25519 public key; a verify-only server cannot issue.
#[tokio::test]
async fn eddsa_keys_are_recognised_and_mismatched_pairs_refused() {
    use hubgraph::config::JwtSettings;
    use hubgraph::partners::JwtKeys;
    let settings = |public: &str, private: Option<&str>| JwtSettings {
        public_key_pem: Some(fixture(public)),
        private_key_pem: private.map(fixture),
        ..JwtSettings::default()
    };
    let keys = JwtKeys::from_settings(&settings("ed25519-public.pem", Some("ed25519-private.pem")))
        .unwrap()
        .unwrap();
    assert_eq!(keys.algorithm(), jsonwebtoken::Algorithm::EdDSA);
    assert!(keys.can_sign());
    let verify_only = JwtKeys::from_settings(&settings("ed25519-public.pem", None))
        .unwrap()
        .unwrap();
    assert!(!verify_only.can_sign());
    let error = JwtKeys::from_settings(&settings("rsa-public.pem", Some("ed25519-private.pem"))).unwrap_err();
    assert!(error.to_string().contains("HUBGRAPH_JWT_PRIVATE_KEY"), "{error}");
    let error = JwtKeys::from_settings(&settings("ed25519-private.pem", None)).unwrap_err();
    assert!(error.to_string().contains("private key"), "{error}");

    let app = spawn_app_configured(Backend::Sqlite, false, |config| {
        config.jwt = settings("ed25519-public.pem", Some("ed25519-private.pem"));
    })
    .await
    .unwrap();
    let partner = app
        .add_partner(PartnerKind::Hscp, "Highland HSCP", None, &["S12000017"])
        .await;
    let token = app.issue_token(&partner, &["reports:read"]).await.token;
    assert_eq!(
        me_of(&app, &token, "EdDSA").await["partner"]["areaCodes"],
        json!(["S12000017"])
    );
}

/// The mutation root and its input types, as introspection shows them.
const MUTATIONS: &str = "{ __schema {
    mutationType { fields { name args { name type { ...Ref } } type { ...Ref } } }
    types { name kind inputFields { name type { ...Ref } } enumValues { name } }
} }
fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// A type reference as written in a document: `[ID!]!`.
fn written(reference: &Value) -> String {
    match reference["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", written(&reference["ofType"])),
        Some("LIST") => format!("[{}]", written(&reference["ofType"])),
        _ => reference["name"].as_str().unwrap().to_owned(),
    }
}

/// The named type under NON_NULL and LIST wrappers.
fn named(reference: &Value) -> &Value {
    match reference["kind"].as_str() {
        Some("NON_NULL") | Some("LIST") => named(&reference["ofType"]),
        _ => reference,
    }
}

/// A well-formed value of `reference`: every required input field set, so
/// that the request passes validation and reaches the resolver.
fn sample(reference: &Value, types: &[Value]) -> Value {
    match reference["kind"].as_str() {
        Some("NON_NULL") => sample(&reference["ofType"], types),
        Some("LIST") => json!([]),
        _ => {
            let name = reference["name"].as_str().unwrap();
            let definition = types.iter().find(|t| t["name"] == name).unwrap();
            match (definition["kind"].as_str().unwrap(), name) {
                ("ENUM", _) => definition["enumValues"][0]["name"].clone(),
                ("INPUT_OBJECT", _) => definition["inputFields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|field| field["type"]["kind"] == "NON_NULL")
                    .map(|field| {
                        let key = field["name"].as_str().unwrap().to_owned();
                        (key, sample(&field["type"], types))
                    })
                    .collect::<serde_json::Map<_, _>>()
                    .into(),
                (_, "Int") => json!(1),
                (_, "Float") => json!(1.5),
                (_, "Boolean") => json!(false),
                (_, "Date") => json!("2026-01-05"),
                (_, "DateTime") => json!("2026-01-05T10:00:00Z"),
                (_, "ID") => json!(ids::encode(Kind::Service, "00000000-0000-0000-0000-000000000000").0),
                _ => json!("Anonymous attempt"),
            }
        }
    }
}

on_both! {
    /// Every mutation of the schema, sent anonymously with well-formed input,
    /// is refused UNAUTHENTICATED at its own path and writes nothing. The
    /// list comes from introspection, so a mutation added later is covered
    /// as soon as it exists (ADVERSARIAL.md 15).
    async fn every_mutation_refuses_anonymous_callers_and_writes_nothing(app) {
        use sea_orm::{EntityTrait, PaginatorTrait};
        let schema = app.data(MUTATIONS, json!({})).await;
        let types = schema["__schema"]["types"].as_array().unwrap().clone();
        let fields = schema["__schema"]["mutationType"]["fields"].as_array().unwrap().clone();
        assert!(fields.len() >= 15, "{} mutations", fields.len());
        let audit_before = entity::audit::Entity::find().count(&app.state.db).await.unwrap();
        for field in &fields {
            let name = field["name"].as_str().unwrap();
            let required: Vec<&Value> = field["args"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|arg| arg["type"]["kind"] == "NON_NULL")
                .collect();
            let declared: Vec<String> = required
                .iter()
                .map(|arg| format!("${}: {}", arg["name"].as_str().unwrap(), written(&arg["type"])))
                .collect();
            let passed: Vec<String> = required
                .iter()
                .map(|arg| format!("{0}: ${0}", arg["name"].as_str().unwrap()))
                .collect();
            let selection = if named(&field["type"])["kind"] == "OBJECT" { "{ __typename }" } else { "" };
            let wrap = |parts: &[String]| if parts.is_empty() { String::new() } else { format!("({})", parts.join(", ")) };
            let query = format!("mutation{} {{ {name}{} {selection} }}", wrap(&declared), wrap(&passed));
            let variables: serde_json::Map<String, Value> = required
                .iter()
                .map(|arg| (arg["name"].as_str().unwrap().to_owned(), sample(&arg["type"], &types)))
                .collect();
            let body = app.graphql(&query, Value::Object(variables)).await;
            assert_eq!(error_code(&body), "UNAUTHENTICATED", "{name}: {query}: {body}");
            assert_eq!(body["errors"][0]["path"], json!([name]), "{name}: {body}");
            assert!(body["data"].is_null(), "{name}: {body}");
        }
        let audit_after = entity::audit::Entity::find().count(&app.state.db).await.unwrap();
        assert_eq!(audit_after, audit_before, "no audit row for a refused write");
    }
}
