//! A count of referrals made along a pathway (or one of its steps) on a
//! date. Counts only: there is no column for anything about a person.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pathway_activity")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub pathway_id: String,
    /// The step, when the count is for one step.
    pub step_id: Option<String>,
    pub on_date: Date,
    pub referrals: i32,
    /// The partner that reported the count.
    pub partner_id: String,
    pub recorded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
