//! A facility a hub offers: a term of the `hub-facility` taxonomy.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hub_facility")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub hub_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub taxonomy_term_id: String,
}

impl ActiveModelBehavior for ActiveModel {}
