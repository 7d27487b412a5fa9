//! One step of a pathway: how it is reached and where it leads.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pathway_step")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub pathway_id: String,
    /// 1-based order within the pathway.
    pub position: i32,
    pub title: String,
    pub description: Option<String>,
    /// `self_referral`, `signposting`, `professional_referral` or `e_referral`.
    pub referral_method: String,
    pub appointment_required: bool,
    pub eligibility: Option<String>,
    pub contact_instructions: Option<String>,
    /// The target: at most one of service, organisation, location and URL.
    pub service_id: Option<String>,
    pub organization_id: Option<String>,
    pub location_id: Option<String>,
    pub url: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
