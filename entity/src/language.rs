//! HSDS `language` spoken at a service, location or phone.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "language")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub service_id: Option<String>,
    pub location_id: Option<String>,
    pub phone_id: Option<String>,
    pub name: Option<String>,
    /// ISO 639 code.
    pub code: Option<String>,
    pub note: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
