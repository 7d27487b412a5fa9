//! The access rules of hubgraph, all in one place (DESIGN.md "Access
//! model"). Every resolver and guard asks these functions; none decides on
//! its own. The rules look at the `Viewer` (read from the database on each
//! request) and at the record as stored, never at what the client says.
//!
//! | kind         | reads beyond public data              | writes                                   |
//! | ------------ | ------------------------------------- | ---------------------------------------- |
//! | library      | its own hubs' history                 | its organisation's services, locations, hubs |
//! | third-sector | -                                     | its organisation's services, locations   |
//! | hscp         | hub history and pathway activity in its areas (`reports:read`); its own draft pathways | its own pathways in its areas |
//! | admin        | everything (`admin` scope)            | everything                               |
//!
//! Libraries, third-sector bodies and HSCPs record pathway activity counts
//! (`pathways:activity`) on published pathways of their areas.

use super::auth::Viewer;
use super::kind::{ADMIN, PartnerKind, REPORTS_READ};
use crate::error::AppError;

/// The caller, who must be signed in.
pub fn signed_in(viewer: Option<&Viewer>) -> Result<&Viewer, AppError> {
    viewer.ok_or(AppError::Unauthenticated)
}

/// The caller, who must hold `scope` (the `admin` scope stands in for any).
pub fn with_scope<'a>(viewer: Option<&'a Viewer>, scope: &str) -> Result<&'a Viewer, AppError> {
    let viewer = signed_in(viewer)?;
    if viewer.has_scope(scope) || viewer.has_scope(ADMIN) {
        Ok(viewer)
    } else {
        Err(AppError::Forbidden(format!("the token lacks the {scope} scope")))
    }
}

/// The caller, who must be an admin partner holding the `admin` scope.
pub fn admin<'a>(viewer: Option<&'a Viewer>, what: &str) -> Result<&'a Viewer, AppError> {
    let viewer = signed_in(viewer)?;
    if viewer.is_admin() {
        Ok(viewer)
    } else {
        Err(AppError::Forbidden(format!("{what} is for admins only")))
    }
}

/// Whether the caller keeps the records of `organization_id` (its
/// services, locations and hubs): admins any; libraries and third-sector
/// bodies their own organisation only; HSCPs none.
pub fn keeps_organization(viewer: &Viewer, organization_id: &str) -> bool {
    match viewer.kind {
        // The write scope was checked first; an admin's kind covers every record.
        PartnerKind::Admin => true,
        PartnerKind::Library | PartnerKind::ThirdSector => {
            viewer.partner.organization_id.as_deref() == Some(organization_id)
        }
        PartnerKind::Hscp => false,
    }
}

/// Refuses a write to a record of another organisation.
pub fn must_keep_organization(viewer: &Viewer, organization_id: &str, what: &str) -> Result<(), AppError> {
    if keeps_organization(viewer, organization_id) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!("{what} belongs to another organization")))
    }
}

/// Whether the caller may see partner `partner_id`'s details: the partner
/// itself or an admin.
pub fn may_see_partner(viewer: Option<&Viewer>, partner_id: &str) -> bool {
    viewer.is_some_and(|v| v.is_admin() || v.partner.id == partner_id)
}

/// Whether the caller may read the reports (hub history) of a record kept
/// by `organization_id` in council area `area_code`: the organisation that
/// keeps it, the HSCP covering the area (with `reports:read`), or an admin.
pub fn may_read_reports(viewer: Option<&Viewer>, organization_id: &str, area_code: &str) -> bool {
    let Some(viewer) = viewer else { return false };
    match viewer.kind {
        PartnerKind::Admin => viewer.is_admin() || viewer.has_scope(REPORTS_READ),
        PartnerKind::Library | PartnerKind::ThirdSector => keeps_organization(viewer, organization_id),
        PartnerKind::Hscp => viewer.has_scope(REPORTS_READ) && viewer.area_codes.iter().any(|a| a == area_code),
    }
}

/// Whether the caller may curate records of council areas `area_codes`
/// (pathways): admins any; an HSCP only when every area is one of its own.
pub fn covers_areas(viewer: &Viewer, area_codes: &[String]) -> bool {
    match viewer.kind {
        PartnerKind::Admin => true,
        PartnerKind::Hscp => area_codes.iter().all(|a| viewer.area_codes.contains(a)),
        PartnerKind::Library | PartnerKind::ThirdSector => false,
    }
}

/// Which pathways a caller may see: published ones for everyone; drafts
/// and archived ones only for their owner and for admins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathwayVisibility {
    /// Admins.
    Everything,
    /// A signed-in partner: published pathways and its own.
    PublishedAndOwnedBy(String),
    /// Anonymous callers.
    Published,
}

impl PathwayVisibility {
    pub fn of(viewer: Option<&Viewer>) -> PathwayVisibility {
        match viewer {
            Some(viewer) if viewer.is_admin() => PathwayVisibility::Everything,
            Some(viewer) => PathwayVisibility::PublishedAndOwnedBy(viewer.partner.id.clone()),
            None => PathwayVisibility::Published,
        }
    }

    /// Whether a pathway with this owner and publication state is visible.
    pub fn sees(&self, owner_partner_id: &str, published: bool) -> bool {
        published
            || match self {
                PathwayVisibility::Everything => true,
                PathwayVisibility::PublishedAndOwnedBy(partner_id) => partner_id == owner_partner_id,
                PathwayVisibility::Published => false,
            }
    }
}

/// Whether the caller may change a pathway owned by `owner_partner_id`
/// serving `area_codes`: admins any; an HSCP its own pathways, while every
/// area is still one of its own. (The `pathways:write` scope is checked
/// first, by the field's guard.)
pub fn may_curate_pathway(viewer: &Viewer, owner_partner_id: &str, area_codes: &[String]) -> bool {
    match viewer.kind {
        PartnerKind::Admin => true,
        PartnerKind::Hscp => viewer.partner.id == owner_partner_id && covers_areas(viewer, area_codes),
        PartnerKind::Library | PartnerKind::ThirdSector => false,
    }
}

/// Whether the caller may read the activity along a pathway serving
/// `area_codes`: an HSCP of one of those areas with `reports:read`, or an admin.
pub fn may_read_pathway_activity(viewer: Option<&Viewer>, area_codes: &[String]) -> bool {
    let Some(viewer) = viewer else { return false };
    match viewer.kind {
        PartnerKind::Admin => viewer.is_admin() || viewer.has_scope(REPORTS_READ),
        PartnerKind::Hscp => viewer.has_scope(REPORTS_READ) && area_codes.iter().any(|a| viewer.area_codes.contains(a)),
        PartnerKind::Library | PartnerKind::ThirdSector => false,
    }
}

/// Whether a partner working in `partner_areas` (its registered areas, and
/// for libraries and third-sector bodies those its organisation's
/// locations lie in by postcode: `partners::working_areas`) may record activity along a pathway serving `area_codes`:
/// when they share an area; admins anywhere. (The `pathways:activity`
/// scope is checked first, by the field's guard.)
pub fn may_record_pathway_activity(viewer: &Viewer, partner_areas: &[String], area_codes: &[String]) -> bool {
    viewer.kind == PartnerKind::Admin || area_codes.iter().any(|a| partner_areas.contains(a))
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use entity::partner;

    use super::*;
    use crate::partners::kind::{HUBS_WRITE, SERVICES_WRITE};

    fn viewer(kind: PartnerKind, organization: Option<&str>, areas: &[&str], scopes: &[&str]) -> Viewer {
        Viewer {
            partner: partner::Model {
                id: "p1".into(),
                name: "Partner".into(),
                kind: kind.as_str().into(),
                organization_id: organization.map(str::to_owned),
                disabled: false,
                created_at: Utc::now(),
                last_modified: Utc::now(),
            },
            kind,
            area_codes: areas.iter().map(|a| a.to_string()).collect(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            expires_at: Utc::now(),
            jti: "j".into(),
        }
    }

    #[test]
    fn anonymous_callers_are_unauthenticated_not_forbidden() {
        assert!(matches!(
            with_scope(None, SERVICES_WRITE),
            Err(AppError::Unauthenticated)
        ));
        assert!(matches!(admin(None, "x"), Err(AppError::Unauthenticated)));
        assert!(!may_read_reports(None, "o", "S12000019"));
        assert!(!may_see_partner(None, "p1"));
    }

    #[test]
    fn scopes_narrow_and_admin_stands_in() {
        let library = viewer(PartnerKind::Library, Some("o"), &[], &[HUBS_WRITE]);
        assert!(with_scope(Some(&library), HUBS_WRITE).is_ok());
        assert!(matches!(
            with_scope(Some(&library), SERVICES_WRITE),
            Err(AppError::Forbidden(_))
        ));
        let operator = viewer(PartnerKind::Admin, None, &[], &[ADMIN]);
        assert!(with_scope(Some(&operator), SERVICES_WRITE).is_ok());
        assert!(admin(Some(&operator), "x").is_ok());
        assert!(matches!(admin(Some(&library), "x"), Err(AppError::Forbidden(_))));
    }

    #[test]
    fn organisations_are_kept_by_their_own_partner() {
        let library = viewer(PartnerKind::Library, Some("o"), &[], &[]);
        assert!(keeps_organization(&library, "o"));
        assert!(!keeps_organization(&library, "other"));
        let hscp = viewer(PartnerKind::Hscp, None, &["S12000019"], &[REPORTS_READ]);
        assert!(!keeps_organization(&hscp, "o"));
        // The token's scope narrows what an admin may do, not which records.
        let narrowed = viewer(PartnerKind::Admin, None, &[], &[SERVICES_WRITE]);
        assert!(keeps_organization(&narrowed, "o"));
        assert!(!may_read_reports(Some(&narrowed), "o", "S12000019"));
    }

    #[test]
    fn reports_are_for_the_owner_the_area_hscp_and_admins() {
        let owner = viewer(PartnerKind::Library, Some("o"), &[], &[]);
        assert!(may_read_reports(Some(&owner), "o", "S12000019"));
        let other = viewer(PartnerKind::Library, Some("x"), &[], &[]);
        assert!(!may_read_reports(Some(&other), "o", "S12000019"));
        let hscp = viewer(PartnerKind::Hscp, None, &["S12000019"], &[REPORTS_READ]);
        assert!(may_read_reports(Some(&hscp), "o", "S12000019"));
        assert!(!may_read_reports(Some(&hscp), "o", "S12000036"));
        let unscoped = viewer(PartnerKind::Hscp, None, &["S12000019"], &[]);
        assert!(!may_read_reports(Some(&unscoped), "o", "S12000019"));
        let operator = viewer(PartnerKind::Admin, None, &[], &[ADMIN]);
        assert!(may_read_reports(Some(&operator), "o", "S12000036"));
    }

    #[test]
    fn hscps_cover_only_their_own_areas() {
        let hscp = viewer(PartnerKind::Hscp, None, &["S12000019", "S12000010"], &[]);
        assert!(covers_areas(&hscp, &["S12000019".into()]));
        assert!(!covers_areas(&hscp, &["S12000019".into(), "S12000036".into()]));
        let library = viewer(PartnerKind::Library, Some("o"), &[], &[]);
        assert!(!covers_areas(&library, &["S12000019".into()]));
    }

    #[test]
    fn drafts_are_for_their_owner_and_admins() {
        let owner = viewer(PartnerKind::Hscp, None, &["S12000019"], &[]);
        let mine = PathwayVisibility::of(Some(&owner));
        assert!(mine.sees("p1", false));
        assert!(!mine.sees("someone-else", false));
        assert!(mine.sees("someone-else", true));
        assert!(!PathwayVisibility::of(None).sees("p1", false));
        assert!(PathwayVisibility::of(None).sees("p1", true));
        let operator = viewer(PartnerKind::Admin, None, &[], &[ADMIN]);
        assert_eq!(PathwayVisibility::of(Some(&operator)), PathwayVisibility::Everything);
    }

    #[test]
    fn pathways_are_curated_by_their_owner_in_its_areas() {
        let owner = viewer(PartnerKind::Hscp, None, &["S12000019"], &[]);
        assert!(may_curate_pathway(&owner, "p1", &["S12000019".into()]));
        assert!(!may_curate_pathway(&owner, "p1", &["S12000036".into()]));
        assert!(!may_curate_pathway(&owner, "other", &["S12000019".into()]));
        let library = viewer(PartnerKind::Library, Some("o"), &["S12000019"], &[]);
        assert!(!may_curate_pathway(&library, "p1", &["S12000019".into()]));
        let operator = viewer(PartnerKind::Admin, None, &[], &[ADMIN]);
        assert!(may_curate_pathway(&operator, "p1", &["S12000036".into()]));
    }

    #[test]
    fn pathway_activity_is_read_by_the_area_hscp_and_recorded_by_partners_there() {
        let areas = ["S12000019".to_string()];
        let hscp = viewer(PartnerKind::Hscp, None, &["S12000019"], &[REPORTS_READ]);
        assert!(may_read_pathway_activity(Some(&hscp), &areas));
        let elsewhere = viewer(PartnerKind::Hscp, None, &["S12000036"], &[REPORTS_READ]);
        assert!(!may_read_pathway_activity(Some(&elsewhere), &areas));
        let library = viewer(PartnerKind::Library, Some("o"), &[], &[]);
        assert!(!may_read_pathway_activity(Some(&library), &areas));
        assert!(!may_read_pathway_activity(None, &areas));
        assert!(may_record_pathway_activity(&library, &areas, &areas));
        assert!(!may_record_pathway_activity(&library, &["S12000036".into()], &areas));
    }
}
