// Runs the GraphQL-over-HTTP spec's own audit suite (graphql-http's
// auditServer) against a running hubgraph:
//
//   node tests/browser/audit.mjs http://127.0.0.1:8080
//
// Prints every audit's result, and exits 1 unless there are no errors (a
// MUST broken) and no warnings (a SHOULD broken). Notices (a MAY, or
// something the suite cannot judge) are printed but allowed.

import { auditServer } from "graphql-http";

const base = (process.argv[2] || "").replace(/\/$/, "");
if (!base) {
  console.error("usage: node audit.mjs SERVER_URL");
  process.exit(2);
}
const url = `${base}/graphql`;

const results = await auditServer({ url });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const result of results) {
  counts[result.status] += 1;
  if (result.status === "ok") {
    console.log(`ok - ${result.name}`);
    continue;
  }
  console.log(`${result.status} - ${result.name}\n  ${result.reason}`);
  if (result.status !== "notice") {
    // What the server answered, for whoever has to fix it.
    const body = await result.response.text().catch(() => "");
    console.log(`  ${result.response.status} ${result.response.headers.get("content-type") || ""}\n  ${body}`);
  }
}
console.log(`audit of ${url}: ${counts.ok} ok, ${counts.notice} notices, ${counts.warn} warnings, ${counts.error} errors`);
process.exit(counts.warn === 0 && counts.error === 0 ? 0 : 1);
