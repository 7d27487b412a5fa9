//! A council area a pathway serves.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pathway_area")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub pathway_id: String,
    /// GSS code.
    #[sea_orm(primary_key, auto_increment = false)]
    pub area_code: String,
}

impl ActiveModelBehavior for ActiveModel {}
