// The styles of <hub-dashboard>, inside its shadow root.

export const STYLE = `
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
fieldset.field { border: 0; margin: 0; padding: 0; flex: 2 1 18rem; }
legend { font-weight: 600; padding: 0; margin-bottom: 0.25rem; }
.areas {
  max-height: 11rem; overflow-y: auto; background: #fff; border: 2px solid var(--hd-border); border-radius: 0.5rem;
  padding: 0.25rem 0.5rem; display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: 0 0.75rem;
}
.areas label { font-weight: 400; display: flex; gap: 0.5rem; align-items: center; min-height: 2.25rem; }
.areas input { width: 1.2rem; height: 1.2rem; min-height: 0; flex: none; margin: 0; }
:is(.areas, .scroll):focus-visible, .hub-dot:focus-visible { outline: 3px solid #f2a900; outline-offset: 2px; }
button.secondary { background: #fff; color: var(--hd-accent); flex: none; padding: 0.35rem 0.9rem; min-height: 2.5rem; }
.section-head { display: flex; flex-wrap: wrap; gap: 0.5rem; justify-content: space-between; align-items: center; margin-bottom: 0.5rem; }
.section-head h2 { margin: 0; }
.hub-dot { cursor: pointer; }
.hub-dot:focus { outline: none; stroke: #f2a900; stroke-width: 4; }
.stale { margin: 0.3rem 0 0; padding: 0.1rem 0.6rem; border-left: 4px solid #a3212a; background: #fbeaea; font-weight: 600; font-size: 0.9rem; }
.hub[data-stale] { border-left-style: dashed; }
.spark { display: block; width: 100%; max-width: 24rem; height: 3rem; margin-top: 0.4rem; background: #f7f9fc; border-radius: 0.25rem; }
.extras { margin-top: 1rem; background: #fff; border: 1px solid var(--hd-border); border-radius: 0.75rem; padding: 0.75rem 1rem; }
.extras h3 { font-size: 1.05rem; margin: 0.75rem 0 0.4rem; }
.extras .bar { margin: 0.75rem 0 0.4rem; align-items: center; }
.extras .bar h3 { margin: 0; }
.review { margin: 0; padding-left: 1.2rem; }
.quiet { color: var(--hd-muted); margin: 0; }
.scroll { overflow-x: auto; max-width: 100%; }
.referrals { border-collapse: collapse; font-size: 0.9rem; min-width: 100%; }
.referrals th, .referrals td { padding: 0.25rem 0.5rem; border-bottom: 1px solid #e3e8ef; text-align: right; white-space: nowrap; }
.referrals th[scope="row"], .referrals thead th:first-child {
  text-align: left; white-space: normal; min-width: 9rem; max-width: 14rem;
  /* The pathway stays in view while the weeks scroll past on a phone. */
  position: sticky; left: 0; background: #fff; z-index: 1;
}
.referrals td { background: linear-gradient(to top, #d6e4f5 var(--share, 0%), transparent var(--share, 0%)); }
.referrals .total { font-weight: 700; background: none; }
code { font-size: 0.9em; background: var(--hd-panel); padding: 0 0.2rem; border-radius: 0.2rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
`;
