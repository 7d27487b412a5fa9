//! A partner: a library service, HSCP, third-sector body or the platform
//! operator (admin), which holds tokens. Its kind decides what it may do.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    /// `library`, `hscp`, `third-sector` or `admin`.
    pub kind: String,
    /// The organisation whose records the partner keeps (libraries and third-sector bodies).
    pub organization_id: Option<String>,
    /// A disabled partner's tokens are refused.
    pub disabled: bool,
    pub created_at: DateTimeUtc,
    pub last_modified: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
