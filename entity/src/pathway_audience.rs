//! Who a pathway is for: a term of the `audience` taxonomy.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pathway_audience")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub pathway_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub taxonomy_term_id: String,
}

impl ActiveModelBehavior for ActiveModel {}
