// The page's entry point: sign in with the dashboard JWT, then show the connections.
import { ApiError, call, forgetToken, storeToken, takeToken } from "./api.js";
import { Connections } from "./connections.js";
import { Mappings } from "./mappings.js";
import { SyncPanel } from "./sync.js";

const notice = document.getElementById("notice");
let connections = null;

function notify(text, isError = false) {
  notice.textContent = text;
  notice.className = isError ? "error" : "";
}

function askForToken(reason) {
  document.getElementById("connections").hidden = true;
  document.getElementById("signin").hidden = false;
  if (reason) notify(reason, true);
}

async function start() {
  try {
    const me = await call("GET", "/v1/me");
    document.getElementById("who").textContent = `Workspace ${me.workspace_id || "(none)"}`;
    document.getElementById("signin").hidden = true;
    document.getElementById("connections").hidden = false;
    if (!connections) {
      const mappings = new Mappings({ notify });
      const sync = new SyncPanel({ notify, onRunFinished: () => connections.load() });
      connections = new Connections({
        notify,
        canMap: me.actions.includes("map"),
        canSync: me.actions.includes("sync"),
        onOpen: (connection) => mappings.open(connection),
        onSync: (connection) => sync.open(connection),
      });
    }
    await connections.load();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      forgetToken();
      askForToken("The dashboard token was not accepted; sign in again.");
    } else {
      notify(`The connector could not be reached: ${error.message}`, true);
    }
  }
}

document.getElementById("signin-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = document.getElementById("token-input");
  storeToken(input.value.trim());
  input.value = "";
  notify("");
  start();
});

if (takeToken()) {
  start();
} else {
  askForToken();
}
