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
  /* -- announcements: what changes by itself, read out by screen readers ------------- */
  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region) return;
    region.textContent = "";  // the same words twice are still a change
    setTimeout(function () { region.textContent = text; }, 50);
  }

  /* -- times: <time datetime="…Z"> in the viewer's own zone, relative while recent ---- */
  var relative = "Intl" in window && Intl.RelativeTimeFormat
    ? new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }) : null;
  var full = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  var sameYear = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric",
                                                      hour: "numeric", minute: "2-digit" });
  function describeTime(at, now) {
    var seconds = Math.round((at - now) / 1000), ago = Math.abs(seconds);
    if (relative && ago < 45) return seconds <= 0 ? "just now" : "in a few seconds";
    if (relative && ago < 3600) return relative.format(Math.round(seconds / 60), "minute");
    if (relative && ago < 86400) return relative.format(Math.round(seconds / 3600), "hour");
    var date = new Date(at);
    return date.getFullYear() === new Date(now).getFullYear() ? sameYear.format(date) : full.format(date);
  }
  function localTimes(root) {
    var now = Date.now();
    (root || document).querySelectorAll("time[datetime]").forEach(function (el) {
      var at = Date.parse(el.getAttribute("datetime"));
      if (isNaN(at)) return;
      el.textContent = describeTime(at, now);
      el.title = full.format(new Date(at));
    });
  }

  /* -- unread counts in the header ------------------------------------------------- */
  function setBadge(link, n) {
    var old = link.querySelector(".badge");
    if (old) old.remove();
    if (!n) return;
    var badge = document.createElement("span");
    badge.className = "badge";
    badge.setAttribute("data-unread", "");
    badge.textContent = String(n);
    var words = document.createElement("span");
    words.className = "visually-hidden";
    words.textContent = " unread";
    badge.appendChild(words);
    link.appendChild(badge);
  }
  /* -- the API, as this page's signed-in account ---------------------------------------
     Pages never hold the session token: a script's call carries the HttpOnly session
     cookie (same origin only) and the page's CSRF token, which the API takes in place
     of a bearer token. */
  function signedIn() { return !!meta("sendable-live"); }
  function api(path, options) {
    options = options || {};
    var headers = { "X-Sendable-CSRF": meta("sendable-csrf") || "" };
    if (options.json !== undefined) headers["Content-Type"] = "application/json";
    return fetch(path, {
      method: options.method || "GET", credentials: "same-origin", headers: headers,
      body: options.json !== undefined ? JSON.stringify(options.json) : undefined
    });
  }

  var unreadTimer = null;
  function refreshUnread() {
    if (!signedIn()) return;
    clearTimeout(unreadTimer);
    unreadTimer = setTimeout(function () {
      api("/v1/me/unread")
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (counts) {
          if (!counts) return;
          document.querySelectorAll("nav a[data-folder]").forEach(function (link) {
            setBadge(link, counts[link.getAttribute("data-folder")] || 0);
          });
        }).catch(function () {});
    }, 150);
  }

  /* An element with a class and text: what the page scripts build their lists from. */
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* One reason of a refusal or a dry run, as every page shows it: the message, what the
     sender can do, the wait counting down (startCountdowns), and a link to appeal when
     something to appeal exists (a ban, a flag, a held message, a refused attempt). */
  function reasonItem(r, appealText, linkClass) {
    var item = el("li", "reason");
    item.appendChild(el("p", "reason-message", r.message));
    var remedy = el("p", "remedy");
    remedy.appendChild(el("span", "label", "What you can do: "));
    remedy.appendChild(document.createTextNode(r.remedy));
    item.appendChild(remedy);
    if (r.retry_after) {
      var wait = el("p", "wait", "You can try again in ");
      var countdown = el("span", "countdown", formatWait(r.retry_after));
      countdown.setAttribute("data-seconds", r.retry_after);
      wait.appendChild(countdown);
      wait.appendChild(document.createTextNode("."));
      item.appendChild(wait);
    }
    if (r.appealable && r.appeal_target) {
      var appealable = el("p", "appealable", appealText);
      var link = el("a", linkClass, "Appeal");
      link.href = "/standing#appeal-" + r.appeal_target.replace(":", "-");
      appealable.appendChild(link);
      item.appendChild(appealable);
    }
    return item;
  }

  window.sendable = { formatWait: formatWait, reasonItem: reasonItem, startCountdowns: startCountdowns, meta: meta,
                      announce: announce, localTimes: localTimes, refreshUnread: refreshUnread,
                      api: api, signedIn: signedIn, el: el };

  /* -- the live stream ---------------------------------------------------------------- */
  function connect() {
    var cursor = meta("sendable-cursor");
    var delay = 1000;
    var status = document.getElementById("live-status");
    var wasLive = false, lostAnnounced = false;
    function show(on) {
      document.body.setAttribute("data-live", on ? "on" : "off");
      if (status) status.textContent = on ? "live" : "offline";
      if (on && lostAnnounced) announce("Live updates are back.");
      if (!on && wasLive && !lostAnnounced) announce("Live updates lost. Reconnecting…");
      lostAnnounced = !on && (wasLive || lostAnnounced);
      wasLive = on;
    }
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
          show(true);
          document.dispatchEvent(new CustomEvent("sendable:live"));
          return;
        }
        if (typeof event.id === "number") cursor = String(event.id);
        document.dispatchEvent(new CustomEvent("sendable:event", { detail: event }));
      };
      ws.onclose = function (close) {
        show(false);
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
    localTimes();
    setInterval(localTimes, 30000);
    if ("MutationObserver" in window) {  // times that arrive later (live messages, refreshes)
      new MutationObserver(function (changes) {
        changes.forEach(function (change) {
          change.addedNodes.forEach(function (node) {
            if (node.nodeType !== 1) return;
            if (node.matches("time[datetime]") || node.querySelector("time[datetime]")) {
              localTimes(node.parentNode || node);
            }
          });
        });
      }).observe(document.body, { childList: true, subtree: true });
    }
    var refusal = document.getElementById("refusal");
    if (refusal) refusal.focus();
    if (meta("sendable-live") && "WebSocket" in window) connect();
    var pageName = document.body.getAttribute("data-page");
    document.addEventListener("sendable:event", function (e) {
      var kind = e.detail.kind;
      if (kind === "message" || kind === "request" || kind === "read") refreshUnread();
      if ((pageName === "inbox" || pageName === "requests") &&
          (kind === "message" || kind === "request" || kind === "read")) {
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
