//! Whether a service is running at an instant: the one rule behind
//! `Service.isOpen`, the `openAt` filter of `services` (and so the service
//! finder's "Open now"), whatever the caller.
//!
//! In order:
//! 1. A service whose status is not active (paused, not running, closed for
//!    good) is never open, whatever its opening hours say.
//! 2. A service delivered only at hubs that are closed at that instant is
//!    not open: the hub's status is what the library says about the
//!    building, and nobody can use a service inside a closed building. A
//!    hub's `CLOSED` counts from now until its `validUntil` (for ever when
//!    it has none); past `validUntil` the opening hours decide again, as they
//!    do for the hub. A service with a place that is not a closed hub (a
//!    second venue, a place that is no hub), or with no place at all (a
//!    phone line), is not affected.
//! 3. Otherwise its opening hours decide; with none, nobody knows (`None`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::schedule::Model as Schedule;
use entity::{hub, service_at_location};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, EntityName, FromQueryResult};

use super::{opening, status};
use crate::db::is_in_list;
use crate::error::AppResult;

/// A place where a service is delivered, with the status of the hub there.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Venue {
    pub service_id: String,
    pub location_id: String,
    /// The hub's status, when the place is a hub.
    pub hub_status: Option<String>,
    pub hub_valid_until: Option<DateTime<Utc>>,
}

impl Venue {
    /// Whether the place is a hub that is closed at `at`.
    fn closed_at(&self, at: DateTime<Utc>) -> bool {
        self.hub_status.as_deref() == Some(entity::hub::STATUS_CLOSED)
            && self.hub_valid_until.is_none_or(|until| at < until)
    }
}

/// Whether a service with `service_status`, `schedules` and `venues` is open
/// at `at` (see the module's rule); `None` when nothing says either way.
pub fn is_open(service_status: &str, schedules: &[Schedule], venues: &[Venue], at: DateTime<Utc>) -> Option<bool> {
    if service_status != status::ACTIVE {
        return Some(false);
    }
    if !venues.is_empty() && venues.iter().all(|venue| venue.closed_at(at)) {
        return Some(false);
    }
    opening::is_open(schedules, at)
}

/// The places of each of `service_ids`, with their hubs' statuses, in one
/// statement; services delivered nowhere are absent.
pub async fn venues_of(db: &impl ConnectionTrait, service_ids: &[String]) -> AppResult<HashMap<String, Vec<Venue>>> {
    let mut by_service: HashMap<String, Vec<Venue>> = HashMap::new();
    if service_ids.is_empty() {
        return Ok(by_service);
    }
    let link = service_at_location::Entity;
    let select = Query::select()
        .expr_as(Expr::col((link, service_at_location::Column::ServiceId)), "service_id")
        .expr_as(
            Expr::col((link, service_at_location::Column::LocationId)),
            "location_id",
        )
        .expr_as(Expr::col((hub::Entity, hub::Column::Status)), "hub_status")
        .expr_as(Expr::col((hub::Entity, hub::Column::ValidUntil)), "hub_valid_until")
        .from(link.table_ref())
        .left_join(
            hub::Entity,
            Expr::col((hub::Entity, hub::Column::LocationId)).equals((link, service_at_location::Column::LocationId)),
        )
        .and_where(is_in_list(
            db.get_database_backend(),
            Expr::col((link, service_at_location::Column::ServiceId)),
            service_ids,
        ))
        .to_owned();
    for row in db.query_all(&select).await? {
        let venue = Venue::from_query_result(&row, "")?;
        by_service.entry(venue.service_id.clone()).or_default().push(venue);
    }
    Ok(by_service)
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn at() -> DateTime<Utc> {
        // A Tuesday, 11:00 in Edinburgh.
        Utc.with_ymd_and_hms(2026, 11, 24, 11, 0, 0).unwrap()
    }

    fn weekdays() -> Vec<Schedule> {
        vec![crate::services::opening::tests::weekdays_nine_to_five()]
    }

    fn venue(hub_status: Option<&str>, valid_until: Option<DateTime<Utc>>) -> Venue {
        Venue {
            service_id: "svc".into(),
            location_id: "place".into(),
            hub_status: hub_status.map(Into::into),
            hub_valid_until: valid_until,
        }
    }

    #[test]
    fn only_an_active_service_is_ever_open() {
        for paused in [status::TEMPORARILY_CLOSED, status::INACTIVE, status::DEFUNCT] {
            assert_eq!(is_open(paused, &weekdays(), &[], at()), Some(false), "{paused}");
            assert_eq!(is_open(paused, &[], &[], at()), Some(false), "{paused} without hours");
        }
        assert_eq!(is_open(status::ACTIVE, &weekdays(), &[], at()), Some(true));
        assert_eq!(is_open(status::ACTIVE, &[], &[], at()), None);
    }

    #[test]
    fn a_service_only_at_closed_hubs_is_not_open() {
        let closed = venue(Some("closed"), None);
        assert_eq!(
            is_open(status::ACTIVE, &weekdays(), std::slice::from_ref(&closed), at()),
            Some(false)
        );
        assert_eq!(
            is_open(status::ACTIVE, &[], &[closed.clone(), closed], at()),
            Some(false)
        );
    }

    #[test]
    fn another_place_keeps_a_service_open() {
        let closed = venue(Some("closed"), None);
        for other in [
            venue(None, None),
            venue(Some("open"), None),
            venue(Some("limited"), None),
        ] {
            assert_eq!(
                is_open(status::ACTIVE, &weekdays(), &[closed.clone(), other.clone()], at()),
                Some(true),
                "{other:?}"
            );
        }
    }

    #[test]
    fn a_closure_ends_at_valid_until() {
        let until_noon = venue(Some("closed"), Some(at() + Duration::hours(1)));
        assert_eq!(
            is_open(status::ACTIVE, &weekdays(), std::slice::from_ref(&until_noon), at()),
            Some(false)
        );
        let later = at() + Duration::hours(2);
        assert_eq!(is_open(status::ACTIVE, &weekdays(), &[until_noon], later), Some(true));
    }
}
