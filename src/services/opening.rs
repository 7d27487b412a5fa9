//! Opening hours from HSDS 3.0 schedules: is a service or location open at an
//! instant? Pure functions, no database.
//!
//! How a schedule row is read:
//! - Dates and times are Europe/London local time (the row's `timezone` offset
//!   is ignored: every service here is in Scotland, and a fixed offset would be
//!   wrong for half of the year).
//! - A row applies on a local date when the date lies within `valid_from..=valid_to`,
//!   on or after `dtstart`, on or before `until` (each bound optional), and the
//!   recurrence matches the date:
//!   - `byday` entries without an ordinal (`MO`) match that weekday; with one
//!     (`1MO`, `-1FR`) they match that weekday's position in the month, whatever
//!     `freq` says, because that is the only reading that makes sense of them.
//!   - `bymonthday` entries match days of the month, negative ones counting from
//!     the month's end (`-1` is the last day).
//!   - When both lists are set a date must match both (RFC 5545: "Friday the 13th").
//!   - `WEEKLY` with neither list repeats on the weekday of `dtstart` (or
//!     `valid_from`); `MONTHLY` with neither repeats on its day of the month; with
//!     no such date to repeat from the row never applies (and `validate` says so).
//!   - No `freq`: inferred as `MONTHLY` when `bymonthday` or an ordinal `byday` is
//!     set, `WEEKLY` when `byday` is set, and otherwise the row applies on every
//!     date within its bounds: a one-off date (`valid_from == valid_to`), a
//!     closure for a date range, or an every-day opening.
//!   - `interval` n > 1 means every n-th day, week (starting on `wkst`, default
//!     Monday) or month counted from `dtstart`, else `valid_from`; with neither
//!     there is nothing to count from and every period matches.
//!   - An unknown `freq` (`YEARLY`, typos) never applies rather than guessing.
//!   - `count` is ignored: bound a recurrence with `until` or `valid_to` instead
//!     (RFC 5545 ends the series there: see `opening_rfc5545`).
//! - The row's time window is `opens_at <= time < closes_at`; a missing
//!   `opens_at` means from midnight and a missing `closes_at` until midnight, so a
//!   row with neither covers the whole day. `closes_at` may be `24:00`.
//! - Spans past midnight are not a single row: `validate` rejects `opens_at >=
//!   closes_at`, and a 22:00-02:00 session is stored as 22:00-24:00 plus a
//!   00:00-02:00 row on the following day(s). A legacy row with such a window
//!   covers no time at all, so it neither opens nor closes anything.
//!
//! Precedence on one local date (see [`is_open`]): single-date rows
//! (`valid_from == valid_to`) are exceptions and beat the regular pattern.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc, Weekday};
use chrono_tz::Europe::London;
use entity::schedule::Model as Schedule;

const SECONDS_PER_DAY: u32 = 24 * 60 * 60;

/// Whether the schedules say open at `at`, evaluated in Europe/London local time.
/// `None` when the schedules say nothing about `at` (no schedule rows at all).
///
/// Among the rows that apply on the local date:
/// 1. a single-date row with `closed: true` covering the time closes (the whole
///    day when it has no times, e.g. Christmas Day; otherwise just its window,
///    e.g. closing at 13:00 on Christmas Eve, where the regular hours still hold
///    in the morning);
/// 2. else, if there are single-date rows with `closed: false` (special openings:
///    opening on Christmas Day, opening early for a flu clinic), they replace the
///    regular hours for that day: open exactly within their windows;
/// 3. else the regular rows decide: a `closed: true` row covering the time closes
///    (a lunch closure, a refurbishment range), otherwise open when any
///    `closed: false` row covers the time.
pub fn is_open(schedules: &[Schedule], at: DateTime<Utc>) -> Option<bool> {
    if schedules.is_empty() {
        return None;
    }
    let local = at.with_timezone(&London);
    let date = local.date_naive();
    let second = local.time().num_seconds_from_midnight();
    let (exceptions, regular): (Vec<&Schedule>, Vec<&Schedule>) = schedules
        .iter()
        .filter(|row| applies_on(row, date))
        .partition(|row| is_single_date(row));
    Some(decide(&exceptions, &regular, second))
}

/// Parses a local time of day, `HH:MM` or `HH:MM:SS` (two digits each, 24-hour clock).
pub fn parse_time(text: &str) -> Option<NaiveTime> {
    let [hour, minute, second] = time_fields(text)?;
    NaiveTime::from_hms_opt(hour, minute, second)
}

/// Problems with one schedule's fields, as (field name, message) pairs; empty when valid.
/// Field names are those of the GraphQL `Schedule` type.
pub fn validate(schedule: &Schedule) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    problems.extend(time_problems(schedule));
    problems.extend(frequency_problem(schedule));
    problems.extend(interval_problem(schedule));
    problems.extend(by_day_problems(schedule));
    problems.extend(by_month_day_problems(schedule));
    problems.extend(repeat_anchor_problem(schedule));
    problems.extend(validity_problem(schedule));
    problems
}

// ---- precedence -------------------------------------------------------------

fn decide(exceptions: &[&Schedule], regular: &[&Schedule], second: u32) -> bool {
    if exceptions.iter().any(|row| row.closed && covers(row, second)) {
        return false;
    }
    let special_openings: Vec<&&Schedule> = exceptions.iter().filter(|row| !row.closed).collect();
    if !special_openings.is_empty() {
        return special_openings.iter().any(|row| covers(row, second));
    }
    if regular.iter().any(|row| row.closed && covers(row, second)) {
        return false;
    }
    regular.iter().any(|row| !row.closed && covers(row, second))
}

/// A one-off row: an exception to the regular pattern for one date.
fn is_single_date(row: &Schedule) -> bool {
    row.valid_from.is_some() && row.valid_from == row.valid_to
}

// ---- time of day ------------------------------------------------------------

/// Seconds since local midnight, `opens <= t < closes`.
struct Window {
    opens: u32,
    closes: u32,
}

fn covers(row: &Schedule, second: u32) -> bool {
    window(row).is_some_and(|window| window.opens <= second && second < window.closes)
}

/// `None` when a time is unparsable or the window is empty or backwards.
fn window(row: &Schedule) -> Option<Window> {
    let opens = match present(&row.opens_at) {
        Some(text) => parse_time(text)?.num_seconds_from_midnight(),
        None => 0,
    };
    let closes = match present(&row.closes_at) {
        Some(text) => parse_closing_time(text)?,
        None => SECONDS_PER_DAY,
    };
    (opens < closes).then_some(Window { opens, closes })
}

/// Like [`parse_time`] in seconds since midnight, but also `24:00` for "until
/// midnight", which `NaiveTime` cannot hold and an evening session needs.
fn parse_closing_time(text: &str) -> Option<u32> {
    match time_fields(text)? {
        [24, 0, 0] => Some(SECONDS_PER_DAY),
        _ => parse_time(text).map(|time| time.num_seconds_from_midnight()),
    }
}

/// The hour, minute and second of `HH:MM` or `HH:MM:SS`, unchecked for range.
fn time_fields(text: &str) -> Option<[u32; 3]> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    let numbers: Option<Vec<u32>> = parts.iter().map(|part| two_digits(part)).collect();
    match numbers?.as_slice() {
        [hour, minute] => Some([*hour, *minute, 0]),
        [hour, minute, second] => Some([*hour, *minute, *second]),
        _ => None,
    }
}

fn two_digits(text: &str) -> Option<u32> {
    if text.len() == 2 && text.bytes().all(|byte| byte.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

/// The field's text, treating blank as absent (imports write empty strings).
fn present(field: &Option<String>) -> Option<&str> {
    field.as_deref().map(str::trim).filter(|text| !text.is_empty())
}

// ---- dates ------------------------------------------------------------------

fn applies_on(row: &Schedule, date: NaiveDate) -> bool {
    within_bounds(row, date) && recurs_on(row, date)
}

fn within_bounds(row: &Schedule, date: NaiveDate) -> bool {
    row.valid_from.is_none_or(|from| from <= date)
        && row.valid_to.is_none_or(|to| date <= to)
        && row.dtstart.is_none_or(|start| start <= date)
        && row.until.is_none_or(|until| date <= until)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Frequency {
    Daily,
    Weekly,
    Monthly,
}

/// A row's `freq`, or what its day lists imply when it has none.
/// `Ok(None)`: no recurrence, every date within the bounds. `Err`: unknown `freq`.
fn effective_frequency(row: &Schedule, days: &DayLists) -> Result<Option<Frequency>, UnknownFrequency> {
    if let Some(text) = present(&row.freq) {
        return parse_frequency(text).map(Some);
    }
    let has_ordinal = days
        .by_day
        .as_ref()
        .is_some_and(|specs| specs.iter().any(|spec| spec.ordinal.is_some()));
    Ok(if days.by_month_day.is_some() || has_ordinal {
        Some(Frequency::Monthly)
    } else if days.by_day.is_some() {
        Some(Frequency::Weekly)
    } else {
        None
    })
}

struct UnknownFrequency;

fn parse_frequency(text: &str) -> Result<Frequency, UnknownFrequency> {
    match text.trim().to_ascii_uppercase().as_str() {
        "DAILY" => Ok(Frequency::Daily),
        "WEEKLY" => Ok(Frequency::Weekly),
        "MONTHLY" => Ok(Frequency::Monthly),
        _ => Err(UnknownFrequency),
    }
}

fn recurs_on(row: &Schedule, date: NaiveDate) -> bool {
    let days = DayLists::of(row);
    match effective_frequency(row, &days) {
        Err(UnknownFrequency) => false,
        Ok(None) => true,
        Ok(Some(frequency)) => in_interval(row, frequency, date) && days.match_date(frequency, anchor(row), date),
    }
}

/// The date a recurrence repeats from and counts its interval from.
fn anchor(row: &Schedule) -> Option<NaiveDate> {
    row.dtstart.or(row.valid_from)
}

/// Whether `date` falls in a repeating period: every n-th day, week or month from the anchor.
fn in_interval(row: &Schedule, frequency: Frequency, date: NaiveDate) -> bool {
    let every = i64::from(row.interval.unwrap_or(1));
    let Some(start) = anchor(row) else { return true };
    if every <= 1 {
        return true;
    }
    let periods = match frequency {
        Frequency::Daily => i64::from(date.num_days_from_ce()) - i64::from(start.num_days_from_ce()),
        Frequency::Weekly => {
            let week_start = week_start(row);
            week_number(date, week_start) - week_number(start, week_start)
        }
        Frequency::Monthly => month_number(date) - month_number(start),
    };
    periods.rem_euclid(every) == 0
}

fn week_start(row: &Schedule) -> Weekday {
    present(&row.wkst).and_then(parse_weekday).unwrap_or(Weekday::Mon)
}

/// Weeks since the calendar's epoch, weeks starting on `week_start`.
fn week_number(date: NaiveDate, week_start: Weekday) -> i64 {
    // Day 1 of the common era, 0001-01-01, was a Monday.
    let days_since_first_monday = i64::from(date.num_days_from_ce()) - 1;
    (days_since_first_monday - i64::from(week_start.num_days_from_monday())).div_euclid(7)
}

fn month_number(date: NaiveDate) -> i64 {
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

fn days_in_month(date: NaiveDate) -> u32 {
    let (year, month) = if date.month() == 12 {
        (date.year() + 1, 1)
    } else {
        (date.year(), date.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1)
        .and_then(|first| first.pred_opt())
        .map_or(31, |last| last.day())
}

// ---- day lists --------------------------------------------------------------

/// `byday` and `bymonthday` as parsed entries; `None` when the field is absent
/// or blank. Unparsable entries are dropped, so a list of only bad entries
/// matches no date rather than every date.
struct DayLists {
    by_day: Option<Vec<DaySpec>>,
    by_month_day: Option<Vec<i32>>,
}

impl DayLists {
    fn of(row: &Schedule) -> Self {
        DayLists {
            by_day: present(&row.byday).map(|text| list_entries(text).filter_map(parse_day_spec).collect()),
            by_month_day: present(&row.bymonthday).map(|text| list_entries(text).filter_map(parse_month_day).collect()),
        }
    }

    fn match_date(&self, frequency: Frequency, anchor: Option<NaiveDate>, date: NaiveDate) -> bool {
        match (&self.by_day, &self.by_month_day) {
            (None, None) => repeats_like_anchor(frequency, anchor, date),
            (by_day, by_month_day) => {
                by_day
                    .as_ref()
                    .is_none_or(|specs| specs.iter().any(|spec| spec.matches(date)))
                    && by_month_day
                        .as_ref()
                        .is_none_or(|days| days.iter().any(|&day| month_day_matches(day, date)))
            }
        }
    }
}

/// RFC 5545: without day lists a rule repeats on its start date's weekday or day of the month.
fn repeats_like_anchor(frequency: Frequency, anchor: Option<NaiveDate>, date: NaiveDate) -> bool {
    match frequency {
        Frequency::Daily => true,
        Frequency::Weekly => anchor.is_some_and(|start| start.weekday() == date.weekday()),
        Frequency::Monthly => anchor.is_some_and(|start| start.day() == date.day()),
    }
}

fn list_entries(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(str::trim).filter(|entry| !entry.is_empty())
}

/// One `byday` entry: `MO`, or `1MO` / `-1FR` for a position within the month.
struct DaySpec {
    ordinal: Option<i32>,
    weekday: Weekday,
}

impl DaySpec {
    fn matches(&self, date: NaiveDate) -> bool {
        date.weekday() == self.weekday
            && match self.ordinal {
                None => true,
                Some(nth) if nth > 0 => nth_from_start(date) == nth,
                Some(nth) => nth_from_end(date) == -nth,
            }
    }
}

/// 1 for the first seven days of the month, 2 for the next seven, ...
fn nth_from_start(date: NaiveDate) -> i32 {
    (date.day0() / 7 + 1) as i32
}

/// 1 for the last seven days of the month, 2 for the seven before, ...
fn nth_from_end(date: NaiveDate) -> i32 {
    ((days_in_month(date) - date.day()) / 7 + 1) as i32
}

/// A month holds at most five of any weekday, so larger ordinals are mistakes.
const MAX_DAY_ORDINAL: i32 = 5;

fn parse_day_spec(text: &str) -> Option<DaySpec> {
    let text = text.trim().to_ascii_uppercase();
    // ASCII only, so that splitting off the last two bytes is splitting characters.
    if text.len() < 2 || !text.is_ascii() {
        return None;
    }
    let (prefix, code) = text.split_at(text.len() - 2);
    let weekday = parse_weekday(code)?;
    let ordinal = match prefix {
        "" => None,
        _ => Some(
            prefix
                .parse::<i32>()
                .ok()
                .filter(|nth| *nth != 0 && nth.abs() <= MAX_DAY_ORDINAL)?,
        ),
    };
    Some(DaySpec { ordinal, weekday })
}

fn parse_weekday(code: &str) -> Option<Weekday> {
    match code.trim().to_ascii_uppercase().as_str() {
        "MO" => Some(Weekday::Mon),
        "TU" => Some(Weekday::Tue),
        "WE" => Some(Weekday::Wed),
        "TH" => Some(Weekday::Thu),
        "FR" => Some(Weekday::Fri),
        "SA" => Some(Weekday::Sat),
        "SU" => Some(Weekday::Sun),
        _ => None,
    }
}

/// A `bymonthday` entry: 1..=31, or -31..=-1 counting back from the month's last day.
fn parse_month_day(text: &str) -> Option<i32> {
    text.trim()
        .parse::<i32>()
        .ok()
        .filter(|day| *day != 0 && day.abs() <= 31)
}

fn month_day_matches(day: i32, date: NaiveDate) -> bool {
    let day_of_month = date.day() as i32;
    if day > 0 {
        day_of_month == day
    } else {
        days_in_month(date) as i32 - day_of_month + 1 == -day
    }
}

// ---- validation ---------------------------------------------------------------

fn time_problems(row: &Schedule) -> Vec<(&'static str, String)> {
    let opens =
        present(&row.opens_at).map(|text| (text, parse_time(text).map(|time| time.num_seconds_from_midnight())));
    let closes = present(&row.closes_at).map(|text| (text, parse_closing_time(text)));
    let mut problems = Vec::new();
    if let Some((text, None)) = opens {
        problems.push(("opensAt", format!("{text:?} is not a time; use HH:MM or HH:MM:SS")));
    }
    if let Some((text, None)) = closes {
        problems.push((
            "closesAt",
            format!("{text:?} is not a time; use HH:MM, HH:MM:SS or 24:00"),
        ));
    }
    if let (Some((_, Some(opens))), Some((_, Some(closes)))) = (opens, closes)
        && opens >= closes
    {
        problems.push((
            "opensAt",
            "opensAt must be before closesAt; store a span past midnight as two rows (until 24:00, then from 00:00)"
                .to_owned(),
        ));
    }
    problems
}

fn frequency_problem(row: &Schedule) -> Option<(&'static str, String)> {
    let text = present(&row.freq)?;
    parse_frequency(text).err().map(|_| {
        (
            "freq",
            format!("{text:?} is not a frequency; use WEEKLY, MONTHLY or DAILY"),
        )
    })
}

fn interval_problem(row: &Schedule) -> Option<(&'static str, String)> {
    let interval = row.interval?;
    (interval < 1).then(|| ("interval", format!("interval must be at least 1, not {interval}")))
}

fn by_day_problems(row: &Schedule) -> Vec<(&'static str, String)> {
    let Some(text) = present(&row.byday) else {
        return Vec::new();
    };
    list_entries(text)
        .filter(|entry| parse_day_spec(entry).is_none())
        .map(|entry| {
            (
                "byDay",
                format!("{entry:?} is not a day; use MO..SU, optionally with a position such as 1MO or -1FR"),
            )
        })
        .collect()
}

fn by_month_day_problems(row: &Schedule) -> Vec<(&'static str, String)> {
    let Some(text) = present(&row.bymonthday) else {
        return Vec::new();
    };
    list_entries(text)
        .filter(|entry| parse_month_day(entry).is_none())
        .map(|entry| {
            (
                "byMonthDay",
                format!("{entry:?} is not a day of the month; use 1..31 or -31..-1"),
            )
        })
        .collect()
}

/// A `WEEKLY` or `MONTHLY` row with no day lists repeats like its start date,
/// so without one it would never apply: almost certainly a forgotten `byDay`.
fn repeat_anchor_problem(row: &Schedule) -> Option<(&'static str, String)> {
    let days = DayLists::of(row);
    let no_day_lists = days.by_day.is_none() && days.by_month_day.is_none();
    if !no_day_lists || anchor(row).is_some() {
        return None;
    }
    match effective_frequency(row, &days) {
        Ok(Some(Frequency::Weekly)) => Some(("byDay", "a WEEKLY schedule needs byDay (or a validFrom)".to_owned())),
        Ok(Some(Frequency::Monthly)) => Some((
            "byMonthDay",
            "a MONTHLY schedule needs byDay or byMonthDay (or a validFrom)".to_owned(),
        )),
        _ => None,
    }
}

fn validity_problem(row: &Schedule) -> Option<(&'static str, String)> {
    match (row.valid_from, row.valid_to) {
        (Some(from), Some(to)) if from > to => Some(("validTo", format!("validFrom {from} is after validTo {to}"))),
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).expect("valid test date")
    }

    fn utc(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(year, month, day, hour, minute, 0)
            .single()
            .expect("valid test instant")
    }

    fn blank() -> Schedule {
        Schedule {
            id: "schedule".to_owned(),
            service_id: Some("service".to_owned()),
            location_id: None,
            service_at_location_id: None,
            valid_from: None,
            valid_to: None,
            dtstart: None,
            timezone: None,
            until: None,
            count: None,
            wkst: None,
            freq: None,
            interval: None,
            byday: None,
            byweekno: None,
            bymonthday: None,
            byyearday: None,
            description: None,
            opens_at: None,
            closes_at: None,
            schedule_link: None,
            attending_type: None,
            notes: None,
            closed: false,
        }
    }

    fn weekly(byday: &str, opens: &str, closes: &str) -> Schedule {
        Schedule {
            freq: Some("WEEKLY".to_owned()),
            byday: Some(byday.to_owned()),
            opens_at: Some(opens.to_owned()),
            closes_at: Some(closes.to_owned()),
            ..blank()
        }
    }

    fn monthly(byday: &str, opens: &str, closes: &str) -> Schedule {
        Schedule {
            freq: Some("MONTHLY".to_owned()),
            ..weekly(byday, opens, closes)
        }
    }

    fn closed_on(day: NaiveDate) -> Schedule {
        Schedule {
            valid_from: Some(day),
            valid_to: Some(day),
            closed: true,
            ..blank()
        }
    }

    fn special_opening(day: NaiveDate, opens: &str, closes: &str) -> Schedule {
        Schedule {
            valid_from: Some(day),
            valid_to: Some(day),
            opens_at: Some(opens.to_owned()),
            closes_at: Some(closes.to_owned()),
            ..blank()
        }
    }

    /// Monday to Friday, 09:00 to 17:00 (shared with `running`'s tests).
    pub(crate) fn weekdays_nine_to_five() -> Schedule {
        weekly("MO,TU,WE,TH,FR", "09:00", "17:00")
    }

    // ---- regular hours

    #[test]
    fn weekday_opening_is_open_within_hours() {
        // Wednesday 14 January 2026, GMT: local time equals UTC.
        let schedules = [weekdays_nine_to_five()];
        assert_eq!(is_open(&schedules, utc(2026, 1, 14, 9, 0)), Some(true));
        assert_eq!(is_open(&schedules, utc(2026, 1, 14, 12, 30)), Some(true));
        assert_eq!(is_open(&schedules, utc(2026, 1, 14, 16, 59)), Some(true));
    }

    #[test]
    fn outside_hours_and_on_other_days_is_closed() {
        let schedules = [weekdays_nine_to_five()];
        assert_eq!(is_open(&schedules, utc(2026, 1, 14, 8, 59)), Some(false));
        assert_eq!(
            is_open(&schedules, utc(2026, 1, 14, 17, 0)),
            Some(false),
            "closes_at is exclusive"
        );
        assert_eq!(is_open(&schedules, utc(2026, 1, 17, 12, 0)), Some(false), "Saturday");
    }

    #[test]
    fn no_schedules_says_nothing() {
        assert_eq!(is_open(&[], utc(2026, 1, 14, 12, 0)), None);
    }

    #[test]
    fn schedules_that_do_not_apply_say_closed() {
        let schedules = [weekly("SA", "10:00", "12:00")];
        assert_eq!(is_open(&schedules, utc(2026, 1, 14, 11, 0)), Some(false));
    }

    #[test]
    fn day_names_and_frequency_are_case_insensitive() {
        let schedules = [Schedule {
            freq: Some("weekly".to_owned()),
            ..weekly("mo, we", "09:00:00", "17:00:00")
        }];
        assert_eq!(is_open(&schedules, utc(2026, 1, 14, 10, 0)), Some(true));
    }

    #[test]
    fn byday_without_freq_is_weekly() {
        let schedules = [Schedule {
            freq: None,
            ..weekly("WE", "09:00", "17:00")
        }];
        assert_eq!(is_open(&schedules, utc(2026, 1, 14, 10, 0)), Some(true));
        assert_eq!(is_open(&schedules, utc(2026, 1, 15, 10, 0)), Some(false));
    }

    #[test]
    fn row_without_times_is_open_all_day() {
        let schedules = [Schedule {
            opens_at: None,
            closes_at: None,
            ..weekly("WE", "", "")
        }];
        assert_eq!(is_open(&schedules, utc(2026, 1, 14, 0, 0)), Some(true));
        assert_eq!(is_open(&schedules, utc(2026, 1, 14, 23, 59)), Some(true));
        assert_eq!(is_open(&schedules, utc(2026, 1, 15, 0, 0)), Some(false));
    }

    #[test]
    fn closing_at_midnight_covers_the_last_minute() {
        let schedules = [weekly("WE", "18:00", "24:00")];
        assert_eq!(is_open(&schedules, utc(2026, 1, 14, 23, 59)), Some(true));
        assert_eq!(is_open(&schedules, utc(2026, 1, 15, 0, 0)), Some(false), "Thursday");
    }

    #[test]
    fn backwards_window_covers_nothing_as_validation_forbids_it() {
        // A 22:00-02:00 row from an old import: neither evening nor early morning.
        let schedules = [Schedule {
            freq: Some("DAILY".to_owned()),
            byday: None,
            ..weekly("", "22:00", "02:00")
        }];
        assert_eq!(is_open(&schedules, utc(2026, 1, 14, 23, 0)), Some(false));
        assert_eq!(is_open(&schedules, utc(2026, 1, 15, 1, 0)), Some(false));
    }

    #[test]
    fn unknown_frequency_never_applies() {
        let schedules = [Schedule {
            freq: Some("YEARLY".to_owned()),
            ..weekly("WE", "09:00", "17:00")
        }];
        assert_eq!(is_open(&schedules, utc(2026, 1, 14, 10, 0)), Some(false));
    }

    #[test]
    fn daily_rows_apply_every_day() {
        let schedules = [Schedule {
            freq: Some("DAILY".to_owned()),
            byday: None,
            ..weekly("", "07:00", "22:00")
        }];
        for day in 12..=18 {
            assert_eq!(
                is_open(&schedules, utc(2026, 1, day, 12, 0)),
                Some(true),
                "January {day}"
            );
        }
    }

    // ---- Europe/London clock changes

    fn sundays_ten_to_four() -> [Schedule; 1] {
        [weekly("SU", "10:00", "16:00")]
    }

    #[test]
    fn spring_clock_change_uses_summer_time() {
        let schedules = sundays_ten_to_four();
        // 29 March 2026: BST from 01:00 UTC, so 09:30 UTC is 10:30 local.
        assert_eq!(is_open(&schedules, utc(2026, 3, 29, 9, 30)), Some(true));
        assert_eq!(is_open(&schedules, utc(2026, 3, 29, 15, 30)), Some(false), "16:30 BST");
        // A week earlier it is still GMT: 09:30 UTC is 09:30 local.
        assert_eq!(is_open(&schedules, utc(2026, 3, 22, 9, 30)), Some(false));
        assert_eq!(is_open(&schedules, utc(2026, 3, 22, 15, 30)), Some(true));
    }

    #[test]
    fn autumn_clock_change_returns_to_greenwich_time() {
        let schedules = sundays_ten_to_four();
        // 18 October 2026 is still BST: 09:30 UTC is 10:30 local.
        assert_eq!(is_open(&schedules, utc(2026, 10, 18, 9, 30)), Some(true));
        assert_eq!(is_open(&schedules, utc(2026, 10, 18, 15, 30)), Some(false), "16:30 BST");
        // 25 October 2026: GMT from 01:00 UTC, so 09:30 UTC is 09:30 local.
        assert_eq!(is_open(&schedules, utc(2026, 10, 25, 9, 30)), Some(false));
        assert_eq!(is_open(&schedules, utc(2026, 10, 25, 15, 30)), Some(true));
    }

    #[test]
    fn local_date_not_utc_date_picks_the_weekday() {
        // Saturday 13 June 2026 23:30 UTC is Sunday 00:30 BST.
        let schedules = [weekly("SU", "00:00", "01:00")];
        assert_eq!(is_open(&schedules, utc(2026, 6, 13, 23, 30)), Some(true));
        assert_eq!(
            is_open(&schedules, utc(2026, 6, 14, 23, 30)),
            Some(false),
            "Monday 00:30 BST"
        );
    }

    // ---- exceptions

    #[test]
    fn christmas_day_closure_beats_weekly_pattern() {
        // 25 December 2026 is a Friday.
        let schedules = [weekdays_nine_to_five(), closed_on(date(2026, 12, 25))];
        assert_eq!(is_open(&schedules, utc(2026, 12, 25, 12, 0)), Some(false));
        assert_eq!(is_open(&schedules, utc(2026, 12, 24, 12, 0)), Some(true));
    }

    #[test]
    fn special_opening_on_christmas_day_when_weekly_pattern_is_closed() {
        let schedules = [
            weekly("MO,TU,WE,TH", "09:00", "17:00"),
            special_opening(date(2026, 12, 25), "10:00", "14:00"),
        ];
        assert_eq!(is_open(&schedules, utc(2026, 12, 25, 11, 0)), Some(true));
        assert_eq!(is_open(&schedules, utc(2026, 12, 25, 15, 0)), Some(false));
        assert_eq!(
            is_open(&schedules, utc(2027, 1, 1, 11, 0)),
            Some(false),
            "the next Friday"
        );
    }

    #[test]
    fn early_opening_on_flu_clinic_day() {
        // Wednesday 7 October 2026 (BST): 07:30 UTC is 08:30 local.
        let schedules = [
            weekdays_nine_to_five(),
            special_opening(date(2026, 10, 7), "08:00", "17:00"),
        ];
        assert_eq!(is_open(&schedules, utc(2026, 10, 7, 7, 30)), Some(true));
        assert_eq!(
            is_open(&schedules, utc(2026, 10, 14, 7, 30)),
            Some(false),
            "an ordinary Wednesday"
        );
        assert_eq!(
            is_open(&schedules, utc(2026, 10, 14, 8, 30)),
            Some(true),
            "09:30 on an ordinary Wednesday"
        );
    }

    #[test]
    fn special_opening_replaces_regular_hours_for_the_day() {
        // A morning-only special day: the regular afternoon does not apply.
        let schedules = [
            weekdays_nine_to_five(),
            special_opening(date(2026, 1, 14), "08:00", "12:00"),
        ];
        assert_eq!(is_open(&schedules, utc(2026, 1, 14, 13, 0)), Some(false));
    }

    #[test]
    fn single_date_closure_with_times_closes_only_its_window() {
        // Christmas Eve 2026 (Thursday): closing at 13:00, regular hours in the morning.
        let closing_early = Schedule {
            opens_at: Some("13:00".to_owned()),
            closes_at: Some("24:00".to_owned()),
            ..closed_on(date(2026, 12, 24))
        };
        let schedules = [weekdays_nine_to_five(), closing_early];
        assert_eq!(is_open(&schedules, utc(2026, 12, 24, 10, 0)), Some(true));
        assert_eq!(is_open(&schedules, utc(2026, 12, 24, 14, 0)), Some(false));
    }

    #[test]
    fn lunch_closure_beats_opening() {
        let lunch = Schedule {
            closed: true,
            ..weekly("MO,TU,WE,TH,FR", "12:00", "13:00")
        };
        let schedules = [weekdays_nine_to_five(), lunch];
        assert_eq!(is_open(&schedules, utc(2026, 1, 14, 11, 59)), Some(true));
        assert_eq!(is_open(&schedules, utc(2026, 1, 14, 12, 30)), Some(false));
        assert_eq!(is_open(&schedules, utc(2026, 1, 14, 13, 0)), Some(true));
    }

    #[test]
    fn closure_over_a_date_range_closes_every_day_in_it() {
        let refurbishment = Schedule {
            valid_from: Some(date(2026, 2, 2)),
            valid_to: Some(date(2026, 2, 13)),
            closed: true,
            ..blank()
        };
        let schedules = [weekdays_nine_to_five(), refurbishment];
        assert_eq!(is_open(&schedules, utc(2026, 2, 2, 10, 0)), Some(false));
        assert_eq!(is_open(&schedules, utc(2026, 2, 13, 10, 0)), Some(false));
        assert_eq!(is_open(&schedules, utc(2026, 2, 16, 10, 0)), Some(true));
    }

    // ---- monthly rules

    #[test]
    fn first_monday_of_the_month() {
        let schedules = [monthly("1MO", "10:00", "12:00")];
        // June 2026 starts on a Monday; BST, so 10:00 UTC is 11:00 local.
        assert_eq!(is_open(&schedules, utc(2026, 6, 1, 10, 0)), Some(true));
        assert_eq!(is_open(&schedules, utc(2026, 6, 8, 10, 0)), Some(false));
        assert_eq!(
            is_open(&schedules, utc(2026, 7, 6, 10, 0)),
            Some(true),
            "first Monday of July"
        );
    }

    #[test]
    fn last_friday_of_the_month() {
        let schedules = [monthly("-1FR", "10:00", "12:00")];
        assert_eq!(is_open(&schedules, utc(2026, 6, 26, 10, 0)), Some(true));
        assert_eq!(is_open(&schedules, utc(2026, 6, 19, 10, 0)), Some(false));
        assert_eq!(
            is_open(&schedules, utc(2026, 7, 31, 10, 0)),
            Some(true),
            "last Friday of July"
        );
    }

    #[test]
    fn ordinal_byday_without_freq_is_monthly() {
        let schedules = [Schedule {
            freq: None,
            ..monthly("2TU", "10:00", "12:00")
        }];
        assert_eq!(is_open(&schedules, utc(2026, 6, 9, 10, 0)), Some(true));
        assert_eq!(is_open(&schedules, utc(2026, 6, 16, 10, 0)), Some(false));
    }

    #[test]
    fn days_of_the_month_count_from_either_end() {
        let schedules = [Schedule {
            byday: None,
            bymonthday: Some("1,15,-1".to_owned()),
            ..monthly("", "10:00", "12:00")
        }];
        assert_eq!(is_open(&schedules, utc(2026, 2, 1, 11, 0)), Some(true));
        assert_eq!(is_open(&schedules, utc(2026, 2, 15, 11, 0)), Some(true));
        assert_eq!(
            is_open(&schedules, utc(2026, 2, 28, 11, 0)),
            Some(true),
            "last day of February"
        );
        assert_eq!(is_open(&schedules, utc(2026, 2, 27, 11, 0)), Some(false));
    }

    #[test]
    fn monthly_without_day_lists_repeats_on_the_start_day() {
        let schedules = [Schedule {
            byday: None,
            dtstart: Some(date(2026, 1, 20)),
            ..monthly("", "10:00", "12:00")
        }];
        assert_eq!(is_open(&schedules, utc(2026, 3, 20, 11, 0)), Some(true));
        assert_eq!(is_open(&schedules, utc(2026, 3, 21, 11, 0)), Some(false));
    }

    // ---- intervals and bounds

    #[test]
    fn every_second_week_counts_from_dtstart() {
        // Mondays fortnightly from Monday 5 January 2026.
        let schedules = [Schedule {
            interval: Some(2),
            dtstart: Some(date(2026, 1, 5)),
            ..weekly("MO", "10:00", "12:00")
        }];
        assert_eq!(is_open(&schedules, utc(2026, 1, 5, 11, 0)), Some(true));
        assert_eq!(is_open(&schedules, utc(2026, 1, 12, 11, 0)), Some(false));
        assert_eq!(is_open(&schedules, utc(2026, 1, 19, 11, 0)), Some(true));
        assert_eq!(
            is_open(&schedules, utc(2025, 12, 22, 11, 0)),
            Some(false),
            "before dtstart"
        );
    }

    #[test]
    fn fortnightly_weeks_follow_wkst_when_counting_from_midweek() {
        // From Wednesday 7 January 2026, on Tuesdays and Thursdays every other week.
        let row = Schedule {
            interval: Some(2),
            valid_from: Some(date(2026, 1, 7)),
            ..weekly("TU,TH", "10:00", "12:00")
        };
        let schedules = [row.clone()];
        assert_eq!(
            is_open(&schedules, utc(2026, 1, 8, 11, 0)),
            Some(true),
            "Thursday, first week"
        );
        assert_eq!(
            is_open(&schedules, utc(2026, 1, 13, 11, 0)),
            Some(false),
            "Tuesday, second week"
        );
        assert_eq!(
            is_open(&schedules, utc(2026, 1, 20, 11, 0)),
            Some(true),
            "Tuesday, third week"
        );
        // Weeks starting on Sunday put Sunday 11 January in the second week.
        let sunday_weeks = [Schedule {
            wkst: Some("SU".to_owned()),
            byday: Some("SU,TH".to_owned()),
            ..row
        }];
        assert_eq!(is_open(&sunday_weeks, utc(2026, 1, 11, 11, 0)), Some(false));
        assert_eq!(is_open(&sunday_weeks, utc(2026, 1, 18, 11, 0)), Some(true));
    }

    #[test]
    fn interval_without_a_start_date_counts_every_period() {
        let schedules = [Schedule {
            interval: Some(2),
            ..weekly("MO", "10:00", "12:00")
        }];
        assert_eq!(is_open(&schedules, utc(2026, 1, 5, 11, 0)), Some(true));
        assert_eq!(is_open(&schedules, utc(2026, 1, 12, 11, 0)), Some(true));
    }

    #[test]
    fn valid_from_and_valid_to_are_inclusive_bounds() {
        let summer_hours = Schedule {
            valid_from: Some(date(2026, 4, 1)),
            valid_to: Some(date(2026, 9, 30)),
            ..weekly("WE", "09:00", "17:00")
        };
        let schedules = [summer_hours];
        assert_eq!(is_open(&schedules, utc(2026, 4, 1, 10, 0)), Some(true));
        assert_eq!(is_open(&schedules, utc(2026, 9, 30, 10, 0)), Some(true));
        assert_eq!(
            is_open(&schedules, utc(2026, 3, 25, 10, 0)),
            Some(false),
            "Wednesday before"
        );
        assert_eq!(
            is_open(&schedules, utc(2026, 10, 7, 10, 0)),
            Some(false),
            "Wednesday after"
        );
    }

    #[test]
    fn until_ends_a_recurrence() {
        let schedules = [Schedule {
            until: Some(date(2026, 1, 14)),
            ..weekdays_nine_to_five()
        }];
        assert_eq!(is_open(&schedules, utc(2026, 1, 14, 10, 0)), Some(true));
        assert_eq!(is_open(&schedules, utc(2026, 1, 15, 10, 0)), Some(false));
    }

    // ---- parsing and validation

    #[test]
    fn parse_time_accepts_minutes_and_seconds() {
        assert_eq!(parse_time("09:30"), NaiveTime::from_hms_opt(9, 30, 0));
        assert_eq!(parse_time(" 17:05:30 "), NaiveTime::from_hms_opt(17, 5, 30));
        for bad in ["9:30", "24:00", "12:60", "12", "12:00:00:00", "noon", "", "1２:00"] {
            assert_eq!(parse_time(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn valid_schedules_have_no_problems() {
        assert!(validate(&weekdays_nine_to_five()).is_empty());
        assert!(validate(&monthly("1MO,-1FR", "10:00:00", "24:00")).is_empty());
        assert!(validate(&closed_on(date(2026, 12, 25))).is_empty());
        assert!(validate(&blank()).is_empty());
    }

    fn fields(schedule: &Schedule) -> Vec<&'static str> {
        validate(schedule).into_iter().map(|(field, _)| field).collect()
    }

    #[test]
    fn validation_reports_bad_times() {
        assert_eq!(fields(&weekly("MO", "9am", "17:00")), ["opensAt"]);
        assert_eq!(fields(&weekly("MO", "09:00", "25:00")), ["closesAt"]);
        assert_eq!(
            fields(&weekly("MO", "24:00", "24:00")),
            ["opensAt"],
            "24:00 only closes"
        );
    }

    #[test]
    fn validation_requires_opening_before_closing() {
        let problems = validate(&weekly("MO", "22:00", "02:00"));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, "opensAt");
        assert!(problems[0].1.starts_with("opensAt must be before closesAt"));
        assert_eq!(fields(&weekly("MO", "09:00", "09:00")), ["opensAt"]);
    }

    #[test]
    fn validation_reports_bad_recurrences() {
        assert_eq!(
            fields(&weekly("MO,XX,6MO,0TU", "09:00", "17:00")),
            ["byDay", "byDay", "byDay"]
        );
        let month_days = Schedule {
            bymonthday: Some("1,0,32,-32,x,-31".to_owned()),
            ..monthly("", "09:00", "17:00")
        };
        assert_eq!(
            fields(&Schedule {
                byday: None,
                ..month_days
            }),
            ["byMonthDay"; 4]
        );
        assert_eq!(
            fields(&Schedule {
                freq: Some("YEARLY".to_owned()),
                ..weekdays_nine_to_five()
            }),
            ["freq"]
        );
        assert_eq!(
            fields(&Schedule {
                interval: Some(0),
                ..weekdays_nine_to_five()
            }),
            ["interval"]
        );
        assert_eq!(
            fields(&Schedule {
                byday: None,
                ..weekdays_nine_to_five()
            }),
            ["byDay"]
        );
        let anchored = Schedule {
            byday: None,
            valid_from: Some(date(2026, 1, 5)),
            ..weekdays_nine_to_five()
        };
        assert!(validate(&anchored).is_empty());
    }

    #[test]
    fn validation_reports_valid_from_after_valid_to() {
        let backwards = Schedule {
            valid_from: Some(date(2026, 2, 1)),
            valid_to: Some(date(2026, 1, 1)),
            ..blank()
        };
        assert_eq!(fields(&backwards), ["validTo"]);
    }
}
