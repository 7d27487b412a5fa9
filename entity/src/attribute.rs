//! HSDS `attribute`: links a record (service, location, ...) to a taxonomy term.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attribute")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub link_id: String,
    pub taxonomy_term_id: String,
    pub link_type: Option<String>,
    /// Table of the linked record: `service`, `location`, `organization`, ...
    pub link_entity: String,
    pub value: Option<String>,
    pub label: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
