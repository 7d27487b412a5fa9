// What the finder shows: its styles, a result in the list and a service's
// own view. HTML from records, every value escaped.

import {
  agesText,
  costText,
  directionsUrl,
  esc,
  formatKm,
  haversineKm,
  hubText,
  reviewText,
  safeUrl,
  scheduleLines,
  telHref,
} from "./finder-text.js";

export const STYLE = `
:host {
  --sf-accent: #0a6b5d;
  --sf-accent-text: #ffffff;
  --sf-text: #1d2530;
  --sf-muted: #4a5563;
  --sf-background: #ffffff;
  --sf-panel: #f2f7f6;
  --sf-border: #c5d3d1;
  --sf-error: #a3212a;
  display: block;
  color: var(--sf-text);
  background: var(--sf-background);
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  max-width: 52rem;
}
* { box-sizing: border-box; }
form {
  display: grid; gap: 0.75rem 1rem; align-items: end;
  grid-template-columns: repeat(auto-fill, minmax(min(100%, 14.5rem), 1fr));
  background: var(--sf-panel); border: 1px solid var(--sf-border);
  border-radius: 0.75rem; padding: 1rem;
}
.field { display: flex; flex-direction: column; gap: 0.25rem; min-width: 0; }
.field.postcode { grid-column: span 2; }
@media (max-width: 34rem) { .field.postcode { grid-column: auto; } }
.with-button { display: flex; gap: 0.5rem; }
.with-button input { flex: 1 1 auto; min-width: 0; }
.with-button button { flex: 0 0 auto; padding: 0.5rem 0.75rem; }
label, .legend { font-weight: 600; }
input[type="text"], input[type="search"], input[type="number"], select {
  font: inherit; color: inherit; background: #fff; width: 100%;
  border: 2px solid var(--sf-border); border-radius: 0.5rem; padding: 0.5rem 0.6rem;
  min-height: 2.75rem; text-overflow: ellipsis;
}
input[aria-invalid="true"] { border-color: var(--sf-error); }
.toggle { display: flex; align-items: center; gap: 0.5rem; min-height: 2.75rem; }
.toggle input { width: 1.4rem; height: 1.4rem; accent-color: var(--sf-accent); margin: 0; }
button {
  font: inherit; font-weight: 600; cursor: pointer;
  background: var(--sf-accent); color: var(--sf-accent-text);
  border: 2px solid var(--sf-accent); border-radius: 0.5rem;
  padding: 0.5rem 1.25rem; min-height: 2.75rem;
}
button.secondary { background: #fff; color: var(--sf-accent); }
:is(input, select, button, a, h2, h3):focus-visible { outline: 3px solid #f2a900; outline-offset: 2px; }
.status { margin: 1rem 0 0.5rem; }
.status:empty { margin: 0; }
.status.error { color: var(--sf-error); font-weight: 600; }
h2 { font-size: 1.25rem; margin: 1rem 0 0.5rem; line-height: 1.3; }
ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.75rem; }
li.service {
  border: 1px solid var(--sf-border); border-radius: 0.75rem; padding: 0.85rem 1rem;
  background: #fff; overflow-wrap: anywhere;
}
h3 { margin: 0 0 0.25rem; font-size: 1.1rem; line-height: 1.3; }
h3 a { color: inherit; }
.meta { display: flex; flex-wrap: wrap; gap: 0.25rem 0.75rem; color: var(--sf-muted); font-size: 0.95rem; }
.badge { display: inline-block; border-radius: 999px; padding: 0 0.6rem; font-weight: 600; font-size: 0.9rem; }
.badge.open { background: #d8f3e4; color: #0d5130; }
.badge.closed { background: #f1e4e4; color: #7a1f26; }
.badge.unknown { background: #e8ebef; color: #39424e; }
.description { margin: 0.4rem 0; }
.alert { margin: 0.4rem 0; padding: 0.3rem 0.6rem; border-left: 4px solid #f2a900; background: #fff7e0; }
.review { margin: 0.4rem 0; color: #6b4200; font-size: 0.95rem; }
.facts { margin: 0.4rem 0; display: grid; grid-template-columns: max-content 1fr; gap: 0.15rem 0.75rem; font-size: 0.95rem; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; }
.facts ul, .detail ul { margin: 0; padding-left: 1.1rem; }
.actions { display: flex; flex-wrap: wrap; gap: 0.5rem 1.25rem; margin-top: 0.4rem; }
.actions a, .detail a { color: var(--sf-accent); font-weight: 600; }
.more { margin-top: 1rem; width: 100%; }
.detail { border: 1px solid var(--sf-border); border-radius: 0.75rem; padding: 1rem; background: #fff; overflow-wrap: anywhere; }
.detail h2 { margin-top: 0.5rem; }
.detail h3 { margin-top: 1rem; }
.back { margin-bottom: 0.5rem; }
.place { margin: 0.25rem 0 0.75rem; }
.visually-hidden {
  position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
[hidden] { display: none !important; }
@media (prefers-reduced-motion: no-preference) { li.service { transition: border-color 0.2s; } }
@media (max-width: 30rem) { .facts { grid-template-columns: 1fr; } .facts dd { margin-bottom: 0.3rem; } }
`;

/** Today in the UK as YYYY-MM-DD (schedules are in Europe/London). */
export function ukToday(now = new Date()) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" }).format(now);
}

/** A service's opening badge. A paused service is never open (the API says so too); say why. */
function openBadge(service) {
  if (service.status === "TEMPORARILY_CLOSED") return `<span class="badge closed">Paused</span>`;
  if (service.isOpen === true) return `<span class="badge open">Open now</span>`;
  if (service.isOpen === false) return `<span class="badge closed">Closed now</span>`;
  return `<span class="badge unknown">Opening times not listed</span>`;
}

/** The service's places, nearest to `from` first. */
function placesByDistance(service, from) {
  const located = service.locations.filter((l) => l.latitude != null && l.longitude != null);
  if (from) located.sort((a, b) => haversineKm(from, a) - haversineKm(from, b));
  const unlocated = service.locations.filter((l) => !located.includes(l));
  return [...located, ...unlocated];
}

function addressLine(place) {
  const address = place?.address;
  return [place?.name, address && [address.address1, address.city, address.postalCode].filter(Boolean).join(", ")]
    .filter(Boolean)
    .join(" – ");
}

/** The schedules of the service, or else of its nearest place. */
function when(service, place, today) {
  const own = scheduleLines(service.schedules, today);
  if (own.regular.length || own.changes.length) return own;
  return scheduleLines(place?.schedules || [], today);
}

/** Ways to get the service: links for phone, email and website. */
function contactLinks(service, name) {
  const phone = service.phones[0]?.number;
  const email = service.email || service.organization?.email;
  const link = safeUrl(service.url) || safeUrl(service.organization?.website);
  return [
    phone ? `<a href="${esc(telHref(phone))}">Call ${esc(phone)}<span class="visually-hidden"> about ${esc(name)}</span></a>` : "",
    email ? `<a href="mailto:${esc(email)}">Email<span class="visually-hidden"> ${esc(name)}</span></a>` : "",
    link ? `<a href="${esc(link)}" target="_blank" rel="noopener">Website<span class="visually-hidden"> of ${esc(name)} (opens in a new tab)</span></a>` : "",
  ].join("");
}

/** Term/definition rows for what is known; empty values are left out. */
function facts(rows) {
  const shown = rows.filter(([, value]) => value && (!Array.isArray(value) || value.length));
  if (!shown.length) return "";
  const cell = (value) =>
    Array.isArray(value) ? (value.length === 1 ? esc(value[0]) : `<ul>${value.map((v) => `<li>${esc(v)}</li>`).join("")}</ul>`) : esc(value);
  return `<dl class="facts">${shown.map(([term, value]) => `<dt>${esc(term)}</dt><dd>${cell(value)}</dd>`).join("")}</dl>`;
}

function scheduleFacts(times) {
  return [
    ["When", times.regular],
    ["Changes", times.changes.slice(0, 3)],
  ];
}

function languagesText(service) {
  const names = (service.languages || []).map((l) => l.name || l.code).filter(Boolean);
  return names.length > 1 || (names.length === 1 && names[0] !== "English") ? names.join(", ") : null;
}

/** One result in the list; its name links to the service's own view at `href`. */
export function resultItem(edge, from, href, today) {
  const service = edge.node;
  const places = placesByDistance(service, from);
  const place = places[0];
  const where = addressLine(place);
  const ages = agesText(service);
  const hub = places.map((p) => p.hub).find(Boolean);
  const description = service.description ? service.description.split(/(?<=\.)\s/)[0] : "";
  const review = reviewText(service);
  const pathways = (service.pathways || []).map((p) => p.name);
  return `<li class="service" data-service-id="${esc(service.id)}" data-distance-km="${esc(edge.distanceKm)}">
      <h3 tabindex="-1"><a href="${esc(href)}" data-open-service="${esc(service.id)}">${esc(service.name)}</a></h3>
      <div class="meta">
        <span class="distance">${esc(formatKm(edge.distanceKm))}</span>
        ${openBadge(service)}
        ${ages ? `<span>${esc(ages)}</span>` : ""}
      </div>
      <div class="meta"><span>${esc(service.organization?.name)}</span>${where ? `<span>${esc(where)}</span>` : ""}</div>
      ${service.alert ? `<p class="alert">${esc(service.alert)}</p>` : ""}
      ${description ? `<p class="description">${esc(description)}</p>` : ""}
      ${facts([
        ...scheduleFacts(when(service, place, today)),
        ["Cost", costText(service)],
        ["How to get it", service.applicationProcess],
        ["Languages", languagesText(service)],
        ["Hub", hubText(hub)],
        ["Pathways", pathways],
      ])}
      ${review ? `<p class="review">${esc(review)}</p>` : ""}
      <div class="actions">${contactLinks(service, service.name)}</div>
    </li>`;
}

/** A service's own view: everything the list says, every place with directions. */
export function serviceDetail(service, from, today, uid) {
  const places = placesByDistance(service, from);
  const review = reviewText(service);
  const times = when(service, places[0], today);
  const phones = service.phones.map((p) => `<li><a href="${esc(telHref(p.number))}">${esc(p.number)}</a>${p.description ? ` (${esc(p.description)})` : ""}</li>`);
  const placeHtml = places
    .map((place) => {
      const directions = directionsUrl(place);
      const distance = from && place.latitude != null ? formatKm(haversineKm(from, place)) : "";
      const access = (place.accessibility || []).map((a) => a.description).filter(Boolean);
      return `<div class="place">
          <strong>${esc(place.name || "A place")}</strong>${distance ? ` <span class="meta">${esc(distance)}</span>` : ""}
          <div>${esc(addressLine({ address: place.address }))}</div>
          ${hubText(place.hub) ? `<div>${esc(hubText(place.hub))}${place.hub.note ? `: ${esc(place.hub.note)}` : ""}</div>` : ""}
          ${access.length ? `<div>Access: ${esc(access.join("; "))}</div>` : ""}
          ${place.transportation ? `<div>Getting there: ${esc(place.transportation)}</div>` : ""}
          ${directions ? `<a href="${esc(directions)}" target="_blank" rel="noopener">Directions<span class="visually-hidden"> to ${esc(place.name || service.name)} (OpenStreetMap, opens in a new tab)</span></a>` : ""}
        </div>`;
    })
    .join("");
  const pathways = (service.pathways || []).map((p) => `<li>${esc(p.name)}</li>`).join("");
  return `<article class="detail" data-service-id="${esc(service.id)}" aria-labelledby="${esc(uid)}-detail-title">
      <button type="button" class="secondary back">Back to results</button>
      <h2 id="${esc(uid)}-detail-title" tabindex="-1">${esc(service.name)}</h2>
      <div class="meta">${openBadge(service)}${agesText(service) ? `<span>${esc(agesText(service))}</span>` : ""}<span>${esc(service.organization?.name)}</span></div>
      ${service.alert ? `<p class="alert">${esc(service.alert)}</p>` : ""}
      ${service.description ? `<p class="description">${esc(service.description)}</p>` : ""}
      ${review ? `<p class="review">${esc(review)}</p>` : ""}
      <h3>When</h3>
      ${facts([
        ["Usually", times.regular],
        ["Changes", times.changes],
      ]) || "<p>Opening times not listed: contact the service.</p>"}
      <h3>How to get it</h3>
      ${facts([
        ["Apply", service.applicationProcess],
        ["Cost", costText(service)],
        ["Who for", service.eligibilityDescription],
        ["Languages", (service.languages || []).map((l) => l.name || l.code)],
        ["Waiting time", service.waitTime],
      ])}
      ${phones.length ? `<ul>${phones.join("")}</ul>` : ""}
      <div class="actions">${contactLinks(service, service.name)}</div>
      <h3>Where</h3>
      ${placeHtml || "<p>No fixed place: by phone or online.</p>"}
      ${pathways ? `<h3>Part of these referral pathways</h3><ul>${pathways}</ul>` : ""}
    </article>`;
}
