//! A hub: a library or community venue acting as a Community Hub, Health
//! and Wellbeing Hub or warm space, with its live status.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hub")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// At most one hub per location.
    pub location_id: String,
    /// Copied from the location when the hub is created.
    pub organization_id: String,
    /// Council area (GSS code), copied from the location.
    pub area_code: String,
    pub name: String,
    /// Comma-separated `community_hub`, `health_and_wellbeing_hub`, `warm_space`.
    pub kinds: String,
    /// `open`, `limited` or `closed` (see [`STATUSES`]).
    pub status: String,
    pub capacity: Option<i32>,
    pub occupancy: Option<i32>,
    pub note: Option<String>,
    /// A manual status holds until then; then the location's schedule decides.
    pub valid_until: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub last_modified: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

/// The values `status` takes: whether the hub can take people in.
pub const STATUSES: [&str; 3] = [STATUS_OPEN, STATUS_LIMITED, STATUS_CLOSED];
pub const STATUS_OPEN: &str = "open";
pub const STATUS_LIMITED: &str = "limited";
/// Closed: a service only at closed hubs is not open either.
pub const STATUS_CLOSED: &str = "closed";
