/* The conversation page: the composer's verdict before sending, and new messages live.
 *
 * As the text changes (debounced), the composer asks POST /v1/why whether it could be
 * sent now and shows the answer in an aria-live region: where it would go, or every
 * reason it can't, with the remedy. Those are the sender's reasons only: the server
 * never tells a sender what is private to someone else.
 */
(function () {
  "use strict";
  var DEBOUNCE_MS = 400;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function waitWords(seconds) {
    var units = [["day", 86400], ["hour", 3600], ["minute", 60]];
    for (var i = 0; i < units.length; i++) {
      if (seconds >= units[i][1]) {
        var n = Math.round(seconds / units[i][1]);
        return "about " + n + " " + units[i][0] + (n === 1 ? "" : "s");
      }
    }
    return seconds + " second" + (seconds === 1 ? "" : "s");
  }

  var WHERE = {
    delivered: "They'll get it in their inbox.",
    requested: "It will go to their message requests until they accept.",
    held: "It will be held for a moderator to review before they see it."
  };

  function renderVerdict(box, answer, to) {
    box.textContent = "";
    box.className = "verdict " + (answer.sendable ? "ok" : "bad");
    box.appendChild(el("p", "verdict-line",
      answer.sendable ? "Can send to @" + to + ". " + (WHERE[answer.outcome] || "")
                      : "Can't send to @" + to + " right now:"));
    var reasons = answer.reasons || [];
    if (!reasons.length) return;
    var list = el("ul", "reasons");
    reasons.forEach(function (r) {
      var item = el("li", "reason");
      item.appendChild(el("p", "reason-message", r.message));
      var remedy = el("p", "remedy");
      remedy.appendChild(el("span", "label", "What you can do: "));
      remedy.appendChild(document.createTextNode(r.remedy));
      item.appendChild(remedy);
      if (r.retry_after) item.appendChild(el("p", "wait", "Wait " + waitWords(r.retry_after) + "."));
      if (r.appealable) item.appendChild(el("p", "appealable", "This can be appealed."));
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function setupComposer(form) {
    var token = window.sendable.meta("sendable-token");
    var to = form.getAttribute("data-to");
    var text = form.querySelector("textarea");
    var box = form.querySelector(".verdict");
    var timer = null, asked = 0, controller = null;
    function ask() {
      var mine = ++asked;
      if (controller) controller.abort();
      controller = "AbortController" in window ? new AbortController() : null;
      box.setAttribute("aria-busy", "true");
      fetch("/v1/why", {
        method: "POST",
        credentials: "omit",
        signal: controller ? controller.signal : undefined,
        headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" },
        body: JSON.stringify({ to: to, text: text.value })
      }).then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      }).then(function (reply) {
        if (mine !== asked) return;
        box.removeAttribute("aria-busy");
        if (reply.ok) {
          renderVerdict(box, reply.body, to);
        } else {
          box.className = "verdict bad";
          box.textContent = (reply.body.error && reply.body.error.message) || "Couldn't check this message.";
        }
      }).catch(function (err) {
        if (err && err.name === "AbortError") return;
        if (mine !== asked) return;
        box.removeAttribute("aria-busy");
        box.className = "verdict";
        box.textContent = "Couldn't check right now; you can still send and you'll see the answer.";
      });
    }
    text.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DEBOUNCE_MS);
    });
    // Just refused: the refusal panel already says why, until the text changes.
    if (!document.getElementById("refusal")) ask();
  }

  /* The page's report form (a <template>), for one message that arrived live. */
  function reportControl(id) {
    var control = document.getElementById("report-message-template").content.cloneNode(true);
    control.querySelector('input[name="message_id"]').value = id;
    var select = control.querySelector("select");
    select.id = "report-reason-" + id;
    control.querySelector("label").setAttribute("for", select.id);
    return control;
  }

  function setupLive(view) {
    var other = view.getAttribute("data-with");
    var me = view.getAttribute("data-me");
    var list = document.getElementById("messages");
    function lastSeq() {
      var items = list.querySelectorAll("li[data-seq]");
      return items.length ? Number(items[items.length - 1].getAttribute("data-seq")) : 0;
    }
    document.addEventListener("sendable:event", function (e) {
      var event = e.detail, p = event.payload || {};
      if ((event.kind !== "message" && event.kind !== "request") || !p.message) return;
      if (p.from !== other && p.to !== other) return;
      var m = p.message;
      if (m.seq <= lastSeq()) return;
      var mine = p.from === me;
      var item = el("li", "message " + (mine ? "mine" : "theirs"));
      item.setAttribute("data-seq", m.seq);
      // As the server's pages do: no bidirectional control reorders what was written.
      item.appendChild(el("p", "text", String(m.text).replace(/[\u202A-\u202E\u2066-\u2069]/g, "")));
      var metaLine = el("p", "meta");
      var time = el("time", null, m.sent_at.replace("T", " ").slice(0, 16) + " UTC");
      time.setAttribute("datetime", m.sent_at);
      metaLine.appendChild(time);
      if (mine && m.outcome !== "delivered") {
        metaLine.appendChild(document.createTextNode(" "));
        metaLine.appendChild(el("span", "tag", m.outcome === "requested" ? "in their requests" : "held for review"));
      }
      item.appendChild(metaLine);
      if (!mine) item.appendChild(reportControl(m.id));
      list.appendChild(item);
      var empty = document.getElementById("no-messages");
      if (empty) empty.remove();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("composer");
    if (form && window.sendable.meta("sendable-token")) setupComposer(form);
    var view = document.querySelector(".conversation-view");
    if (view) setupLive(view);
  });
})();
