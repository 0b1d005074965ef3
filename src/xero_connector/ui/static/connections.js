// The connections list: status in words, Connect in a popup, Reconnect, Disconnect.
import { call } from "./api.js";

const ERRORS = {
  access_denied: "Access was not granted in Xero, so nothing was connected.",
  no_organisation: "No Xero organisation was chosen. Connect again and pick at least one.",
  xero_unavailable: "Xero is not answering right now. Please try again in a few minutes.",
  exchange_failed: "Xero did not accept the sign-in. Please try connecting again.",
  invalid_id_token: "Xero's sign-in could not be verified. Please try connecting again.",
  invalid_state: "That sign-in link expired or was already used. Please connect again.",
  internal_error: "Xero accepted the sign-in but the connection could not be saved. Try again.",
};

const when = (iso) => new Date(iso).toLocaleString();

export function statusText(connection) {
  if (connection.status === "active" && connection.rate_limited_until) {
    return { key: "rate_limited", text: `Rate limited until ${when(connection.rate_limited_until)}` };
  }
  const words = { active: "Active", needs_reauth: "Needs re-authorisation", disconnected: "Disconnected" };
  return { key: connection.status, text: words[connection.status] || connection.status };
}

function lastSyncText(connection) {
  const run = connection.last_sync;
  if (!run) return "Never synced";
  return run.finished_at ? `${run.status}, ${when(run.finished_at)}` : `${run.status} (running)`;
}

export class Connections {
  constructor({ notify, onChange, onOpen, onSync, canMap, canSync }) {
    this.canMap = Boolean(canMap);
    this.canSync = Boolean(canSync);
    this.onSync = onSync || (() => {});
    this.notify = notify;
    this.onChange = onChange || (() => {});
    this.onOpen = onOpen || (() => {});
    this.body = document.querySelector("#connection-table tbody");
    this.empty = document.getElementById("no-connections");
    this.items = [];
    document.getElementById("connect").addEventListener("click", () => this.connect());
    window.addEventListener("message", (event) => this.received(event));
  }

  async load() {
    const page = await call("GET", "/v1/connections?limit=200");
    const nameOf = (item) => item.tenant_name || item.tenant_id;
    this.items = page.items.sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
    this.render();
    this.onChange(this.items);
  }

  render() {
    this.body.replaceChildren(...this.items.map((item) => this.row(item)));
    this.empty.hidden = this.items.length > 0;
  }

  row(connection) {
    const tr = document.createElement("tr");
    tr.dataset.connectionId = connection.id;
    const name = connection.tenant_name || connection.tenant_id;
    const status = statusText(connection);
    const cells = [name, status.text, lastSyncText(connection)].map((text) => {
      const td = document.createElement("td");
      td.textContent = text;
      return td;
    });
    cells[0].className = "name";
    cells[1].className = `status status-${status.key}`;
    const actions = document.createElement("td");
    actions.className = "actions";
    if (connection.status === "active" && this.canMap) {
      actions.append(this.button("Mappings", `Mappings for ${name}`, "plain", () => this.onOpen(connection)));
    }
    if (connection.status !== "disconnected" && this.canSync) {
      actions.append(this.button("Sync", `Sync for ${name}`, "plain", () => this.onSync(connection)));
    }
    if (connection.status === "needs_reauth") {
      actions.append(this.button("Reconnect", `Reconnect ${name}`, "plain", () => this.connect()));
    }
    if (connection.status !== "disconnected") {
      actions.append(
        this.button("Disconnect", `Disconnect ${name}`, "danger", () => this.disconnect(connection)),
      );
    }
    tr.append(...cells, actions);
    return tr;
  }

  button(text, label, className, action) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = text;
    button.className = className;
    button.setAttribute("aria-label", label);
    button.addEventListener("click", action);
    return button;
  }

  // The popup is opened inside the click (so no blocker stops it), then sent to Xero.
  async connect() {
    const popup = window.open("", "xero-connect", "popup,width=520,height=720");
    try {
      const started = await call("POST", "/v1/connect", {});
      if (!popup) {
        this.notify("Your browser blocked the Xero window; allow pop-ups for this page.", true);
        return;
      }
      popup.location.href = started.authorize_url;
      this.notify("Continue in the Xero window: sign in, choose organisations, allow access.");
    } catch (error) {
      if (popup) popup.close();
      this.notify(`Could not start connecting: ${error.message}`, true);
    }
  }

  // The callback page posts {source: "xero-connector", status, connection_ids | error}.
  async received(event) {
    const message = event.data;
    if (event.origin !== window.location.origin || !message || message.source !== "xero-connector") {
      return;
    }
    if (message.status === "error") {
      this.notify(ERRORS[message.error] || `Xero reported an error (${message.error}).`, true);
      return;
    }
    const count = (message.connection_ids || []).length;
    this.notify(`Connected ${count} Xero organisation${count === 1 ? "" : "s"}.`);
    await this.load();
  }

  async disconnect(connection) {
    const name = connection.tenant_name || connection.tenant_id;
    try {
      await call("DELETE", `/v1/connections/${connection.id}`);
      this.notify(`Disconnected ${name}.`);
      await this.load();
    } catch (error) {
      this.notify(`Could not disconnect ${name}: ${error.message}`, true);
    }
  }
}
