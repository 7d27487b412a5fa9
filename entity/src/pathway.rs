//! A referral pathway: a published, ordered route from an entry point to
//! the services that help, curated by the HSCP of its area(s).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pathway")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// `draft`, `published` or `archived`.
    pub status: String,
    /// The partner that curates it.
    pub owner_partner_id: String,
    /// When its owner last confirmed it is right.
    pub reviewed_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub last_modified: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
