//! The subscription root: live hub status changes, served over
//! `graphql-transport-ws` at `/graphql/ws`.
//!
//! Each subscriber listens on the event bus (which crosses instances on
//! PostgreSQL), keeps the events of the hubs and areas it asked for, and
//! reads each event and its hub afresh from the database. Events reach it
//! only after their write committed. Fields are guarded as in queries: an
//! anonymous subscriber reads public fields, an HSCP also the history of
//! hubs in its areas.

use async_graphql::{Context, ID, Subscription};
use futures_util::{Stream, StreamExt};
use sea_orm::DatabaseConnection;

use super::directory::db;
use super::hubs::{Hub, HubStatusEvent};
use super::ids::{self, Kind};
use crate::error::AppError;
use crate::events::EventBus;
use crate::hubs::announce::HubChanged;
use crate::hubs::{reads, writes};

/// The most area codes or hub ids one subscription may name.
const MAX_FILTER: usize = 100;

/// Every subscription root field.
#[derive(Default)]
pub struct Subscription;

/// The event and its hub as stored now; `None` when either is gone.
async fn read_fresh(db: &DatabaseConnection, changed: &HubChanged) -> Option<HubStatusEvent> {
    let event = reads::find_event(db, &changed.event_id).await.ok()??;
    let hub = writes::find_hub(db, &event.hub_id).await.ok()??;
    let facilities = writes::facility_ids(db, &hub.id).await.ok()?;
    Some(HubStatusEvent(event, Some(Hub(hub, Some(facilities)))))
}

/// Live updates.
#[Subscription]
impl Subscription {
    /// Live hub status changes, filtered by area and/or hub. Crosses server instances.
    async fn hub_status_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only hubs in these council areas (GSS codes); at most 100.")] area_codes: Option<Vec<String>>,
        #[graphql(desc = "Only these hubs; at most 100.")] hub_ids: Option<Vec<ID>>,
    ) -> async_graphql::Result<impl Stream<Item = HubStatusEvent> + use<>> {
        if area_codes.as_ref().is_some_and(|a| a.len() > MAX_FILTER) {
            return Err(AppError::bad_input(&["areaCodes"], "at most 100 area codes").into());
        }
        if hub_ids.as_ref().is_some_and(|h| h.len() > MAX_FILTER) {
            return Err(AppError::bad_input(&["hubIds"], "at most 100 hub ids").into());
        }
        let hub_ids = match &hub_ids {
            Some(list) => Some(ids::decode_list(list, Kind::Hub, "hubIds")?),
            None => None,
        };
        let db = db(ctx)?.clone();
        let events = ctx.data::<EventBus>()?.subscribe();
        let wanted = move |changed: &HubChanged| {
            area_codes
                .as_ref()
                .is_none_or(|codes| codes.contains(&changed.area_code))
                && hub_ids.as_ref().is_none_or(|ids| ids.contains(&changed.hub_id))
        };
        Ok(events.filter_map(move |event| {
            let changed = HubChanged::from_event(&event).filter(|changed| wanted(changed));
            let db = db.clone();
            async move { read_fresh(&db, &changed?).await }
        }))
    }
}
