// <hub-dashboard>: the hubs of one or more council areas at a glance, kept
// live over hubgraph's public GraphQL API.
//
//   <script type="module" src="https://HOST/examples/hub-dashboard/hub-dashboard.js"></script>
//   <hub-dashboard api="https://HOST/graphql" areas="S12000036 S12000019"></hub-dashboard>
//
// Attributes (all optional):
//   api    the GraphQL endpoint (default: /graphql on the page's own host)
//   ws     the WebSocket endpoint (default: the api URL + /ws, as ws: or wss:)
//   areas  the council areas (GSS codes, space- or comma-separated) chosen
//          at start; `area` (one code) also works
//   url    "off" keeps the chosen areas out of the page's URL; otherwise
//          they go into its `areas` query parameter, so a link opens them
//
// Status changes arrive over the graphql-transport-ws protocol. A partner
// token typed into the form goes only into request headers and the
// connection_init payload: never into the URL or any browser storage.

import { daysSince, downloadCsv, esc, isStale, STALE_DAYS, STATUS_COLOURS, STATUS_WORDS, when } from "./common.js";
import {
  activityWindow, HISTORY_DAYS, HISTORY_QUERY, historyChart, PATHWAYS_QUERY, pathwaysHtml, referralsCsv, WITHOUT_TOKEN,
} from "./insights.js";
import { LiveConnection, websocketUrl } from "./live.js";
import { followTips, mapSvg, OUTLINE_QUERY, readOutline } from "./map.js";
import { STYLE } from "./styles.js";

const KIND_WORDS = {
  COMMUNITY_HUB: "Community Hub",
  HEALTH_AND_WELLBEING_HUB: "Health and Wellbeing Hub",
  WARM_SPACE: "Warm space",
};
const LOG_LENGTH = 8;

const AREAS_QUERY = `query DashboardAreas { areas { code name kind hscpName } }`;

const HUB_FIELDS = `id name kinds areaCode status capacity occupancy note validUntil updatedAt version serviceCount
  facilities { id name }
  location { name latitude longitude address { address1 city postalCode } }`;

const HUBS_QUERY = `query DashboardHubs($areas: [String!], $after: String) {
  hubs(filter: { areaCodes: $areas }, first: 100, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { ${HUB_FIELDS} }
  }
}`;

const LIVE_SUBSCRIPTION = `subscription DashboardLive($areas: [String!]) {
  hubStatusChanged(areaCodes: $areas) {
    status capacity occupancy note validUntil reason version at
    facilities { id name }
    hub { id name }
  }
}`;

let instances = 0;

class HubDashboard extends HTMLElement {
  constructor() {
    super();
    this.uid = `hd${++instances}`;
    this.attachShadow({ mode: "open" });
    this.hubs = new Map();
    this.history = new Map();
    this.pathways = [];
    this.areas = [];
    this.areaNames = new Map();
    this.outline = null;
    this.wholeMap = false;
    this.token = "";
    this.serial = 0;
  }

  get api() {
    return new URL(this.getAttribute("api") || "/graphql", document.baseURI).href;
  }

  get wsUrl() {
    const ws = this.getAttribute("ws");
    return ws ? new URL(ws, document.baseURI).href.replace(/^http/, "ws") : websocketUrl(this.api);
  }

  connectedCallback() {
    if (!this.shadowRoot.firstChild) {
      this.render();
      this.loadAreas();
      this.loadOutline();
    }
  }

  disconnectedCallback() {
    this.live?.close();
    this.live = null;
  }

  render() {
    const id = (name) => `${this.uid}-${name}`;
    this.shadowRoot.innerHTML = `
      <style>${STYLE}</style>
      <form aria-label="Choose areas" novalidate>
        <fieldset class="field">
          <legend id="${id("areas-legend")}">Council areas</legend>
          <div class="areas" role="group" aria-labelledby="${id("areas-legend")}"><span class="hint">Loading areas…</span></div>
        </fieldset>
        <div class="field">
          <label for="${id("token")}">Partner token <span class="hint">(optional)</span></label>
          <input id="${id("token")}" name="token" type="password" autocomplete="off" spellcheck="false"
                 aria-describedby="${id("token-hint")}">
          <span id="${id("token-hint")}" class="hint">Kept in this page only. Leave empty to see public data.</span>
        </div>
        <button type="submit">Show hubs</button>
      </form>
      <div class="bar">
        <p class="message" role="status" aria-live="polite"></p>
        <p class="live" aria-live="polite">Not connected</p>
      </div>
      <section aria-labelledby="${id("summary")}">
        <h2 id="${id("summary")}" class="visually-hidden">Summary</h2>
        <ul class="summary"></ul>
      </section>
      <div class="layout">
        <section aria-labelledby="${id("hubs")}">
          <div class="section-head">
            <h2 id="${id("hubs")}">Hubs</h2>
            <button type="button" class="secondary" data-csv="hubs" hidden>Download hubs (CSV)</button>
          </div>
          <ul class="hubs"></ul>
        </section>
        <div>
          <section aria-labelledby="${id("map")}">
            <div class="section-head">
              <h2 id="${id("map")}">Where they are</h2>
              <button type="button" class="secondary whole" aria-pressed="false">All of Scotland</button>
            </div>
            <div class="map-holder"></div>
            <ul class="legend">
              ${Object.entries(STATUS_WORDS)
                .map(([s, w]) => `<li><span style="background:${STATUS_COLOURS[s]}"></span>${w}</li>`)
                .join("")}
              <li><span style="background:#f3dd8c;border-radius:0"></span>Chosen areas</li><li><span style="background:#c9d1c3;border-radius:0"></span>Rest of Scotland</li>
            </ul>
          </section>
          <section class="extras" aria-labelledby="${id("extras")}">
            <h2 id="${id("extras")}">For the partnership</h2>
            <div class="extras-body">${WITHOUT_TOKEN}</div>
          </section>
          <section aria-labelledby="${id("log")}">
            <h2 id="${id("log")}">Latest changes</h2>
            <ol class="log" aria-live="polite"></ol>
          </section>
        </div>
      </div>
    `;
    const root = this.shadowRoot;
    this.form = root.querySelector("form");
    this.areaBox = root.querySelector(".areas");
    this.tokenInput = root.getElementById(id("token"));
    this.messageLine = root.querySelector(".message");
    this.liveLine = root.querySelector(".live");
    this.summaryList = root.querySelector(".summary");
    this.hubList = root.querySelector(".hubs");
    this.mapHolder = root.querySelector(".map-holder");
    this.wholeButton = root.querySelector("button.whole");
    this.extras = root.querySelector(".extras-body");
    this.logList = root.querySelector(".log");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.token = this.tokenInput.value.trim();
      this.show(this.checkedAreas());
    });
    this.wholeButton.addEventListener("click", () => {
      this.wholeMap = !this.wholeMap;
      this.wholeButton.setAttribute("aria-pressed", String(this.wholeMap));
      this.renderMap();
    });
    root.addEventListener("click", (event) => {
      const which = event.target.closest?.("[data-csv]")?.dataset.csv;
      if (which === "hubs") downloadCsv("hubs.csv", this.hubsCsv());
      if (which === "referrals") downloadCsv("referrals.csv", referralsCsv(this.pathways, this.weeks));
    });
    followTips(this.mapHolder);
  }

  checkedAreas() {
    return [...this.areaBox.querySelectorAll("input:checked")].map((box) => box.value);
  }

  /** One request; `errors` beside `data` are for fields the token may not read. */
  async request(query, variables) {
    const headers = { "content-type": "application/json", accept: "application/graphql-response+json, application/json" };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let response;
    try {
      response = await fetch(this.api, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
    } catch {
      throw new Error("The hub data could not be reached. Check the connection and try again.");
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      // Reported below.
    }
    if (response.status === 401) throw new Error("The token was not accepted. Check it, or leave it empty.");
    if (!body?.data) throw new Error(body?.errors?.[0]?.message || `The server answered ${response.status}.`);
    return { data: body.data, errors: body.errors || [] };
  }

  async graphql(query, variables) {
    return (await this.request(query, variables)).data;
  }

  setMessage(text, isError = false) {
    this.messageLine.textContent = text;
    this.messageLine.classList.toggle("error", isError);
  }

  /** The areas to open with: the page URL's `areas`, else the attributes. */
  wantedAreas() {
    const fromUrl = this.getAttribute("url") !== "off" && new URL(location.href).searchParams.get("areas");
    const listed = fromUrl || this.getAttribute("areas") || this.getAttribute("area") || "";
    return listed.split(/[\s,]+/).filter(Boolean);
  }

  async loadAreas() {
    try {
      const data = await this.graphql(AREAS_QUERY, {});
      const councils = data.areas.filter((a) => a.kind === "COUNCIL_AREA").sort((a, b) => a.name.localeCompare(b.name));
      this.areaNames = new Map(councils.map((a) => [a.code, a.name]));
      const wanted = this.wantedAreas().filter((code) => this.areaNames.has(code));
      this.areaBox.innerHTML = councils
        .map((a) => `<label><input type="checkbox" name="areas" value="${esc(a.code)}"${wanted.includes(a.code) ? " checked" : ""}>
          ${esc(a.name)}</label>`)
        .join("");
      if (wanted.length) this.show(wanted);
    } catch (error) {
      this.setMessage(error.message, true);
    }
  }

  /** The outline of Scotland for the map; without it the map plots hubs alone. */
  async loadOutline() {
    try {
      this.outline = readOutline((await this.graphql(OUTLINE_QUERY, {})).outline);
      this.renderMap();
    } catch {
      // An older server without `outline`: the plot of hubs is still useful.
    }
  }

  areaWords(areas = this.areas) {
    const names = areas.map((code) => this.areaNames.get(code) || code);
    return names.length > 2 ? `${names.length} areas` : names.join(" and ");
  }

  /** Loads the areas' hubs, then follows their changes live. */
  async show(areas) {
    const serial = ++this.serial;
    this.live?.close();
    this.live = null;
    this.logList.innerHTML = "";
    this.setLive("off", "Not connected");
    if (!areas.length) {
      this.setMessage("Choose at least one council area to see its hubs.", true);
      this.areaBox.querySelector("input")?.focus();
      return;
    }
    this.areas = areas;
    if (this.getAttribute("url") !== "off") {
      const url = new URL(location.href);
      url.searchParams.set("areas", areas.join(","));
      history.replaceState(history.state, "", url);
    }
    this.setAttribute("state", "loading");
    this.setMessage("Loading hubs…");
    try {
      await this.reload(serial);
    } catch (error) {
      if (serial !== this.serial) return;
      this.setAttribute("state", "error");
      this.setMessage(error.message, true);
      return;
    }
    if (serial !== this.serial) return;
    this.loadExtras(serial);
    this.live = new LiveConnection({
      url: this.wsUrl,
      token: this.token,
      query: LIVE_SUBSCRIPTION,
      variables: { areas },
      onEvent: (event) => this.applyEvent(event),
      onState: (state, text) => this.setLive(state, text),
      // Events may have been missed while away: read the hubs again.
      onReconnected: () => this.reload(this.serial).catch((error) => this.setMessage(error.message, true)),
    });
  }

  async reload(serial) {
    const hubs = new Map();
    let after = null;
    do {
      const data = await this.graphql(HUBS_QUERY, { areas: this.areas, after });
      if (serial !== this.serial) return;
      for (const hub of data.hubs.nodes) hubs.set(hub.id, hub);
      after = data.hubs.pageInfo.hasNextPage ? data.hubs.pageInfo.endCursor : null;
    } while (after);
    this.hubs = hubs;
    const name = this.areaWords();
    this.setMessage(hubs.size ? `${hubs.size} hubs in ${name}.` : `${name} has no hubs yet.`);
    this.setAttribute("state", "ready");
    this.renderAll();
  }

  /** With a token: hub histories and the areas' pathways; without: what a token adds. */
  async loadExtras(serial) {
    this.history = new Map();
    this.pathways = [];
    if (!this.token) {
      this.extras.innerHTML = WITHOUT_TOKEN;
      this.setAttribute("extras", "none");
      return;
    }
    this.extras.innerHTML = `<p class="quiet">Loading history and pathways…</p>`;
    try {
      const from = new Date(Date.now() - HISTORY_DAYS * 24 * 60 * 60 * 1000).toISOString();
      const history = new Map();
      let refused = false;
      let after = null;
      do {
        const { data, errors } = await this.request(HISTORY_QUERY, { areas: this.areas, from, after });
        if (serial !== this.serial) return;
        refused ||= errors.length > 0;
        for (const hub of data.hubs.nodes) if (hub.history) history.set(hub.id, hub.history.nodes);
        after = data.hubs.pageInfo.hasNextPage ? data.hubs.pageInfo.endCursor : null;
      } while (after);
      const span = activityWindow();
      const pathways = [];
      after = null;
      do {
        const { data } = await this.request(PATHWAYS_QUERY, { areas: this.areas, from: span.from, to: span.to, after });
        if (serial !== this.serial) return;
        pathways.push(...data.pathways.nodes);
        after = data.pathways.pageInfo.hasNextPage ? data.pathways.pageInfo.endCursor : null;
      } while (after);
      Object.assign(this, { history, pathways, weeks: span.weeks });
      const historyNote = refused
        ? `<p class="hint">${history.size ? "Some hubs' history is" : "Hub history is"} not open to this token: it is for the partnership of each hub's area.</p>`
        : "";
      this.extras.innerHTML = historyNote + pathwaysHtml({ pathways, weeks: span.weeks, id: this.uid, areaNames: this.areaNames });
      this.setAttribute("extras", "ready");
      this.renderList();
    } catch (error) {
      if (serial !== this.serial) return;
      this.extras.innerHTML = `<p class="message error">${esc(error.message)}</p>`;
      this.setAttribute("extras", "error");
    }
  }

  setLive(state, text) {
    this.liveLine.textContent = text;
    this.liveLine.className = `live ${state}`;
    this.setAttribute("live", state);
  }

  applyEvent(event) {
    const hub = this.hubs.get(event.hub.id);
    if (!hub) {
      // A hub new to these areas: read the list again to get all of it.
      this.reload(this.serial).catch((error) => this.setMessage(error.message, true));
      return;
    }
    if (event.version < hub.version) return; // an older event overtaken by a reload
    Object.assign(hub, {
      status: event.status,
      capacity: event.capacity,
      occupancy: event.occupancy,
      note: event.note,
      validUntil: event.validUntil,
      facilities: event.facilities,
      version: event.version,
      updatedAt: event.at,
    });
    this.history.get(hub.id)?.unshift({
      at: event.at, status: event.status, capacity: event.capacity, occupancy: event.occupancy,
    });
    this.renderSummary();
    this.renderMap();
    const old = this.hubList.querySelector(`[data-hub-id="${CSS.escape(hub.id)}"]`);
    if (old) {
      old.outerHTML = this.hubItem(hub);
      this.hubList.querySelector(`[data-hub-id="${CSS.escape(hub.id)}"]`)?.classList.add("changed");
    }
    const reason = event.reason === "EXPIRED" ? " (temporary status ended)" : "";
    const note = event.note ? `: ${event.note}` : "";
    this.logList.insertAdjacentHTML(
      "afterbegin",
      `<li><time datetime="${esc(event.at)}">${esc(when(event.at))}</time> ${esc(hub.name)} is now
        <strong>${esc(STATUS_WORDS[event.status] || event.status)}</strong>${esc(reason)}${esc(note)}</li>`,
    );
    while (this.logList.children.length > LOG_LENGTH) this.logList.lastElementChild.remove();
  }

  sortedHubs() {
    return [...this.hubs.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  renderAll() {
    this.renderSummary();
    this.renderMap();
    this.renderList();
  }

  renderList() {
    this.hubList.innerHTML = this.sortedHubs().map((hub) => this.hubItem(hub)).join("");
    this.shadowRoot.querySelector('[data-csv="hubs"]').hidden = this.hubs.size === 0;
  }

  renderSummary() {
    const hubs = [...this.hubs.values()];
    const count = (status) => hubs.filter((h) => h.status === status).length;
    const measured = hubs.filter((h) => h.capacity != null && h.occupancy != null);
    const people = measured.reduce((sum, h) => sum + h.occupancy, 0);
    const places = measured.reduce((sum, h) => sum + h.capacity, 0);
    const tiles = [
      ["total", "Hubs", hubs.length],
      ["open", "Open", count("OPEN")],
      ["limited", "Limited", count("LIMITED")],
      ["closed", "Closed", count("CLOSED")],
      ["occupancy", "People in", places ? `${people} / ${places}` : "–"],
      ["stale", `Not updated for ${STALE_DAYS}+ days`, hubs.filter((h) => isStale(h)).length],
    ];
    this.summaryList.innerHTML = tiles
      .map(([key, label, value]) => `<li data-count="${key}"><span class="value">${esc(value)}</span>${esc(label)}</li>`)
      .join("");
  }

  renderMap() {
    const hubs = [...this.hubs.values()];
    const open = hubs.filter((h) => h.status === "OPEN").length;
    const where = this.areas.length ? ` in ${this.areaWords()}` : "";
    this.mapHolder.innerHTML = mapSvg({
      outline: this.outline,
      hubs,
      areas: this.areas,
      whole: this.wholeMap || !this.areas.length,
      label: `Map of ${hubs.length} hubs${where}, ${open} open, on an outline of Scotland drawn from its postcodes. Tab to a hub to hear its name; the list gives each one.`,
    });
  }

  hubItem(hub) {
    const colour = STATUS_COLOURS[hub.status] || "#5a6472";
    const address = hub.location?.address;
    const where = [hub.location?.name, address && [address.address1, address.city, address.postalCode].filter(Boolean).join(", ")]
      .filter(Boolean)
      .join(" – ");
    let occupancy = "";
    // A closed hub has nobody in it and no room to offer: no gauge.
    if (hub.capacity != null && hub.status !== "CLOSED") {
      const used = hub.occupancy ?? null;
      const share = used != null && hub.capacity > 0 ? Math.min(100, Math.round((100 * used) / hub.capacity)) : 0;
      occupancy = `<div class="occupancy"><span>${used != null ? `${used} of ${hub.capacity} places in use` : `Room for ${hub.capacity}`}</span>
        <div class="gauge" aria-hidden="true"><div style="width:${share}%"></div></div></div>`;
    }
    const facilities = hub.facilities.length
      ? `<ul class="facilities" aria-label="Facilities">${hub.facilities.map((f) => `<li>${esc(f.name)}</li>`).join("")}</ul>`
      : "";
    const until = hub.validUntil ? ` until ${esc(when(hub.validUntil))}` : "";
    const stale = isStale(hub);
    const events = this.history.get(hub.id);
    const area = this.areas.length > 1 ? ` · ${esc(this.areaNames.get(hub.areaCode) || hub.areaCode)}` : "";
    return `<li class="hub" data-hub-id="${esc(hub.id)}" data-status="${esc(hub.status)}"${stale ? " data-stale" : ""} style="--status-colour:${colour}">
      <h3>${esc(hub.name)}</h3>
      ${where ? `<p class="where">${esc(where)}</p>` : ""}
      <p class="kinds">${hub.kinds.map((k) => esc(KIND_WORDS[k] || k)).join(" · ")}${area}</p>
      <div class="row"><span class="badge status">${esc(STATUS_WORDS[hub.status] || hub.status)}${until}</span>${occupancy}</div>
      ${hub.note ? `<p class="note">${esc(hub.note)}</p>` : ""}
      ${stale ? `<p class="stale">Status not updated for ${daysSince(hub.updatedAt)} days</p>` : ""}
      ${facilities}
      ${events ? historyChart(hub, events) : ""}
      <p class="updated">Updated <time datetime="${esc(hub.updatedAt)}">${esc(when(hub.updatedAt))}</time> · ${esc(hub.serviceCount)} services here</p>
    </li>`;
  }

  /** The hubs as listed, one row each, for a spreadsheet. */
  hubsCsv() {
    const header = ["Hub", "Council area", "Status", "Occupancy", "Capacity", "Updated", "Days since update", "Address", "Postcode", "Latitude", "Longitude"];
    return [
      header,
      ...this.sortedHubs().map((h) => [
        h.name,
        this.areaNames.get(h.areaCode) || h.areaCode,
        STATUS_WORDS[h.status] || h.status,
        h.occupancy ?? "",
        h.capacity ?? "",
        h.updatedAt,
        daysSince(h.updatedAt),
        [h.location?.name, h.location?.address?.address1, h.location?.address?.city].filter(Boolean).join(", "),
        h.location?.address?.postalCode ?? "",
        h.location?.latitude ?? "",
        h.location?.longitude ?? "",
      ]),
    ];
  }
}

if (!customElements.get("hub-dashboard")) customElements.define("hub-dashboard", HubDashboard);

export { HubDashboard };
