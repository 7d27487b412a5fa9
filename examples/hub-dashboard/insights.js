// What a partner token adds to <hub-dashboard>: each hub's last weeks of
// status and occupancy as a small chart (`Hub.history`), the areas'
// pathways that need review, and referrals per pathway by week
// (`Pathway.activity`, the same sums as `pathwayActivity`). The HSCP of an
// area (scope reports:read) may read these; for anyone else the API answers
// null with a FORBIDDEN error, and the page says so instead of a chart.

import { dayFormat, esc, isoDay, lastWeeks, STATUS_COLOURS } from "./common.js";

/** Days of history the charts cover, and weeks of referrals the table shows. */
export const HISTORY_DAYS = 28;
export const WEEKS = 8;

export const HISTORY_QUERY = `query DashboardHistory($areas: [String!], $from: DateTime, $after: String) {
  hubs(filter: { areaCodes: $areas }, first: 20, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id history(from: $from, first: 40) { nodes { at status capacity occupancy } } }
  }
}`;

export const PATHWAYS_QUERY = `query DashboardPathways($areas: [String!], $from: Date!, $to: Date!, $after: String) {
  pathways(filter: { areaCodes: $areas }, first: 50, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id name areaCodes needsReview reviewedAt activity(from: $from, to: $to, bucket: WEEK) { start referrals } }
  }
}`;

/** The variables of PATHWAYS_QUERY for the weeks shown, and those weeks. */
export function activityWindow(now = new Date()) {
  const weeks = lastWeeks(WEEKS, now);
  return { weeks, from: isoDay(weeks[0]), to: isoDay(now) };
}

/**
 * A hub's last HISTORY_DAYS days: a strip coloured by status underneath,
 * and occupancy as a stepped line above it (against capacity where known).
 * `events` are newest first, as the API gives them.
 */
export function historyChart(hub, events, now = Date.now()) {
  const W = 240;
  const H = 48;
  const STRIP = 8;
  const start = now - HISTORY_DAYS * 24 * 60 * 60 * 1000;
  const x = (t) => ((Math.max(t, start) - start) / (now - start)) * W;
  const ordered = [...events].reverse().map((e) => ({ ...e, t: new Date(e.at).getTime() }));
  // The last change holds until now; the hub as it is now closes the chart.
  ordered.push({ t: now, status: hub.status, occupancy: hub.occupancy, capacity: hub.capacity });
  const segments = [];
  for (let i = 0; i < ordered.length - 1; i += 1) {
    const [a, b] = [ordered[i], ordered[i + 1]];
    if (b.t <= start) continue;
    const x1 = x(a.t);
    segments.push(`<rect x="${x1.toFixed(1)}" y="${H - STRIP}" width="${Math.max(0.5, x(b.t) - x1).toFixed(1)}" height="${STRIP}"
      fill="${STATUS_COLOURS[a.status] || "#8a94a3"}"/>`);
  }
  const top = Math.max(1, ...ordered.map((e) => e.capacity ?? 0), ...ordered.map((e) => e.occupancy ?? 0));
  const y = (n) => (H - STRIP - 3 - ((H - STRIP - 6) * n) / top).toFixed(1);
  let line = "";
  for (let i = 0; i < ordered.length; i += 1) {
    const e = ordered[i];
    if (e.occupancy == null || e.t < start) continue;
    const xe = x(e.t).toFixed(1);
    line += line ? `H${xe}V${y(e.occupancy)}` : `M${xe} ${y(e.occupancy)}`;
  }
  if (line) line += `H${W}`;
  const changes = events.filter((e) => new Date(e.at).getTime() >= start).length;
  const measured = events.map((e) => e.occupancy).filter((n) => n != null);
  const range = measured.length ? `; occupancy between ${Math.min(...measured)} and ${Math.max(...measured)}` : "";
  const capacity = hub.capacity != null ? ` of ${hub.capacity} places` : "";
  const label = `Last ${HISTORY_DAYS} days: ${changes} status changes${range}${range ? capacity : ""}.`;
  return `<svg class="spark" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(label)}" preserveAspectRatio="none">
      <title>${esc(label)}</title>
      <line x1="0" x2="${W}" y1="${y(0)}" y2="${y(0)}" stroke="#c9d3e0"/>
      ${segments.join("")}
      ${line ? `<path d="${line}" fill="none" stroke="#1f4e8c" stroke-width="2" vector-effect="non-scaling-stroke"/>` : ""}
    </svg>`;
}

/** Each pathway's referrals in each of `weeks` (Mondays), summed over its steps. */
export function weeklyReferrals(pathways, weeks) {
  const WEEK_MS = 7 * 24 * 60 * 60 * 1000;
  return pathways
    .filter((p) => p.activity)
    .map((p) => {
      const counts = weeks.map(() => 0);
      for (const bucket of p.activity) {
        const t = new Date(`${bucket.start}T00:00:00Z`).getTime();
        const i = weeks.findIndex((w) => t >= w.getTime() && t < w.getTime() + WEEK_MS);
        if (i >= 0) counts[i] += bucket.referrals;
      }
      return { pathway: p, counts, total: counts.reduce((a, b) => a + b, 0) };
    });
}

/** The review list and the referrals table, as HTML. */
export function pathwaysHtml({ pathways, weeks, id, areaNames }) {
  const review = pathways.filter((p) => p.needsReview);
  const areas = (p) => p.areaCodes.map((c) => areaNames.get(c) || c).join(", ");
  const reviewHtml = review.length
    ? `<ul class="review">${review
        .map((p) => `<li data-pathway-id="${esc(p.id)}"><strong>${esc(p.name)}</strong> <span class="hint">${esc(areas(p))}${
          p.reviewedAt ? ` · last reviewed ${esc(dayFormat.format(new Date(p.reviewedAt)))}` : ""
        }</span></li>`)
        .join("")}</ul>`
    : `<p class="quiet">No pathway of these areas needs review.</p>`;
  const rows = weeklyReferrals(pathways, weeks);
  const hidden = pathways.length - rows.length;
  const top = Math.max(1, ...rows.flatMap((r) => r.counts));
  const table = rows.length
    ? `<div class="scroll" role="region" aria-labelledby="${id}-referrals" tabindex="0">
        <table class="referrals">
          <caption class="visually-hidden">Referrals per pathway in each week starting on the date shown</caption>
          <thead><tr><th scope="col">Pathway</th>${weeks
            .map((w) => `<th scope="col"><time datetime="${isoDay(w)}">${esc(dayFormat.format(w))}</time></th>`)
            .join("")}<th scope="col">Total</th></tr></thead>
          <tbody>${rows
            .map((r) => `<tr data-pathway-id="${esc(r.pathway.id)}"><th scope="row">${esc(r.pathway.name)}</th>${r.counts
              .map((n) => `<td style="--share:${Math.round((100 * n) / top)}%">${n}</td>`)
              .join("")}<td class="total">${r.total}</td></tr>`)
            .join("")}</tbody>
        </table>
      </div>`
    : `<p class="quiet">No referral counts to show: the token may read them only for its own partnership's pathways.</p>`;
  const note = rows.length && hidden ? `<p class="hint">${hidden} more pathways belong to other partnerships; their counts are theirs to see.</p>` : "";
  return `
    <h3>Pathways that need review</h3>
    ${reviewHtml}
    <div class="bar"><h3 id="${id}-referrals">Referrals per pathway by week</h3>
      ${rows.length ? `<button type="button" class="secondary" data-csv="referrals">Download referrals (CSV)</button>` : ""}</div>
    ${table}${note}`;
}

/** The referrals table as CSV rows. */
export function referralsCsv(pathways, weeks) {
  return [
    ["Pathway", ...weeks.map(isoDay), "Total"],
    ...weeklyReferrals(pathways, weeks).map((r) => [r.pathway.name, ...r.counts, r.total]),
  ];
}

/** What the section says to someone without a token. */
export const WITHOUT_TOKEN = `
  <p>With a token of the area's Health and Social Care Partnership (scope <code>reports:read</code>), this dashboard also shows:</p>
  <ul>
    <li>each hub's status over the last ${HISTORY_DAYS} days as a small chart, with occupancy over time;</li>
    <li>the areas' referral pathways that need review;</li>
    <li>referrals made along each pathway, week by week for the last ${WEEKS} weeks, to download as CSV.</li>
  </ul>
  <p>Hubs whose status nobody has confirmed for a week are flagged either way.</p>`;

