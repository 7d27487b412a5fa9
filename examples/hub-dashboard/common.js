// What the modules of <hub-dashboard> share: words, colours, escaping,
// dates and CSV.

export const STATUS_WORDS = { OPEN: "Open", LIMITED: "Limited", CLOSED: "Closed" };
export const STATUS_COLOURS = { OPEN: "#1b7f4b", LIMITED: "#b25e00", CLOSED: "#a3212a" };

/** A hub whose status nobody has confirmed for this long is flagged. */
export const STALE_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const timeFormat = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/London" });
const dateTimeFormat = new Intl.DateTimeFormat("en-GB", {
  day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: "Europe/London",
});
export const dayFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "Europe/London" });

export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return (today ? timeFormat : dateTimeFormat).format(date);
}

/** Whole days since `iso`. */
export function daysSince(iso, now = Date.now()) {
  return Math.floor((now - new Date(iso).getTime()) / DAY_MS);
}

export function isStale(hub, now = Date.now()) {
  return daysSince(hub.updatedAt, now) >= STALE_DAYS;
}

/** `YYYY-MM-DD` of a date, in UTC (GraphQL `Date`). */
export function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

/** The Mondays (UTC) of the `count` weeks up to and including this one, oldest first. */
export function lastWeeks(count, now = new Date()) {
  const monday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
  return Array.from({ length: count }, (_, i) => new Date(monday.getTime() - (count - 1 - i) * 7 * DAY_MS));
}

/** One CSV field: quoted when it must be, and never read as a formula by a spreadsheet. */
function csvField(value) {
  let text = String(value ?? "");
  // Numbers (negative longitudes) stay numbers; text from partners cannot start a formula.
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows) {
  return rows.map((row) => row.map(csvField).join(",")).join("\r\n") + "\r\n";
}

/** Offers `rows` as a CSV file download, made in the page (nothing is sent anywhere). */
export function downloadCsv(name, rows) {
  const url = URL.createObjectURL(new Blob([toCsv(rows)], { type: "text/csv;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
