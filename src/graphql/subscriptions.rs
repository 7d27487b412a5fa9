//! The subscription root: live hub status changes, served over
//! `graphql-transport-ws` at `/graphql/ws`.
//!
//! Each subscriber listens on the event bus (which crosses instances on
//! PostgreSQL) and keeps the events of the hubs and areas it asked for.
//! Each event and its hub are read afresh from the database once per
//! instance (`SharedReads`), however many subscribers want them: a thousand
//! dashboards cost what one does. Events reach subscribers only after their
//! write committed. Fields are guarded as in queries: an
//! anonymous subscriber reads public fields, an HSCP also the history of
//! hubs in its areas.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use async_graphql::{Context, ID, Subscription};
use futures_util::future::{BoxFuture, FutureExt, Shared};
use futures_util::{Stream, StreamExt};
use sea_orm::DatabaseConnection;

use super::context::db;
use super::hubs::{Hub, HubStatusEvent};
use super::ids::{self, Kind};
use crate::error::AppError;
use crate::events::EventBus;
use crate::hubs::announce::HubChanged;
use crate::hubs::{reads, writes};
use crate::services::areas;

/// The most area codes or hub ids one subscription may name.
const MAX_FILTER: usize = 100;

/// Events whose reads are kept for subscribers still catching up.
const SHARED_READS_KEPT: usize = 256;

type SharedRead = Shared<BoxFuture<'static, Option<HubStatusEvent>>>;

/// The reads of recent events, shared by every subscriber of this instance:
/// the first subscriber to want an event starts its read, the others await
/// the same one.
#[derive(Default)]
pub struct SharedReads {
    recent: Mutex<(HashMap<String, SharedRead>, VecDeque<String>)>,
}

impl SharedReads {
    fn read(&self, db: &DatabaseConnection, changed: HubChanged) -> SharedRead {
        // Poisoned only if a holder panicked mid-insert; the map is still usable.
        let mut guard = self.recent.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (reads, order) = &mut *guard;
        if let Some(read) = reads.get(&changed.event_id) {
            return read.clone();
        }
        let db = db.clone();
        let event_id = changed.event_id.clone();
        let read = async move { read_fresh(&db, &changed).await }.boxed().shared();
        reads.insert(event_id.clone(), read.clone());
        order.push_back(event_id);
        while order.len() > SHARED_READS_KEPT {
            if let Some(old) = order.pop_front() {
                reads.remove(&old);
            }
        }
        read
    }
}

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
        #[graphql(desc = "Only hubs in the council areas of these NHS health boards (GSS codes, e.g. S08000024).")]
        health_board_codes: Option<Vec<String>>,
    ) -> async_graphql::Result<impl Stream<Item = HubStatusEvent> + use<>> {
        if area_codes.as_ref().is_some_and(|a| a.len() > MAX_FILTER) {
            return Err(AppError::bad_input(&["areaCodes"], "at most 100 area codes").into());
        }
        let boards = health_board_codes
            .map(|codes| areas::health_board_codes(&codes, &["healthBoardCodes"]))
            .transpose()?;
        // The boards' areas are read once, when the subscription starts.
        let area_codes =
            areas::narrow_to_boards(db(ctx)?, area_codes.map(areas::area_codes), boards.as_deref()).await?;
        if hub_ids.as_ref().is_some_and(|h| h.len() > MAX_FILTER) {
            return Err(AppError::bad_input(&["hubIds"], "at most 100 hub ids").into());
        }
        let hub_ids = match &hub_ids {
            Some(list) => Some(ids::decode_list(list, Kind::Hub, "hubIds")?),
            None => None,
        };
        let db = db(ctx)?.clone();
        let shared = ctx.data::<Arc<SharedReads>>()?.clone();
        let events = ctx.data::<EventBus>()?.subscribe();
        let wanted = move |changed: &HubChanged| {
            area_codes
                .as_ref()
                .is_none_or(|codes| codes.contains(&changed.area_code))
                && hub_ids.as_ref().is_none_or(|ids| ids.contains(&changed.hub_id))
        };
        Ok(events.filter_map(move |event| {
            let read = HubChanged::from_event(&event)
                .filter(|changed| wanted(changed))
                .map(|changed| shared.read(&db, changed));
            async move { read?.await }
        }))
    }
}
