//! HSDS `service`.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "service")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub program_id: Option<String>,
    pub name: String,
    pub alternate_name: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub email: Option<String>,
    /// HSDS status: `active`, `inactive`, `defunct`, `temporarily closed`.
    pub status: String,
    pub interpretation_services: Option<String>,
    pub application_process: Option<String>,
    pub fees_description: Option<String>,
    pub wait_time: Option<String>,
    pub fees: Option<String>,
    pub accreditations: Option<String>,
    pub eligibility_description: Option<String>,
    pub minimum_age: Option<i32>,
    pub maximum_age: Option<i32>,
    pub assured_date: Option<Date>,
    pub assurer_email: Option<String>,
    pub licenses: Option<String>,
    pub alert: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub last_modified: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
