// The mapping editor: where the workspace's categories, tax codes, bank accounts and tracking
// values land in Xero. Suggestions are preselected but saved only by Save; the save is
// all-or-nothing and each 422 error is shown on its row.
import { ApiError, call } from "./api.js";

const KIND_WORDS = { account: "Category", tax: "Tax code", bank_account: "Bank account", tracking: "Tracking" };
const NONE = "";

// A target as an option value (its fields in order) and back.
const key = (target) => JSON.stringify(Object.keys(target).sort().map((k) => [k, target[k]]));
const targetOf = (value) => Object.fromEntries(JSON.parse(value));

async function choicesFor(base) {
  const [sales, purchases, bank, taxes, tracking] = await Promise.all([
    call("GET", `${base}/accounts?usable_for=sales`),
    call("GET", `${base}/accounts?usable_for=purchases`),
    call("GET", `${base}/accounts?usable_for=bank`),
    call("GET", `${base}/tax-rates?status=ACTIVE`),
    call("GET", `${base}/tracking-categories?status=ACTIVE`),
  ]);
  const accounts = new Map();
  for (const a of [...sales.items, ...purchases.items]) accounts.set(a.account_id, a);
  const accountChoice = (a) => ({ target: { account_id: a.account_id }, label: `${a.code || ""} ${a.name}`.trim(), code: a.code });
  return {
    pulledAt: sales.pulled_at,
    account: [...accounts.values()].map(accountChoice),
    bank_account: bank.items.map(accountChoice),
    tax: taxes.items.map((t) => ({ target: { tax_type: t.tax_type }, label: `${t.name} (${t.tax_type})` })),
    tracking: tracking.items.flatMap((c) =>
      c.options.filter((o) => o.status === "ACTIVE").map((o) => ({
        target: { tracking_category_id: c.tracking_category_id, tracking_option_id: o.tracking_option_id },
        label: `${c.name}: ${o.name}`,
      })),
    ),
  };
}

// A saved target may name an account by code; find the choice it means.
function choiceKey(choices, kind, target) {
  if (target.code !== undefined) {
    const found = (choices[kind] || []).find((c) => c.code === target.code);
    if (found) return key(found.target);
  }
  return key(target);
}

export class Mappings {
  constructor({ notify }) {
    this.notify = notify;
    this.section = document.getElementById("mappings");
    this.body = document.querySelector("#mapping-table tbody");
    this.title = document.getElementById("mappings-title");
    this.empty = document.getElementById("no-mappings");
    document.getElementById("save-mappings").addEventListener("click", () => this.save());
  }

  async open(connection) {
    this.connection = connection;
    this.base = `/v1/connections/${connection.id}`;
    this.title.textContent = `Mappings for ${connection.tenant_name || connection.tenant_id}`;
    this.section.hidden = false;
    try {
      const [view, choices] = await Promise.all([call("GET", `${this.base}/mappings`), choicesFor(this.base)]);
      this.choices = choices;
      this.render(view);
    } catch (error) {
      this.notify(`Could not load the mappings: ${error.message}`, true);
    }
  }

  render(view) {
    const rows = [
      ...view.items.map((m) => ({ kind: m.kind, source_key: m.source_key, selected: choiceKey(this.choices, m.kind, m.target),
        current: m, state: m.status === "drifted" ? `Drifted: ${m.reason}` : "Mapped" })),
      ...view.unmapped.map((u) => ({ kind: u.kind, source_key: u.source_key,
        selected: u.suggestion ? key(u.suggestion.target) : NONE,
        state: `${u.records_waiting} record${u.records_waiting === 1 ? "" : "s"} waiting` +
          (u.suggestion ? `; suggested: ${u.suggestion.label}` : "") })),
    ];
    this.rows = rows;
    this.body.replaceChildren(...rows.map((row) => this.row(row)));
    this.empty.hidden = rows.length > 0;
  }

  row(row) {
    const tr = document.createElement("tr");
    const kind = document.createElement("td");
    kind.textContent = KIND_WORDS[row.kind] || row.kind;
    const source = document.createElement("td");
    source.textContent = row.source_key;
    source.className = "source-key";
    const pick = document.createElement("td");
    const select = document.createElement("select");
    select.setAttribute("aria-label", `Xero target for ${KIND_WORDS[row.kind] || row.kind} ${row.source_key}`);
    const options = [{ value: NONE, label: "— not mapped —" }];
    for (const choice of this.choices[row.kind] || []) options.push({ value: key(choice.target), label: choice.label });
    if (row.current && !options.some((o) => o.value === row.selected)) {
      options.push({ value: row.selected, label: `${row.current.label} (no longer usable)` });
    }
    for (const o of options) {
      const element = document.createElement("option");
      element.value = o.value;
      element.textContent = o.label;
      select.append(element);
    }
    select.value = row.selected;
    row.select = select;
    pick.append(select);
    const state = document.createElement("td");
    state.textContent = row.state;
    state.className = row.current && row.current.status === "drifted" ? "state drifted" : "state";
    row.error = document.createElement("td");
    row.error.className = "row-error";
    tr.append(kind, source, pick, state, row.error);
    return tr;
  }

  async save() {
    const chosen = this.rows.filter((row) => row.select.value !== NONE);
    const items = chosen.map((row) => ({ kind: row.kind, source_key: row.source_key, target: targetOf(row.select.value) }));
    for (const row of this.rows) row.error.textContent = "";
    try {
      const view = await call("PUT", `${this.base}/mappings`, { items });
      this.render(view);
      this.notify(`Saved ${items.length} mapping${items.length === 1 ? "" : "s"}.`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 422 && Array.isArray(error.problem.errors)) {
        for (const problem of error.problem.errors) {
          const row = chosen[problem.index];
          if (row) row.error.textContent = problem.reason;
        }
        this.notify("Nothing was saved: fix the rows marked below.", true);
      } else {
        this.notify(`Could not save the mappings: ${error.message}`, true);
      }
    }
  }
}
