// Words for people from the directory's records: when a service runs, what
// it costs, how fresh the listing is, how busy a hub is. Pure functions, so
// the element and its detail view say things the same way.

const DAY_NAMES = { MO: "Monday", TU: "Tuesday", WE: "Wednesday", TH: "Thursday", FR: "Friday", SA: "Saturday", SU: "Sunday" };
const DAY_ORDER = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const ORDINALS = { 1: "first", 2: "second", 3: "third", 4: "fourth", "-1": "last" };
const HUB_STATUS_WORDS = { OPEN: "open", LIMITED: "open with limited space", CLOSED: "closed" };
const dateFormat = new Intl.DateTimeFormat("en-GB", { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" });
const fullDateFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });

/** Escapes text for HTML. */
export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Only http(s) links are shown, whatever the data holds. */
export function safeUrl(value) {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

/** Great-circle distance in km, to tell which of a service's places is nearest. */
export function haversineKm(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 12742 * Math.asin(Math.sqrt(h));
}

export function formatKm(km) {
  if (km == null) return "";
  if (km < 0.1) return "Under 0.1 km away";
  return km < 10 ? `${km.toFixed(1)} km away` : `${Math.round(km)} km away`;
}

/** "10:30" from "10:30" or "10:30:00"; "9:00" stays as the data has it. */
function clock(time) {
  return String(time || "").replace(/^(\d{1,2}:\d{2}):\d{2}$/, "$1");
}

function hours(schedule) {
  if (!schedule.opensAt && !schedule.closesAt) return "";
  return `${clock(schedule.opensAt)}–${clock(schedule.closesAt)}`.replace(/^–|–$/, "");
}

/** "Mondays and Wednesdays", "Weekdays", "Every day". */
function weeklyDays(days) {
  const sorted = DAY_ORDER.filter((d) => days.includes(d));
  if (sorted.length === 7) return "Every day";
  if (sorted.join() === "MO,TU,WE,TH,FR") return "Weekdays";
  if (sorted.join() === "SA,SU") return "Weekends";
  const names = sorted.map((d) => `${DAY_NAMES[d]}s`);
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)}` : names[0] || "";
}

/** "First Monday of the month" from "1MO". */
function monthlyDay(code) {
  const match = /^(-?\d)([A-Z]{2})$/.exec(code);
  if (!match || !DAY_NAMES[match[2]]) return null;
  const ordinal = ORDINALS[match[1]];
  return ordinal ? `${ordinal[0].toUpperCase()}${ordinal.slice(1)} ${DAY_NAMES[match[2]]} of the month` : null;
}

/** A date (YYYY-MM-DD) as "Friday 25 December". */
export function longDate(date) {
  const parsed = new Date(`${date}T00:00:00Z`);
  return Number.isNaN(parsed.getTime()) ? String(date) : dateFormat.format(parsed);
}

/** One recurring schedule in words, or null when it is not one. */
function regularLine(schedule) {
  const when = hours(schedule);
  const days = schedule.byDay || [];
  if (schedule.freq === "WEEKLY" && days.length > 0) {
    const every = schedule.interval > 1 ? `Every ${schedule.interval === 2 ? "other" : `${schedule.interval}th`} week: ` : "";
    return `${every}${weeklyDays(days)} ${when}`.trim();
  }
  if (schedule.freq === "MONTHLY" && days.length > 0) {
    const named = days.map(monthlyDay).filter(Boolean);
    if (named.length) return `${named.join(" and ")} ${when}`.trim();
  }
  if (schedule.freq === "DAILY") return `Every day ${when}`.trim();
  return null;
}

/**
 * When a service runs, from its schedules: the regular pattern (grouped so
 * days with the same hours share a line) and the changes to come (a
 * closure, a special opening) from `today` (YYYY-MM-DD) on. Schedules the
 * data only describes in words keep their words.
 */
export function scheduleLines(schedules, today) {
  const regular = [];
  const changes = [];
  const weekly = new Map();
  for (const s of schedules || []) {
    const oneOff = s.validFrom && s.validFrom === s.validTo && !s.freq;
    if (oneOff) {
      if (s.validFrom < today) continue;
      const line = s.closed
        ? `Closed ${longDate(s.validFrom)}`
        : `Open ${longDate(s.validFrom)}${hours(s) ? ` ${hours(s)}` : ""}`;
      changes.push({ date: s.validFrom, line: s.description && s.closed ? `${line} (${s.description.replace(/^Closed:?\s*/i, "")})` : line });
      continue;
    }
    if (s.closed) continue;
    if (s.freq === "WEEKLY" && (s.interval || 1) === 1 && (s.byDay || []).length) {
      const key = hours(s);
      weekly.set(key, [...(weekly.get(key) || []), ...s.byDay]);
      continue;
    }
    const line = regularLine(s) || s.description;
    if (line) regular.push(line);
  }
  const grouped = [...weekly.entries()]
    .map(([when, days]) => ({ first: DAY_ORDER.findIndex((d) => days.includes(d)), line: `${weeklyDays(days)} ${when}`.trim() }))
    .sort((a, b) => a.first - b.first)
    .map((g) => g.line);
  changes.sort((a, b) => a.date.localeCompare(b.date));
  return { regular: [...grouped, ...regular], changes: changes.map((c) => c.line) };
}

/** "Free", "£3.50 a session", or the provider's own words. */
export function costText(service) {
  const options = service.costOptions || [];
  const amounts = options.filter((o) => o.amount != null);
  if (amounts.length && amounts.every((o) => o.amount === 0)) return "Free";
  const priced = amounts.map((o) => {
    const money = new Intl.NumberFormat("en-GB", { style: "currency", currency: o.currency || "GBP" }).format(o.amount);
    return [money, o.option || o.amountDescription].filter(Boolean).join(" ");
  });
  if (priced.length) return priced.join("; ");
  const words = options.map((o) => o.option || o.amountDescription).filter(Boolean);
  if (words.length) return words.join("; ");
  return service.feesDescription || service.fees || null;
}

/** Said only where a listing is old: people should check before they travel. */
export function reviewText(service) {
  if (!service.reviewDue) return null;
  if (service.assuredDate) {
    return `Last reviewed ${fullDateFormat.format(new Date(`${service.assuredDate}T00:00:00Z`))}: check before you go`;
  }
  return "Not reviewed in the last year: check before you go";
}

/** "Hub open: 12 of 25 places in use". */
export function hubText(hub) {
  if (!hub) return null;
  const status = HUB_STATUS_WORDS[hub.status] || String(hub.status).toLowerCase();
  const places =
    hub.status !== "CLOSED" && hub.capacity != null
      ? hub.occupancy != null
        ? `: ${hub.occupancy} of ${hub.capacity} places in use`
        : `: ${hub.capacity} places`
      : "";
  return `Hub ${status}${places}`;
}

/** Directions from wherever the person is, on OpenStreetMap (a link only). */
export function directionsUrl(location) {
  if (location?.latitude == null || location?.longitude == null) return null;
  return `https://www.openstreetmap.org/directions?to=${location.latitude}%2C${location.longitude}`;
}

/** "0131 496 0001" as a tel: link target. */
export function telHref(number) {
  return `tel:${String(number).replace(/[^0-9+]/g, "")}`;
}

/** "Ages 12–25", "Ages 60+", or nothing. */
export function agesText(service) {
  if (service.minimumAge == null && service.maximumAge == null) return null;
  return `Ages ${service.minimumAge ?? 0}${service.maximumAge != null ? `–${service.maximumAge}` : "+"}`;
}
