// <hub-dashboard>: the hubs of a council area at a glance, kept live over
// hubgraph's public GraphQL API.
//
//   <script type="module" src="https://HOST/examples/hub-dashboard/hub-dashboard.js"></script>
//   <hub-dashboard api="https://HOST/graphql" area="S12000036"></hub-dashboard>
//
// Attributes (all optional):
//   api    the GraphQL endpoint (default: /graphql on the page's own host)
//   ws     the WebSocket endpoint (default: the api URL + /ws, as ws: or wss:)
//   area   the council area (GSS code) chosen at start
//
// Status changes arrive over the graphql-transport-ws protocol. A partner
// token typed into the form goes only into request headers and the
// connection_init payload: never into the URL or any browser storage.

const STATUS_WORDS = { OPEN: "Open", LIMITED: "Limited", CLOSED: "Closed" };
const STATUS_COLOURS = { OPEN: "#1b7f4b", LIMITED: "#b25e00", CLOSED: "#a3212a" };
const KIND_WORDS = {
  COMMUNITY_HUB: "Community Hub",
  HEALTH_AND_WELLBEING_HUB: "Health and Wellbeing Hub",
  WARM_SPACE: "Warm space",
};
const LOG_LENGTH = 8;

const AREAS_QUERY = `query DashboardAreas { areas { code name kind hscpName } }`;

const HUB_FIELDS = `id name kinds status capacity occupancy note validUntil updatedAt version serviceCount
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

const STYLE = `
:host {
  --hd-accent: #1f4e8c;
  --hd-text: #1d2530;
  --hd-muted: #4a5563;
  --hd-panel: #f3f6fb;
  --hd-border: #c9d3e0;
  display: block; color: var(--hd-text);
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
* { box-sizing: border-box; }
form {
  display: flex; flex-wrap: wrap; gap: 0.75rem 1rem; align-items: flex-end;
  background: var(--hd-panel); border: 1px solid var(--hd-border); border-radius: 0.75rem; padding: 1rem;
}
.field { display: flex; flex-direction: column; gap: 0.25rem; flex: 1 1 14rem; min-width: 0; }
label { font-weight: 600; }
.hint { color: var(--hd-muted); font-size: 0.9rem; }
input, select {
  font: inherit; color: inherit; background: #fff; width: 100%;
  border: 2px solid var(--hd-border); border-radius: 0.5rem; padding: 0.5rem 0.6rem; min-height: 2.75rem;
}
button {
  font: inherit; font-weight: 600; cursor: pointer; background: var(--hd-accent); color: #fff;
  border: 2px solid var(--hd-accent); border-radius: 0.5rem; padding: 0.5rem 1.25rem; min-height: 2.75rem;
  flex: 0 1 10rem;
}
:is(input, select, button):focus-visible { outline: 3px solid #f2a900; outline-offset: 2px; }
.bar { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 0.5rem; margin: 1rem 0 0.5rem; }
.message { margin: 0; }
.message.error { color: #a3212a; font-weight: 600; }
.live { margin: 0; font-weight: 600; }
.live::before { content: ""; display: inline-block; width: 0.7rem; height: 0.7rem; border-radius: 50%; margin-right: 0.4rem; background: #8a94a3; }
.live.on::before { background: #1b7f4b; }
.live.off::before { background: #a3212a; }
.summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(8.5rem, 1fr)); gap: 0.75rem; margin: 0 0 1rem; padding: 0; list-style: none; }
.summary li { background: #fff; border: 1px solid var(--hd-border); border-radius: 0.75rem; padding: 0.6rem 0.8rem; }
.summary .value { display: block; font-size: 1.6rem; font-weight: 700; line-height: 1.2; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr); gap: 1rem; }
@media (min-width: 900px) { .layout { grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); } }
h2 { font-size: 1.2rem; margin: 0 0 0.5rem; }
.map { background: #eef4fb; border: 1px solid var(--hd-border); border-radius: 0.75rem; width: 100%; height: auto; display: block; }
.legend { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; margin: 0.4rem 0 0; padding: 0; list-style: none; font-size: 0.9rem; }
.legend span { display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 50%; margin-right: 0.3rem; vertical-align: -0.05rem; }
.hubs { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.75rem; }
.hub { background: #fff; border: 1px solid var(--hd-border); border-left: 6px solid var(--status-colour, #8a94a3); border-radius: 0.75rem; padding: 0.75rem 1rem; overflow-wrap: anywhere; }
.hub h3 { margin: 0; font-size: 1.05rem; line-height: 1.3; }
.hub .where, .hub .kinds, .hub .updated { color: var(--hd-muted); font-size: 0.9rem; margin: 0; }
.badge { display: inline-block; border-radius: 999px; padding: 0 0.6rem; font-weight: 700; font-size: 0.9rem; color: #fff; background: var(--status-colour, #5a6472); }
.row { display: flex; flex-wrap: wrap; align-items: center; gap: 0.25rem 0.75rem; margin: 0.3rem 0; }
.occupancy { flex: 1 1 10rem; }
.gauge { height: 0.5rem; background: #e3e8ef; border-radius: 999px; overflow: hidden; margin-top: 0.2rem; }
.gauge > div { height: 100%; background: var(--hd-accent); }
.facilities { display: flex; flex-wrap: wrap; gap: 0.3rem; list-style: none; margin: 0.3rem 0 0; padding: 0; }
.facilities li { background: var(--hd-panel); border-radius: 999px; padding: 0 0.55rem; font-size: 0.85rem; }
.note { margin: 0.3rem 0 0; padding: 0.2rem 0.6rem; border-left: 4px solid #f2a900; background: #fff7e0; }
.log { margin: 0; padding-left: 1.2rem; font-size: 0.95rem; }
.log:empty::before { content: "Changes will appear here as they happen."; color: var(--hd-muted); margin-left: -1.2rem; }
@media (prefers-reduced-motion: no-preference) {
  .hub.changed { animation: flash 2s ease-out; }
  @keyframes flash { from { background: #fff3c4; } to { background: #fff; } }
}
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
`;

function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const timeFormat = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/London" });
const dateTimeFormat = new Intl.DateTimeFormat("en-GB", {
  day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: "Europe/London",
});

function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return (today ? timeFormat : dateTimeFormat).format(date);
}

/** The WebSocket URL next to an HTTP GraphQL URL: /graphql -> ws(s)://.../graphql/ws. */
function websocketUrl(api) {
  const url = new URL(api);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.pathname = `${url.pathname.replace(/\/$/, "")}/ws`;
  return url.href;
}

/** One graphql-transport-ws connection with one subscription, reconnecting until closed. */
class LiveConnection {
  constructor({ url, token, query, variables, onEvent, onState, onReconnected }) {
    Object.assign(this, { url, token, query, variables, onEvent, onState, onReconnected });
    this.closed = false;
    this.retries = 0;
    this.open();
  }

  open() {
    this.onState("connecting", "Connecting to live updates…");
    let socket;
    try {
      socket = new WebSocket(this.url, "graphql-transport-ws");
    } catch {
      this.onState("off", "Live updates are not available.");
      return;
    }
    this.socket = socket;
    const send = (message) => socket.send(JSON.stringify(message));
    socket.addEventListener("open", () => {
      send({ type: "connection_init", payload: this.token ? { authorization: `Bearer ${this.token}` } : {} });
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      switch (message.type) {
        case "connection_ack":
          send({ type: "subscribe", id: "hubs", payload: { query: this.query, variables: this.variables } });
          // The server has registered the subscription once it answers a
          // ping sent after it: only then is the dashboard really live.
          this.awaitingPong = true;
          send({ type: "ping" });
          break;
        case "pong":
          if (this.awaitingPong) {
            this.awaitingPong = false;
            if (this.retries > 0) this.onReconnected();
            this.retries = 0;
            this.onState("on", "Live: changes appear as they happen.");
          }
          break;
        case "ping":
          send({ type: "pong" });
          break;
        case "next":
          if (message.payload?.data?.hubStatusChanged) this.onEvent(message.payload.data.hubStatusChanged);
          break;
        case "error":
          this.onState("off", `Live updates refused: ${message.payload?.[0]?.message || "unknown error"}`);
          break;
        default:
          break;
      }
    });
    socket.addEventListener("close", (event) => {
      if (this.closed) return;
      if (event.code === 4403 || event.code === 4401) {
        this.onState("off", "Live updates refused: the token was not accepted.");
        return;
      }
      this.retries += 1;
      const delay = Math.min(30, 2 ** (this.retries - 1));
      this.onState("off", `Live updates paused; reconnecting in ${delay} s.`);
      this.timer = setTimeout(() => this.open(), delay * 1000);
    });
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) {
      this.socket.close(1000, "done");
    }
  }
}

let instances = 0;

class HubDashboard extends HTMLElement {
  constructor() {
    super();
    this.uid = `hd${++instances}`;
    this.attachShadow({ mode: "open" });
    this.hubs = new Map();
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
      <form aria-label="Choose an area" novalidate>
        <div class="field">
          <label for="${id("area")}">Council area</label>
          <select id="${id("area")}" name="area"><option value="">Loading areas…</option></select>
        </div>
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
          <h2 id="${id("hubs")}">Hubs</h2>
          <ul class="hubs"></ul>
        </section>
        <div>
          <section aria-labelledby="${id("map")}">
            <h2 id="${id("map")}">Where they are</h2>
            <div class="map-holder"></div>
            <ul class="legend">
              ${Object.entries(STATUS_WORDS)
                .map(([s, w]) => `<li><span style="background:${STATUS_COLOURS[s]}"></span>${w}</li>`)
                .join("")}
            </ul>
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
    this.areaSelect = root.getElementById(id("area"));
    this.tokenInput = root.getElementById(id("token"));
    this.messageLine = root.querySelector(".message");
    this.liveLine = root.querySelector(".live");
    this.summaryList = root.querySelector(".summary");
    this.hubList = root.querySelector(".hubs");
    this.mapHolder = root.querySelector(".map-holder");
    this.logList = root.querySelector(".log");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.token = this.tokenInput.value.trim();
      this.show(this.areaSelect.value);
    });
  }

  async graphql(query, variables) {
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
    return body.data;
  }

  setMessage(text, isError = false) {
    this.messageLine.textContent = text;
    this.messageLine.classList.toggle("error", isError);
  }

  async loadAreas() {
    try {
      const data = await this.graphql(AREAS_QUERY, {});
      const councils = data.areas.filter((a) => a.kind === "COUNCIL_AREA").sort((a, b) => a.name.localeCompare(b.name));
      this.areaSelect.innerHTML =
        `<option value="">Choose an area</option>` +
        councils.map((a) => `<option value="${esc(a.code)}">${esc(a.name)}</option>`).join("");
      const wanted = this.getAttribute("area");
      if (wanted && councils.some((a) => a.code === wanted)) {
        this.areaSelect.value = wanted;
        this.show(wanted);
      }
    } catch (error) {
      this.setMessage(error.message, true);
    }
  }

  /** Loads an area's hubs, then follows their changes live. */
  async show(area) {
    const serial = ++this.serial;
    this.live?.close();
    this.live = null;
    this.logList.innerHTML = "";
    this.setLive("off", "Not connected");
    if (!area) {
      this.setMessage("Choose a council area to see its hubs.", true);
      this.areaSelect.focus();
      return;
    }
    this.area = area;
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
    this.live = new LiveConnection({
      url: this.wsUrl,
      token: this.token,
      query: LIVE_SUBSCRIPTION,
      variables: { areas: [area] },
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
      const data = await this.graphql(HUBS_QUERY, { areas: [this.area], after });
      if (serial !== this.serial) return;
      for (const hub of data.hubs.nodes) hubs.set(hub.id, hub);
      after = data.hubs.pageInfo.hasNextPage ? data.hubs.pageInfo.endCursor : null;
    } while (after);
    this.hubs = hubs;
    const name = this.areaSelect.selectedOptions[0]?.textContent || this.area;
    this.setMessage(hubs.size ? `${hubs.size} hubs in ${name}.` : `${name} has no hubs yet.`);
    this.setAttribute("state", "ready");
    this.renderAll();
  }

  setLive(state, text) {
    this.liveLine.textContent = text;
    this.liveLine.className = `live ${state}`;
    this.setAttribute("live", state);
  }

  applyEvent(event) {
    const hub = this.hubs.get(event.hub.id);
    if (!hub) {
      // A hub new to this area: read the list again to get all of it.
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

  renderAll() {
    this.renderSummary();
    this.renderMap();
    const hubs = [...this.hubs.values()].sort((a, b) => a.name.localeCompare(b.name));
    this.hubList.innerHTML = hubs.map((hub) => this.hubItem(hub)).join("");
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
    ];
    this.summaryList.innerHTML = tiles
      .map(([key, label, value]) => `<li data-count="${key}"><span class="value">${esc(value)}</span>${esc(label)}</li>`)
      .join("");
  }

  renderMap() {
    const placed = [...this.hubs.values()].filter((h) => h.location?.latitude != null && h.location?.longitude != null);
    if (!placed.length) {
      this.mapHolder.innerHTML = "";
      return;
    }
    // An equirectangular plot scaled to the area: enough to see where the
    // hubs are and which are open, with no map tiles to fetch.
    const lats = placed.map((h) => h.location.latitude);
    const lons = placed.map((h) => h.location.longitude);
    const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
    const xScale = Math.cos((midLat * Math.PI) / 180);
    const spanX = Math.max((Math.max(...lons) - Math.min(...lons)) * xScale, 0.02);
    const spanY = Math.max(Math.max(...lats) - Math.min(...lats), 0.02);
    const width = 400;
    const height = Math.round(Math.min(400, Math.max(180, (width * spanY) / spanX)));
    const pad = 18;
    const x = (lon) => pad + ((lon - Math.min(...lons)) * xScale * (width - 2 * pad)) / spanX;
    const y = (lat) => height - pad - ((lat - Math.min(...lats)) * (height - 2 * pad)) / spanY;
    const open = placed.filter((h) => h.status === "OPEN").length;
    const dots = placed
      .map((h) => {
        const colour = STATUS_COLOURS[h.status] || "#5a6472";
        return `<circle data-hub-id="${esc(h.id)}" cx="${x(h.location.longitude).toFixed(1)}" cy="${y(h.location.latitude).toFixed(1)}"
          r="8" fill="${colour}" stroke="#fff" stroke-width="2"><title>${esc(h.name)}: ${esc(STATUS_WORDS[h.status])}</title></circle>`;
      })
      .join("");
    this.mapHolder.innerHTML = `<svg class="map" viewBox="0 0 ${width} ${height}" role="img"
      aria-label="Plot of ${placed.length} hub locations, ${open} open; the list gives each one.">${dots}</svg>`;
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
    return `<li class="hub" data-hub-id="${esc(hub.id)}" data-status="${esc(hub.status)}" style="--status-colour:${colour}">
      <h3>${esc(hub.name)}</h3>
      ${where ? `<p class="where">${esc(where)}</p>` : ""}
      <p class="kinds">${hub.kinds.map((k) => esc(KIND_WORDS[k] || k)).join(" · ")}</p>
      <div class="row"><span class="badge status">${esc(STATUS_WORDS[hub.status] || hub.status)}${until}</span>${occupancy}</div>
      ${hub.note ? `<p class="note">${esc(hub.note)}</p>` : ""}
      ${facilities}
      <p class="updated">Updated <time datetime="${esc(hub.updatedAt)}">${esc(when(hub.updatedAt))}</time> · ${esc(hub.serviceCount)} services here</p>
    </li>`;
  }
}

if (!customElements.get("hub-dashboard")) customElements.define("hub-dashboard", HubDashboard);

export { HubDashboard };
