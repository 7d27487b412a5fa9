//! What one answer may cost while it is being resolved: the records it
//! holds and, for a read, the time it may take.
//!
//! The complexity budget (`limits`) refuses a query before it runs, but it
//! can only assume how long a plain list is: an organisation with 30
//! branches, asked for `locations { organization { locations ... } } }`,
//! multiplies by 30 at every level whatever was assumed. So every record
//! an answer takes from the request's loaders (where every nested field
//! reads) is charged here, and once the answer holds more than
//! `max_records` records, or a read has run past its deadline, each
//! further read fails at once. The whole answer is then replaced by one
//! error ([`ReadBudget::refusal`]): `RESPONSE_TOO_LARGE` or `TIMEOUT`.
//!
//! Charging also yields to the runtime every [`YIELD_EVERY`] records:
//! a query whose records all sit in the loaders' cache would otherwise
//! resolve without ever returning to the runtime, and no timer wrapped
//! around it could fire.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use async_graphql::{Context, ErrorExtensionValues, ServerError};

use crate::config::Limits;

/// The length assumed, before a query runs, for a plain list of records
/// that may be long and leads on to more lists: the complexity of such a
/// field is this many times its selection's. It is set on an
/// organisation's `locations` (a council's 30 branches), a location's
/// `services` and `pathwaysFrom`, a service's `pathways`, a term's
/// `children` and a pathway's `entryLocations`: every cycle of plain lists
/// in the schema (`organization { locations { organization ... } }`,
/// `locations { services { locations ... } }`, `pathways { steps { service
/// { pathways ... } } }`) passes through one of them, so its cost grows
/// tenfold each time round. Lists that are short by nature (a service's
/// phones and locations, a pathway's steps) count their selection once,
/// so that a page of 100 services, or of 50 pathways, with their details
/// stays within the budget.
pub const ASSUMED_LIST_LENGTH: usize = 10;

/// Records charged between two yields to the runtime.
pub const YIELD_EVERY: usize = 64;

/// Why an answer was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overrun {
    /// More records than `max_records`.
    TooLarge,
    /// A read past its deadline.
    TooSlow,
}

/// The budget of one operation's answer (of each answer, for a
/// subscription: see [`ReadBudget::next_answer`]).
#[derive(Debug)]
pub struct ReadBudget {
    max_records: usize,
    deadline: Option<Instant>,
    records: AtomicUsize,
    /// Set by the first charge that failed.
    too_large: AtomicBool,
    too_slow: AtomicBool,
}

impl ReadBudget {
    /// A budget of `max_records`; with a deadline, reads past it fail.
    pub fn new(max_records: usize, deadline: Option<Instant>) -> Arc<ReadBudget> {
        Arc::new(ReadBudget {
            max_records,
            deadline,
            records: AtomicUsize::new(0),
            too_large: AtomicBool::new(false),
            too_slow: AtomicBool::new(false),
        })
    }

    /// The budget of an operation under `limits`: a read (a query) ends at
    /// the request timeout from now; writes and subscriptions have no
    /// deadline (a write cut off mid-commit could be made yet reported as
    /// failed).
    pub fn for_operation(limits: &Limits, read: bool) -> Arc<ReadBudget> {
        let deadline = read.then(|| Instant::now() + limits.request_timeout);
        ReadBudget::new(limits.max_response_records, deadline)
    }

    /// Takes `records` from the budget; an error once it is spent or past
    /// its deadline (and for every charge after that).
    pub fn spend(&self, records: usize) -> Result<(), Overrun> {
        if let Some(overrun) = self.overrun() {
            return Err(overrun);
        }
        if self.deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            self.too_slow.store(true, Ordering::Relaxed);
            return Err(Overrun::TooSlow);
        }
        let spent = self
            .records
            .fetch_add(records, Ordering::Relaxed)
            .saturating_add(records);
        if spent > self.max_records {
            self.too_large.store(true, Ordering::Relaxed);
            return Err(Overrun::TooLarge);
        }
        Ok(())
    }

    /// Whether the answer was stopped, and why.
    pub fn overrun(&self) -> Option<Overrun> {
        if self.too_large.load(Ordering::Relaxed) {
            Some(Overrun::TooLarge)
        } else if self.too_slow.load(Ordering::Relaxed) {
            Some(Overrun::TooSlow)
        } else {
            None
        }
    }

    /// A subscription's next answer starts with the whole budget again.
    pub fn next_answer(&self) {
        self.records.store(0, Ordering::Relaxed);
        self.too_large.store(false, Ordering::Relaxed);
    }

    /// The one error that replaces a stopped answer, if it was stopped.
    pub fn refusal(&self) -> Option<ServerError> {
        Some(match self.overrun()? {
            Overrun::TooLarge => too_large(&format!(
                "the answer would hold more than {} records; ask for fewer fields or smaller pages",
                self.max_records
            )),
            Overrun::TooSlow => timed_out(),
        })
    }
}

/// An error with `extensions.code`.
fn coded(message: &str, code: &str) -> ServerError {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default)
        .set("code", code);
    error
}

/// The error for a read that outlasted the request timeout.
pub fn timed_out() -> ServerError {
    coded("the request took too long", "TIMEOUT")
}

/// The error for an answer over the size cap.
pub fn too_large(message: &str) -> ServerError {
    coded(message, "RESPONSE_TOO_LARGE")
}

/// The error for an encoded answer of `bytes` over `max_bytes`.
pub fn too_many_bytes(bytes: usize, max_bytes: usize) -> ServerError {
    too_large(&format!(
        "the answer is {bytes} bytes, over the limit of {max_bytes}; ask for fewer fields or smaller pages"
    ))
}

/// Charges `records` read for the answer to the request's budget (none
/// on schemas used without one, such as the tests of single resolvers),
/// yielding to the runtime now and then.
pub async fn charge(ctx: &Context<'_>, records: usize) -> async_graphql::Result<()> {
    let Ok(budget) = ctx.data::<Arc<ReadBudget>>() else {
        return Ok(());
    };
    let before = budget.records.load(Ordering::Relaxed);
    if let Err(overrun) = budget.spend(records) {
        // The whole answer is replaced by one error afterwards; this one
        // only stops the work.
        let message = match overrun {
            Overrun::TooLarge => "the answer is too large",
            Overrun::TooSlow => "the request took too long",
        };
        return Err(async_graphql::Error::new(message));
    }
    if before / YIELD_EVERY != (before + records) / YIELD_EVERY {
        tokio::task::yield_now().await;
    }
    Ok(())
}

/// Replaces a stopped answer by its one error; leaves others alone.
pub fn settle(response: &mut async_graphql::Response, budget: &ReadBudget) {
    if let Some(error) = budget.refusal() {
        *response = async_graphql::Response::from_errors(vec![error]);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn records_past_the_budget_are_refused_and_stay_refused() {
        let budget = ReadBudget::new(10, None);
        assert_eq!(budget.spend(4), Ok(()));
        assert_eq!(budget.spend(6), Ok(()));
        assert_eq!(budget.refusal(), None);
        assert_eq!(budget.spend(1), Err(Overrun::TooLarge));
        assert_eq!(budget.spend(0), Err(Overrun::TooLarge), "nothing more once spent");
        let error = budget.refusal().expect("stopped");
        assert!(error.message.contains("more than 10 records"), "{}", error.message);
    }

    #[test]
    fn a_read_past_its_deadline_is_refused() {
        let budget = ReadBudget::new(1_000, Some(Instant::now() - Duration::from_millis(1)));
        assert_eq!(budget.spend(1), Err(Overrun::TooSlow));
        let error = budget.refusal().expect("stopped");
        assert_eq!(error.message, "the request took too long");
    }

    #[test]
    fn each_answer_of_a_subscription_has_the_whole_budget() {
        let budget = ReadBudget::new(3, None);
        assert_eq!(budget.spend(3), Ok(()));
        assert_eq!(budget.spend(1), Err(Overrun::TooLarge));
        budget.next_answer();
        assert_eq!(budget.spend(3), Ok(()));
    }
}
