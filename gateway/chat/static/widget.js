/* Frontdesk chat widget: <frontdesk-chat>. One file, no build step, no dependencies.
 *
 * Embed with one tag:  <script src="https://GATEWAY/widget.js" async></script>
 * The script adds a <frontdesk-chat> element to the page unless one exists already (or the tag has
 * data-auto="false"). Attributes: server (gateway base URL; default: where this script came from),
 * title, open (start opened). Protocol: docs/chat-protocol.md.
 *
 * Nothing typed is lost: each message has a client id and stays "pending" until the server echoes
 * it; pending messages are re-sent after a reconnect (the server ignores ones it already has), and
 * events missed while disconnected are replayed from the last sequence number seen.
 */
(function () {
  "use strict";
  if (window.customElements && window.customElements.get("frontdesk-chat")) return;

  var SCRIPT = document.currentScript;
  var SCRIPT_ORIGIN = SCRIPT && SCRIPT.src ? new URL(SCRIPT.src, location.href).origin : location.origin;
  var STATUS_TEXT = {
    connecting: "Connecting…",
    reconnecting: "Connection lost. Reconnecting…",
    offline: "Disconnected. Send a message to reconnect.",
    bot: "Assistant",
    waiting: "Waiting for a person…",
    staff_joined: "A person has joined",
    closed: "This conversation has ended",
  };

  var CSS = [
    ":host{all:initial;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;--fd-accent:#1f6feb;--fd-bg:#fff;--fd-fg:#1b1f24;--fd-muted:#57606a}",
    ".launcher{position:fixed;right:20px;bottom:20px;width:60px;height:60px;border-radius:50%;border:0;background:var(--fd-accent);color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center;z-index:2147483000}",
    ".launcher:focus-visible,button:focus-visible,textarea:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}",
    ".panel{position:fixed;right:20px;bottom:92px;width:370px;max-width:calc(100vw - 40px);height:540px;max-height:calc(100vh - 120px);display:flex;flex-direction:column;background:var(--fd-bg);color:var(--fd-fg);border-radius:14px;box-shadow:0 10px 40px rgba(0,0,0,.3);overflow:hidden;z-index:2147483000}",
    ".panel[hidden]{display:none}",
    "header{display:flex;align-items:center;gap:8px;padding:12px 14px;background:var(--fd-accent);color:#fff}",
    "header h2{margin:0;font-size:16px;font-weight:600;flex:1}",
    ".status{font-size:12px;opacity:.9;display:block;font-weight:400}",
    ".close{background:transparent;border:0;color:#fff;font-size:22px;cursor:pointer;line-height:1;padding:4px 8px;border-radius:6px}",
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f6f8fa}",
    ".msg{max-width:82%;padding:8px 12px;border-radius:14px;line-height:1.4;font-size:15px;white-space:pre-wrap;word-wrap:break-word}",
    ".msg.visitor{align-self:flex-end;background:var(--fd-accent);color:#fff;border-bottom-right-radius:4px}",
    ".msg.visitor.pending{opacity:.6}",
    ".msg.bot,.msg.staff{align-self:flex-start;background:#fff;border:1px solid #d0d7de;border-bottom-left-radius:4px}",
    ".msg.staff{border-color:#2da44e}",
    ".who{display:block;font-size:11px;color:var(--fd-muted);margin-bottom:2px}",
    ".note{align-self:center;font-size:12px;color:var(--fd-muted);text-align:center;padding:2px 8px}",
    ".note.error{color:#cf222e}",
    ".typing{padding:0 14px 6px;font-size:12px;color:var(--fd-muted);min-height:16px;background:#f6f8fa}",
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid #d0d7de;background:var(--fd-bg)}",
    "textarea{flex:1;resize:none;border:1px solid #d0d7de;border-radius:10px;padding:8px 10px;font:inherit;font-size:16px;min-height:22px;max-height:120px;color:var(--fd-fg)}",
    ".send{border:0;border-radius:10px;background:var(--fd-accent);color:#fff;padding:0 16px;font-size:15px;cursor:pointer}",
    ".send:disabled{opacity:.5;cursor:default}",
    ".sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);border:0}",
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100%;max-height:100%;border-radius:0}.launcher{right:14px;bottom:14px}}",
    "@media (prefers-reduced-motion:no-preference){.panel{transition:opacity .15s}}",
  ].join("\n");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    if (text != null) node.textContent = text;
    return node;
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  class FrontdeskChat extends HTMLElement {
    constructor() {
      super();
      this.ws = null;
      this.lastSeq = 0;
      this.token = null;
      this.status = "connecting";
      this.pending = new Map(); // client_id -> {text, node}
      this.replies = new Map(); // reply_id -> bubble
      this.attempt = 0;
      this.retryTimer = null;
      this.resendTimer = null;
      this.stopped = false; // idle timeout or closed conversation: wait for the visitor
      this.lastTypingSent = 0;
      this.welcomed = false;
      this.build();
    }

    get server() {
      return (this.getAttribute("server") || SCRIPT_ORIGIN).replace(/\/+$/, "");
    }

    get storageKey() {
      return "frontdesk-chat:" + this.server;
    }

    build() {
      var root = this.attachShadow({ mode: "open" });
      root.appendChild(el("style", {}, CSS));
      var title = this.getAttribute("title") || "Chat with us";
      this.launcher = el("button", {
        class: "launcher", type: "button", "aria-label": "Open chat", "aria-expanded": "false",
        "aria-controls": "fd-panel",
      });
      // A speech-bubble icon drawn inline: no image or font to fetch.
      this.launcher.innerHTML = '<svg aria-hidden="true" focusable="false" width="28" height="28" viewBox="0 0 24 24">' +
        '<path fill="currentColor" d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"/></svg>';
      this.panel = el("section", { class: "panel", id: "fd-panel", role: "dialog", "aria-label": title, hidden: "" });
      var header = el("header");
      var heading = el("h2", { id: "fd-title" }, title);
      this.statusLine = el("span", { class: "status", "aria-live": "polite" }, STATUS_TEXT.connecting);
      heading.appendChild(this.statusLine);
      this.closeBtn = el("button", { class: "close", type: "button", "aria-label": "Close chat" }, "×");
      header.append(heading, this.closeBtn);
      this.log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0", "aria-label": "Messages" });
      this.typing = el("div", { class: "typing", "aria-live": "polite" });
      this.form = el("form", { "aria-label": "Send a message" });
      var label = el("label", { for: "fd-input", class: "sr-only" }, "Your message");
      this.input = el("textarea", { id: "fd-input", rows: "1", placeholder: "Type a message…", autocomplete: "off", maxlength: "2000" });
      this.sendBtn = el("button", { class: "send", type: "submit" }, "Send");
      this.form.append(label, this.input, this.sendBtn);
      this.panel.append(header, this.log, this.typing, this.form);
      root.append(this.launcher, this.panel);

      this.launcher.addEventListener("click", () => this.toggle());
      this.closeBtn.addEventListener("click", () => this.toggle(false));
      this.panel.addEventListener("keydown", (e) => { if (e.key === "Escape") this.toggle(false); });
      this.form.addEventListener("submit", (e) => { e.preventDefault(); this.submit(); });
      this.input.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); this.submit(); }
      });
      this.input.addEventListener("input", () => this.sendTyping());
    }

    connectedCallback() {
      if (this.hasAttribute("open")) this.toggle(true);
    }

    disconnectedCallback() {
      this.stopped = true;
      if (this.ws) this.ws.close(1000, "widget removed");
    }

    toggle(force) {
      var open = force === undefined ? this.panel.hidden : force;
      this.panel.hidden = !open;
      this.launcher.setAttribute("aria-expanded", String(open));
      this.launcher.setAttribute("aria-label", open ? "Hide chat" : "Open chat");
      if (open) {
        if (!this.ws) this.connect();
        this.input.focus();
      } else {
        this.launcher.focus();
      }
    }

    // -- connection --------------------------------------------------------------------------

    saved() {
      try { return JSON.parse(sessionStorage.getItem(this.storageKey) || "null"); } catch (e) { return null; }
    }

    save() {
      try {
        sessionStorage.setItem(this.storageKey, JSON.stringify({ token: this.token, lastSeq: this.lastSeq }));
      } catch (e) { /* private mode: the session lasts as long as the page */ }
    }

    forget() {
      this.token = null;
      try { sessionStorage.removeItem(this.storageKey); } catch (e) { /* ignore */ }
    }

    connect() {
      clearTimeout(this.retryTimer);
      this.stopped = false;
      if (this.token === null) {
        // A fresh page: resume the session of this tab, replaying from the start to rebuild the list.
        var saved = this.saved();
        if (saved && saved.token) { this.token = saved.token; this.lastSeq = 0; }
      }
      this.setStatus(this.welcomed ? "reconnecting" : "connecting");
      var url = this.server.replace(/^http/, "ws") + "/chat/ws";
      var ws = new WebSocket(url);
      this.ws = ws;
      ws.onopen = () => this.send({ type: "hello", token: this.token, last_seq: this.lastSeq });
      ws.onmessage = (e) => { try { this.receive(JSON.parse(e.data)); } catch (err) { console.error("frontdesk-chat", err); } };
      ws.onclose = () => {
        if (this.ws !== ws) return;
        this.ws = null;
        if (this.stopped) { if (this.status !== "closed") this.setStatus("offline"); return; }
        this.setStatus("reconnecting");
        // Exponential backoff with jitter, capped at 30 s.
        var delay = Math.min(30000, 500 * Math.pow(2, this.attempt++)) * (0.75 + Math.random() / 2);
        this.retryTimer = setTimeout(() => this.connect(), delay);
      };
    }

    send(frame) {
      frame.v = 1;
      if (this.ws && this.ws.readyState === WebSocket.OPEN) { this.ws.send(JSON.stringify(frame)); return true; }
      return false;
    }

    resendPending() {
      this.pending.forEach((p, id) => this.send({ type: "message", text: p.text, client_id: id }));
    }

    // -- events from the server --------------------------------------------------------------

    receive(m) {
      if (m.type === "welcome") {
        this.welcomed = true;
        this.attempt = 0;
        this.token = m.token;
        this.lastSeq = m.seq;
        this.save();
        this.setStatus(m.status);
        this.resendPending();
        return;
      }
      if (m.type === "error") { this.onError(m); return; }
      if (typeof m.seq !== "number" || m.seq <= this.lastSeq) return; // already shown
      this.lastSeq = m.seq;
      this.save();
      switch (m.type) {
        case "visitor.message": this.onVisitor(m); break;
        case "bot.delta": this.onBotText(m.reply_id, m.text, false); break;
        case "bot.final": this.onBotText(m.reply_id, m.text, true); break;
        case "staff.message": this.addBubble("staff", m.text, m.staff_name); this.typing.textContent = ""; break;
        case "status": this.setStatus(m.status, m.detail); if (m.detail) this.note(m.detail); break;
      }
    }

    onVisitor(m) {
      var p = m.client_id && this.pending.get(m.client_id);
      if (p) {
        this.pending.delete(m.client_id);
        p.node.classList.remove("pending");
        p.node.removeAttribute("aria-label");
      } else {
        this.addBubble("visitor", m.text);
      }
      if (this.status === "bot") this.typing.textContent = "Assistant is typing…";
    }

    onBotText(replyId, text, final) {
      var bubble = this.replies.get(replyId);
      if (!bubble) {
        if (final && !text) { this.typing.textContent = ""; return; }
        bubble = this.addBubble("bot", "");
        this.replies.set(replyId, bubble);
      }
      var body = bubble.querySelector(".text");
      body.textContent = final ? text : body.textContent + text;
      if (final) { this.typing.textContent = ""; this.replies.delete(replyId); }
      this.scroll();
    }

    onError(m) {
      switch (m.code) {
        case "bad_token": case "token_expired": case "token_revoked": case "unknown_conversation":
          this.forget();
          this.lastSeq = 0;
          this.note("Your previous chat could not be resumed; starting a new one.");
          this.send({ type: "hello" });
          return;
        case "rate_limited":
          clearTimeout(this.resendTimer);
          this.resendTimer = setTimeout(() => this.resendPending(), Math.ceil((m.retry_after_s || 1) * 1000));
          return;
        case "idle_timeout":
          this.stopped = true;
          return;
        case "conversation_closed":
          // The visitor wrote after the end: start a new conversation and deliver it there.
          this.forget();
          this.lastSeq = 0;
          this.note("Starting a new conversation.");
          this.stopped = false;
          this.attempt = 0;
          if (this.ws) this.ws.close(1000, "conversation closed");
          return;
      }
      this.note(m.message || "Something went wrong.", true);
    }

    // -- visitor actions ---------------------------------------------------------------------

    submit() {
      var text = this.input.value.trim();
      if (!text) return;
      this.input.value = "";
      var id = newId();
      var node = this.addBubble("visitor", text);
      node.classList.add("pending");
      node.setAttribute("aria-label", "Sending: " + text);
      this.pending.set(id, { text: text, node: node });
      if (!this.send({ type: "message", text: text, client_id: id }) && !this.ws) this.connect();
    }

    sendTyping() {
      var now = Date.now();
      if (now - this.lastTypingSent > 3000) { this.lastTypingSent = now; this.send({ type: "typing", active: true }); }
      if (!this.ws && this.stopped) this.connect();
    }

    // -- rendering ---------------------------------------------------------------------------

    addBubble(kind, text, who) {
      var node = el("div", { class: "msg " + kind, "data-kind": kind });
      var label = kind === "bot" ? "Assistant" : kind === "staff" ? (who || "Staff") : "You";
      node.appendChild(el("span", { class: kind === "visitor" ? "who sr-only" : "who" }, label));
      node.appendChild(el("span", { class: "text" }, text));
      this.log.appendChild(node);
      this.scroll();
      return node;
    }

    note(text, isError) {
      this.log.appendChild(el("div", { class: "note" + (isError ? " error" : ""), role: isError ? "alert" : "note" }, text));
      this.scroll();
    }

    scroll() {
      this.log.scrollTop = this.log.scrollHeight;
    }

    setStatus(status, detail) {
      this.status = status;
      // Waiting: the server says what to expect ("A person usually answers within 3 minutes."),
      // so the header never promises a person who is not coming.
      var text = status === "waiting" && detail ? detail : STATUS_TEXT[status] || status;
      this.statusLine.textContent = text;
      this.setAttribute("data-status", status);
      if (status !== "bot") this.typing.textContent = "";
      var closed = status === "closed";
      if (closed) { this.forget(); this.stopped = true; }
    }
  }

  customElements.define("frontdesk-chat", FrontdeskChat);

  function autoInsert() {
    if (SCRIPT && SCRIPT.dataset && SCRIPT.dataset.auto === "false") return;
    if (!document.querySelector("frontdesk-chat")) document.body.appendChild(document.createElement("frontdesk-chat"));
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", autoInsert);
  else autoInsert();
})();
