// dev's demo data: demo-data.json (written from the connector's one dataset module) posted to
// the public ingestion API, contacts first, as the platform's back end would post its records.
import { callAsBackend } from "./api.js";

const PARTS = [["contacts", "contacts"], ["invoices", "invoices"], ["bank_transactions", "bank-transactions"]];

// Ingest the set into the connection at `base`; how many items were accepted, unchanged, rejected.
export async function loadDemoData(base) {
  const answer = await fetch("demo-data.json");
  if (!answer.ok) throw new Error(`demo-data.json: HTTP ${answer.status}`);
  const dataset = await answer.json();
  const counts = { accepted: 0, unchanged: 0, rejected: 0 };
  for (const [part, path] of PARTS) {
    const result = await callAsBackend("POST", `${base}/${path}`, { items: dataset[part] });
    for (const item of result.items) counts[item.result] += 1;
  }
  return counts;
}
