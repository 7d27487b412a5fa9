//! Referrals made along pathways: counts reported by the partners who make
//! them, summed by day, week or month for the HSCP's dashboard.
//!
//! Only counts exist: a row is a pathway, perhaps a step, a date and a
//! number. Nothing about a person can be stored, so nothing can leak.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{pathway, pathway_activity};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::model::{Bucket, PathwayStatus};
use super::writes::steps_of;
use crate::error::{AppError, AppResult};
use crate::services::writes::{Outcome, UserError};

/// More referrals on one day along one pathway than any partner makes: a
/// typo guard.
pub const REFERRALS_MAX: i32 = 10_000;
/// Counts may be reported late, but not for dates this long ago.
pub const BACKDATE_DAYS_MAX: u64 = 366 * 2;
/// The longest range `totals` sums over.
pub const RANGE_DAYS_MAX: i64 = 366 * 3;

/// A count to add.
#[derive(Debug, Clone)]
pub struct NewActivity {
    pub step_id: Option<String>,
    pub date: NaiveDate,
    pub referrals: i32,
}

/// Adds a count of referrals along `pathway` (read in this transaction)
/// made on a date up to `today` (the date in Scotland).
pub async fn record(
    txn: &impl ConnectionTrait,
    pathway: &pathway::Model,
    new: &NewActivity,
    partner_id: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<Outcome<pathway_activity::Model>> {
    let mut errors = Vec::new();
    if pathway.status == PathwayStatus::Draft.as_str() {
        errors.push(UserError::new(
            &["pathwayId"],
            "INVALID",
            "the pathway is a draft; referrals are counted along published pathways",
        ));
    }
    if !(1..=REFERRALS_MAX).contains(&new.referrals) {
        errors.push(UserError::new(
            &["referrals"],
            "INVALID",
            format!("a count from 1 to {REFERRALS_MAX}"),
        ));
    }
    if new.date > today {
        errors.push(UserError::new(&["date"], "INVALID", "the date is in the future"));
    } else if today - chrono::Days::new(BACKDATE_DAYS_MAX) > new.date {
        errors.push(UserError::new(
            &["date"],
            "INVALID",
            format!("counts go back at most {BACKDATE_DAYS_MAX} days"),
        ));
    }
    if let Some(step_id) = &new.step_id
        && !steps_of(txn, &pathway.id).await?.iter().any(|s| &s.id == step_id)
    {
        errors.push(UserError::new(&["stepId"], "NOT_FOUND", "not a step of this pathway"));
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let row = pathway_activity::Model {
        id: uuid::Uuid::new_v4().to_string(),
        pathway_id: pathway.id.clone(),
        step_id: new.step_id.clone(),
        on_date: new.date,
        referrals: new.referrals,
        partner_id: partner_id.to_owned(),
        recorded_at: now,
    };
    pathway_activity::Entity::insert(pathway_activity::ActiveModel::from(row.clone()))
        .exec_without_returning(txn)
        .await?;
    Ok(Ok(row))
}

/// Referrals in one period, for one step or (`step_id: None`) for counts
/// given for the pathway as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketTotal {
    pub start: NaiveDate,
    pub step_id: Option<String>,
    pub referrals: i64,
}

/// Checks a date range asked of `totals`; the error names the field.
pub fn check_range(from: NaiveDate, to: NaiveDate) -> AppResult<()> {
    if from > to {
        return Err(AppError::bad_input(&["from"], "from is after to"));
    }
    if (to - from).num_days() >= RANGE_DAYS_MAX {
        return Err(AppError::bad_input(
            &["to"],
            format!("at most {RANGE_DAYS_MAX} days at once"),
        ));
    }
    Ok(())
}

/// Where a step's count goes within a period: whole-pathway counts (0), steps
/// by position (1), removed steps by id (2).
type StepOrder = (i32, i32, String);

/// Referrals along a pathway from `from` to `to` (inclusive), summed per
/// period and step, oldest period first; within a period the whole-pathway
/// count comes first, then the steps in their current order (steps since
/// removed last). Periods without referrals are left out.
pub async fn totals(
    db: &impl ConnectionTrait,
    pathway_id: &str,
    from: NaiveDate,
    to: NaiveDate,
    bucket: Bucket,
) -> AppResult<Vec<BucketTotal>> {
    check_range(from, to)?;
    let rows: Vec<(NaiveDate, Option<String>, i64)> = pathway_activity::Entity::find()
        .select_only()
        .column(pathway_activity::Column::OnDate)
        .column(pathway_activity::Column::StepId)
        .column_as(Expr::cust("CAST(SUM(referrals) AS BIGINT)"), "referrals")
        .filter(pathway_activity::Column::PathwayId.eq(pathway_id))
        .filter(pathway_activity::Column::OnDate.between(from, to))
        .group_by(pathway_activity::Column::OnDate)
        .group_by(pathway_activity::Column::StepId)
        .into_tuple()
        .all(db)
        .await?;
    let positions: BTreeMap<String, i32> = steps_of(db, pathway_id)
        .await?
        .into_iter()
        .map(|s| (s.id, s.position))
        .collect();
    // Whole-pathway counts first (0), then steps by position, removed steps last.
    let order = |step: &Option<String>| match step {
        None => (0, 0, String::new()),
        Some(id) => match positions.get(id) {
            Some(position) => (1, *position, String::new()),
            None => (2, 0, id.clone()),
        },
    };
    let mut sums: BTreeMap<(NaiveDate, StepOrder), (Option<String>, i64)> = BTreeMap::new();
    for (date, step_id, referrals) in rows {
        let key = (bucket.start(date), order(&step_id));
        sums.entry(key).or_insert((step_id, 0)).1 += referrals;
    }
    Ok(sums
        .into_iter()
        .map(|((start, _), (step_id, referrals))| BucketTotal {
            start,
            step_id,
            referrals,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn ranges_are_ordered_and_bounded() {
        assert!(check_range(day("2026-01-01"), day("2026-01-01")).is_ok());
        assert_eq!(
            check_range(day("2026-02-01"), day("2026-01-01")).unwrap_err().code(),
            "BAD_USER_INPUT"
        );
        assert_eq!(
            check_range(day("2020-01-01"), day("2026-01-01")).unwrap_err().code(),
            "BAD_USER_INPUT"
        );
    }
}
