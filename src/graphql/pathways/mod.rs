//! The GraphQL face of referral pathways: `Pathway`, `PathwayStep`,
//! `pathways`, `pathway`, `pathwayReviewList`, `pathwayActivity` and the
//! pathway mutations.
//!
//! Published pathways are public; drafts and archived ones are for their
//! owner and admins, wherever they are reached (`pathway(id:)`,
//! `node(id:)`, the change feed). Activity counts are for the HSCP of the
//! area and admins (`PathwayReports`). Writes need `pathways:write` (or
//! `pathways:activity` to record counts) and are checked against the
//! pathway as stored (`partners::access`).

use async_graphql::{Context, Enum, Guard, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{pathway, pathway_step};

use super::connection::PageInfo;
use super::context::{db, load, load_many};
use super::directory::{Location, Organization, Service, TaxonomyTerm};
use super::errors::GqlResult;
use super::guards::{Scope, caller, refused_as_null, viewer};
use super::ids::{self, Kind};
use super::loaders::{
    AreasOfPathway, AudienceOfPathway, EntriesOfPathway, Loaders, LocationById, OrganizationById, PartnerById,
    PathwayById, PathwayNeedsReview, ServiceById, StepsOfPathway, TermById, prefetch_pathways,
};
use super::partners::Partner;
use super::scalars::Date;
use super::writes::{UserError, begin_write, patch, replaced_list};
use crate::error::AppError;
use crate::page::PageRequest;
use crate::partners::access::{self, PathwayVisibility};
use crate::partners::audit::{self, RequestId};
use crate::partners::kind::{PATHWAYS_ACTIVITY, PATHWAYS_WRITE};
use crate::pathways::activity::{self, NewActivity};
use crate::pathways::reads;
use crate::pathways::writes::{self as domain, NewPathway, PathwayEdit, StepFields};
use crate::pathways::{PathwayStatus, StepKind};
use crate::services::areas;

// The mutations live in their own file; the types they return live here.
mod writes;
pub use writes::*;

/// Where a pathway is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "PathwayStatus", remote = "crate::pathways::PathwayStatus")]
pub enum PathwayStatusValue {
    /// Being written: only its owner and admins see it.
    Draft,
    /// Public.
    Published,
    /// Withdrawn: only its owner and admins see it; it can be published again.
    Archived,
}

/// How a person gets to a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "ReferralMethod", remote = "crate::pathways::ReferralMethod")]
pub enum ReferralMethodValue {
    /// The person gets in touch themselves.
    SelfReferral,
    /// Someone (a librarian, a youth worker) points the person to it.
    Signposting,
    /// A professional (GP, social worker, teacher) refers the person.
    ProfessionalReferral,
    /// Referred through an electronic referral system.
    EReferral,
}

/// What a step is: where it leads, if anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "PathwayStepKind", remote = "crate::pathways::StepKind")]
pub enum PathwayStepKindValue {
    /// It leads to a service (`service`).
    Service,
    /// It leads to an organisation (`organization`).
    Organization,
    /// It leads to a place (`location`).
    Location,
    /// It leads to a web page (`url`).
    Url,
    /// It happens at whichever of the pathway's entry locations the person
    /// is at, e.g. "talk to library staff" at the library they walked into
    /// (`entryLocations`).
    EntryLocation,
    /// Words only, with nothing to point at, e.g. "talk to your GP".
    Instruction,
    /// It led to a service, organisation or place that has since been
    /// deleted: the pathway needs review.
    TargetRemoved,
}

/// The period activity is summed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "Bucket", remote = "crate::pathways::Bucket")]
pub enum BucketValue {
    /// Calendar days.
    Day,
    /// ISO weeks, starting on Monday.
    Week,
    /// Calendar months.
    Month,
}

fn is_published(row: &pathway::Model) -> bool {
    row.status == PathwayStatus::Published.as_str()
}

/// What a caller is told about a pathway id it may not see: the same
/// words for someone else's draft or archived pathway as for an id that
/// names nothing, so that the answer does not tell which.
const NOT_VISIBLE: &str =
    "no pathway you may see has this id (drafts and archived pathways are for their owner and admins)";

/// Records that the caller may not see a pathway, at the field being
/// resolved, and answers null: the same whether or not it exists.
fn refuse_pathway(ctx: &Context<'_>) -> Option<Pathway> {
    let error = async_graphql::Error::from(AppError::Forbidden(NOT_VISIBLE.into()));
    ctx.add_error(ctx.set_error_path(error.into_server_error(ctx.item.pos)));
    None
}

/// A pathway by raw id as the caller may see it: null with FORBIDDEN for a
/// draft or archived pathway of someone else, and likewise for an unknown
/// id (admins, who see every pathway, get a plain null for that).
pub(crate) async fn pathway_node(ctx: &Context<'_>, raw: String) -> GqlResult<Option<Pathway>> {
    let visibility = PathwayVisibility::of(viewer(ctx));
    match load(ctx, PathwayById(raw)).await? {
        Some(row) if visibility.sees(&row.owner_partner_id, is_published(&row)) => Ok(Some(Pathway(row))),
        None if visibility == PathwayVisibility::Everything => Ok(None),
        _ => Ok(refuse_pathway(ctx)),
    }
}

/// The caller may read a pathway's activity: the HSCP of one of its areas
/// (`reports:read`) or an admin.
pub struct PathwayReports<'a>(pub &'a str);

impl Guard for PathwayReports<'_> {
    async fn check(&self, ctx: &Context<'_>) -> GqlResult<()> {
        let areas = load_many(ctx, AreasOfPathway(self.0.to_owned())).await?;
        if access::may_read_pathway_activity(viewer(ctx), &areas) {
            Ok(())
        } else if viewer(ctx).is_none() {
            Err(AppError::Unauthenticated.into())
        } else {
            Err(
                AppError::Forbidden("pathway activity is for the HSCP of the area (reports:read) and admins".into())
                    .into(),
            )
        }
    }
}

// ---- Pathway ----------------------------------------------------------------

/// A referral pathway: a published, ordered route from where people come
/// in (a library, a school library, a youth group) to the services that help.
#[derive(Debug, Clone)]
pub struct Pathway(pub pathway::Model);

/// A referral pathway: a published, ordered route from where people come
/// in (a library, a school library, a youth group) to the services that help.
#[Object]
impl Pathway {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Pathway, &self.0.id)
    }
    /// Name, e.g. "Young people's mental wellbeing: from the library to support".
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the pathway is for and how it works.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Draft, published or archived.
    async fn status(&self) -> GqlResult<PathwayStatusValue> {
        Ok(domain::status_of(&self.0)?.into())
    }
    /// Who it is for: terms of the `audience` taxonomy (children, young people, older people, carers...).
    async fn audience(&self, ctx: &Context<'_>) -> GqlResult<Vec<TaxonomyTerm>> {
        let ids = load_many(ctx, AudienceOfPathway(self.0.id.clone())).await?;
        let found = ctx
            .data::<Loaders>()?
            .load_many(ids.iter().cloned().map(TermById))
            .await?;
        Ok(ids
            .into_iter()
            .filter_map(|id| found.get(&TermById(id)).cloned().map(TaxonomyTerm))
            .collect())
    }
    /// Council areas (GSS codes) the pathway serves.
    async fn area_codes(&self, ctx: &Context<'_>) -> GqlResult<Vec<String>> {
        load_many(ctx, AreasOfPathway(self.0.id.clone())).await
    }
    /// Where people usually enter (e.g. a library).
    #[graphql(complexity = "super::budget::ASSUMED_LIST_LENGTH * child_complexity")]
    async fn entry_locations(&self, ctx: &Context<'_>) -> GqlResult<Vec<Location>> {
        entry_locations_of(ctx, &self.0.id).await
    }
    /// The steps, in order.
    async fn steps(&self, ctx: &Context<'_>) -> GqlResult<Vec<PathwayStep>> {
        Ok(load_many(ctx, StepsOfPathway(self.0.id.clone()))
            .await?
            .into_iter()
            .map(PathwayStep)
            .collect())
    }
    /// A step points at a service that is no longer active (inactive or
    /// defunct), at a record that no longer exists, or at the entry
    /// locations of a pathway that has none: the owner should review the
    /// pathway (it is on the owner's `pathwayReviewList`).
    async fn needs_review(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        Ok(load(ctx, PathwayNeedsReview(self.0.id.clone())).await?.unwrap_or(false))
    }
    /// The partner that curates the pathway (usually the HSCP of the area):
    /// its name is public; its id, kind, organization and areas are for
    /// itself and admins (others get null and an id standing in for it).
    async fn owner(&self, ctx: &Context<'_>) -> GqlResult<Partner> {
        load(ctx, PartnerById(self.0.owner_partner_id.clone()))
            .await?
            .map(|record| Partner::as_seen_by(record, viewer(ctx)))
            .ok_or_else(|| AppError::Internal(format!("pathway {} has no owner", self.0.id)).into())
    }
    /// When its owner last confirmed it is right: on publishing, and on
    /// every edit of the published pathway.
    async fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.reviewed_at
    }
    /// When the pathway was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the pathway last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.last_modified
    }
    /// Goes up by one with every change; pass it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Referrals made along the pathway (counts only), as `pathwayActivity`
    /// gives them. For the HSCP of one of its areas (`reports:read`) and
    /// admins; anyone else gets null and a FORBIDDEN error.
    async fn activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "First day, inclusive.")] from: Date,
        #[graphql(desc = "Last day, inclusive; at most three years after `from`.")] to: Date,
        #[graphql(
            default_with = "Some(BucketValue::Week)",
            desc = "The period counts are summed over."
        )]
        bucket: Option<BucketValue>,
    ) -> GqlResult<Option<Vec<PathwayActivityBucket>>> {
        if refused_as_null(ctx, &PathwayReports(&self.0.id)).await {
            return Ok(None);
        }
        Ok(Some(
            activity_of(ctx, &self.0.id, from, to, bucket.unwrap_or(BucketValue::Week)).await?,
        ))
    }
}

async fn activity_of(
    ctx: &Context<'_>,
    pathway_id: &str,
    from: Date,
    to: Date,
    bucket: BucketValue,
) -> GqlResult<Vec<PathwayActivityBucket>> {
    let totals = activity::totals(db(ctx)?, pathway_id, from.0, to.0, bucket.into()).await?;
    Ok(totals
        .into_iter()
        .map(|t| PathwayActivityBucket {
            start: Date(t.start),
            step_id: t.step_id.map(ID),
            referrals: i32::try_from(t.referrals).unwrap_or(i32::MAX),
        })
        .collect())
}

/// One step of a pathway: how a person gets there and where it leads.
#[derive(Debug, Clone)]
pub struct PathwayStep(pub pathway_step::Model);

/// One step of a pathway: how a person gets there and where it leads. A
/// step leads to one service, organisation, place or web page; or happens
/// at whichever of the pathway's entry locations the person is at; or is an
/// instruction with nothing to point at (`kind` says which).
#[Object]
impl PathwayStep {
    /// Id of the step; pass it back in `setPathwaySteps` to keep the step
    /// (and its activity counts) when reordering.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// 1-based place in the pathway.
    async fn position(&self) -> i32 {
        self.0.position
    }
    /// What happens at this step, e.g. "Talk to library staff".
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// More about the step.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// How a person gets to this step.
    async fn referral_method(&self) -> GqlResult<ReferralMethodValue> {
        crate::pathways::ReferralMethod::parse(&self.0.referral_method)
            .map(Into::into)
            .ok_or_else(|| AppError::Internal(format!("unknown referral method {:?}", self.0.referral_method)).into())
    }
    /// Whether the person needs an appointment.
    async fn appointment_required(&self) -> bool {
        self.0.appointment_required
    }
    /// Who the step is for, in words.
    async fn eligibility(&self) -> Option<&str> {
        self.0.eligibility.as_deref()
    }
    /// How to get in touch or be referred.
    async fn contact_instructions(&self) -> Option<&str> {
        self.0.contact_instructions.as_deref()
    }
    /// The service the step leads to, if it leads to a service.
    async fn service(&self, ctx: &Context<'_>) -> GqlResult<Option<Service>> {
        let Some(id) = &self.0.service_id else { return Ok(None) };
        Ok(load(ctx, ServiceById(id.clone())).await?.map(Service))
    }
    /// The organisation the step leads to, if it leads to an organisation.
    async fn organization(&self, ctx: &Context<'_>) -> GqlResult<Option<Organization>> {
        let Some(id) = &self.0.organization_id else {
            return Ok(None);
        };
        Ok(load(ctx, OrganizationById(id.clone())).await?.map(Organization))
    }
    /// The place the step leads to, if it leads to a place.
    async fn location(&self, ctx: &Context<'_>) -> GqlResult<Option<Location>> {
        let Some(id) = &self.0.location_id else { return Ok(None) };
        Ok(load(ctx, LocationById(id.clone())).await?.map(Location))
    }
    /// The web page the step leads to (e.g. an online resource), if any.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// What the step is: where it leads, if anywhere.
    async fn kind(&self) -> GqlResult<PathwayStepKindValue> {
        Ok(domain::kind_of(&self.0)?.into())
    }
    /// Whether the step happens at whichever of the pathway's entry
    /// locations the person is at (as given in `PathwayStepInput`).
    async fn at_entry_location(&self) -> GqlResult<bool> {
        Ok(domain::kind_of(&self.0)? == StepKind::EntryLocation)
    }
    /// For a step at the entry locations: the pathway's entry locations (as
    /// `Pathway.entryLocations`); empty for any other step.
    #[graphql(complexity = "super::budget::ASSUMED_LIST_LENGTH * child_complexity")]
    async fn entry_locations(&self, ctx: &Context<'_>) -> GqlResult<Vec<Location>> {
        if domain::kind_of(&self.0)? != StepKind::EntryLocation {
            return Ok(Vec::new());
        }
        entry_locations_of(ctx, &self.0.pathway_id).await
    }
}

/// The entry locations of a pathway, in order.
async fn entry_locations_of(ctx: &Context<'_>, pathway_id: &str) -> GqlResult<Vec<Location>> {
    let ids = load_many(ctx, EntriesOfPathway(pathway_id.to_owned())).await?;
    let found = ctx
        .data::<Loaders>()?
        .load_many(ids.iter().cloned().map(LocationById))
        .await?;
    Ok(ids
        .into_iter()
        .filter_map(|id| found.get(&LocationById(id)).cloned().map(Location))
        .collect())
}

/// Referrals along a pathway in one period.
#[derive(Debug, Clone, SimpleObject)]
pub struct PathwayActivityBucket {
    /// First day of the period.
    pub start: Date,
    /// The step the count is for; null for counts given for the pathway as a whole.
    pub step_id: Option<ID>,
    /// Referrals made.
    pub referrals: i32,
}

// ---- finding pathways -----------------------------------------------------------

/// Which pathways to find. Every filter given must hold (AND); a caller
/// only ever finds the pathways it may see.
#[derive(Debug, Default, InputObject)]
pub struct PathwayFilter {
    /// Serving any of these council areas (GSS codes).
    pub area_codes: Option<Vec<String>>,
    /// Serving a council area of any of these NHS health boards (GSS codes,
    /// e.g. S08000024; see `healthBoards`).
    pub health_board_codes: Option<Vec<String>>,
    /// For any of these audiences (`audience` terms), or a narrower one.
    pub audience_term_ids: Option<Vec<ID>>,
    /// Entered at this location (e.g. a library).
    pub from_location_id: Option<ID>,
    /// With a step at this service.
    pub service_id: Option<ID>,
    /// Words in the name, the description or a step.
    pub text: Option<String>,
    /// With any of these statuses (drafts and archived: only your own).
    pub status: Option<Vec<PathwayStatusValue>>,
    /// Needing review (true) or not (false).
    pub needs_review: Option<bool>,
}

impl PathwayFilter {
    fn into_domain(self) -> GqlResult<reads::PathwayFilter> {
        let audience_term_ids = match &self.audience_term_ids {
            Some(ids) => Some(ids::decode_list(ids, Kind::TaxonomyTerm, "audienceTermIds")?),
            None => None,
        };
        let from_location_id = match &self.from_location_id {
            Some(id) => Some(ids::decode(id, Kind::Location, &["filter", "fromLocationId"])?),
            None => None,
        };
        let service_id = match &self.service_id {
            Some(id) => Some(ids::decode(id, Kind::Service, &["filter", "serviceId"])?),
            None => None,
        };
        if self.text.as_ref().is_some_and(|t| t.chars().count() > 200) {
            return Err(AppError::bad_input(&["filter", "text"], "at most 200 characters").into());
        }
        let health_board_codes = self
            .health_board_codes
            .map(|codes| areas::health_board_codes(&codes, &["filter", "healthBoardCodes"]))
            .transpose()?;
        Ok(reads::PathwayFilter {
            area_codes: self.area_codes.map(areas::area_codes),
            health_board_codes,
            audience_term_ids,
            from_location_id,
            service_id,
            text: self.text,
            statuses: self.status.map(|s| s.into_iter().map(Into::into).collect()),
            needs_review: self.needs_review,
            owner_partner_id: None,
        })
    }
}

/// A page of pathways (Relay connection).
#[derive(Debug, Clone, SimpleObject)]
pub struct PathwayConnection {
    /// The pathways of this page with their cursors.
    pub edges: Vec<PathwayEdge>,
    /// The pathways of this page, without cursors.
    pub nodes: Vec<Pathway>,
    /// Paging state.
    pub page_info: PageInfo,
    /// Pathways matching the filter across all pages.
    pub total_count: i32,
}

/// A pathway in a page.
#[derive(Debug, Clone, SimpleObject)]
pub struct PathwayEdge {
    /// Opaque cursor of this row: pass it as `after` to continue after it.
    pub cursor: String,
    /// The pathway.
    pub node: Pathway,
}

async fn pathway_connection(
    ctx: &Context<'_>,
    filter: reads::PathwayFilter,
    first: Option<i32>,
    after: Option<String>,
) -> GqlResult<PathwayConnection> {
    let request = PageRequest::new(first, after.as_deref())?;
    let visibility = PathwayVisibility::of(viewer(ctx));
    let found = reads::find_pathways(db(ctx)?, &filter, &visibility, &request).await?;
    let look = ctx.look_ahead();
    let selection = [look.field("nodes"), look.field("edges").field("node")];
    prefetch_pathways(ctx.data::<Loaders>()?, &selection, &found.page.rows).await?;
    let edges: Vec<PathwayEdge> = found
        .page
        .rows
        .iter()
        .map(|row| PathwayEdge {
            cursor: reads::cursor(row).encode(),
            node: Pathway(row.clone()),
        })
        .collect();
    let page_info = PageInfo {
        has_next_page: found.page.has_next_page,
        has_previous_page: found.page.has_previous_page,
        start_cursor: edges.first().map(|e| e.cursor.clone()),
        end_cursor: edges.last().map(|e| e.cursor.clone()),
    };
    Ok(PathwayConnection {
        nodes: edges.iter().map(|e| e.node.clone()).collect(),
        edges,
        page_info,
        total_count: i32::try_from(found.total).unwrap_or(i32::MAX),
    })
}

/// Reads of pathways.
#[derive(Default)]
pub struct PathwayQuery;

/// Reads of pathways.
#[Object]
impl PathwayQuery {
    /// Pathways by name. Anonymous callers find published pathways only;
    /// partners also their own drafts and archived ones; admins all.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    async fn pathways(
        &self,
        ctx: &Context<'_>,
        filter: Option<PathwayFilter>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last pathway of the previous page.")] after: Option<String>,
    ) -> GqlResult<PathwayConnection> {
        let filter = filter.unwrap_or_default().into_domain()?;
        pathway_connection(ctx, filter, first, after).await
    }

    /// One pathway by id (global or raw); null when there is none, and null
    /// with a FORBIDDEN error for someone else's draft or archived pathway.
    async fn pathway(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Pathway>> {
        let raw = ids::decode(&id, Kind::Pathway, &["id"])?;
        pathway_node(ctx, raw).await
    }

    /// The caller's pathways that need review (a step's service has ended,
    /// a target is gone, or steps at the entry locations have none), by name; admins see every one. Needs the
    /// `pathways:write` scope.
    #[graphql(
        guard = "Scope(PATHWAYS_WRITE)",
        complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity"
    )]
    async fn pathway_review_list(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last pathway of the previous page.")] after: Option<String>,
    ) -> GqlResult<PathwayConnection> {
        let viewer = caller(ctx)?;
        let filter = reads::PathwayFilter {
            needs_review: Some(true),
            owner_partner_id: (!viewer.is_admin()).then(|| viewer.partner.id.clone()),
            ..reads::PathwayFilter::default()
        };
        pathway_connection(ctx, filter, first, after).await
    }

    /// Aggregate activity along a pathway (counts only; no personal data exists). HSCP of the pathway's area, or admin.
    async fn pathway_activity(
        &self,
        ctx: &Context<'_>,
        pathway_id: ID,
        #[graphql(desc = "First day, inclusive.")] from: Date,
        #[graphql(desc = "Last day, inclusive; at most three years after `from`.")] to: Date,
        #[graphql(
            default_with = "Some(BucketValue::Week)",
            desc = "The period counts are summed over."
        )]
        bucket: Option<BucketValue>,
    ) -> GqlResult<Vec<PathwayActivityBucket>> {
        let raw = ids::decode(&pathway_id, Kind::Pathway, &["pathwayId"])?;
        // Someone else's draft or archived pathway is answered as an unknown
        // id is, before any other check can tell them apart.
        let visibility = PathwayVisibility::of(viewer(ctx));
        let Some(row) = load(ctx, PathwayById(raw))
            .await?
            .filter(|row| visibility.sees(&row.owner_partner_id, is_published(row)))
        else {
            return Err(AppError::NotFound(NOT_VISIBLE.into()).into());
        };
        PathwayReports(&row.id).check(ctx).await?;
        // A null `$bucket` variable means the default, as an omitted one does.
        activity_of(ctx, &row.id, from, to, bucket.unwrap_or(BucketValue::Week)).await
    }
}
