//! HSDS `organization`.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "organization")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub alternate_name: Option<String>,
    pub description: String,
    pub email: Option<String>,
    pub website: Option<String>,
    pub tax_status: Option<String>,
    pub tax_id: Option<String>,
    pub year_incorporated: Option<i32>,
    pub legal_status: Option<String>,
    pub logo: Option<String>,
    pub uri: Option<String>,
    pub parent_organization_id: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub last_modified: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
