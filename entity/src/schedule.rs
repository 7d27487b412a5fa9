//! HSDS `schedule`: an iCalendar-style recurrence with opening times, or a
//! one-off closure or special opening (`closed`, valid_from = valid_to).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "schedule")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub service_id: Option<String>,
    pub location_id: Option<String>,
    pub service_at_location_id: Option<String>,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
    pub dtstart: Option<Date>,
    pub timezone: Option<f64>,
    pub until: Option<Date>,
    pub count: Option<i32>,
    /// iCalendar WKST: `MO`..`SU`.
    pub wkst: Option<String>,
    /// `WEEKLY` or `MONTHLY` (HSDS also allows others).
    pub freq: Option<String>,
    pub interval: Option<i32>,
    /// Comma-separated iCalendar days, e.g. `MO,WE` or `1MO`.
    pub byday: Option<String>,
    pub byweekno: Option<String>,
    pub bymonthday: Option<String>,
    pub byyearday: Option<String>,
    pub description: Option<String>,
    /// Local time `HH:MM` (Europe/London).
    pub opens_at: Option<String>,
    pub closes_at: Option<String>,
    pub schedule_link: Option<String>,
    pub attending_type: Option<String>,
    pub notes: Option<String>,
    /// A one-off closure (true) rather than an opening.
    pub closed: bool,
}

impl ActiveModelBehavior for ActiveModel {}
