//! HSDS `taxonomy_term`, a node in a taxonomy's tree.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "taxonomy_term")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub code: Option<String>,
    pub name: String,
    pub description: String,
    pub parent_id: Option<String>,
    /// Free-text taxonomy name, as HSDS keeps it beside `taxonomy_id`.
    pub taxonomy: Option<String>,
    pub language: Option<String>,
    pub taxonomy_id: Option<String>,
    pub term_uri: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
