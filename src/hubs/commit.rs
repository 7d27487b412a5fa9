//! How every hub write ends: its audit row and its announcement in the
//! write's own transaction, then the commit, then the announcement
//! delivered. The resolvers and the expiry sweeper both end here, so no way
//! of writing a hub can forget the audit trail or the live subscribers,
//! and subscribers never hear of a change that was rolled back.

use crate::error::AppResult;
use crate::events::EventBus;
use crate::partners::Viewer;
use crate::partners::audit::{self, RequestId};
use crate::write_turns::WriteTransaction;

use super::announce::HubChanged;
use super::writes::Written;

/// Who made a change: a partner (with the request it came in), or the
/// system itself (`None`: the expiry sweep).
#[derive(Debug, Clone, Copy, Default)]
pub struct Author<'a> {
    pub viewer: Option<&'a Viewer>,
    pub request_id: Option<&'a RequestId>,
}

/// Audits `written` as `action` (naming the `fields` given), stages its
/// announcement, commits `txn` and delivers the announcement.
pub async fn commit(
    txn: WriteTransaction,
    bus: &EventBus,
    author: Author<'_>,
    action: &str,
    written: &Written,
    fields: &[&str],
) -> AppResult<()> {
    audit::record(
        &txn,
        author.viewer,
        action,
        "hub",
        &written.hub.id,
        fields,
        author.request_id,
    )
    .await?;
    let pending = bus.stage(&txn, HubChanged::event(written)).await?;
    txn.commit().await?;
    pending.deliver();
    Ok(())
}
