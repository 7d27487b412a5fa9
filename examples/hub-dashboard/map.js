// "Where they are" for <hub-dashboard>: Scotland as a mosaic of the grid
// cells its postcodes fill (hubgraph's `outline` query), the chosen council
// areas picked out, and the hubs as dots. Drawn as SVG by the page: no map
// tiles, no boundary files, nothing fetched from elsewhere.

import { esc, STATUS_COLOURS, STATUS_WORDS } from "./common.js";

// Cells by row and column (the compact form: about 60% of the bytes of
// latitudes and longitudes for some 5,000 cells at 3 km).
export const OUTLINE_QUERY = `query DashboardOutline { outline(cellKm: 3) { latitudeStep longitudeStep cells { row column areaCode } } }`;

/** The outline as the map draws it: each cell's centre in degrees. */
export function readOutline({ latitudeStep, longitudeStep, cells }) {
  return {
    latitudeStep,
    longitudeStep,
    cells: cells.map((c) => ({ areaCode: c.areaCode, latitude: c.row * latitudeStep, longitude: c.column * longitudeStep })),
  };
}

// Longitude is squeezed by the cosine of Scotland's middle latitude, so
// the grid's cells come out square (as `outline` makes them on the ground).
const SQUEEZE = Math.cos((57 * Math.PI) / 180);
const WIDTH = 400;

/** One SVG path of squares, far lighter than a <rect> per cell. */
function squares(cells, x, y, w, h) {
  return cells.map((c) => `M${(x(c.longitude) - w / 2).toFixed(1)} ${(y(c.latitude) - h / 2).toFixed(1)}h${w}v${h}h-${w}z`).join("");
}

/**
 * The map as SVG markup. `outline` may be null (not loaded yet, or the
 * server has no postcodes): the hubs are then plotted on their own.
 * `whole` shows all of Scotland; otherwise the view fits the chosen areas.
 */
export function mapSvg({ outline, hubs, areas, whole, label }) {
  const chosen = new Set(areas);
  const cells = outline?.cells || [];
  const inAreas = cells.filter((c) => chosen.has(c.areaCode));
  const placed = hubs.filter((h) => h.location?.latitude != null && h.location?.longitude != null);
  const points = [
    ...(whole ? cells : inAreas).map((c) => [c.longitude, c.latitude]),
    ...placed.map((h) => [h.location.longitude, h.location.latitude]),
  ];
  if (!points.length) return "";
  const lons = points.map((p) => p[0] * SQUEEZE);
  const lats = points.map((p) => p[1]);
  let [minX, maxX, minY, maxY] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  // A margin of a tenth, and never closer than about 5 km: the coast and
  // the neighbouring areas stay in view around the chosen ones.
  const marginX = Math.max((maxX - minX) * 0.1, 0.05);
  const marginY = Math.max((maxY - minY) * 0.1, 0.05);
  [minX, maxX, minY, maxY] = [minX - marginX, maxX + marginX, minY - marginY, maxY + marginY];
  const scale = WIDTH / (maxX - minX);
  const height = Math.round(Math.min(WIDTH * 1.6, Math.max(200, (maxY - minY) * scale)));
  // Centre vertically when the height was capped or padded.
  const offsetY = (height - (maxY - minY) * scale) / 2;
  const x = (lon) => (lon * SQUEEZE - minX) * scale;
  const y = (lat) => offsetY + (maxY - lat) * scale;
  const w = outline ? +(outline.longitudeStep * SQUEEZE * scale + 0.3).toFixed(2) : 0;
  const h = outline ? +(outline.latitudeStep * scale + 0.3).toFixed(2) : 0;
  const others = cells.filter((c) => !chosen.has(c.areaCode));
  const radius = Math.max(4, Math.min(9, WIDTH / 60));
  const dots = placed
    .map((hub) => {
      const status = STATUS_WORDS[hub.status] || hub.status;
      return `<circle class="hub-dot" tabindex="0" role="img" aria-label="${esc(hub.name)}: ${esc(status)}"
        data-hub-id="${esc(hub.id)}" data-name="${esc(hub.name)}" data-status="${esc(status)}"
        cx="${x(hub.location.longitude).toFixed(1)}" cy="${y(hub.location.latitude).toFixed(1)}" r="${radius}"
        fill="${STATUS_COLOURS[hub.status] || "#5a6472"}" stroke="#fff" stroke-width="2"><title>${esc(hub.name)}: ${esc(status)}</title></circle>`;
    })
    .join("");
  return `<svg class="map" viewBox="0 0 ${WIDTH} ${height}" role="group" aria-label="${esc(label)}">
      <rect width="${WIDTH}" height="${height}" fill="#dcebf7"/>
      <path class="land" d="${squares(others, x, y, w, h)}" fill="#c9d1c3"/>
      <path class="chosen" d="${squares(inAreas, x, y, w, h)}" fill="#f3dd8c"/>
      <g class="dots">${dots}</g>
      <g class="tip" visibility="hidden" aria-hidden="true">
        <rect rx="4" height="22" fill="#1d2530"/><text fill="#fff" font-size="13" dy="15" dx="6"></text>
      </g>
    </svg>`;
}

/** Shows the name of the hub under the pointer or keyboard focus beside its dot. */
export function followTips(holder) {
  const show = (event) => {
    const dot = event.target.closest?.(".hub-dot");
    const svg = holder.querySelector("svg");
    const tip = svg?.querySelector(".tip");
    if (!tip) return;
    if (!dot) {
      tip.setAttribute("visibility", "hidden");
      return;
    }
    const text = tip.querySelector("text");
    text.textContent = `${dot.dataset.name}: ${dot.dataset.status}`;
    const width = text.getComputedTextLength() + 12;
    const box = svg.viewBox.baseVal;
    const cx = +dot.getAttribute("cx");
    const cy = +dot.getAttribute("cy");
    const left = Math.max(2, Math.min(box.width - width - 2, cx - width / 2));
    const top = cy > 40 ? cy - 36 : cy + 14;
    tip.querySelector("rect").setAttribute("width", width.toFixed(1));
    tip.setAttribute("transform", `translate(${left.toFixed(1)} ${top.toFixed(1)})`);
    tip.setAttribute("visibility", "visible");
  };
  holder.addEventListener("mouseover", show);
  holder.addEventListener("focusin", show);
  holder.addEventListener("mouseleave", () => holder.querySelector(".tip")?.setAttribute("visibility", "hidden"));
  holder.addEventListener("focusout", () => holder.querySelector(".tip")?.setAttribute("visibility", "hidden"));
}
