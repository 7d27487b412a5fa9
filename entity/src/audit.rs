//! One successful write: who made it, what it changed, in which request.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Null for writes made by the system (CLI, importer).
    pub partner_id: Option<String>,
    /// `entity.verb`, e.g. `service.update`.
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// Comma-separated input field names.
    pub changed_fields: String,
    pub request_id: Option<String>,
    pub at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
