//! Field guards: the GraphQL side of `partners::access`. A guarded field
//! refuses before its resolver runs, wherever it is reached (root field,
//! nested edge or `node(id:)`): a nullable field becomes null with the
//! error, a non-null one nulls its parent, as the GraphQL spec says.
//!
//! A nullable field checks its guard itself ([`refused_as_null`]) rather
//! than through `#[graphql(guard)]`: async-graphql 7.2 leaves a nullable
//! field whose guard refuses out of the response instead of answering null,
//! and answers null for a parent all of whose selected fields were refused
//! (async-graphql issues 798 and 1532), which clients that read the
//! response by its schema (Apollo's cache, generated types) take for a
//! broken response. `null_propagation` completes the response the same way
//! for every other failed field; the guarded fields do not depend on it.
//!
//! Rules that depend on the record (ownership, the record's area) are
//! checked by the resolver against the record as stored, through the same
//! `partners::access` functions.

use async_graphql::{Context, Guard};

use super::errors::GqlResult;
use crate::error::AppError;
use crate::partners::{Viewer, access};

/// The caller of this request, if signed in.
pub fn viewer<'a>(ctx: &Context<'a>) -> Option<&'a Viewer> {
    ctx.data_opt::<Viewer>()
}

/// The signed-in caller; for resolvers behind `Scope` or `Admin`.
pub fn caller<'a>(ctx: &Context<'a>) -> Result<&'a Viewer, AppError> {
    access::signed_in(viewer(ctx))
}

/// Checks `guard` for a nullable field: `true` when it refuses, after
/// reporting the error at the field's path; the field then answers null.
pub async fn refused_as_null(ctx: &Context<'_>, guard: &impl Guard) -> bool {
    match guard.check(ctx).await {
        Ok(()) => false,
        Err(error) => {
            ctx.add_error(ctx.set_error_path(error.into_server_error(ctx.item.pos)));
            true
        }
    }
}

/// The caller must hold the scope (or `admin`): UNAUTHENTICATED when
/// anonymous, FORBIDDEN otherwise.
pub struct Scope(pub &'static str);

impl Guard for Scope {
    async fn check(&self, ctx: &Context<'_>) -> GqlResult<()> {
        access::with_scope(viewer(ctx), self.0)?;
        Ok(())
    }
}

/// The caller must be an admin with the `admin` scope; the text names what
/// is guarded, for the error message.
pub struct Admin(pub &'static str);

impl Guard for Admin {
    async fn check(&self, ctx: &Context<'_>) -> GqlResult<()> {
        access::admin(viewer(ctx), self.0)?;
        Ok(())
    }
}

/// The caller must be the partner itself or an admin.
pub struct PartnerItself<'a>(pub &'a str);

impl Guard for PartnerItself<'_> {
    async fn check(&self, ctx: &Context<'_>) -> GqlResult<()> {
        if access::may_see_partner(viewer(ctx), self.0) {
            Ok(())
        } else {
            Err(AppError::Forbidden("only the partner itself or an admin can see a partner".into()).into())
        }
    }
}

/// The caller may read the reports of a record kept by an organisation in
/// a council area: its keeper, the area's HSCP (`reports:read`) or an admin.
pub struct Reports<'a> {
    pub organization_id: &'a str,
    pub area_code: &'a str,
}

impl Guard for Reports<'_> {
    async fn check(&self, ctx: &Context<'_>) -> GqlResult<()> {
        if access::may_read_reports(viewer(ctx), self.organization_id, self.area_code) {
            Ok(())
        } else {
            Err(
                AppError::Forbidden("history is for the keeper, the HSCP of the area (reports:read) and admins".into())
                    .into(),
            )
        }
    }
}
