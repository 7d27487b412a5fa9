// <service-finder>: a search for local support over hubgraph's public GraphQL API.
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
//   url-state   "off" keeps the search out of the page's address; otherwise
//               the search and an opened service are in the URL (so Back,
//               bookmarks and shared links restore them)
//   url-prefix  a prefix for those URL parameters (e.g. "sf-"), for pages
//               whose own parameters would clash
//
// Anonymous reads only; no build step, no dependencies. Colours can be
// themed from the host page with --sf-accent, --sf-text and --sf-background.

import { esc } from "./finder-text.js";
import { STYLE, resultItem, serviceDetail, ukToday } from "./finder-view.js";

const RADII = [1, 2, 5, 10, 25];
const PAGE_SIZE = 20;
const MAX_AGE = 120;
/** Languages people in Scotland ask for most; any ISO 639 code works in the API. */
const LANGUAGES = [
  ["en", "English"],
  ["gd", "Scottish Gaelic"],
  ["bfi", "British Sign Language"],
  ["pl", "Polish"],
  ["ar", "Arabic"],
  ["uk", "Ukrainian"],
  ["ur", "Urdu"],
  ["pa", "Punjabi"],
  ["zh", "Chinese"],
  ["ro", "Romanian"],
];
/** The URL parameters the finder keeps its state in (before any url-prefix). */
const PARAMS = ["postcode", "near", "q", "radius", "category", "age", "language", "access", "open", "service"];

const TERMS_QUERY = `query FinderTerms {
  categories: taxonomyTerms(taxonomy: "service-category", first: 100) {
    nodes { id code name parent { id } }
  }
  audiences: taxonomyTerms(taxonomy: "audience", first: 100) {
    nodes { id code name }
  }
  access: taxonomyTerms(taxonomy: "accessibility", first: 100) {
    nodes { id code name }
  }
}`;

const POSTCODE_QUERY = `query FinderPostcode($code: String!) {
  postcode(code: $code) { code precision latitude longitude }
}`;

const SERVICE_FIELDS = `
  id name description url email alert status minimumAge maximumAge
  applicationProcess feesDescription fees eligibilityDescription waitTime reviewDue assuredDate
  isOpen(at: $now)
  organization { name website email }
  phones { number description }
  schedules { freq interval byDay opensAt closesAt validFrom validTo description closed }
  costOptions { option amount currency amountDescription }
  languages { code name }
  pathways { id name }`;

const SERVICES_QUERY = `query FinderServices($filter: ServiceFilter!, $after: String, $now: DateTime) {
  services(filter: $filter, orderBy: DISTANCE, first: ${PAGE_SIZE}, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      distanceKm
      node {
        ${SERVICE_FIELDS}
        locations {
          name latitude longitude address { address1 city postalCode }
          hub { status capacity occupancy }
        }
      }
    }
  }
}`;

const SERVICE_QUERY = `query FinderService($id: ID!, $now: DateTime) {
  service(id: $id) {
    ${SERVICE_FIELDS}
    locations {
      name latitude longitude transportation address { address1 city postalCode }
      hub { status capacity occupancy note }
      accessibility { description }
      schedules { freq interval byDay opensAt closesAt validFrom validTo description closed }
    }
  }
}`;

/** Why a request failed, in words for the person searching. */
class FinderError extends Error {}

/** Parses a comma-separated attribute into a list of non-empty items. */
function listAttribute(value) {
  return (value || "").split(",").map((s) => s.trim()).filter(Boolean);
}

/** "EH6 4AE" and "eh64ae" are the same postcode. */
function compact(text) {
  return String(text).toUpperCase().replace(/\s+/g, "");
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
    this.onPopState = () => this.restoreFromUrl();
  }

  get api() {
    return new URL(this.getAttribute("api") || "/graphql", document.baseURI).href;
  }

  get keepsUrl() {
    return this.getAttribute("url-state") !== "off";
  }

  connectedCallback() {
    if (!this.shadowRoot.firstChild) this.render();
    window.addEventListener("popstate", this.onPopState);
    this.loadTerms().then(() => this.restoreFromUrl());
  }

  disconnectedCallback() {
    window.removeEventListener("popstate", this.onPopState);
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
    const locate = "geolocation" in navigator && window.isSecureContext;
    this.shadowRoot.innerHTML = `
      <style>${STYLE}</style>
      <form part="form" role="search" aria-label="Find support near you" novalidate>
        <div class="field postcode">
          <label for="${id("postcode")}">Your postcode</label>
          <div class="with-button">
            <input id="${id("postcode")}" name="postcode" type="text" inputmode="text"
                   autocomplete="postal-code" autocapitalize="characters" spellcheck="false"
                   placeholder="e.g. EH6 4AE" aria-describedby="${id("status")}">
            ${locate ? `<button class="secondary locate" type="button">Use my location</button>` : ""}
          </div>
        </div>
        <div class="field">
          <label for="${id("text")}">Keywords (optional)</label>
          <input id="${id("text")}" name="q" type="search" placeholder="e.g. carers, food" maxlength="200">
        </div>
        <div class="field">
          <label for="${id("radius")}">Distance</label>
          <select id="${id("radius")}" name="radius">
            ${RADII.map((r) => `<option value="${r}">Within ${r} km</option>`).join("")}
          </select>
        </div>
        <div class="field">
          <label for="${id("category")}">Type of support</label>
          <select id="${id("category")}" name="category">
            <option value="">Any kind of support</option>
          </select>
        </div>
        <div class="field">
          <label for="${id("age")}">Age <span class="visually-hidden">of the person looking for support </span>(optional)</label>
          <input id="${id("age")}" name="age" type="number" inputmode="numeric" min="0" max="${MAX_AGE}" step="1"
                 aria-describedby="${id("status")}">
        </div>
        <div class="field">
          <label for="${id("language")}">Language</label>
          <select id="${id("language")}" name="language">
            <option value="">Any language</option>
            ${LANGUAGES.map(([code, name]) => `<option value="${code}">${esc(name)}</option>`).join("")}
          </select>
        </div>
        <div class="field">
          <label for="${id("access")}">Access needs</label>
          <select id="${id("access")}" name="access">
            <option value="">No particular needs</option>
          </select>
        </div>
        <div class="toggle">
          <input id="${id("open")}" name="open" type="checkbox">
          <label for="${id("open")}">Open now</label>
        </div>
        <button type="submit">Search</button>
      </form>
      <p id="${id("status")}" class="status" role="status" aria-live="polite"></p>
      <section class="found" aria-labelledby="${id("found")}" hidden>
        <h2 id="${id("found")}">Services found</h2>
        <ol part="results"></ol>
        <button class="secondary more" type="button" hidden>Show more services</button>
      </section>
      <div class="detail-host"></div>
    `;
    const root = this.shadowRoot;
    this.form = root.querySelector("form");
    this.postcodeInput = root.getElementById(id("postcode"));
    this.textInput = root.getElementById(id("text"));
    this.radiusSelect = root.getElementById(id("radius"));
    this.categorySelect = root.getElementById(id("category"));
    this.ageInput = root.getElementById(id("age"));
    this.languageSelect = root.getElementById(id("language"));
    this.accessSelect = root.getElementById(id("access"));
    this.openInput = root.getElementById(id("open"));
    this.statusLine = root.getElementById(id("status"));
    this.found = root.querySelector(".found");
    this.results = root.querySelector("ol");
    this.moreButton = root.querySelector(".more");
    this.detailHost = root.querySelector(".detail-host");
    this.applyRadius();
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.startSearch({ push: true });
    });
    this.moreButton.addEventListener("click", () => this.showMore());
    root.querySelector(".locate")?.addEventListener("click", () => this.useMyLocation());
    this.ageInput.addEventListener("input", () => this.checkAge());
    // A result's name is a real link (it can be opened in a new tab or
    // copied); a plain click opens the service here.
    this.results.addEventListener("click", (event) => {
      const link = event.target.closest("a[data-open-service]");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      this.openService(link.dataset.openService, { push: true });
    });
    this.detailHost.addEventListener("click", (event) => {
      if (event.target.closest(".back")) this.closeService();
    });
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
    if (this.terms) return;
    if (this.termsLoading) return this.termsLoading;
    this.termsLoading = (async () => {
      try {
        const body = await this.graphql(TERMS_QUERY, {});
        if (!body.data) throw new FinderError("The list of support types could not be loaded.");
        this.terms = body.data;
        this.fillCategories();
        this.fillAccess();
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

  fillAccess() {
    const current = this.accessSelect.value;
    this.accessSelect.innerHTML =
      `<option value="">No particular needs</option>` +
      this.terms.access.nodes.map((t) => `<option value="${esc(t.id)}">${esc(t.name)}</option>`).join("");
    if (current) this.accessSelect.value = current;
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

  /** The age as a number, or undefined when empty; marks the box invalid when out of range. */
  checkAge() {
    const typed = this.ageInput.value.trim();
    const n = Number(typed);
    const invalid = typed !== "" && (!Number.isInteger(n) || n < 0 || n > MAX_AGE);
    if (invalid) this.ageInput.setAttribute("aria-invalid", "true");
    else this.ageInput.removeAttribute("aria-invalid");
    if (invalid) return null;
    return typed === "" ? undefined : n;
  }

  clearResults() {
    this.results.innerHTML = "";
    this.moreButton.hidden = true;
    this.found.hidden = true;
    this.detailHost.innerHTML = "";
    this.dataset.results = "0";
  }

  // ---- the URL -------------------------------------------------------------

  param(name) {
    return `${this.getAttribute("url-prefix") || ""}${name}`;
  }

  /** The form's search as URL parameters (only those given). */
  searchParams() {
    const values = {
      postcode: this.search?.near ? "" : this.postcodeInput.value.trim(),
      near: this.search?.near ? `${this.search.near.latitude.toFixed(4)},${this.search.near.longitude.toFixed(4)}` : "",
      q: this.textInput.value.trim(),
      radius: this.radiusSelect.value,
      category: this.categorySelect.value,
      age: this.ageInput.value.trim(),
      language: this.languageSelect.value,
      access: this.accessSelect.value,
      open: this.openInput.checked ? "1" : "",
    };
    return Object.entries(values).filter(([, v]) => v);
  }

  /** The search a URL holds, as text to compare: its finder parameters but the service. */
  searchKey(href) {
    const params = new URL(href).searchParams;
    return PARAMS.filter((name) => name !== "service" && params.has(this.param(name)))
      .map((name) => `${name}=${params.get(this.param(name))}`)
      .join("&");
  }

  /** Writes the search (and the open service, if any) into the page's URL. */
  writeUrl(serviceId, push) {
    if (!this.keepsUrl) return;
    const url = new URL(window.location.href);
    for (const name of PARAMS) url.searchParams.delete(this.param(name));
    for (const [name, value] of this.searchParams()) url.searchParams.set(this.param(name), value);
    if (serviceId) url.searchParams.set(this.param("service"), serviceId);
    this.shownSearch = this.searchKey(url.href);
    if (url.href === window.location.href) return;
    if (push) window.history.pushState({ finder: this.uid }, "", url);
    else window.history.replaceState({ finder: this.uid }, "", url);
  }

  /** A link to a service's own view, keeping the search it was found by. */
  serviceHref(serviceId) {
    const url = new URL(window.location.href);
    url.searchParams.set(this.param("service"), serviceId);
    return url.href;
  }

  /** Puts the form and the view back as the URL says (on load and on Back). */
  async restoreFromUrl() {
    if (!this.keepsUrl) return;
    const params = new URL(window.location.href).searchParams;
    const get = (name) => params.get(this.param(name)) || "";
    if (!PARAMS.some((name) => params.has(this.param(name)))) {
      if (this.search || this.detailHost.firstChild) {
        this.clearResults();
        this.search = null;
        this.showStatus("");
      }
      return;
    }
    const serviceId = get("service");
    // Back from a service to the list it was opened from: the list is still here.
    if (this.search && this.searchKey(window.location.href) === this.shownSearch) {
      if (serviceId) await this.openService(serviceId, { push: false });
      else if (this.detailHost.firstChild) this.showList();
      return;
    }
    this.postcodeInput.value = get("postcode");
    this.textInput.value = get("q");
    if (get("radius")) this.radiusSelect.value = get("radius");
    if (get("category")) this.categorySelect.value = get("category");
    this.ageInput.value = get("age");
    this.languageSelect.value = get("language");
    this.accessSelect.value = get("access");
    this.openInput.checked = get("open") === "1";
    const near = /^(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(get("near"));
    const location = near ? { latitude: Number(near[1]), longitude: Number(near[2]) } : null;
    if (get("postcode") || location) await this.startSearch({ push: false, location, keepService: Boolean(serviceId) });
    if (serviceId) await this.openService(serviceId, { push: false });
    else this.detailHost.innerHTML = "";
  }

  // ---- searching -----------------------------------------------------------

  useMyLocation() {
    this.showStatus("Finding where you are…");
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const { latitude, longitude } = position.coords;
        this.postcodeInput.value = "";
        this.startSearch({ push: true, location: { latitude, longitude } });
      },
      () => this.finish("We couldn't get your location. Type your postcode instead.", "invalid", true),
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 },
    );
  }

  /** Where to search from: a given location, or the typed postcode looked up. */
  async origin(serial, location) {
    if (location) {
      this.setPostcodeInvalid(false);
      return { code: "your location", ...location, precision: "POINT", mine: true };
    }
    const typed = this.postcodeInput.value.trim();
    if (!typed) {
      this.setPostcodeInvalid(true);
      this.finish("Enter a postcode, such as EH6 4AE, to find support near you.", "invalid", true);
      this.postcodeInput.focus();
      return null;
    }
    const found = await this.graphql(POSTCODE_QUERY, { code: typed });
    if (serial !== this.requestSerial) return null;
    if (found.errors && found.errors.some((e) => e.extensions?.code === "BAD_USER_INPUT")) {
      this.setPostcodeInvalid(true);
      this.finish(`"${typed}" doesn't look like a UK postcode. Check it and try again, for example EH6 4AE.`, "invalid", true);
      return null;
    }
    if (!found.data) throw new FinderError("Something went wrong looking up that postcode. Please try again.");
    const postcode = found.data.postcode;
    if (!postcode) {
      // The API falls back to a full postcode's district, so neither is known here.
      const district = compact(typed).slice(0, -3);
      const full = compact(typed).length > 4 && district;
      this.setPostcodeInvalid(true);
      this.finish(
        full
          ? `We couldn't find the postcode ${typed.toUpperCase()} or its district ${district}. Check it and try again.`
          : `We couldn't find the postcode ${typed.toUpperCase()}. Check it and try again, for example EH6 4AE.`,
        "unknown-postcode",
        true,
      );
      return null;
    }
    this.setPostcodeInvalid(false);
    // A full postcode the API does not hold comes back as its district.
    const approximate = postcode.precision === "OUTWARD" && compact(typed) !== compact(postcode.code);
    return { ...postcode, typed: typed.toUpperCase(), approximate };
  }

  async startSearch({ push = false, location = null, keepService = false } = {}) {
    const serial = ++this.requestSerial;
    this.clearResults();
    this.setAttribute("state", "searching");
    this.showStatus("Searching…");
    await this.loadTerms();
    try {
      const age = this.checkAge();
      if (age === null) {
        this.finish(`Age should be a whole number from 0 to ${MAX_AGE}.`, "invalid", true);
        this.ageInput.focus();
        return;
      }
      // An embed for one audience must never fall back to listing everyone's services.
      const audience = this.audienceId();
      if (this.getAttribute("audience") && !audience) {
        throw new FinderError("This finder's audience could not be loaded. Please try again later.");
      }
      const from = await this.origin(serial, location);
      if (!from) return;
      const radiusKm = Number(this.radiusSelect.value);
      const filter = { near: { latitude: from.latitude, longitude: from.longitude }, radiusKm };
      const category = this.categorySelect.value;
      if (category) filter.taxonomyTermIds = category.split(",");
      if (audience) filter.allTaxonomyTermIds = [audience];
      if (age !== undefined) filter.age = age;
      const text = this.textInput.value.trim();
      if (text) filter.text = text;
      if (this.languageSelect.value) filter.languages = [this.languageSelect.value];
      if (this.accessSelect.value) filter.accessibilityTermIds = [this.accessSelect.value];
      const now = new Date().toISOString();
      if (this.openInput.checked) filter.openAt = now;
      this.search = { filter, now, from, radiusKm, after: null, shown: 0, near: from.mine ? from : null };
      if (keepService) this.shownSearch = this.searchKey(window.location.href);
      else this.writeUrl(null, push);
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
    const today = ukToday();
    for (const edge of page.edges) {
      this.results.insertAdjacentHTML("beforeend", resultItem(edge, s.from, this.serviceHref(edge.node.id), today));
    }
    s.shown += page.edges.length;
    s.after = page.pageInfo.endCursor;
    this.moreButton.hidden = !page.pageInfo.hasNextPage;
    this.found.hidden = s.shown === 0;
    this.dataset.results = String(s.shown);
    const place = s.from.approximate ? `the middle of ${s.from.code}` : s.from.code;
    const where = `within ${s.radiusKm} km of ${place}`;
    const approximate = s.from.approximate
      ? ` We don't know ${s.from.typed} itself yet, so distances are from the middle of its district, ${s.from.code}.`
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

  // ---- a service's own view ------------------------------------------------

  async openService(id, { push = false } = {}) {
    const serial = ++this.requestSerial;
    this.returnTo = id;
    try {
      const body = await this.graphql(SERVICE_QUERY, { id, now: new Date().toISOString() });
      if (serial !== this.requestSerial) return;
      const service = body.data?.service;
      if (!service) {
        this.finish("That service is no longer listed. Search again to find others like it.", "error", true);
        this.writeUrl(null, false);
        return;
      }
      this.found.hidden = true;
      this.detailHost.innerHTML = serviceDetail(service, this.search?.from, ukToday(), this.uid);
      this.setAttribute("state", "service");
      this.writeUrl(id, push);
      this.detailHost.querySelector("h2")?.focus();
    } catch (error) {
      if (serial === this.requestSerial) this.finish(error.message, "error", true);
    }
  }

  /** Back to the list, on the result the person opened. */
  closeService() {
    const params = new URL(window.location.href).searchParams;
    if (this.keepsUrl && params.has(this.param("service")) && window.history.state?.finder === this.uid) {
      window.history.back();
      return;
    }
    this.showList();
  }

  showList() {
    this.detailHost.innerHTML = "";
    this.found.hidden = !this.search || this.search.shown === 0;
    if (this.search) this.setAttribute("state", this.search.shown ? "results" : "no-results");
    this.writeUrl(null, false);
    const item = this.returnTo && this.results.querySelector(`li[data-service-id="${CSS.escape(this.returnTo)}"] h3`);
    (item || this.postcodeInput).focus();
  }
}

if (!customElements.get("service-finder")) customElements.define("service-finder", ServiceFinder);

export { ServiceFinder };
