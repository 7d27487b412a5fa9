//! When a service or place is open (HSDS `schedule`).

use super::*;

// ---- schedule --------------------------------------------------------------

/// One HSDS schedule row: an iCalendar-style recurrence (freq WEEKLY with byDay;
/// MONTHLY with byDay like "1MO" or byMonthDay) with opening times and validity,
/// or a one-off closure/special opening (validFrom = validTo, closed true/false).
#[derive(Debug, Clone)]
pub struct Schedule(pub schedule::Model);

fn split_list(text: &Option<String>) -> Vec<String> {
    text.as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// One HSDS schedule row: an iCalendar-style recurrence (freq WEEKLY with byDay;
/// MONTHLY with byDay like "1MO" or byMonthDay) with opening times and validity,
/// or a one-off closure/special opening (validFrom = validTo, closed true/false).
#[Object]
impl Schedule {
    /// Recurrence frequency: WEEKLY or MONTHLY.
    async fn freq(&self) -> Option<&str> {
        self.0.freq.as_deref()
    }
    /// Every n weeks or months (default 1).
    async fn interval(&self) -> Option<i32> {
        self.0.interval
    }
    /// iCalendar days: MO..SU, or with an ordinal for monthly rules ("1MO" = first Monday).
    async fn by_day(&self) -> Vec<String> {
        split_list(&self.0.byday)
    }
    /// Days of the month for monthly rules.
    async fn by_month_day(&self) -> Vec<i32> {
        split_list(&self.0.bymonthday)
            .iter()
            .filter_map(|d| d.parse().ok())
            .collect()
    }
    /// Weeks of the year (iCalendar BYWEEKNO).
    async fn by_week_no(&self) -> Option<&str> {
        self.0.byweekno.as_deref()
    }
    /// Days of the year (iCalendar BYYEARDAY).
    async fn by_year_day(&self) -> Option<&str> {
        self.0.byyearday.as_deref()
    }
    /// Opening time, local time (Europe/London), HH:MM.
    async fn opens_at(&self) -> Option<&str> {
        self.0.opens_at.as_deref()
    }
    /// Closing time, local time (Europe/London), HH:MM.
    async fn closes_at(&self) -> Option<&str> {
        self.0.closes_at.as_deref()
    }
    /// First date the row applies.
    async fn valid_from(&self) -> Option<Date> {
        self.0.valid_from.map(Date)
    }
    /// Last date the row applies.
    async fn valid_to(&self) -> Option<Date> {
        self.0.valid_to.map(Date)
    }
    /// First occurrence of the recurrence.
    async fn dtstart(&self) -> Option<Date> {
        self.0.dtstart.map(Date)
    }
    /// Last date of the recurrence.
    async fn until(&self) -> Option<Date> {
        self.0.until.map(Date)
    }
    /// Number of occurrences.
    async fn count(&self) -> Option<i32> {
        self.0.count
    }
    /// First day of the week (iCalendar WKST).
    async fn wkst(&self) -> Option<&str> {
        self.0.wkst.as_deref()
    }
    /// UTC offset of the times, where given (HSDS `timezone`).
    async fn timezone(&self) -> Option<f64> {
        self.0.timezone
    }
    /// The times in words.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Link to a timetable.
    async fn schedule_link(&self) -> Option<&str> {
        self.0.schedule_link.as_deref()
    }
    /// How people attend: in person, online, by phone.
    async fn attending_type(&self) -> Option<&str> {
        self.0.attending_type.as_deref()
    }
    /// Anything else about the times.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// A one-off closure rather than an opening.
    async fn closed(&self) -> bool {
        self.0.closed
    }
}
