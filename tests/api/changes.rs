//! The change feed: created, updated and deleted records since a time, resumable.

use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, ModelTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};
use crate::on_both;

const FEED: &str = "query($since: DateTime!, $entities: [ChangeEntity!], $first: Int, $after: String) {
    changes(since: $since, entities: $entities, first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { cursor node { entity kind id at node { id ... on Service { status } } } }
    } }";

async fn walk(app: &TestApp, since: &str, entities: Value, first: i64) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .data(
                FEED,
                json!({ "since": since, "entities": entities, "first": first, "after": after }),
            )
            .await;
        let feed = &data["changes"];
        all.extend(feed["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()));
        if feed["pageInfo"]["hasNextPage"] == false {
            return all;
        }
        after = feed["pageInfo"]["endCursor"].clone();
    }
}

on_both! {
    /// A partner syncing a copy sees every record once, then only what changed, deletions included.
    async fn change_feed_lists_creations_updates_and_tombstones(app) {
        let everything = walk(&app, "2000-01-01T00:00:00Z", Value::Null, 97).await;
        let counts = app.data("{ organizations { totalCount } locations { totalCount } services(filter: { status: [ACTIVE, INACTIVE, DEFUNCT, TEMPORARILY_CLOSED] }) { totalCount } hubs { totalCount } pathways { totalCount } }", json!({})).await;
        let expected = ["organizations", "locations", "services", "hubs", "pathways"].iter().map(|f| counts[f]["totalCount"].as_i64().unwrap()).sum::<i64>();
        assert_eq!(everything.len() as i64, expected);
        let ids: std::collections::HashSet<&str> = everything.iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), everything.len(), "a record came twice");
        // The directory is all at version 1; hubs and pathways come with a history.
        let directory = ["ORGANIZATION", "SERVICE", "LOCATION"];
        assert!(
            everything.iter().filter(|c| directory.contains(&c["entity"].as_str().unwrap())).all(|c| c["kind"] == "CREATED"),
            "the demo directory is all at version 1"
        );
        assert!(everything.iter().any(|c| c["entity"] == "HUB"), "hubs are in the feed");
        let times: Vec<&str> = everything.iter().map(|c| c["at"].as_str().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "not oldest first");

        // Three changes after t0: an edit, an archive and a deletion.
        let t0 = Utc::now();
        let db = &app.state.db;
        let mut services = entity::service::Entity::find().all(db).await.unwrap().into_iter();
        let edited = services.next().unwrap();
        let archived = services.next().unwrap();
        let mut edit = edited.clone().into_active_model();
        edit.name = Set(format!("{} (updated)", edited.name));
        edit.version = Set(edited.version + 1);
        edit.last_modified = Set(t0 + Duration::seconds(1));
        edit.update(db).await.unwrap();
        let mut archive = archived.clone().into_active_model();
        archive.status = Set("defunct".into());
        archive.last_modified = Set(t0 + Duration::seconds(2));
        archive.update(db).await.unwrap();
        // A location that is no hub: a hub keeps its location from being deleted.
        let hub_locations: Vec<String> = entity::hub::Entity::find().all(db).await.unwrap().into_iter().map(|h| h.location_id).collect();
        let gone = entity::location::Entity::find()
            .filter(entity::location::Column::Id.is_not_in(hub_locations))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let gone_id = gone.id.clone();
        gone.delete(db).await.unwrap();
        hubgraph::interchange::changes::record_deletion(db, hubgraph::interchange::changes::ChangeEntity::Location, &gone_id, t0 + Duration::seconds(3))
            .await
            .unwrap();

        let since = t0.to_rfc3339();
        for first in [1, 2, 100] {
            let recent = walk(&app, &since, Value::Null, first).await;
            let summary: Vec<(String, String)> = recent.iter().map(|c| (c["entity"].as_str().unwrap().into(), c["kind"].as_str().unwrap().into())).collect();
            assert_eq!(
                summary,
                [("SERVICE".into(), "UPDATED".into()), ("SERVICE".into(), "DELETED".into()), ("LOCATION".into(), "DELETED".into())],
                "page size {first}"
            );
            assert_eq!(recent[1]["node"]["status"], "DEFUNCT", "an archived service is kept");
            assert!(recent[2]["node"].is_null(), "a deleted location has no node");
        }
        let locations = walk(&app, &since, json!(["LOCATION"]), 10).await;
        assert_eq!(locations.len(), 1);

        let bad = app.graphql(FEED, json!({ "since": since, "after": "garbage" })).await;
        assert_eq!(error_code(&bad), "BAD_USER_INPUT");
        let bad_time = app.graphql(FEED, json!({ "since": "yesterday" })).await;
        assert_eq!(error_code(&bad_time), "BAD_USER_INPUT");
    }
}
