//! A deleted record: which table, which id, when.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tombstone")]
pub struct Model {
    /// The table the record was in: `organization`, `service`, `location`, ...
    #[sea_orm(primary_key, auto_increment = false)]
    pub entity: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub deleted_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
