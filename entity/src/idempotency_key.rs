//! The first response to a mutation sent with an `Idempotency-Key`.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_key")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub partner_id: String,
    /// SHA-256 (hex) of the canonical request.
    pub request_hash: String,
    /// HTTP status of the first response; null while it runs.
    pub status: Option<i32>,
    /// Body of the first response.
    pub response: Option<String>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
