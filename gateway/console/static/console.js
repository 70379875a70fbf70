/* Frontdesk console: handoff alerts (desktop notification, sound, count in the tab title) and
   "waiting N min" that keeps counting. No inline code (the console's CSP forbids it), no CDN. */
(function () {
  "use strict";
  var POLL_MS = 5000;
  var SEEN = "frontdesk.handoffs.seen"; // sessionStorage: ids already announced in this tab
  var ASKED = "frontdesk.notifications.asked"; // localStorage: the permission was asked once
  var MUTED = "frontdesk.sound.muted"; // localStorage: "1" when muted
  var baseTitle = document.title.replace(/^\(\d+\) /, "");
  var known = readSeen();
  var audio = null;

  function readSeen() {
    try { return JSON.parse(window.sessionStorage.getItem(SEEN) || "null"); } catch (e) { return null; }
  }
  function stored(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function store(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode: not kept */ }
  }

  /* The waiting handoffs' ids: announce the new ones, show the count. */
  function update(ids) {
    var count = ids.length;
    document.title = (count ? "(" + count + ") " : "") + baseTitle;
    var badge = document.getElementById("queue-count");
    if (badge) { badge.textContent = String(count); badge.hidden = count === 0; }
    if (known !== null) {
      var fresh = ids.filter(function (id) { return known.indexOf(id) < 0; });
      if (fresh.length) { notify(fresh.length); beep(); }
    }
    known = ids;
    try { window.sessionStorage.setItem(SEEN, JSON.stringify(ids)); } catch (e) { /* not kept */ }
  }

  function notify(n) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    // No names or numbers: a notification may show on a locked screen.
    var note = new Notification(n === 1 ? "A new handoff is waiting" : n + " new handoffs are waiting", {
      body: "Open the handoff queue to claim it.", tag: "frontdesk-handoff"
    });
    note.onclick = function () { window.focus(); window.location.href = "/console/queue"; };
  }

  function beep() {
    if (stored(MUTED) === "1") return;
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    audio = audio || new Ctx();
    [0, 0.22].forEach(function (at) {
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, audio.currentTime + at);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + at + 0.18);
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(audio.currentTime + at); osc.stop(audio.currentTime + at + 0.2);
    });
  }

  /* Asked once, at the first click on a console page (browsers want a gesture for it). */
  function askOnce() {
    if (!("Notification" in window) || Notification.permission !== "default" || stored(ASKED)) return;
    store(ASKED, "1");
    Notification.requestPermission();
  }

  function soundButton() {
    var button = document.getElementById("sound-toggle");
    if (!button) return;
    var paint = function () {
      var muted = stored(MUTED) === "1";
      button.textContent = muted ? "Sound off" : "Sound on";
      button.setAttribute("aria-pressed", muted ? "false" : "true");
    };
    button.hidden = false;
    paint();
    button.addEventListener("click", function () { store(MUTED, stored(MUTED) === "1" ? "0" : "1"); paint(); });
  }

  function fromQueue() {
    var rows = document.querySelectorAll("#waiting tr[data-handoff]");
    return Array.prototype.map.call(rows, function (r) { return Number(r.getAttribute("data-handoff")); });
  }

  function poll() {
    fetch("/console/queue/count", { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) { update(data.handoffs); window.setTimeout(poll, POLL_MS); })
      .catch(function () { /* logged out or the server is away: no more polls on this page */ });
  }

  /* "waiting 3 min" keeps counting between the queue's updates; red past the threshold. */
  function minutes(since) {
    var m = Math.max(0, Math.floor((Date.now() - Date.parse(since)) / 60000));
    if (m < 1) return "just now";
    return m < 60 ? m + " min" : Math.floor(m / 60) + " h " + (m % 60) + " min";
  }
  function tick() {
    var table = document.getElementById("waiting");
    var alertS = table ? Number(table.getAttribute("data-alert-s")) : 0;
    document.querySelectorAll("td.waited[data-since]").forEach(function (cell) {
      var since = cell.getAttribute("data-since");
      cell.textContent = "waiting " + minutes(since);
      if (alertS) cell.parentElement.classList.toggle("late", Date.now() - Date.parse(since) > alertS * 1000);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    soundButton();
    document.addEventListener("click", askOnce, { once: true });
    if (document.getElementById("queue")) {
      update(fromQueue());
      document.body.addEventListener("htmx:afterSettle", function () { update(fromQueue()); tick(); });
    } else {
      poll();
    }
    window.setInterval(tick, 15000);
  });
})();
