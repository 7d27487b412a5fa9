//! NHS Scotland's territorial health boards (GSS `S08…`), each made of
//! whole council areas (`area.health_board_code`).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_board")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// Name (e.g. NHS Lothian).
    pub name: String,
}

impl ActiveModelBehavior for ActiveModel {}
