//! Each case runs on a small schema whose resolvers fail, and shows both
//! async-graphql's own answer and the completed one.

use async_graphql::{Context, EmptyMutation, EmptySubscription, Object, Request, Schema, ServerError, Union};
use serde_json::{Value as Json, json};

use super::*;

struct Query;

#[Object]
impl Query {
    async fn shelf(&self) -> Shelf {
        Shelf
    }
    async fn maybe_shelf(&self) -> Option<Shelf> {
        Some(Shelf)
    }
    async fn shelves(&self) -> Vec<Option<Shelf>> {
        vec![Some(Shelf), Some(Shelf)]
    }
    async fn count(&self) -> i32 {
        1
    }
    /// Nullable, and always fails.
    async fn lost(&self) -> async_graphql::Result<Option<i32>> {
        Err("lost".into())
    }
    /// Answers, with one item refused as null and its error reported at
    /// the list's path, as `nodes` does for a record the caller may not see.
    async fn picked(&self, ctx: &Context<'_>) -> Vec<Option<i32>> {
        ctx.add_error(ctx.set_error_path(ServerError::new("refused", None)));
        vec![None, Some(2)]
    }
    async fn items(&self) -> Vec<Item> {
        vec![Item::Shelf(Shelf), Item::Book(Book)]
    }
}

#[derive(Union)]
enum Item {
    Shelf(Shelf),
    Book(Book),
}

struct Shelf;

#[Object]
impl Shelf {
    async fn title(&self) -> &str {
        "t"
    }
    /// Nullable, and always fails.
    async fn note(&self) -> async_graphql::Result<Option<String>> {
        Err("no note".into())
    }
    /// Never null, and always fails.
    async fn size(&self) -> async_graphql::Result<i32> {
        Err("no size".into())
    }
    async fn book(&self) -> Book {
        Book
    }
    async fn maybe_book(&self) -> Option<Book> {
        Some(Book)
    }
}

struct Book;

#[Object]
impl Book {
    async fn name(&self) -> &str {
        "b"
    }
    /// Never null, and always fails.
    async fn pages(&self) -> async_graphql::Result<i32> {
        Err("no pages".into())
    }
}

/// async-graphql's answer to `query` and the completed one, as JSON, and
/// the completed one's error paths.
async fn answers(query: &str, operation_name: Option<&str>) -> (Json, Json, Vec<Json>) {
    let (raw, completed, paths) = answer_texts(query, operation_name).await;
    (
        serde_json::from_str(&raw).unwrap(),
        serde_json::from_str(&completed).unwrap(),
        paths,
    )
}

/// As [`answers`], the data as text, keys in the response's order.
async fn answer_texts(query: &str, operation_name: Option<&str>) -> (String, String, Vec<Json>) {
    let schema = Schema::new(Query, EmptyMutation, EmptySubscription);
    let types = FieldTypes::from_sdl(&schema.sdl());
    let mut request = Request::new(query);
    request.operation_name = operation_name.map(str::to_owned);
    let mut response = schema.execute(request).await;
    let raw = serde_json::to_string(&response.data).unwrap();
    let document = async_graphql::parser::parse_query(query).unwrap();
    complete(&mut response, &document, operation_name, &types);
    let completed = serde_json::to_string(&response.data).unwrap();
    let paths = response
        .errors
        .iter()
        .map(|error| serde_json::to_value(&error.path).unwrap())
        .collect();
    (raw, completed, paths)
}

/// The completed answer, as text, so that the order of keys shows.
async fn completed_text(query: &str) -> String {
    answer_texts(query, None).await.1
}

#[tokio::test]
async fn an_errored_nullable_field_is_null_in_its_place() {
    let (raw, completed, paths) = answers("{ shelf { title note } }", None).await;
    assert_eq!(
        raw,
        json!({"shelf": {"title": "t"}}),
        "async-graphql leaves the field out"
    );
    assert_eq!(completed, json!({"shelf": {"title": "t", "note": null}}));
    assert_eq!(paths, vec![json!(["shelf", "note"])], "the error is kept as it was");
    assert_eq!(
        completed_text("{ shelf { note title } }").await,
        r#"{"shelf":{"note":null,"title":"t"}}"#
    );
    assert_eq!(
        completed_text("{ shelf { title note book { name } } }").await,
        r#"{"shelf":{"title":"t","note":null,"book":{"name":"b"}}}"#
    );
}

#[tokio::test]
async fn an_object_whose_only_field_errored_stays_an_object() {
    let (raw, completed, _) = answers("{ shelf { note } count }", None).await;
    assert_eq!(
        raw,
        json!({"shelf": null, "count": 1}),
        "async-graphql nulls a non-null object"
    );
    assert_eq!(completed, json!({"shelf": {"note": null}, "count": 1}));
}

#[tokio::test]
async fn an_errored_non_null_field_nulls_its_nearest_nullable_parent() {
    let (raw, completed, _) = answers("{ maybeShelf { title size } count }", None).await;
    assert_eq!(raw, json!({"maybeShelf": {"title": "t"}, "count": 1}));
    assert_eq!(completed, json!({"maybeShelf": null, "count": 1}));

    let (_, completed, _) = answers("{ shelf { title maybeBook { name pages } } }", None).await;
    assert_eq!(completed, json!({"shelf": {"title": "t", "maybeBook": null}}));
}

#[tokio::test]
async fn with_no_nullable_field_above_the_error_data_is_null() {
    let (raw, completed, _) = answers("{ shelf { title book { pages } } count }", None).await;
    assert_eq!(raw, json!({"shelf": {"title": "t", "book": null}, "count": 1}));
    assert_eq!(completed, Json::Null);
}

#[tokio::test]
async fn a_failed_nullable_root_field_alone_is_null_in_data() {
    let (raw, completed, _) = answers("{ lost }", None).await;
    assert_eq!(raw, Json::Null, "async-graphql nulls data");
    assert_eq!(completed, json!({"lost": null}));
    let (raw, completed, _) = answers("{ shelf { note } }", None).await;
    assert_eq!(raw, json!({"shelf": null}));
    assert_eq!(completed, json!({"shelf": {"note": null}}));
    // A failed non-null root field leaves data null.
    let (_, completed, _) = answers("{ shelf { size } }", None).await;
    assert_eq!(completed, Json::Null);
}

#[tokio::test]
async fn a_field_that_has_its_value_is_left_as_it_is() {
    let (raw, completed, paths) = answers("{ count picked }", None).await;
    assert_eq!(raw, json!({"count": 1, "picked": [null, 2]}));
    assert_eq!(completed, raw, "the list was answered; its error stays beside it");
    assert_eq!(paths, vec![json!(["picked"])]);
}

#[tokio::test]
async fn one_key_of_two_types_is_left_as_it_is_when_they_differ() {
    // `x` is `Int!` on a shelf and `String!` on a book: which one failed
    // cannot be told, so the answer is not changed.
    let query = "{ count items { ... on Shelf { x: size } ... on Book { x: name } } }";
    let (raw, completed, _) = answers(query, None).await;
    assert_eq!(completed, raw);
    // The same type on both: completed as usual (here up to `data`).
    let query = "{ count items { ... on Shelf { x: size } ... on Book { x: pages } } }";
    let (_, completed, _) = answers(query, None).await;
    assert_eq!(completed, Json::Null);
}

#[tokio::test]
async fn list_items_are_nulled_one_by_one() {
    let (raw, completed, paths) = answers("{ shelves { title size } count }", None).await;
    assert_eq!(raw, json!({"shelves": [{"title": "t"}, {"title": "t"}], "count": 1}));
    assert_eq!(completed, json!({"shelves": [null, null], "count": 1}));
    assert_eq!(
        paths,
        vec![json!(["shelves", 0, "size"]), json!(["shelves", 1, "size"])]
    );
}

#[tokio::test]
async fn aliases_and_fragments_are_followed() {
    let query = "query Q { s: shelf { ...F ... on Shelf { m: maybeBook { pages } } } } \
                 fragment F on Shelf { t: title n: note }";
    let (_, completed, _) = answers(query, Some("Q")).await;
    assert_eq!(completed, json!({"s": {"t": "t", "n": null, "m": null}}));
}

#[tokio::test]
async fn the_operation_run_is_the_one_followed() {
    let query = "query A { shelf { note } } query B { maybeShelf { size } }";
    let (_, completed, _) = answers(query, Some("B")).await;
    assert_eq!(completed, json!({"maybeShelf": null}));
}

#[tokio::test]
async fn a_response_without_errors_is_left_as_it_is() {
    let (raw, completed, paths) = answers("{ shelf { title book { name } } count }", None).await;
    assert_eq!(raw, completed);
    assert!(paths.is_empty());
}

#[test]
fn errors_the_document_does_not_describe_change_nothing() {
    let types = FieldTypes::from_sdl(&Schema::new(Query, EmptyMutation, EmptySubscription).sdl());
    let document = async_graphql::parser::parse_query("{ shelf { title } }").unwrap();
    let data = json!({"shelf": {"title": "t"}});
    for path in [
        vec![],
        vec![PathSegment::Field("nowhere".into())],
        vec![PathSegment::Field("shelf".into()), PathSegment::Index(0)],
        vec![PathSegment::Field("shelf".into()), PathSegment::Field("input".into())],
    ] {
        let mut response = Response::new(Value::from_json(data.clone()).unwrap());
        let mut error = async_graphql::ServerError::new("bad", None);
        error.path = path;
        response.errors.push(error);
        complete(&mut response, &document, None, &types);
        assert_eq!(serde_json::to_value(&response.data).unwrap(), data);
    }
}

#[test]
fn hubgraph_schema_types_are_read() {
    let types = FieldTypes::of_hubgraph();
    let history = types.field("Hub", "history").expect("Hub.history");
    assert!(history.nullable);
    assert!(!types.field("Query", "services").expect("Query.services").nullable);
    assert!(types.field("Node", "id").is_some(), "interfaces are read too");
    assert_eq!(types.root(OperationType::Mutation), "Mutation");
}
