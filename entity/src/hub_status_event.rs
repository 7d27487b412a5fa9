//! One change of a hub's status, appended and never changed: who, when, what.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hub_status_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub hub_id: String,
    pub status: String,
    pub capacity: Option<i32>,
    pub occupancy: Option<i32>,
    pub note: Option<String>,
    /// Comma-separated taxonomy term ids: the facilities at that moment.
    pub facility_term_ids: String,
    pub valid_until: Option<DateTimeUtc>,
    /// The partner who made the change; null for the system.
    pub partner_id: Option<String>,
    /// `created`, `updated` or `expired`.
    pub reason: String,
    /// The hub's version after the change.
    pub version: i32,
    pub at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
