//! The HSDS 3.0 REST API under `/hsds`: read-only, anonymous, open to any
//! origin, as the Open Referral (and Open Referral UK) OpenAPI files
//! describe it. Services are found by `services::search`, the code behind
//! the GraphQL `services` query; documents are built by
//! `interchange::hsds::export`, the code behind `hubgraph export hsds`.
//!
//! Bad parameters get 400 with a JSON body naming the parameter; an
//! unknown id gets 404.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Arc;
use std::time::Duration;

use poem::http::{Method, StatusCode};
use poem::web::{Data, Path, Query};
use poem::{Endpoint, IntoResponse, Request, Response, handler};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use super::response_cache::{Answer, Key, Lookup, ResponseCache};
use crate::AppState;
use crate::error::AppError;
use crate::input::{MAX_LIST_ITEMS, NOT_STORABLE, is_storable, too_many_items};
use crate::interchange::hsds::api::{self, PageNumber, TermQuery};
use crate::interchange::hsds::export::{self, Bundle};
use crate::services::areas::{self, SCOTLAND};
use crate::services::search::{self, ServiceFilter, ServiceOrder};
use crate::services::{geo, taxonomy};

/// Page size when none is asked for, and the most a page may hold.
const DEFAULT_PER_PAGE: u64 = 20;
const MAX_PER_PAGE: u64 = 100;

/// Why a request cannot be answered.
#[derive(Debug)]
pub struct Refusal {
    status: StatusCode,
    parameter: Option<String>,
    message: String,
}

impl Refusal {
    fn bad(parameter: &str, message: impl Into<String>) -> Refusal {
        Refusal {
            status: StatusCode::BAD_REQUEST,
            parameter: Some(parameter.to_owned()),
            message: message.into(),
        }
    }

    fn not_found(what: &str, id: &str) -> Refusal {
        Refusal {
            status: StatusCode::NOT_FOUND,
            parameter: None,
            message: format!("no {what} with id {id}"),
        }
    }
}

impl From<AppError> for Refusal {
    fn from(error: AppError) -> Self {
        match &error {
            AppError::BadUserInput { field, message } => {
                // Domain errors name their input fields (and the item of a
                // list); say which parameter that was.
                let named = field.iter().rev().find(|f| f.parse::<usize>().is_err());
                let parameter = match named.map(String::as_str) {
                    Some("radiusKm") => "proximity",
                    Some(other) => other,
                    None => "query",
                };
                Refusal::bad(parameter, message.clone())
            }
            _ => {
                if error.is_internal() {
                    tracing::error!(error = ?error, "HSDS API request failed");
                }
                Refusal {
                    status: if error.code() == "SERVICE_UNAVAILABLE" {
                        StatusCode::SERVICE_UNAVAILABLE
                    } else {
                        StatusCode::INTERNAL_SERVER_ERROR
                    },
                    parameter: None,
                    message: error.message(),
                }
            }
        }
    }
}

fn respond(result: Result<Value, Refusal>) -> Response {
    let (status, body) = match result {
        Ok(value) => (StatusCode::OK, value),
        Err(refusal) => {
            let mut body = json!({ "status": refusal.status.as_u16(), "message": refusal.message });
            if let Some(parameter) = refusal.parameter {
                body["parameter"] = parameter.into();
            }
            (refusal.status, body)
        }
    };
    let response = json_body(status, body.to_string());
    // As over GraphQL: the database is out of reach or busy; try again soon.
    if status == StatusCode::SERVICE_UNAVAILABLE {
        super::answers::retry_soon(response)
    } else {
        response
    }
}

/// Answers a GET from the response cache when it can: the API is
/// anonymous and read-only, so an answer depends only on the URL (path and
/// query string) and the data, and every change empties the cache (see
/// `response_cache`). Callers asking the same URL at once wait for one
/// answer; only 200s are kept.
pub async fn cached<E: Endpoint>(
    endpoint: E,
    request: Request,
    cache: Arc<ResponseCache>,
    timeout: Duration,
) -> poem::Result<Response> {
    if !cache.is_on() || request.method() != Method::GET {
        return Ok(endpoint.call(request).await?.into_response());
    }
    let uri = request.original_uri();
    let key = Key::new("hsds", None, uri.path(), uri.query().unwrap_or(""));
    let ticket = match tokio::time::timeout(timeout, cache.lookup(&key)).await {
        Ok(Lookup::Kept(body)) => return Ok(json_body(StatusCode::OK, body)),
        Ok(Lookup::Run(ticket)) => ticket,
        Err(_) => {
            let refusal = Refusal {
                status: StatusCode::SERVICE_UNAVAILABLE,
                parameter: None,
                message: "the request took too long".into(),
            };
            return Ok(respond(Err(refusal)));
        }
    };
    let response = endpoint.call(request).await?.into_response();
    let Some(ticket) = ticket else {
        return Ok(response);
    };
    // The HSDS API reads no hub table.
    let ticket = ticket.showing_no_hub();
    if response.status() != StatusCode::OK {
        cache.settle(ticket, Answer::NotNow);
        return Ok(response);
    }
    let body = response.into_body().into_bytes().await?;
    let answer = Answer::Keep {
        max_age: None,
        body: body.clone(),
    };
    cache.settle(ticket, answer);
    Ok(json_body(StatusCode::OK, body))
}

fn json_body(status: StatusCode, body: impl Into<poem::Body>) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json; charset=utf-8")
        .body(body)
}

/// Refuses a request whose path or query string holds text no record can
/// hold (a NUL, see `crate::input`) or that is not UTF-8 once decoded:
/// 400 with the JSON body of every refusal here, naming the parameter,
/// before any handler reads it or any SQL runs.
pub async fn refuse_unstorable<E: Endpoint>(endpoint: E, request: Request) -> poem::Result<Response> {
    if let Err(refusal) = check_url(request.original_uri()) {
        return Ok(respond(Err(refusal)));
    }
    Ok(endpoint.call(request).await?.into_response())
}

fn check_url(uri: &poem::http::Uri) -> Result<(), Refusal> {
    for segment in uri.path().split('/') {
        let text = decoded(segment).ok_or_else(|| Refusal::bad("path", "the path is not UTF-8 text"))?;
        if !is_storable(&text) {
            return Err(Refusal::bad("path", format!("the path {NOT_STORABLE}")));
        }
    }
    for pair in uri.query().unwrap_or("").split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, value) = (name.replace('+', " "), value.replace('+', " "));
        let Some(name) = decoded(&name).filter(|name| is_storable(name)) else {
            return Err(Refusal::bad(
                "query",
                "a parameter name is not UTF-8 text or holds a NUL",
            ));
        };
        let value = decoded(&value).ok_or_else(|| Refusal::bad(&name, format!("{name} is not UTF-8 text")))?;
        if !is_storable(&value) {
            return Err(Refusal::bad(&name, format!("{name} {NOT_STORABLE}")));
        }
    }
    Ok(())
}

/// `text` with its percent escapes decoded, if that is UTF-8.
fn decoded(text: &str) -> Option<std::borrow::Cow<'_, str>> {
    percent_encoding::percent_decode_str(text).decode_utf8().ok()
}

/// The query string, with typed readers that name the parameter on error.
struct Params(HashMap<String, String>);

impl Params {
    fn text(&self, name: &str) -> Option<String> {
        self.0.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    fn integer(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, Refusal> {
        let Some(text) = self.text(name) else { return Ok(None) };
        // HSDS types ages as numbers: 12.0 is 12.
        let value: f64 = text
            .parse()
            .map_err(|_| Refusal::bad(name, format!("{name} must be a whole number")))?;
        if value.fract() != 0.0 || value < min as f64 || value > max as f64 {
            return Err(Refusal::bad(
                name,
                format!("{name} must be a whole number from {min} to {max}"),
            ));
        }
        Ok(Some(value as i64))
    }

    fn flag(&self, name: &str) -> Result<bool, Refusal> {
        match self.text(name).as_deref() {
            None | Some("false") | Some("0") => Ok(false),
            Some("true") | Some("1") => Ok(true),
            Some(_) => Err(Refusal::bad(name, format!("{name} must be true or false"))),
        }
    }

    fn page(&self) -> Result<PageNumber, Refusal> {
        let page = self.integer("page", 1, i64::from(u32::MAX))?.unwrap_or(1) as u64;
        let per_page = self
            .integer("per_page", 1, MAX_PER_PAGE as i64)?
            .map_or(DEFAULT_PER_PAGE, |n| n as u64);
        Ok(PageNumber { page, per_page })
    }

    /// A date-time (RFC 3339) or a date (midnight UTC).
    fn time(&self, name: &str) -> Result<Option<DateTime<Utc>>, Refusal> {
        let Some(text) = self.text(name) else { return Ok(None) };
        if let Ok(at) = DateTime::parse_from_rfc3339(&text) {
            return Ok(Some(at.with_timezone(&Utc)));
        }
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| Some(d.and_utc()))
            .ok_or_else(|| {
                Refusal::bad(
                    name,
                    format!("{name} must be a date-time (RFC 3339) or a date (YYYY-MM-DD)"),
                )
            })
    }

    /// Comma-separated ids, at most `MAX_LIST_ITEMS` of them.
    fn list(&self, name: &str) -> Result<Vec<String>, Refusal> {
        let items: Vec<String> = self
            .text(name)
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if items.len() > MAX_LIST_ITEMS {
            return Err(Refusal::bad(name, format!("{name} {}", too_many_items(items.len()))));
        }
        Ok(items)
    }
}

/// `GET /hsds/`: what this API is.
#[handler]
pub fn root() -> Response {
    respond(Ok(json!({
        "version": api::VERSION,
        "profile": api::PROFILE,
        "openapi_url": api::OPENAPI_URL,
    })))
}

/// `GET /hsds/services`.
#[handler]
pub async fn services(Data(state): Data<&AppState>, Query(params): Query<HashMap<String, String>>) -> Response {
    respond(list_services(state, &Params(params)).await)
}

async fn list_services(state: &AppState, params: &Params) -> Result<Value, Refusal> {
    let db = &state.db;
    let page = params.page()?;
    let full = params.flag("full")?;
    let minimal = params.flag("minimal")?;
    let mut filter = ServiceFilter {
        text: params.text("search"),
        organization_id: params.text("organization_id"),
        taxonomy_term_ids: params.list("taxonomy_term_id")?,
        modified_after: params.time("modified_after")?,
        minimum_age_at_least: params.integer("minimum_age", 0, 150)?.map(|n| n as i32),
        maximum_age_at_most: params.integer("maximum_age", 0, 150)?.map(|n| n as i32),
        area_codes: areas::area_codes(params.list("area_code")?),
        health_board_codes: areas::health_board_codes(&params.list("health_board_code")?, &["health_board_code"])?,
        ..ServiceFilter::default()
    };
    if let Some(taxonomy_id) = params.text("taxonomy_id") {
        let terms = taxonomy::terms_of_taxonomy(db, &taxonomy_id).await?;
        if terms.is_empty() {
            return Err(Refusal::bad("taxonomy_id", "no taxonomy with that id or name"));
        }
        filter.taxonomy_term_ids.extend(terms.into_iter().map(|t| t.id));
    }
    let proximity = params.integer("proximity", 1, 200_000)?;
    match (params.text("postcode"), proximity) {
        (Some(postcode), Some(metres)) => {
            filter.near = Some(geo::locate(db, &postcode, &["postcode"]).await?.point);
            filter.radius_km = Some(metres as f64 / 1000.0);
        }
        (Some(postcode), None) => {
            // Without a distance: services whose service area covers the postcode.
            let place = geo::locate(db, &postcode, &["postcode"]).await?;
            filter.covers_area_codes = place.area_codes.into_iter().chain([SCOTLAND.to_owned()]).collect();
        }
        (None, Some(_)) => return Err(Refusal::bad("proximity", "proximity needs a postcode")),
        (None, None) => {}
    }
    let order = if filter.near.is_some() {
        ServiceOrder::Distance
    } else if filter.text.is_some() {
        ServiceOrder::Relevance
    } else {
        ServiceOrder::Name
    };
    let (hits, total) =
        search::search_numbered_page(db, &filter, order, page.offset(), page.per_page, Utc::now()).await?;
    let ids: Vec<String> = hits.iter().map(|h| h.service.id.clone()).collect();
    let contents = if minimal {
        hits.iter()
            .map(|h| json!({ "id": h.service.id, "last_modified": h.service.last_modified.to_rfc3339() }))
            .collect()
    } else {
        let bundle = Bundle::load(db, &ids, &[], &[]).await?;
        bundle.services.iter().map(|s| bundle.service(s, !full)).collect()
    };
    Ok(page.wrap(total, contents))
}

/// `GET /hsds/services/{id}`: the full service.
#[handler]
pub async fn service(Data(state): Data<&AppState>, Path(id): Path<String>) -> Response {
    let result = async {
        let bundle = Bundle::load(&state.db, std::slice::from_ref(&id), &[], &[]).await?;
        let service = bundle
            .services
            .first()
            .ok_or_else(|| Refusal::not_found("service", &id))?;
        Ok(bundle.service(service, false))
    };
    respond(result.await)
}

/// `GET /hsds/organizations`.
#[handler]
pub async fn organizations(Data(state): Data<&AppState>, Query(params): Query<HashMap<String, String>>) -> Response {
    let params = Params(params);
    let result = async {
        let page = params.page()?;
        let full = params.flag("full")?;
        let (rows, total) = api::organizations(&state.db, params.text("search").as_deref(), page).await?;
        let ids: Vec<String> = rows.iter().map(|o| o.id.clone()).collect();
        let bundle = Bundle::load(&state.db, &[], &ids, &[]).await?;
        let contents = rows
            .iter()
            .map(|o| {
                if full {
                    bundle.organization(o)
                } else {
                    bundle.organization_fields(o)
                }
            })
            .collect();
        Ok(page.wrap(total, contents))
    };
    respond(result.await)
}

/// `GET /hsds/organizations/{id}`: the full organization.
#[handler]
pub async fn organization(Data(state): Data<&AppState>, Path(id): Path<String>) -> Response {
    let result = async {
        let bundle = Bundle::load(&state.db, &[], std::slice::from_ref(&id), &[]).await?;
        let organization = bundle
            .organizations
            .get(&id)
            .ok_or_else(|| Refusal::not_found("organization", &id))?;
        Ok(bundle.organization(organization))
    };
    respond(result.await)
}

/// `GET /hsds/service_at_locations`.
#[handler]
pub async fn service_at_locations(
    Data(state): Data<&AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let params = Params(params);
    let result = async {
        let page = params.page()?;
        let (rows, total) =
            api::service_at_locations(&state.db, params.text("organization_id").as_deref(), page).await?;
        let service_ids: Vec<String> = rows.iter().map(|r| r.service_id.clone()).collect();
        let bundle = Bundle::load(&state.db, &service_ids, &[], &[]).await?;
        let contents = rows.iter().map(|r| bundle.service_at_location(r)).collect();
        Ok(page.wrap(total, contents))
    };
    respond(result.await)
}

/// `GET /hsds/service_at_locations/{id}`.
#[handler]
pub async fn service_at_location(Data(state): Data<&AppState>, Path(id): Path<String>) -> Response {
    let result = async {
        let row = entity::service_at_location::Entity::find_by_id(id.clone())
            .one(&state.db)
            .await
            .map_err(AppError::from)?
            .ok_or_else(|| Refusal::not_found("service at location", &id))?;
        let bundle = Bundle::load(&state.db, std::slice::from_ref(&row.service_id), &[], &[]).await?;
        Ok(bundle.service_at_location(&row))
    };
    respond(result.await)
}

/// `GET /hsds/taxonomies`.
#[handler]
pub async fn taxonomies(Data(state): Data<&AppState>, Query(params): Query<HashMap<String, String>>) -> Response {
    let params = Params(params);
    let result = async {
        let page = params.page()?;
        let (rows, total) = api::taxonomies(&state.db, params.text("search").as_deref(), page).await?;
        Ok(page.wrap(total, rows.iter().map(export::taxonomy).collect()))
    };
    respond(result.await)
}

/// `GET /hsds/taxonomies/{id}`.
#[handler]
pub async fn taxonomy_by_id(Data(state): Data<&AppState>, Path(id): Path<String>) -> Response {
    let result = async {
        let row = entity::taxonomy::Entity::find_by_id(id.clone())
            .one(&state.db)
            .await
            .map_err(AppError::from)?
            .ok_or_else(|| Refusal::not_found("taxonomy", &id))?;
        Ok(export::taxonomy(&row))
    };
    respond(result.await)
}

/// `GET /hsds/taxonomy_terms`.
#[handler]
pub async fn taxonomy_terms(Data(state): Data<&AppState>, Query(params): Query<HashMap<String, String>>) -> Response {
    let params = Params(params);
    let result = async {
        let page = params.page()?;
        let query = TermQuery {
            search: params.text("search"),
            taxonomy_id: params.text("taxonomy_id"),
            parent_id: params.text("parent_id"),
            top_only: params.flag("top_only")?,
        };
        let (rows, total) = api::taxonomy_terms(&state.db, &query, page).await?;
        let known = taxonomies_of(state, &rows).await?;
        let contents = rows
            .iter()
            .map(|t| export::taxonomy_term(t, t.taxonomy_id.as_ref().and_then(|id| known.get(id))))
            .collect();
        Ok(page.wrap(total, contents))
    };
    respond(result.await)
}

/// `GET /hsds/taxonomy_terms/{id}`.
#[handler]
pub async fn taxonomy_term(Data(state): Data<&AppState>, Path(id): Path<String>) -> Response {
    let result = async {
        let term = taxonomy::find_term(&state.db, &id)
            .await?
            .ok_or_else(|| Refusal::not_found("taxonomy term", &id))?;
        let known = taxonomies_of(state, std::slice::from_ref(&term)).await?;
        Ok(export::taxonomy_term(
            &term,
            term.taxonomy_id.as_ref().and_then(|id| known.get(id)),
        ))
    };
    respond(result.await)
}

async fn taxonomies_of(
    state: &AppState,
    terms: &[entity::taxonomy_term::Model],
) -> Result<HashMap<String, entity::taxonomy::Model>, Refusal> {
    let ids: Vec<String> = terms.iter().filter_map(|t| t.taxonomy_id.clone()).collect();
    let rows =
        crate::services::related::by_ids::<entity::taxonomy::Entity>(&state.db, entity::taxonomy::Column::Id, &ids)
            .await?;
    Ok(rows.into_iter().map(|t| (t.id.clone(), t)).collect())
}
