//! ADVERSARIAL 51: hostile input never reaches INTERNAL or a 5xx. Every
//! list argument has a maximum (100 items; over it BAD_USER_INPUT naming
//! the argument), and a NUL, which PostgreSQL text cannot hold, is
//! BAD_USER_INPUT in any argument, variable, id, cursor or `/hsds` URL,
//! on both databases. The arguments come from introspection, so one added
//! later is covered as soon as it exists.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hubgraph::graphql::ids::{self, Kind};
use hubgraph::partners::PartnerKind;
use serde_json::{Value, json};

use crate::on_both;

/// The root fields and the input types, as introspection shows them.
const ROOTS: &str = "{ __schema {
    queryType { fields { name args { name type { ...Ref } } type { ...Ref } } }
    mutationType { fields { name args { name type { ...Ref } } type { ...Ref } } }
    types { name kind inputFields { name type { ...Ref } } enumValues { name } }
} }
fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// Items of the long lists: far over the limit, yet under the 1 MiB body.
const LONG_LIST: usize = 100_000;

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

fn definition<'a>(types: &'a [Value], name: &str) -> &'a Value {
    types.iter().find(|t| t["name"] == name).unwrap()
}

/// A well-formed value of `reference`, every required input field set.
fn sample(reference: &Value, types: &[Value]) -> Value {
    match reference["kind"].as_str() {
        Some("NON_NULL") => sample(&reference["ofType"], types),
        Some("LIST") => json!([]),
        _ => {
            let name = reference["name"].as_str().unwrap();
            let definition = definition(types, name);
            match (definition["kind"].as_str().unwrap(), name) {
                ("ENUM", _) => definition["enumValues"][0]["name"].clone(),
                ("INPUT_OBJECT", _) => definition["inputFields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|field| field["type"]["kind"] == "NON_NULL")
                    .map(|field| {
                        (
                            field["name"].as_str().unwrap().to_owned(),
                            sample(&field["type"], types),
                        )
                    })
                    .collect::<serde_json::Map<_, _>>()
                    .into(),
                (_, "Int") => json!(1),
                (_, "Float") => json!(1.5),
                (_, "Boolean") => json!(false),
                (_, "Date") => json!("2026-01-05"),
                (_, "DateTime") => json!("2026-01-05T10:00:00Z"),
                (_, "ID") => json!(ids::encode(Kind::Hub, "00000000-0000-0000-0000-000000000000").0),
                _ => json!("text"),
            }
        }
    }
}

/// A short item of a list of `reference`'s type, so that 100,000 of them
/// fit in the body: validity does not matter, the length is refused first.
fn short_item(reference: &Value, types: &[Value]) -> Value {
    let named = named(reference);
    let name = named["name"].as_str().unwrap();
    match (definition(types, name)["kind"].as_str().unwrap(), name) {
        ("INPUT_OBJECT", _) => json!({}),
        (_, "Int" | "Float") => json!(1),
        (_, "Boolean") => json!(true),
        _ => json!("a"),
    }
}

/// What goes wrong in a hostile value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hostile {
    Nul,
    LongList,
}

/// Every hostile variant of a value of `reference`: a NUL in each String
/// and ID reachable through it (following input fields and list items),
/// a long list in each list. Each comes with the path to the hostile part.
fn variants(reference: &Value, types: &[Value], depth: usize) -> Vec<(Vec<String>, Hostile, Value)> {
    match reference["kind"].as_str() {
        Some("NON_NULL") => variants(&reference["ofType"], types, depth),
        Some("LIST") => {
            let item = &reference["ofType"];
            let mut found = vec![(
                Vec::new(),
                Hostile::LongList,
                Value::Array(vec![short_item(item, types); LONG_LIST]),
            )];
            for (mut path, hostile, value) in variants(item, types, depth) {
                path.insert(0, "0".to_owned());
                found.push((path, hostile, json!([value])));
            }
            found
        }
        _ => {
            let name = reference["name"].as_str().unwrap();
            let definition = definition(types, name);
            match definition["kind"].as_str().unwrap() {
                "SCALAR" if name == "String" || name == "ID" => vec![(Vec::new(), Hostile::Nul, json!("a\u{0}b"))],
                "INPUT_OBJECT" if depth < 4 => {
                    let base = sample(reference, types);
                    let mut found = Vec::new();
                    for field in definition["inputFields"].as_array().unwrap() {
                        let key = field["name"].as_str().unwrap();
                        for (mut path, hostile, value) in variants(&field["type"], types, depth + 1) {
                            let mut object = base.clone();
                            object[key] = value;
                            path.insert(0, key.to_owned());
                            found.push((path, hostile, object));
                        }
                    }
                    found
                }
                _ => Vec::new(),
            }
        }
    }
}

async fn admin_token(app: &crate::helpers::TestApp) -> String {
    let admin = app.add_partner(PartnerKind::Admin, "Prober", None, &[]).await;
    app.issue_token(&admin, &[]).await.token
}

on_both! {
    /// Every argument of every query and mutation, found by introspection:
    /// a NUL in each String and ID (down through input objects and lists)
    /// and 100,000 items in each list are BAD_USER_INPUT naming the
    /// argument, never INTERNAL or a 5xx, and nothing is written.
    async fn every_argument_refuses_nul_and_long_lists_before_anything_runs(app) {
        use sea_orm::{EntityTrait, PaginatorTrait};
        let token = admin_token(&app).await;
        let schema = app.data(ROOTS, json!({})).await;
        let types = schema["__schema"]["types"].as_array().unwrap().clone();
        let audit_before = entity::audit::Entity::find().count(&app.state.db).await.unwrap();
        let mut seen = (0, 0);
        for (root, keyword) in [("queryType", "query"), ("mutationType", "mutation")] {
            for field in schema["__schema"][root]["fields"].as_array().unwrap() {
                let name = field["name"].as_str().unwrap();
                let args = field["args"].as_array().unwrap();
                for arg in args {
                    let arg_name = arg["name"].as_str().unwrap();
                    for (path, hostile, value) in variants(&arg["type"], &types, 0) {
                        // The argument under test and every required one, as variables.
                        let passed: Vec<&Value> = args
                            .iter()
                            .filter(|a| a["name"] == arg_name || a["type"]["kind"] == "NON_NULL")
                            .collect();
                        let declared: Vec<String> = passed
                            .iter()
                            .map(|a| format!("${}: {}", a["name"].as_str().unwrap(), written(&a["type"])))
                            .collect();
                        let used: Vec<String> =
                            passed.iter().map(|a| format!("{0}: ${0}", a["name"].as_str().unwrap())).collect();
                        let mut variables: serde_json::Map<String, Value> = passed
                            .iter()
                            .map(|a| (a["name"].as_str().unwrap().to_owned(), sample(&a["type"], &types)))
                            .collect();
                        variables.insert(arg_name.to_owned(), value);
                        let selection = match named(&field["type"])["kind"].as_str() {
                            Some("OBJECT" | "INTERFACE" | "UNION") => "{ __typename }",
                            _ => "",
                        };
                        let query = format!(
                            "{keyword}({}) {{ {name}({}) {selection} }}",
                            declared.join(", "),
                            used.join(", ")
                        );
                        let case = format!("{name}({arg_name}) {path:?} {hostile:?}");
                        let response = app.graphql_as(&token, &query, Value::Object(variables)).await;
                        let status = response.status();
                        let body: Value = response.json().await.unwrap_or_else(|e| panic!("{case}: {e}"));
                        assert!(status.is_success() || status.is_client_error(), "{case}: {status} {body}");
                        let codes: Vec<&str> = body["errors"]
                            .as_array()
                            .map(|errors| {
                                errors.iter().filter_map(|e| e["extensions"]["code"].as_str()).collect()
                            })
                            .unwrap_or_default();
                        assert!(!codes.contains(&"INTERNAL"), "{case}: {body}");
                        assert_eq!(codes.first().copied(), Some("BAD_USER_INPUT"), "{case}: {body}");
                        let message = body["errors"][0]["message"].as_str().unwrap_or("");
                        assert!(
                            message.contains(&format!("argument {arg_name}")) && message.contains(name),
                            "{case}: the message names the argument: {message}"
                        );
                        let mut field_path = vec![arg_name.to_owned()];
                        field_path.extend(path);
                        assert_eq!(body["errors"][0]["extensions"]["field"], json!(field_path), "{case}: {body}");
                        match hostile {
                            Hostile::Nul => seen.0 += 1,
                            Hostile::LongList => seen.1 += 1,
                        }
                    }
                }
            }
        }
        assert!(seen.0 >= 50 && seen.1 >= 20, "too few arguments probed: {seen:?}");
        let audit_after = entity::audit::Entity::find().count(&app.state.db).await.unwrap();
        assert_eq!(audit_after, audit_before, "nothing written");
    }
}

on_both! {
    /// A NUL where no argument check sees it, hidden in the base64 of a
    /// global id or a cursor, or typed into the query text itself: never
    /// INTERNAL. A list at the limit is still answered.
    async fn hidden_nuls_and_lists_at_the_limit(app) {
        let hidden_id = URL_SAFE_NO_PAD.encode("Hub:a\u{0}b");
        for query in [
            format!(r#"{{ hub(id: "{hidden_id}") {{ id }} }}"#),
            format!(r#"{{ node(id: "{hidden_id}") {{ id }} }}"#),
            format!(r#"{{ nodes(ids: ["{hidden_id}"]) {{ id }} }}"#),
        ] {
            let body = app.graphql(&query, json!({})).await;
            let code = crate::helpers::error_code(&body);
            assert!(body.get("errors").is_none() || code == "BAD_USER_INPUT" || code == "NOT_FOUND", "{query}: {body}");
            assert_ne!(code, "INTERNAL", "{query}: {body}");
        }
        let cursor = URL_SAFE_NO_PAD.encode(r#"{"k":"a\u0000","i":"b\u0000"}"#);
        for query in [
            "query($after: String) { services(first: 2, after: $after) { totalCount } }",
            "query($after: String) { organizations(first: 2, after: $after) { totalCount } }",
            "query($after: String) { hubs(first: 2, after: $after) { totalCount } }",
        ] {
            let body = app.graphql(query, json!({ "after": cursor })).await;
            assert_eq!(crate::helpers::error_code(&body), "BAD_USER_INPUT", "{query}: {body}");
        }
        let literal = app.graphql(r#"{ hub(id: "a\u0000b") { id } }"#, json!({})).await;
        assert_eq!(crate::helpers::error_code(&literal), "BAD_USER_INPUT", "{literal}");
        assert_eq!(literal["errors"][0]["extensions"]["field"], json!(["id"]), "{literal}");

        let at_limit: Vec<String> = (0..hubgraph::input::MAX_LIST_ITEMS).map(|i| format!("S{i:08}")).collect();
        let answered = app
            .graphql(
                "query($codes: [String!]) { hubSummary(areaCodes: $codes) { __typename } }",
                json!({ "codes": at_limit }),
            )
            .await;
        assert!(answered.get("errors").is_none(), "{answered}");
        let over: Vec<String> = (0..70_000).map(|i| format!("S{i:08}")).collect();
        let refused = app
            .graphql(
                "query($codes: [String!]) { hubSummary(areaCodes: $codes) { __typename } }",
                json!({ "codes": over }),
            )
            .await;
        assert_eq!(crate::helpers::error_code(&refused), "BAD_USER_INPUT", "{refused}");
        let message = refused["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("areaCodes") && message.contains("at most 100"), "{message}");
    }
}

on_both! {
    /// `/hsds` paths and query strings holding a NUL, or not UTF-8 once
    /// decoded, and over-long id lists are 400 with the JSON body of every
    /// refusal there, naming the parameter; never a 5xx.
    async fn hsds_urls_with_a_nul_are_refused_plainly(app) {
        let many = vec!["a"; 101].join(",");
        let cases = [
            ("/hsds/services/a%00b", "path"),
            ("/hsds/organizations/%00", "path"),
            ("/hsds/service_at_locations/a%00", "path"),
            ("/hsds/taxonomies/a%00", "path"),
            ("/hsds/taxonomy_terms/a%00", "path"),
            ("/hsds/services?search=a%00b", "search"),
            ("/hsds/services?organization_id=%00", "organization_id"),
            ("/hsds/services?taxonomy_id=a%00", "taxonomy_id"),
            ("/hsds/services?postcode=EH1%00", "postcode"),
            ("/hsds/organizations?search=%00", "search"),
            ("/hsds/taxonomy_terms?parent_id=%00", "parent_id"),
            ("/hsds/services?search=%FF", "search"),
        ];
        for (path, parameter) in cases {
            let response = app.client.get(app.url(path)).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 400, "{path}");
            let body: Value = response.json().await.unwrap_or_else(|e| panic!("{path}: {e}"));
            assert_eq!(body["status"], 400, "{path}: {body}");
            assert_eq!(body["parameter"], parameter, "{path}: {body}");
        }
        let path = format!("/hsds/services?taxonomy_term_id={many}");
        let response = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 400);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["parameter"], "taxonomy_term_id", "{body}");
        assert!(body["message"].as_str().unwrap().contains("at most 100"), "{body}");
        // The ordinary answers are as they were.
        let fine = app.client.get(app.url("/hsds/services?search=library")).send().await.unwrap();
        assert_eq!(fine.status().as_u16(), 200);
        let missing = app.client.get(app.url("/hsds/services/no-such-id")).send().await.unwrap();
        assert_eq!(missing.status().as_u16(), 404);
    }
}
