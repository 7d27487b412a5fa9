//! HSDS `phone`, attached to one of service, location, organization, contact
//! or service_at_location.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "phone")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub location_id: Option<String>,
    pub service_id: Option<String>,
    pub organization_id: Option<String>,
    pub contact_id: Option<String>,
    pub service_at_location_id: Option<String>,
    pub number: String,
    pub extension: Option<String>,
    #[sea_orm(column_name = "type")]
    pub phone_type: Option<String>,
    pub description: Option<String>,
    /// Position among its owner's phones (HSDS lists are ordered).
    pub position: i32,
}

impl ActiveModelBehavior for ActiveModel {}
