// <service-finder>: a postcode search over hubgraph's public GraphQL API.
//
// Embed it with one module script and one element:
//
//   <script type="module" src="https://HOST/examples/service-finder/service-finder.js"></script>
//   <service-finder api="https://HOST/graphql" audience="young-people"
//                   categories="mental-health-and-wellbeing" radius="10"></service-finder>
//
// Attributes (all optional):
//   api         the GraphQL endpoint (default: /graphql on the page's own host)
//   categories  service-category codes or ids, comma-separated: the first is
//               chosen in the category menu; with several, the menu starts
//               on "any of these"
//   audience    an audience code or id (e.g. young-people): only services
//               filed under it are listed
//   radius      starting search radius in km (1, 2, 5, 10 or 25; default 5)
//
// Anonymous reads only; no build step, no dependencies. Colours can be
// themed from the host page with --sf-accent, --sf-text and --sf-background.

const RADII = [1, 2, 5, 10, 25];
const PAGE_SIZE = 20;

const TERMS_QUERY = `query FinderTerms {
  categories: taxonomyTerms(taxonomy: "service-category", first: 100) {
    nodes { id code name parent { id } }
  }
  audiences: taxonomyTerms(taxonomy: "audience", first: 100) {
    nodes { id code name }
  }
}`;

const POSTCODE_QUERY = `query FinderPostcode($code: String!) {
  postcode(code: $code) { code precision latitude longitude }
}`;

const SERVICES_QUERY = `query FinderServices($filter: ServiceFilter!, $after: String, $now: DateTime) {
  services(filter: $filter, orderBy: DISTANCE, first: ${PAGE_SIZE}, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      distanceKm
      node {
        id name description url alert status minimumAge maximumAge
        isOpen(at: $now)
        organization { name website }
        phones { number }
        locations { name latitude longitude address { address1 city postalCode } }
      }
    }
  }
}`;

const STYLE = `
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
  max-width: 48rem;
}
* { box-sizing: border-box; }
form {
  display: flex; flex-wrap: wrap; gap: 0.75rem 1rem; align-items: flex-end;
  background: var(--sf-panel); border: 1px solid var(--sf-border);
  border-radius: 0.75rem; padding: 1rem;
}
.field { display: flex; flex-direction: column; gap: 0.25rem; flex: 1 1 9rem; min-width: 0; }
.field.postcode, .field.category { flex: 2 1 12rem; }
label, .legend { font-weight: 600; }
input[type="text"], input[type="number"], select {
  font: inherit; color: inherit; background: #fff; width: 100%;
  border: 2px solid var(--sf-border); border-radius: 0.5rem; padding: 0.5rem 0.6rem;
  min-height: 2.75rem;
}
input[aria-invalid="true"] { border-color: var(--sf-error); }
.toggle { display: flex; align-items: center; gap: 0.5rem; min-height: 2.75rem; flex: 1 1 9rem; }
.toggle input { width: 1.4rem; height: 1.4rem; accent-color: var(--sf-accent); margin: 0; }
button {
  font: inherit; font-weight: 600; cursor: pointer;
  background: var(--sf-accent); color: var(--sf-accent-text);
  border: 2px solid var(--sf-accent); border-radius: 0.5rem;
  padding: 0.5rem 1.25rem; min-height: 2.75rem; flex: 1 1 8rem;
}
button.secondary { background: #fff; color: var(--sf-accent); }
:is(input, select, button, a):focus-visible { outline: 3px solid #f2a900; outline-offset: 2px; }
.status { margin: 1rem 0 0.5rem; min-height: 1.5rem; }
.status.error { color: var(--sf-error); font-weight: 600; }
ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.75rem; }
li {
  border: 1px solid var(--sf-border); border-radius: 0.75rem; padding: 0.85rem 1rem;
  background: #fff; overflow-wrap: anywhere;
}
h3 { margin: 0 0 0.25rem; font-size: 1.1rem; line-height: 1.3; }
.meta { display: flex; flex-wrap: wrap; gap: 0.25rem 0.75rem; color: var(--sf-muted); font-size: 0.95rem; }
.badge { display: inline-block; border-radius: 999px; padding: 0 0.6rem; font-weight: 600; font-size: 0.9rem; }
.badge.open { background: #d8f3e4; color: #0d5130; }
.badge.closed { background: #f1e4e4; color: #7a1f26; }
.badge.unknown { background: #e8ebef; color: #39424e; }
.description { margin: 0.4rem 0; }
.alert { margin: 0.4rem 0; padding: 0.3rem 0.6rem; border-left: 4px solid #f2a900; background: #fff7e0; }
.actions { display: flex; flex-wrap: wrap; gap: 0.5rem 1.25rem; margin-top: 0.4rem; }
.actions a { color: var(--sf-accent); font-weight: 600; }
.more { margin-top: 1rem; width: 100%; }
.visually-hidden {
  position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
@media (prefers-reduced-motion: no-preference) { li { transition: border-color 0.2s; } }
`;

/** Why a request failed, in words for the person searching. */
class FinderError extends Error {}

/** Escapes text for HTML. */
function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Only http(s) links are shown, whatever the data holds. */
function safeUrl(value) {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

/** Great-circle distance in km, to tell which of a service's places is nearest. */
function haversineKm(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 12742 * Math.asin(Math.sqrt(h));
}

function formatKm(km) {
  if (km == null) return "";
  if (km < 0.1) return "Under 0.1 km away";
  return km < 10 ? `${km.toFixed(1)} km away` : `${Math.round(km)} km away`;
}

/** Parses a comma-separated attribute into a list of non-empty items. */
function listAttribute(value) {
  return (value || "").split(",").map((s) => s.trim()).filter(Boolean);
}

let instances = 0;

class ServiceFinder extends HTMLElement {
  static get observedAttributes() {
    return ["api", "categories", "audience", "radius"];
  }

  constructor() {
    super();
    this.uid = `sf${++instances}`;
    this.attachShadow({ mode: "open" });
    this.terms = null;
    this.search = null;
    this.requestSerial = 0;
  }

  get api() {
    return new URL(this.getAttribute("api") || "/graphql", document.baseURI).href;
  }

  connectedCallback() {
    if (!this.shadowRoot.firstChild) this.render();
    this.loadTerms();
  }

  attributeChangedCallback(name, oldValue, newValue) {
    if (oldValue === newValue || !this.shadowRoot.firstChild) return;
    if (name === "radius") this.applyRadius();
    if (name === "categories" || name === "audience" || name === "api") {
      this.terms = null;
      this.loadTerms();
    }
  }

  render() {
    const id = (name) => `${this.uid}-${name}`;
    this.shadowRoot.innerHTML = `
      <style>${STYLE}</style>
      <form part="form" role="search" aria-label="Find support near you" novalidate>
        <div class="field postcode">
          <label for="${id("postcode")}">Your postcode</label>
          <input id="${id("postcode")}" name="postcode" type="text" inputmode="text"
                 autocomplete="postal-code" autocapitalize="characters" spellcheck="false"
                 placeholder="e.g. EH6 4AE" aria-describedby="${id("status")}">
        </div>
        <div class="field">
          <label for="${id("radius")}">Distance</label>
          <select id="${id("radius")}" name="radius">
            ${RADII.map((r) => `<option value="${r}">Within ${r} km</option>`).join("")}
          </select>
        </div>
        <div class="field category">
          <label for="${id("category")}">Type of support</label>
          <select id="${id("category")}" name="category">
            <option value="">Any kind of support</option>
          </select>
        </div>
        <div class="field">
          <label for="${id("age")}">Age <span class="visually-hidden">of the person looking for support </span>(optional)</label>
          <input id="${id("age")}" name="age" type="number" inputmode="numeric" min="0" max="120" step="1">
        </div>
        <div class="toggle">
          <input id="${id("open")}" name="open" type="checkbox">
          <label for="${id("open")}">Open now</label>
        </div>
        <button type="submit">Search</button>
      </form>
      <p id="${id("status")}" class="status" role="status" aria-live="polite"></p>
      <ol part="results" aria-label="Services found"></ol>
      <button class="secondary more" type="button" hidden>Show more services</button>
    `;
    const root = this.shadowRoot;
    this.form = root.querySelector("form");
    this.postcodeInput = root.getElementById(id("postcode"));
    this.radiusSelect = root.getElementById(id("radius"));
    this.categorySelect = root.getElementById(id("category"));
    this.ageInput = root.getElementById(id("age"));
    this.openInput = root.getElementById(id("open"));
    this.statusLine = root.getElementById(id("status"));
    this.results = root.querySelector("ol");
    this.moreButton = root.querySelector(".more");
    this.applyRadius();
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.startSearch();
    });
    this.moreButton.addEventListener("click", () => this.showMore());
  }

  applyRadius() {
    const wanted = Number(this.getAttribute("radius") || 5);
    const nearest = RADII.reduce((best, r) => (Math.abs(r - wanted) < Math.abs(best - wanted) ? r : best), RADII[0]);
    this.radiusSelect.value = String(nearest);
  }

  /** POSTs one GraphQL request; throws FinderError with a message for people. */
  async graphql(query, variables) {
    let response;
    try {
      response = await fetch(this.api, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json" },
        body: JSON.stringify({ query, variables }),
      });
    } catch {
      throw new FinderError("We couldn't reach the service directory. Check your connection and try again.");
    }
    if (response.status === 429) {
      throw new FinderError("Lots of people are searching right now. Please try again in a minute.");
    }
    let body;
    try {
      body = await response.json();
    } catch {
      throw new FinderError("The service directory sent an answer we couldn't read. Please try again.");
    }
    return body;
  }

  async loadTerms() {
    if (this.terms || this.termsLoading) return this.termsLoading;
    this.termsLoading = (async () => {
      try {
        const body = await this.graphql(TERMS_QUERY, {});
        if (!body.data) throw new FinderError("The list of support types could not be loaded.");
        this.terms = body.data;
        this.fillCategories();
      } catch (error) {
        this.showStatus(error.message, true);
      } finally {
        this.termsLoading = null;
      }
    })();
    return this.termsLoading;
  }

  /** Finds a term by code or id. */
  static findTerm(nodes, wanted) {
    return nodes.find((t) => t.code === wanted || t.id === wanted) || null;
  }

  fillCategories() {
    const nodes = this.terms.categories.nodes;
    const tops = nodes.filter((t) => !t.parent);
    const children = (top) => nodes.filter((t) => t.parent && t.parent.id === top.id);
    const wanted = listAttribute(this.getAttribute("categories"))
      .map((w) => ServiceFinder.findTerm(nodes, w))
      .filter(Boolean);
    let options = `<option value="">Any kind of support</option>`;
    if (wanted.length > 1) {
      options += `<option value="${esc(wanted.map((t) => t.id).join(","))}">${esc(wanted.map((t) => t.name).join(" or "))}</option>`;
    }
    for (const top of tops) {
      options += `<optgroup label="${esc(top.name)}"><option value="${esc(top.id)}">All ${esc(top.name.toLowerCase())}</option>`;
      options += children(top).map((c) => `<option value="${esc(c.id)}">${esc(c.name)}</option>`).join("");
      options += `</optgroup>`;
    }
    const current = this.categorySelect.value;
    this.categorySelect.innerHTML = options;
    if (current) this.categorySelect.value = current;
    else if (wanted.length === 1) this.categorySelect.value = wanted[0].id;
    else if (wanted.length > 1) this.categorySelect.selectedIndex = 1;
  }

  audienceId() {
    const wanted = this.getAttribute("audience");
    if (!wanted || !this.terms) return null;
    const term = ServiceFinder.findTerm(this.terms.audiences.nodes, wanted.trim());
    return term ? term.id : null;
  }

  showStatus(message, isError = false) {
    this.statusLine.textContent = message;
    this.statusLine.classList.toggle("error", isError);
  }

  setPostcodeInvalid(invalid) {
    if (invalid) this.postcodeInput.setAttribute("aria-invalid", "true");
    else this.postcodeInput.removeAttribute("aria-invalid");
  }

  clearResults() {
    this.results.innerHTML = "";
    this.moreButton.hidden = true;
    this.dataset.results = "0";
  }

  async startSearch() {
    const serial = ++this.requestSerial;
    const typed = this.postcodeInput.value.trim();
    this.clearResults();
    this.setAttribute("state", "searching");
    if (!typed) {
      this.setPostcodeInvalid(true);
      this.finish("Enter a postcode, such as EH6 4AE, to find support near you.", "invalid", true);
      this.postcodeInput.focus();
      return;
    }
    this.showStatus("Searching…");
    await this.loadTerms();
    try {
      const found = await this.graphql(POSTCODE_QUERY, { code: typed });
      if (serial !== this.requestSerial) return;
      if (found.errors && found.errors.some((e) => e.extensions?.code === "BAD_USER_INPUT")) {
        this.setPostcodeInvalid(true);
        this.finish(`"${typed}" doesn't look like a UK postcode. Check it and try again, for example EH6 4AE.`, "invalid", true);
        return;
      }
      if (!found.data) throw new FinderError("Something went wrong looking up that postcode. Please try again.");
      const postcode = found.data.postcode;
      if (!postcode) {
        this.setPostcodeInvalid(true);
        // The API falls back to a full postcode's district, so neither is known here.
        const district = typed.toUpperCase().replace(/\s+/g, "").slice(0, -3);
        const full = typed.replace(/\s+/g, "").length > 4 && district;
        this.finish(
          full
            ? `We couldn't find the postcode ${typed.toUpperCase()} or its district ${district}. Check it and try again.`
            : `We couldn't find the postcode ${typed.toUpperCase()}. Check it and try again, for example EH6 4AE.`,
          "unknown-postcode",
          true,
        );
        return;
      }
      this.setPostcodeInvalid(false);
      const radiusKm = Number(this.radiusSelect.value);
      const filter = { near: { latitude: postcode.latitude, longitude: postcode.longitude }, radiusKm };
      const category = this.categorySelect.value;
      if (category) filter.taxonomyTermIds = category.split(",");
      // An embed for one audience must never fall back to listing everyone's services.
      const audience = this.audienceId();
      if (this.getAttribute("audience") && !audience) {
        throw new FinderError("This finder's audience could not be loaded. Please try again later.");
      }
      if (audience) filter.allTaxonomyTermIds = [audience];
      const age = this.ageInput.value.trim();
      if (age !== "") {
        const n = Number(age);
        if (!Number.isInteger(n) || n < 0 || n > 120) {
          this.finish("Age should be a whole number from 0 to 120.", "invalid", true);
          this.ageInput.focus();
          return;
        }
        filter.age = n;
      }
      const now = new Date().toISOString();
      if (this.openInput.checked) filter.openAt = now;
      // A full postcode the API does not hold comes back as its district.
      const compact = (text) => text.toUpperCase().replace(/\s+/g, "");
      const approximate = postcode.precision === "OUTWARD" && compact(typed) !== compact(postcode.code);
      this.search = { filter, now, postcode, radiusKm, after: null, shown: 0, typed: typed.toUpperCase(), approximate };
      await this.fetchPage(serial);
    } catch (error) {
      if (serial !== this.requestSerial) return;
      this.finish(error instanceof FinderError ? error.message : "Something went wrong. Please try again.", "error", true);
    }
  }

  async showMore() {
    if (!this.search) return;
    const serial = ++this.requestSerial;
    this.moreButton.disabled = true;
    try {
      await this.fetchPage(serial);
    } catch (error) {
      if (serial === this.requestSerial) this.finish(error.message, "error", true);
    } finally {
      this.moreButton.disabled = false;
    }
  }

  async fetchPage(serial) {
    const s = this.search;
    const body = await this.graphql(SERVICES_QUERY, { filter: s.filter, after: s.after, now: s.now });
    if (serial !== this.requestSerial) return;
    if (!body.data) {
      const message = body.errors?.[0]?.message || "";
      throw new FinderError(`The search didn't work${message ? `: ${message}` : ""}. Please try again.`);
    }
    const page = body.data.services;
    const firstItem = this.results.children.length;
    for (const edge of page.edges) this.results.insertAdjacentHTML("beforeend", this.item(edge));
    s.shown += page.edges.length;
    s.after = page.pageInfo.endCursor;
    this.moreButton.hidden = !page.pageInfo.hasNextPage;
    this.dataset.results = String(s.shown);
    const where = `within ${s.radiusKm} km of ${s.approximate ? `the middle of ${s.postcode.code}` : s.postcode.code}`;
    const approximate = s.approximate
      ? ` We don't know ${s.typed} itself yet, so distances are from the middle of its district, ${s.postcode.code}.`
      : "";
    if (page.totalCount === 0) {
      this.finish(`No services found ${where}. Try a bigger distance or fewer filters.${approximate}`, "no-results");
      return;
    }
    const count = page.totalCount === 1 ? "1 service" : `${page.totalCount} services`;
    const showing = page.totalCount > s.shown ? ` Showing the nearest ${s.shown}.` : "";
    this.finish(`${count} found ${where}, nearest first.${showing}${approximate}`, "results");
    // Keyboard users who asked for more land on the first new result.
    if (firstItem > 0) this.results.children[firstItem]?.querySelector("h3")?.focus();
  }

  finish(message, state, isError = false) {
    this.showStatus(message, isError);
    this.setAttribute("state", state);
  }

  item(edge) {
    const service = edge.node;
    const from = this.search.postcode;
    const located = service.locations.filter((l) => l.latitude != null && l.longitude != null);
    located.sort((a, b) => haversineKm(from, a) - haversineKm(from, b));
    const place = located[0] || service.locations[0];
    const address = place?.address;
    const where = [place?.name, address && [address.address1, address.city, address.postalCode].filter(Boolean).join(", ")]
      .filter(Boolean)
      .join(" – ");
    // A paused service is never open (the API says so too); say why.
    const open =
      service.status === "TEMPORARILY_CLOSED"
        ? `<span class="badge closed">Paused</span>`
        : service.isOpen === true
        ? `<span class="badge open">Open now</span>`
        : service.isOpen === false
          ? `<span class="badge closed">Closed now</span>`
          : `<span class="badge unknown">Opening times not listed</span>`;
    const ages =
      service.minimumAge != null || service.maximumAge != null
        ? `<span>Ages ${service.minimumAge ?? 0}${service.maximumAge != null ? `–${service.maximumAge}` : "+"}</span>`
        : "";
    const phone = service.phones[0]?.number;
    const link = safeUrl(service.url) || safeUrl(service.organization?.website);
    const description = service.description ? service.description.split(/(?<=\.)\s/)[0] : "";
    return `<li data-service-id="${esc(service.id)}" data-distance-km="${esc(edge.distanceKm)}">
      <h3 tabindex="-1">${esc(service.name)}</h3>
      <div class="meta">
        <span class="distance">${esc(formatKm(edge.distanceKm))}</span>
        ${open}
        ${ages}
      </div>
      <div class="meta"><span>${esc(service.organization?.name)}</span>${where ? `<span>${esc(where)}</span>` : ""}</div>
      ${service.alert ? `<p class="alert">${esc(service.alert)}</p>` : ""}
      ${description ? `<p class="description">${esc(description)}</p>` : ""}
      <div class="actions">
        ${phone ? `<a href="tel:${esc(phone.replace(/[^0-9+]/g, ""))}">Call ${esc(phone)}<span class="visually-hidden"> about ${esc(service.name)}</span></a>` : ""}
        ${link ? `<a href="${esc(link)}" target="_blank" rel="noopener">Website<span class="visually-hidden"> of ${esc(service.name)} (opens in a new tab)</span></a>` : ""}
      </div>
    </li>`;
  }
}

if (!customElements.get("service-finder")) customElements.define("service-finder", ServiceFinder);

export { ServiceFinder };
