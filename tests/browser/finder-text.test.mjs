// The finder's words for schedules, costs, reviews and hubs, checked with
// Node's own test runner (no browser): node --test tests/browser/
import assert from "node:assert/strict";
import test from "node:test";

import {
  agesText,
  costText,
  directionsUrl,
  esc,
  hubText,
  longDate,
  reviewText,
  safeUrl,
  scheduleLines,
} from "../../examples/service-finder/finder-text.js";

const weekly = (byDay, opensAt, closesAt, extra = {}) => ({ freq: "WEEKLY", interval: 1, byDay, opensAt, closesAt, closed: false, ...extra });
const oneOff = (date, extra = {}) => ({ validFrom: date, validTo: date, byDay: [], closed: true, ...extra });

test("a weekly session reads as its day and hours", () => {
  assert.deepEqual(scheduleLines([weekly(["WE"], "10:30", "12:00")], "2026-12-07").regular, ["Wednesdays 10:30–12:00"]);
});

test("days with the same hours share a line, in weekday order", () => {
  const lines = scheduleLines(
    [weekly(["WE"], "10:00", "12:00"), weekly(["SA"], "09:00", "13:00"), weekly(["MO"], "10:00", "12:00")],
    "2026-12-07",
  ).regular;
  assert.deepEqual(lines, ["Mondays and Wednesdays 10:00–12:00", "Saturdays 09:00–13:00"]);
});

test("whole weeks and working weeks have their own words", () => {
  assert.deepEqual(scheduleLines([weekly(["MO", "TU", "WE", "TH", "FR"], "09:30:00", "17:00:00")], "2026-12-07").regular, [
    "Weekdays 09:30–17:00",
  ]);
  assert.deepEqual(scheduleLines([weekly(["MO", "TU", "WE", "TH", "FR", "SA", "SU"], "08:00", "20:00")], "2026-12-07").regular, [
    "Every day 08:00–20:00",
  ]);
});

test("fortnightly and monthly patterns say so", () => {
  const lines = scheduleLines(
    [weekly(["TH"], "14:00", "15:00", { interval: 2 }), { freq: "MONTHLY", byDay: ["1MO"], opensAt: "18:00", closesAt: "20:00", closed: false }],
    "2026-12-07",
  ).regular;
  assert.deepEqual(lines, ["Every other week: Thursdays 14:00–15:00", "First Monday of the month 18:00–20:00"]);
});

test("closures to come are listed by date; past ones are not", () => {
  const times = scheduleLines(
    [
      weekly(["FR"], "10:00", "12:00"),
      oneOff("2026-12-25", { description: "Closed: Christmas Day" }),
      oneOff("2026-12-01"),
      oneOff("2026-12-19", { closed: false, opensAt: "10:00", closesAt: "12:00" }),
    ],
    "2026-12-07",
  );
  assert.deepEqual(times.regular, ["Fridays 10:00–12:00"]);
  assert.deepEqual(times.changes, ["Open Saturday 19 December 10:00–12:00", "Closed Friday 25 December (Christmas Day)"]);
});

test("a schedule only described in words keeps its words", () => {
  assert.deepEqual(scheduleLines([{ description: "By appointment", byDay: [], closed: false }], "2026-12-07").regular, ["By appointment"]);
});

test("costs: free, priced or in the provider's words", () => {
  assert.equal(costText({ costOptions: [{ amount: 0, currency: "GBP" }] }), "Free");
  assert.equal(costText({ costOptions: [{ amount: 3.5, currency: "GBP", option: "a session" }] }), "£3.50 a session");
  assert.equal(costText({ costOptions: [{ option: "Free" }] }), "Free");
  assert.equal(costText({ costOptions: [], feesDescription: "Donations welcome" }), "Donations welcome");
  assert.equal(costText({ costOptions: [] }), null);
});

test("only an old listing says when it was reviewed", () => {
  assert.equal(reviewText({ reviewDue: false, assuredDate: "2020-01-01" }), null);
  assert.equal(reviewText({ reviewDue: true, assuredDate: "2024-03-14" }), "Last reviewed 14 March 2024: check before you go");
  assert.match(reviewText({ reviewDue: true }), /Not reviewed in the last year/);
});

test("a hub says its status and how full it is", () => {
  assert.equal(hubText({ status: "OPEN", capacity: 25, occupancy: 12 }), "Hub open: 12 of 25 places in use");
  assert.equal(hubText({ status: "LIMITED", capacity: 10 }), "Hub open with limited space: 10 places");
  assert.equal(hubText({ status: "CLOSED", capacity: 25 }), "Hub closed");
  assert.equal(hubText(null), null);
});

test("links are http(s) only and text is escaped", () => {
  assert.equal(safeUrl("javascript:alert(1)"), null);
  assert.equal(safeUrl("https://example.org/a"), "https://example.org/a");
  assert.equal(esc(`<a href="x">'`), "&#60;a href=&#34;x&#34;&#62;&#39;");
  assert.equal(directionsUrl({ latitude: 55.97, longitude: -3.17 }), "https://www.openstreetmap.org/directions?to=55.97%2C-3.17");
  assert.equal(directionsUrl({ latitude: null }), null);
});

test("ages and dates read as people write them", () => {
  assert.equal(agesText({ minimumAge: 12, maximumAge: 25 }), "Ages 12–25");
  assert.equal(agesText({ minimumAge: 60 }), "Ages 60+");
  assert.equal(agesText({}), null);
  assert.equal(longDate("2026-12-25"), "Friday 25 December");
});
