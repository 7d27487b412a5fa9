//! HSDS `organization_identifier`: e.g. a Scottish Charity Number.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organization_identifier")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub identifier_scheme: Option<String>,
    pub identifier_type: String,
    pub identifier: String,
}

impl ActiveModelBehavior for ActiveModel {}
