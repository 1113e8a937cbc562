/* sendable pages: countdowns, and live updates over the API's stream.
 *
 * The stream is WebSocket /v1/stream, opened with a single-use stream ticket that
 * POST /live/ticket gives this session (the session cookie and the page's CSRF token
 * in <meta name="sendable-csrf">; the page never carries the session token), a new
 * ticket for every (re)connection. It starts from the
 * cursor the server read before rendering this page (<meta name="sendable-cursor">),
 * so nothing that happened while the page loaded is missed, and it reconnects
 * with the last event id it saw, so nothing is missed across drops either.
 * Every event is re-dispatched as a `sendable:event` DOM event for page scripts.
 * Plain JavaScript, no dependencies.
 */
(function () {
  "use strict";

  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute("content") : null;
  }

  /* -- countdowns: <span class="countdown" data-seconds="N"> ------------------ */
  function formatWait(total) {
    if (total <= 0) return "now";
    var d = Math.floor(total / 86400), h = Math.floor(total % 86400 / 3600);
    var m = Math.floor(total % 3600 / 60), s = total % 60;
    if (d) return d + "d " + h + "h";
    if (h) return h + "h " + String(m).padStart(2, "0") + "m";
    if (m) return m + "m " + String(s).padStart(2, "0") + "s";
    return s + "s";
  }
  function startCountdowns(root) {
    var items = Array.prototype.slice.call((root || document).querySelectorAll(".countdown[data-seconds]"));
    items.forEach(function (el) {
      var end = Date.now() + Number(el.getAttribute("data-seconds")) * 1000;
      el.removeAttribute("data-seconds");
      function tick() {
        var left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
        el.textContent = formatWait(left);
        if (left > 0) { setTimeout(tick, 1000); } else { el.classList.add("done"); }
      }
      tick();
    });
  }
  window.sendable = { formatWait: formatWait, startCountdowns: startCountdowns, meta: meta };

  /* -- the live stream ---------------------------------------------------------------- */
  function connect() {
    var cursor = meta("sendable-cursor");
    var delay = 1000;
    function retry() {
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 15000);
    }
    function open() {
      fetch("/live/ticket", {
        method: "POST", credentials: "same-origin",
        headers: { "X-Sendable-CSRF": meta("sendable-csrf") || "" }
      }).then(function (r) {
        if (r.status === 401 || r.status === 403) return null;  // signed out: stop
        if (!r.ok) { retry(); return null; }
        return r.json();
      }).then(function (body) {
        if (body && body.ticket) stream(body.ticket);
      }).catch(retry);
    }
    function stream(ticket) {
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      var url = scheme + location.host + "/v1/stream?ticket=" + encodeURIComponent(ticket);
      if (cursor !== null && cursor !== "") url += "&after=" + encodeURIComponent(cursor);
      var ws = new WebSocket(url);
      ws.onmessage = function (msg) {
        var event;
        try { event = JSON.parse(msg.data); } catch (e) { return; }
        if (event.kind === "ready") {
          cursor = String(event.cursor);
          delay = 1000;
          document.body.setAttribute("data-live", "on");
          return;
        }
        if (typeof event.id === "number") cursor = String(event.id);
        document.dispatchEvent(new CustomEvent("sendable:event", { detail: event }));
      };
      ws.onclose = function (close) {
        document.body.setAttribute("data-live", "off");
        if (close.code === 1008) return;  // signed out or session expired: don't hammer
        retry();
      };
    }
    open();
  }

  /* Reload one region of this page from the server (lists, standing). */
  function refresh(selector) {
    var field = document.activeElement;
    if (field && (field.tagName === "TEXTAREA" || field.tagName === "INPUT") && field.value) {
      return;  // never throw away what someone is typing
    }
    fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll(selector).forEach(function (old, i) {
          var replacement = fresh.querySelectorAll(selector)[i];
          if (replacement) old.innerHTML = replacement.innerHTML;
        });
        startCountdowns();
      });
  }
  window.sendable.refresh = refresh;

  document.addEventListener("DOMContentLoaded", function () {
    startCountdowns();
    var refusal = document.getElementById("refusal");
    if (refusal) refusal.focus();
    if (meta("sendable-live") && "WebSocket" in window) connect();
    var pageName = document.body.getAttribute("data-page");
    document.addEventListener("sendable:event", function (e) {
      var kind = e.detail.kind;
      if ((pageName === "inbox" || pageName === "requests") && (kind === "message" || kind === "request")) {
        refresh("#live-list, .tabs");
      } else if (pageName === "group" && kind === "group_message") {
        refresh("#messages");
      } else if (pageName === "groups" && kind === "group") {
        refresh("#live-list");
      } else if (pageName === "standing" && kind === "standing") {
        refresh("main");
      }
    });
  });
})();
