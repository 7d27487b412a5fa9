// The live part of <hub-dashboard>: one graphql-transport-ws connection
// with one subscription, reconnecting with back-off until closed. A token
// goes only into the connection_init payload.

/** The WebSocket URL next to an HTTP GraphQL URL: /graphql -> ws(s)://.../graphql/ws. */
export function websocketUrl(api) {
  const url = new URL(api);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.pathname = `${url.pathname.replace(/\/$/, "")}/ws`;
  return url.href;
}

/** One graphql-transport-ws connection with one subscription, reconnecting until closed. */
export class LiveConnection {
  constructor({ url, token, query, variables, onEvent, onState, onReconnected }) {
    Object.assign(this, { url, token, query, variables, onEvent, onState, onReconnected });
    this.closed = false;
    this.retries = 0;
    this.open();
  }

  open() {
    this.onState("connecting", "Connecting to live updates…");
    let socket;
    try {
      socket = new WebSocket(this.url, "graphql-transport-ws");
    } catch {
      this.onState("off", "Live updates are not available.");
      return;
    }
    this.socket = socket;
    const send = (message) => socket.send(JSON.stringify(message));
    socket.addEventListener("open", () => {
      send({ type: "connection_init", payload: this.token ? { authorization: `Bearer ${this.token}` } : {} });
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      switch (message.type) {
        case "connection_ack":
          send({ type: "subscribe", id: "hubs", payload: { query: this.query, variables: this.variables } });
          // The server has registered the subscription once it answers a
          // ping sent after it: only then is the dashboard really live.
          this.awaitingPong = true;
          send({ type: "ping" });
          break;
        case "pong":
          if (this.awaitingPong) {
            this.awaitingPong = false;
            if (this.retries > 0) this.onReconnected();
            this.retries = 0;
            this.onState("on", "Live: changes appear as they happen.");
          }
          break;
        case "ping":
          send({ type: "pong" });
          break;
        case "next":
          if (message.payload?.data?.hubStatusChanged) this.onEvent(message.payload.data.hubStatusChanged);
          break;
        case "error":
          this.onState("off", `Live updates refused: ${message.payload?.[0]?.message || "unknown error"}`);
          break;
        default:
          break;
      }
    });
    socket.addEventListener("close", (event) => {
      if (this.closed) return;
      if (event.code === 4403 || event.code === 4401) {
        this.onState("off", "Live updates refused: the token was not accepted.");
        return;
      }
      this.retries += 1;
      const delay = Math.min(30, 2 ** (this.retries - 1));
      this.onState("off", `Live updates paused; reconnecting in ${delay} s.`);
      this.timer = setTimeout(() => this.open(), delay * 1000);
    });
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) {
      this.socket.close(1000, "done");
    }
  }
}
