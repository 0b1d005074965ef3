// The sync panel of one connection: Start sync, a live progress bar per kind (polling the run
// until it is final), the run history, and the failed and blocked records with Xero's messages
// or the reason, each with its preview and (failed) a retry.
import { call, canLoadDemoData } from "./api.js";
import { loadDemoData } from "./demo.js";

const KINDS = ["contact", "invoice", "bank_transaction"];
const KIND_WORDS = { contact: "Contact", invoice: "Invoice", bank_transaction: "Bank transaction" };
const FINAL = new Set(["succeeded", "partial", "failed"]);
const POLL_MS = 700;
const when = (iso) => (iso ? new Date(iso).toLocaleString() : "—");

export function runText(run) {
  const words = {
    queued: "Queued: it starts in a moment.",
    running: "Running…",
    waiting: "Waiting: Xero's limit was reached; it resumes by itself.",
    succeeded: "Succeeded: everything it took is in Xero.",
    partial: "Finished with problems: some records failed or stay blocked (listed below).",
  };
  if (run.status === "failed") return `Failed: ${run.error || "the run stopped"}.`;
  return words[run.status] || run.status;
}

// Per kind: records settled by the run over settled plus still waiting (100% when final).
export function kindPercent(run, kind) {
  const c = run.counts[kind];
  const settled = c.synced + c.failed + c.blocked;
  const total = settled + c.pending;
  let percent = total === 0 ? 0 : Math.floor((100 * settled) / total);
  if (FINAL.has(run.status)) percent = 100;
  return { percent, settled, total };
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

export class SyncPanel {
  constructor({ notify, onRunFinished }) {
    this.notify = notify;
    this.onRunFinished = onRunFinished || (() => {});
    this.section = document.getElementById("sync");
    this.title = document.getElementById("sync-title");
    this.status = document.getElementById("run-status");
    this.runs = document.querySelector("#run-table tbody");
    this.noRuns = document.getElementById("no-runs");
    this.problems = document.querySelector("#problem-table tbody");
    this.noProblems = document.getElementById("no-problems");
    this.preview = document.getElementById("preview");
    this.demo = document.getElementById("load-demo");
    this.generation = 0;
    document.getElementById("start-sync").addEventListener("click", () => this.start());
    this.demo.addEventListener("click", () => this.loadDemo());
  }

  async open(connection) {
    this.connection = connection;
    this.name = connection.tenant_name || connection.tenant_id;
    this.base = `/v1/connections/${connection.id}`;
    this.generation += 1; // a poll of the previous connection stops
    this.title.textContent = `Sync for ${this.name}`;
    this.demo.hidden = !canLoadDemoData();
    this.section.hidden = false;
    this.preview.hidden = true;
    this.status.textContent = "";
    this.showBars(null);
    await this.refresh();
  }

  // History and problems; follows the newest run while it is not final.
  async refresh() {
    try {
      const [page] = await Promise.all([call("GET", `${this.base}/syncs?limit=10`), this.loadProblems()]);
      this.renderRuns(page.items);
      const newest = page.items[0];
      if (newest) this.follow(newest);
    } catch (error) {
      this.notify(`Could not load the sync history: ${error.message}`, true);
    }
  }

  async start() {
    try {
      const run = await call("POST", `${this.base}/sync`);
      this.notify(`Sync of ${this.name} ${run.status === "queued" ? "queued" : "already running"}.`);
      this.announced = run.id;
      this.follow(run);
    } catch (error) {
      this.notify(`Could not start a sync of ${this.name}: ${error.message}`, true);
    }
  }

  async loadDemo() {
    this.demo.disabled = true;
    try {
      const counts = await loadDemoData(this.base);
      this.notify(`Demo data loaded into ${this.name}: ${counts.accepted} new, ${counts.unchanged} unchanged` +
        (counts.rejected ? `, ${counts.rejected} rejected` : "") + ".");
      await this.refresh();
    } catch (error) {
      this.notify(`Could not load the demo data: ${error.message}`, true);
    } finally {
      this.demo.disabled = false;
    }
  }

  follow(run) {
    const generation = this.generation;
    this.showBars(run);
    if (FINAL.has(run.status)) return;
    const poll = async () => {
      if (generation !== this.generation) return;
      try {
        const now = await call("GET", `/v1/syncs/${run.id}`);
        if (generation !== this.generation) return;
        this.showBars(now);
        if (FINAL.has(now.status)) {
          await this.finished(now);
          return;
        }
      } catch (error) {
        this.notify(`Lost track of the sync: ${error.message}`, true);
        return;
      }
      setTimeout(poll, POLL_MS);
    };
    setTimeout(poll, POLL_MS);
  }

  async finished(run) {
    const page = await call("GET", `${this.base}/syncs?limit=10`);
    this.renderRuns(page.items);
    await this.loadProblems();
    if (run.id === this.announced) this.notify(`Sync of ${this.name}: ${runText(run)}`, run.status === "failed");
    this.onRunFinished(run);
  }

  showBars(run) {
    this.status.textContent = run ? runText(run) : "No sync has run yet.";
    for (const kind of KINDS) {
      const bar = document.getElementById(`bar-${kind}`);
      const text = document.getElementById(`bar-${kind}-text`);
      const { percent, settled, total } = run ? kindPercent(run, kind) : { percent: 0, settled: 0, total: 0 };
      bar.setAttribute("aria-valuenow", String(percent));
      const words = !run ? "not started" : total === 0 ? "nothing to send" : `${settled} of ${total} settled`;
      bar.setAttribute("aria-valuetext", `${percent}%, ${words}`);
      bar.firstElementChild.style.width = `${percent}%`;
      const detail = total === 0 ? "nothing to send" : `${settled} of ${total}`;
      text.textContent = run ? `${percent}% (${detail})` : "—";
    }
  }

  renderRuns(runs) {
    this.runs.replaceChildren(...runs.map((run) => {
      const tr = document.createElement("tr");
      const sum = (field) => KINDS.reduce((n, kind) => n + run.counts[kind][field], 0);
      tr.append(cell(when(run.started_at || run.created_at)), cell(run.trigger), cell(run.status, `run-${run.status}`),
        cell(String(sum("synced"))), cell(String(sum("failed"))), cell(String(sum("blocked"))), cell(when(run.finished_at)));
      return tr;
    }));
    this.noRuns.hidden = runs.length > 0;
  }

  async loadProblems() {
    const [failed, blocked] = await Promise.all([
      call("GET", `${this.base}/records?status=failed&limit=200`),
      call("GET", `${this.base}/records?status=blocked&limit=200`),
    ]);
    const records = [...failed.items, ...blocked.items];
    this.problems.replaceChildren(...records.map((record) => this.problemRow(record)));
    this.noProblems.hidden = records.length > 0;
    document.getElementById("more-problems").hidden = !(failed.next_cursor || blocked.next_cursor);
  }

  problemRow(record) {
    const tr = document.createElement("tr");
    tr.dataset.recordId = record.id;
    const message = record.status === "failed" ? record.errors.join(" ") : record.blocked_reason;
    const actions = document.createElement("td");
    actions.className = "actions";
    const button = (text, label, className, action) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = text;
      b.className = className;
      b.setAttribute("aria-label", label);
      b.addEventListener("click", action);
      return b;
    };
    const what = `${KIND_WORDS[record.kind].toLowerCase()} ${record.external_id}`;
    actions.append(button("Preview", `Preview ${what}`, "plain", () => this.showPreview(record)));
    if (record.status === "failed") {
      actions.append(button("Retry", `Retry ${what}`, "plain", () => this.retry(record)));
    }
    tr.append(cell(KIND_WORDS[record.kind]), cell(record.external_id, "record-id"),
      cell(record.status === "failed" ? "Failed" : "Blocked", `record-${record.status}`),
      cell(message || "", "record-message"), actions);
    return tr;
  }

  async showPreview(record) {
    try {
      const preview = await call("GET", `${this.base}/records/${record.id}/preview`);
      document.getElementById("preview-title").textContent =
        `Preview of ${KIND_WORDS[record.kind].toLowerCase()} ${record.external_id}`;
      const body = document.getElementById("preview-body");
      if (preview.outcome === "ready") {
        body.textContent = `${preview.method} ${preview.resource}\n${JSON.stringify(preview.element, null, 2)}`;
      } else {
        body.textContent = `${preview.outcome === "blocked" ? "Blocked" : "Not sent"}: ${preview.reason}`;
      }
      this.preview.hidden = false;
      body.focus();
    } catch (error) {
      this.notify(`Could not preview ${record.external_id}: ${error.message}`, true);
    }
  }

  async retry(record) {
    try {
      await call("POST", `${this.base}/records/${record.id}/retry`);
      this.notify(`Sending ${record.external_id} again.`);
      await this.refresh();
    } catch (error) {
      this.notify(`Could not retry ${record.external_id}: ${error.message}`, true);
    }
  }
}
