//! Clearing a field: in every update mutation an explicit `null` clears an
//! optional field (a list: empties it), an omitted field stays as it was,
//! and a required field refuses null with `REQUIRED` on its path. Closing a
//! hub clears its occupancy.

use entity::{audit, hub, hub_status_event, location, organization, service};
use hubgraph::graphql::ids::{self, Kind};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::helpers::{TestApp, demo_library, demo_library_token, hub_in};
use crate::on_both;

const EDINBURGH: &str = "S12000036";

const UPDATE_HUB: &str = "mutation($input: UpdateHubStatusInput!) { updateHubStatus(input: $input) {
    hub { status capacity occupancy note facilities { code } version } userErrors { field code message } } }";
const UPDATE_SERVICE: &str = "mutation($input: UpdateServiceInput!) { updateService(input: $input) {
    service { name description email status minimumAge languages { code } phones { number } version }
    userErrors { field code message } } }";
const UPDATE_ORG: &str = "mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) {
    organization { name email website description } userErrors { field code message } } }";
const CREATE_LOCATION: &str = "mutation($input: CreateLocationInput!) { createLocation(input: $input) {
    location { id } userErrors { field code message } } }";
const UPDATE_LOCATION: &str = "mutation($input: UpdateLocationInput!) { updateLocation(input: $input) {
    location { name description latitude areaCode address { postalCode } } userErrors { field code message } } }";

fn gid(kind: Kind, raw: &str) -> String {
    ids::encode(kind, raw).0
}

/// The mutation's payload (its only field), after checking there are no errors.
async fn call(app: &TestApp, token: &str, query: &str, input: Value) -> Value {
    let body: Value = app
        .graphql_as(token, query, json!({ "input": input }))
        .await
        .json()
        .await
        .unwrap();
    assert!(body["errors"].is_null(), "{body:#}");
    body["data"].as_object().unwrap().values().next().unwrap().clone()
}

fn accepted(payload: &Value) {
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
}

/// The fields the newest audit row of `action` names.
async fn audited_fields(app: &TestApp, action: &str) -> String {
    audit::Entity::find()
        .filter(audit::Column::Action.eq(action))
        .order_by_desc(audit::Column::At)
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("an audit row")
        .changed_fields
}

on_both! {
    /// The partner's report: a hub with 12 of 25 places in use is closed
    /// without saying the occupancy; it now shows none, in its state and in
    /// its history, and a figure above 0 with CLOSED is refused.
    async fn closing_a_hub_clears_its_occupancy(app) {
        let token = demo_library_token(&app, EDINBURGH, &["hubs:write"]).await;
        let target = hub_in(&app, EDINBURGH).await;
        let id = gid(Kind::Hub, &target.id);
        let busy = call(&app, &token, UPDATE_HUB, json!({ "hubId": id, "status": "OPEN", "capacity": 25, "occupancy": 12 })).await;
        accepted(&busy);
        assert_eq!(busy["hub"]["occupancy"], 12);

        let closed = call(&app, &token, UPDATE_HUB, json!({ "hubId": id, "status": "CLOSED" })).await;
        accepted(&closed);
        assert_eq!(closed["hub"]["occupancy"], Value::Null);
        assert_eq!(closed["hub"]["capacity"], 25, "the capacity stays");
        let stored = hub::Entity::find_by_id(target.id.clone()).one(&app.state.db).await.unwrap().unwrap();
        assert_eq!(stored.occupancy, None);
        let last = hub_status_event::Entity::find()
            .filter(hub_status_event::Column::HubId.eq(target.id.clone()))
            .order_by_desc(hub_status_event::Column::Version)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((last.status.as_str(), last.occupancy), ("closed", None));

        let refused = call(&app, &token, UPDATE_HUB, json!({ "hubId": id, "status": "CLOSED", "occupancy": 3 })).await;
        assert_eq!(refused["hub"], Value::Null);
        assert_eq!(refused["userErrors"][0]["field"], json!(["input", "occupancy"]), "{refused:#}");
        assert_eq!(refused["userErrors"][0]["code"], "INVALID");
        let zero = call(&app, &token, UPDATE_HUB, json!({ "hubId": id, "status": "CLOSED", "occupancy": 0 })).await;
        accepted(&zero);
        assert_eq!(zero["hub"]["occupancy"], Value::Null);

        // Reopened, the hub reports afresh.
        let reopened = call(&app, &token, UPDATE_HUB, json!({ "hubId": id, "status": "OPEN" })).await;
        assert_eq!(reopened["hub"]["occupancy"], Value::Null);
    }
}

on_both! {
    /// A hub's capacity, occupancy, note and facilities: null clears, omitted stays.
    async fn a_hub_update_clears_what_is_null_and_keeps_what_is_omitted(app) {
        let token = demo_library_token(&app, EDINBURGH, &["hubs:write"]).await;
        let id = gid(Kind::Hub, &hub_in(&app, EDINBURGH).await.id);
        let wifi = gid(Kind::TaxonomyTerm, &hubgraph::seed::demo::demo_id("taxonomy_term", "hub-facility/wifi"));
        let set = json!({ "hubId": id, "status": "LIMITED", "capacity": 30, "occupancy": 4, "note": "Busy", "facilityTermIds": [wifi] });
        accepted(&call(&app, &token, UPDATE_HUB, set).await);

        let kept = call(&app, &token, UPDATE_HUB, json!({ "hubId": id, "status": "OPEN" })).await;
        accepted(&kept);
        let hub = &kept["hub"];
        assert_eq!((hub["capacity"].clone(), hub["occupancy"].clone(), hub["note"].clone()), (json!(30), json!(4), json!("Busy")));
        assert_eq!(hub["facilities"], json!([{ "code": "wifi" }]));

        let cleared = call(
            &app,
            &token,
            UPDATE_HUB,
            json!({ "hubId": id, "status": "OPEN", "capacity": null, "occupancy": null, "note": null, "facilityTermIds": null }),
        )
        .await;
        accepted(&cleared);
        let hub = &cleared["hub"];
        assert_eq!((hub["capacity"].clone(), hub["occupancy"].clone(), hub["note"].clone()), (Value::Null, Value::Null, Value::Null));
        assert_eq!(hub["facilities"], json!([]));
        let fields = audited_fields(&app, "hub.update_status").await;
        for field in ["capacity", "occupancy", "note", "facilityTermIds"] {
            assert!(fields.contains(field), "the audit row names the cleared {field}: {fields}");
        }
    }
}

on_both! {
    /// A service: null clears optional text and numbers and empties lists;
    /// omitted fields stay; null for the name or the status is refused.
    async fn a_service_update_clears_what_is_null(app) {
        let token = demo_library_token(&app, EDINBURGH, &["services:write"]).await;
        let row = service::Entity::find()
            .filter(service::Column::OrganizationId.eq(demo_library(EDINBURGH)))
            .filter(service::Column::Status.eq("active"))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let id = gid(Kind::Service, &row.id);
        let set = json!({ "id": id, "email": "desk@example.org", "minimumAge": 16, "languages": ["en", "gd"],
            "phones": [{ "number": "0131 496 0000" }] });
        accepted(&call(&app, &token, UPDATE_SERVICE, set).await);

        let kept = call(&app, &token, UPDATE_SERVICE, json!({ "id": id, "description": "New words." })).await;
        accepted(&kept);
        assert_eq!(kept["service"]["email"], "desk@example.org");
        assert_eq!(kept["service"]["minimumAge"], 16);
        assert_eq!(kept["service"]["languages"].as_array().unwrap().len(), 2, "omitted: kept");

        let cleared = call(
            &app,
            &token,
            UPDATE_SERVICE,
            json!({ "id": id, "email": null, "minimumAge": null, "languages": null, "phones": null, "description": null }),
        )
        .await;
        accepted(&cleared);
        let service = &cleared["service"];
        assert_eq!(service["email"], Value::Null);
        assert_eq!(service["minimumAge"], Value::Null);
        assert_eq!(service["description"], Value::Null);
        assert_eq!(service["languages"], json!([]));
        assert_eq!(service["phones"], json!([]));
        assert_eq!(service["name"], json!(row.name), "the name stays");

        let refused = call(&app, &token, UPDATE_SERVICE, json!({ "id": id, "name": null, "status": null })).await;
        assert_eq!(refused["service"], Value::Null);
        let mut errors: Vec<(Value, Value)> = refused["userErrors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["field"].clone(), e["code"].clone()))
            .collect();
        errors.sort_by_key(|e| e.0.to_string());
        assert_eq!(
            errors,
            vec![(json!(["input", "name"]), json!("REQUIRED")), (json!(["input", "status"]), json!("REQUIRED"))]
        );
        let stored = service::Entity::find_by_id(row.id.clone()).one(&app.state.db).await.unwrap().unwrap();
        assert_eq!((stored.name, stored.status), (row.name, row.status), "a refused update changes nothing");
    }
}

on_both! {
    /// An organization: null clears its email, website and description; the name refuses null.
    async fn an_organization_update_clears_what_is_null(app) {
        let token = demo_library_token(&app, EDINBURGH, &["services:write"]).await;
        let library = demo_library(EDINBURGH);
        let id = gid(Kind::Organization, &library);
        let before = organization::Entity::find_by_id(library.clone()).one(&app.state.db).await.unwrap().unwrap();
        let cleared = call(&app, &token, UPDATE_ORG, json!({ "id": id, "email": null, "website": null })).await;
        accepted(&cleared);
        assert_eq!(cleared["organization"]["email"], Value::Null);
        assert_eq!(cleared["organization"]["website"], Value::Null);
        assert_eq!(cleared["organization"]["description"], json!(before.description), "omitted: kept");
        let refused = call(&app, &token, UPDATE_ORG, json!({ "id": id, "name": null })).await;
        assert_eq!(refused["userErrors"][0]["field"], json!(["input", "name"]));
        assert_eq!(refused["userErrors"][0]["code"], "REQUIRED");
    }
}

on_both! {
    /// A location: null clears its description, coordinates and address;
    /// its council area can be cleared only where no postcode decides it
    /// and no hub stands.
    async fn a_location_update_clears_what_is_null(app) {
        let token = demo_library_token(&app, EDINBURGH, &["services:write"]).await;
        let library = demo_library(EDINBURGH);
        let address = json!({ "address1": "1 High Street", "city": "Edinburgh", "postalCode": "EH6 4AE", "country": "GB" });
        let created = call(
            &app,
            &token,
            CREATE_LOCATION,
            json!({ "organizationId": gid(Kind::Organization, &library), "name": "Pop-up Library",
                "description": "In the old bank", "latitude": 55.95, "longitude": -3.19, "address": address, "areaCode": EDINBURGH }),
        )
        .await;
        accepted(&created);
        let id = created["location"]["id"].as_str().unwrap().to_owned();

        let kept = call(&app, &token, UPDATE_LOCATION, json!({ "id": id, "name": "Pop-up Library (High Street)" })).await;
        accepted(&kept);
        assert_eq!(kept["location"]["address"]["postalCode"], "EH6 4AE");
        assert_eq!(kept["location"]["description"], "In the old bank");

        // The postcode decides the area: clearing it is refused while the address stays.
        let decided = call(&app, &token, UPDATE_LOCATION, json!({ "id": id, "areaCode": null })).await;
        assert_eq!(decided["userErrors"][0]["field"], json!(["input", "areaCode"]), "{decided:#}");
        assert_eq!(decided["userErrors"][0]["code"], "INVALID");

        let cleared = call(
            &app,
            &token,
            UPDATE_LOCATION,
            json!({ "id": id, "description": null, "latitude": null, "longitude": null, "address": null, "areaCode": null }),
        )
        .await;
        accepted(&cleared);
        let location = &cleared["location"];
        assert_eq!(location["description"], Value::Null);
        assert_eq!(location["latitude"], Value::Null);
        assert_eq!(location["address"], Value::Null);
        assert_eq!(location["areaCode"], Value::Null);
        let fields = audited_fields(&app, "location.update").await;
        assert!(fields.contains("address") && fields.contains("areaCode"), "{fields}");

        // A hub's location keeps its area.
        let hub = hub_in(&app, EDINBURGH).await;
        let place = location::Entity::find_by_id(hub.location_id.clone()).one(&app.state.db).await.unwrap().unwrap();
        assert!(place.organization_id.as_deref() == Some(library.as_str()));
        let at_hub = call(
            &app,
            &token,
            UPDATE_LOCATION,
            json!({ "id": gid(Kind::Location, &hub.location_id), "address": null, "areaCode": null }),
        )
        .await;
        assert_eq!(at_hub["userErrors"][0]["field"], json!(["input", "areaCode"]), "{at_hub:#}");
        let unchanged = location::Entity::find_by_id(hub.location_id).one(&app.state.db).await.unwrap().unwrap();
        assert_eq!(unchanged.area_code.as_deref(), Some(EDINBURGH), "a refused update changes nothing");
    }
}
