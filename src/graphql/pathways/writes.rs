//! Writing pathways: creating, editing, publishing and archiving them,
//! setting their steps, and recording referral counts.

use super::*;

/// One step of a pathway. Say where it happens with at most one of
/// `serviceId`, `organizationId`, `locationId`, `url` and `atEntryLocation`;
/// with none of them the step is an instruction ("Talk to your GP").
#[derive(Debug, InputObject)]
pub struct PathwayStepInput {
    /// An existing step of the same pathway to keep (with its activity
    /// counts) in this place; omit for a new step.
    pub id: Option<ID>,
    /// What happens at this step, up to 200 characters; a draft's step may
    /// leave it empty for now, publishing needs it.
    pub title: String,
    /// More about the step.
    pub description: Option<String>,
    /// How a person gets to this step.
    pub referral_method: ReferralMethodValue,
    /// Whether the person needs an appointment (default false).
    pub appointment_required: Option<bool>,
    /// Who the step is for, in words.
    pub eligibility: Option<String>,
    /// How to get in touch or be referred.
    pub contact_instructions: Option<String>,
    /// Target: a service.
    pub service_id: Option<ID>,
    /// Target: an organisation.
    pub organization_id: Option<ID>,
    /// Target: a place.
    pub location_id: Option<ID>,
    /// Target: a web page (absolute http or https URL).
    pub url: Option<String>,
    /// The step happens at whichever of the pathway's entry locations the
    /// person is at, e.g. library staff at the library they walked into
    /// (default false). Publishing needs the pathway to have entry locations.
    pub at_entry_location: Option<bool>,
}

fn step_fields(steps: Vec<PathwayStepInput>) -> GqlResult<Vec<StepFields>> {
    steps
        .into_iter()
        .enumerate()
        .map(|(i, step)| {
            let index = i.to_string();
            let decode = |id: &Option<ID>, kind: Kind, field: &str| -> GqlResult<Option<String>> {
                Ok(match id {
                    Some(id) => Some(ids::decode(id, kind, &["input", "steps", &index, field])?),
                    None => None,
                })
            };
            Ok(StepFields {
                id: step.id.map(|id| id.0),
                title: step.title,
                description: step.description,
                referral_method: step.referral_method.into(),
                appointment_required: step.appointment_required.unwrap_or(false),
                eligibility: step.eligibility,
                contact_instructions: step.contact_instructions,
                service_id: decode(&step.service_id, Kind::Service, "serviceId")?,
                organization_id: decode(&step.organization_id, Kind::Organization, "organizationId")?,
                location_id: decode(&step.location_id, Kind::Location, "locationId")?,
                url: step.url,
                at_entry_location: step.at_entry_location.unwrap_or(false),
            })
        })
        .collect()
}

fn decode_locations(ids: &Option<Vec<ID>>) -> GqlResult<Option<Vec<String>>> {
    Ok(match ids {
        Some(list) => Some(ids::decode_list(list, Kind::Location, "entryLocationIds")?),
        None => None,
    })
}

fn decode_audience(ids: &Option<Vec<ID>>) -> GqlResult<Option<Vec<String>>> {
    Ok(match ids {
        Some(list) => Some(ids::decode_list(list, Kind::TaxonomyTerm, "audienceTermIds")?),
        None => None,
    })
}

/// A new pathway; it starts as a draft.
#[derive(Debug, InputObject)]
pub struct CreatePathwayInput {
    /// Name, 1 to 200 characters.
    pub name: String,
    /// What the pathway is for and how it works.
    pub description: Option<String>,
    /// Council areas (GSS codes) it serves: all of them yours (admins: any).
    pub area_codes: Vec<String>,
    /// Who it is for (`audience` terms).
    pub audience_term_ids: Option<Vec<ID>>,
    /// Where people usually enter (e.g. a library).
    pub entry_location_ids: Option<Vec<ID>>,
    /// The steps, in order.
    pub steps: Option<Vec<PathwayStepInput>>,
}

/// Changes to a pathway's own fields: omitted fields stay, an explicit
/// null clears (a list: empties it); the name and the areas cannot be
/// cleared. Steps change with `setPathwaySteps`.
#[derive(Debug, InputObject)]
pub struct UpdatePathwayInput {
    /// The pathway.
    pub id: ID,
    /// New name (cannot be cleared).
    pub name: MaybeUndefined<String>,
    /// New description; null clears it.
    pub description: MaybeUndefined<String>,
    /// New council areas: all of them yours (admins: any); at least one.
    pub area_codes: MaybeUndefined<Vec<String>>,
    /// New audience (replaces the list; null empties it).
    pub audience_term_ids: MaybeUndefined<Vec<ID>>,
    /// New entry locations (replaces the list; null empties it).
    pub entry_location_ids: MaybeUndefined<Vec<ID>>,
    /// The version the change is based on; a stale one is a CONFLICT.
    pub expected_version: Option<i32>,
}

/// All the steps of a pathway, replacing the ones it has.
#[derive(Debug, InputObject)]
pub struct SetPathwayStepsInput {
    /// The pathway.
    pub id: ID,
    /// The steps, in order. Pass a step's `id` to keep it.
    pub steps: Vec<PathwayStepInput>,
    /// The version the change is based on; a stale one is a CONFLICT.
    pub expected_version: Option<i32>,
}

/// A pathway to publish or archive.
#[derive(Debug, InputObject)]
pub struct PathwayTransitionInput {
    /// The pathway.
    pub id: ID,
    /// The version the change is based on; a stale one is a CONFLICT.
    pub expected_version: Option<i32>,
}

/// A count of referrals made along a pathway, or one of its steps, on a
/// date. Counts only: there is nowhere to put anything about a person.
#[derive(Debug, InputObject)]
pub struct RecordPathwayActivityInput {
    /// The pathway (published, or archived for late counts).
    pub pathway_id: ID,
    /// The step, when the count is for one step.
    pub step_id: Option<ID>,
    /// The day the referrals were made; not in the future, at most two years back.
    pub date: Date,
    /// How many, 1 to 10,000; counts add up.
    pub referrals: i32,
}

/// The result of a pathway write.
#[derive(SimpleObject)]
pub struct PathwayPayload {
    /// The pathway as written; null when the input was refused.
    pub pathway: Option<Pathway>,
    /// Why the input was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

impl PathwayPayload {
    fn refused(errors: Vec<crate::services::writes::UserError>) -> PathwayPayload {
        PathwayPayload {
            pathway: None,
            user_errors: errors.into_iter().map(Into::into).collect(),
        }
    }
}

/// The result of `recordPathwayActivity`.
#[derive(SimpleObject)]
pub struct RecordPathwayActivityPayload {
    /// Whether the count was added.
    pub ok: bool,
    /// Why the input was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Reads the pathway a write is about, in the write's transaction, and
/// checks that the caller curates it.
async fn curated(ctx: &Context<'_>, txn: &sea_orm::DatabaseTransaction, id: &ID) -> GqlResult<pathway::Model> {
    let viewer = caller(ctx)?;
    let raw = ids::decode(id, Kind::Pathway, &["input", "id"])?;
    let existing = domain::find_pathway(txn, &raw)
        .await?
        // A pathway the caller may not see (someone else's draft or
        // archived pathway) is refused as an unknown id is, so that the
        // refusal does not tell it exists.
        .filter(|row| {
            row.status == PathwayStatus::Published.as_str()
                || PathwayVisibility::of(Some(viewer)).sees(&row.owner_partner_id, false)
        })
        .ok_or_else(|| AppError::NotFound("no such pathway".into()))?;
    let areas = domain::area_codes_of(txn, &existing.id).await?;
    if !access::may_curate_pathway(viewer, &existing.owner_partner_id, &areas) {
        return Err(
            AppError::Forbidden("a pathway is curated by its owner (the HSCP of its areas) and admins".into()).into(),
        );
    }
    Ok(existing)
}

/// Answers a curating write: the refusal as it is (the transaction rolls
/// back), or the pathway once the audit row is written and all committed.
async fn answer(
    ctx: &Context<'_>,
    txn: crate::write_turns::WriteTransaction,
    action: &str,
    outcome: crate::services::writes::Outcome<pathway::Model>,
    fields: &[&str],
) -> GqlResult<PathwayPayload> {
    let row = match outcome {
        Ok(row) => row,
        Err(errors) => return Ok(PathwayPayload::refused(errors)),
    };
    finish(ctx, txn, action, &row.id, fields).await?;
    Ok(PathwayPayload {
        pathway: Some(Pathway(row)),
        user_errors: Vec::new(),
    })
}

/// Checks that the caller may serve every one of `area_codes`.
fn must_cover(ctx: &Context<'_>, area_codes: &[String]) -> GqlResult<()> {
    let viewer = caller(ctx)?;
    if access::covers_areas(viewer, area_codes) {
        Ok(())
    } else {
        Err(AppError::Forbidden("an HSCP curates pathways of its own council areas only".into()).into())
    }
}

/// Writes the audit row and commits.
async fn finish(
    ctx: &Context<'_>,
    txn: crate::write_turns::WriteTransaction,
    action: &str,
    entity_id: &str,
    fields: &[&str],
) -> GqlResult<()> {
    let viewer = caller(ctx)?;
    let request_id = ctx.data_opt::<RequestId>();
    audit::record(&txn, Some(viewer), action, "pathway", entity_id, fields, request_id).await?;
    txn.commit().await.map_err(AppError::from)?;
    Ok(())
}

fn normalised_areas(codes: Vec<String>) -> Vec<String> {
    codes.into_iter().map(|c| c.trim().to_uppercase()).collect()
}

/// Writes on pathways.
#[derive(Default)]
pub struct PathwayWrites;

/// Writes on pathways.
#[Object]
impl PathwayWrites {
    /// Creates a draft pathway in the caller's council areas (admins: any),
    /// owned by the caller. Needs the `pathways:write` scope.
    #[graphql(guard = "Scope(PATHWAYS_WRITE)")]
    async fn create_pathway(&self, ctx: &Context<'_>, input: CreatePathwayInput) -> GqlResult<PathwayPayload> {
        let viewer = caller(ctx)?;
        let new = NewPathway {
            name: input.name,
            description: input.description,
            area_codes: normalised_areas(input.area_codes),
            audience_term_ids: decode_audience(&input.audience_term_ids)?.unwrap_or_default(),
            entry_location_ids: decode_locations(&input.entry_location_ids)?.unwrap_or_default(),
            steps: step_fields(input.steps.unwrap_or_default())?,
        };
        must_cover(ctx, &new.area_codes)?;
        let txn = begin_write(db(ctx)?).await?;
        let mut fields = vec!["name", "areaCodes"];
        fields.extend(new.description.as_ref().map(|_| "description"));
        fields.extend(input.audience_term_ids.as_ref().map(|_| "audienceTermIds"));
        fields.extend(input.entry_location_ids.as_ref().map(|_| "entryLocationIds"));
        fields.extend((!new.steps.is_empty()).then_some("steps"));
        let outcome = domain::create_pathway(&txn, &new, &viewer.partner.id, Utc::now()).await?;
        answer(ctx, txn, "pathway.create", outcome, &fields).await
    }

    /// Changes a pathway's name, description, areas, audience or entry
    /// locations. For its owner (in its areas) and admins; needs the
    /// `pathways:write` scope.
    #[graphql(guard = "Scope(PATHWAYS_WRITE)")]
    async fn update_pathway(&self, ctx: &Context<'_>, input: UpdatePathwayInput) -> GqlResult<PathwayPayload> {
        let mut cleared = Vec::new();
        let description = match input.description {
            MaybeUndefined::Undefined => None,
            other => Some(patch(other, "description", &mut cleared)),
        };
        let edit = PathwayEdit {
            // A null name or area list is checked as an empty one: `REQUIRED`.
            name: match input.name {
                MaybeUndefined::Value(name) => Some(name),
                MaybeUndefined::Null => Some(String::new()),
                MaybeUndefined::Undefined => None,
            },
            description,
            area_codes: replaced_list(input.area_codes).map(normalised_areas),
            audience_term_ids: decode_audience(&replaced_list(input.audience_term_ids))?,
            entry_location_ids: decode_locations(&replaced_list(input.entry_location_ids))?,
        };
        if let Some(codes) = &edit.area_codes {
            must_cover(ctx, codes)?;
        }
        let txn = begin_write(db(ctx)?).await?;
        let existing = curated(ctx, &txn, &input.id).await?;
        let outcome = domain::update_pathway(&txn, existing, &edit, input.expected_version, Utc::now()).await?;
        answer(ctx, txn, "pathway.update", outcome, &edit.given()).await
    }

    /// Replaces the ordered steps of a pathway in one go.
    #[graphql(guard = "Scope(PATHWAYS_WRITE)")]
    async fn set_pathway_steps(&self, ctx: &Context<'_>, input: SetPathwayStepsInput) -> GqlResult<PathwayPayload> {
        let steps = step_fields(input.steps)?;
        let txn = begin_write(db(ctx)?).await?;
        let existing = curated(ctx, &txn, &input.id).await?;
        let outcome = domain::set_steps(&txn, existing, &steps, input.expected_version, Utc::now()).await?;
        answer(ctx, txn, "pathway.set_steps", outcome, &["steps"]).await
    }

    /// Publishes a draft or archived pathway. It needs at least one step,
    /// each with a title; every step's target must exist, every service must
    /// be running, and steps at the entry locations need the pathway to have
    /// some. Every problem comes back at once, naming the pathway's fields
    /// (`steps`, `steps.<index>.<field>`, `entryLocations`).
    #[graphql(guard = "Scope(PATHWAYS_WRITE)")]
    async fn publish_pathway(&self, ctx: &Context<'_>, input: PathwayTransitionInput) -> GqlResult<PathwayPayload> {
        let txn = begin_write(db(ctx)?).await?;
        let existing = curated(ctx, &txn, &input.id).await?;
        let outcome = domain::publish(&txn, existing, input.expected_version, Utc::now()).await?;
        answer(ctx, txn, "pathway.publish", outcome, &[]).await
    }

    /// Archives a pathway: it leaves public view (the change feed reports
    /// it as deleted) and can be published again.
    #[graphql(guard = "Scope(PATHWAYS_WRITE)")]
    async fn archive_pathway(&self, ctx: &Context<'_>, input: PathwayTransitionInput) -> GqlResult<PathwayPayload> {
        let txn = begin_write(db(ctx)?).await?;
        let existing = curated(ctx, &txn, &input.id).await?;
        let outcome = domain::archive(&txn, existing, input.expected_version, Utc::now()).await?;
        answer(ctx, txn, "pathway.archive", outcome, &[]).await
    }

    /// Adds a count of referrals made along a pathway (or one of its steps)
    /// on a date. For libraries, third-sector bodies and HSCPs working in
    /// one of the pathway's areas, with the `pathways:activity` scope.
    #[graphql(guard = "Scope(PATHWAYS_ACTIVITY)")]
    async fn record_pathway_activity(
        &self,
        ctx: &Context<'_>,
        input: RecordPathwayActivityInput,
    ) -> GqlResult<RecordPathwayActivityPayload> {
        let viewer = caller(ctx)?;
        let raw = ids::decode(&input.pathway_id, Kind::Pathway, &["input", "pathwayId"])?;
        let new = NewActivity {
            step_id: input.step_id.map(|id| id.0),
            date: input.date.0,
            referrals: input.referrals,
        };
        let txn = begin_write(db(ctx)?).await?;
        let pathway = domain::find_pathway(&txn, &raw)
            .await?
            // Someone else's draft is as good as absent; an archived pathway
            // still takes late counts from the partners of its area.
            .filter(|row| {
                row.status != PathwayStatus::Draft.as_str()
                    || PathwayVisibility::of(Some(viewer)).sees(&row.owner_partner_id, false)
            })
            .ok_or_else(|| AppError::NotFound("no such pathway".into()))?;
        let areas = domain::area_codes_of(&txn, &pathway.id).await?;
        let partner_areas = crate::partners::working_areas(&txn, viewer).await?;
        if !access::may_record_pathway_activity(viewer, &partner_areas, &areas) {
            return Err(
                AppError::Forbidden("activity is recorded by partners working in the pathway's areas".into()).into(),
            );
        }
        let now = Utc::now();
        let today = now.with_timezone(&chrono_tz::Europe::London).date_naive();
        let row = match activity::record(&txn, &pathway, &new, &viewer.partner.id, today, now).await? {
            Ok(row) => row,
            Err(errors) => {
                return Ok(RecordPathwayActivityPayload {
                    ok: false,
                    user_errors: errors.into_iter().map(Into::into).collect(),
                });
            }
        };
        let mut fields = vec!["pathwayId", "date", "referrals"];
        fields.extend(row.step_id.as_ref().map(|_| "stepId"));
        let request_id = ctx.data_opt::<RequestId>();
        audit::record(
            &txn,
            Some(viewer),
            "pathway.record_activity",
            "pathway",
            &pathway.id,
            &fields,
            request_id,
        )
        .await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(RecordPathwayActivityPayload {
            ok: true,
            user_errors: Vec::new(),
        })
    }
}
