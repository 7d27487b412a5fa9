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
    /// `target` (it leads to the service, organisation, location or URL
    /// below), `entry_location` (whichever of the pathway's entry locations
    /// the person is at) or `instruction` (words only, e.g. "Talk to your
    /// GP"). Kept apart from the target columns so that a target deleted
    /// later (its column set to null) still reads as a step that lost its
    /// target, not as an instruction.
    pub kind: String,
    /// The target of a `target` step: one of service, organisation,
    /// location and URL (null, all of them, when it has been deleted).
    pub service_id: Option<String>,
    pub organization_id: Option<String>,
    pub location_id: Option<String>,
    pub url: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
