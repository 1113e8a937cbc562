/* The conversation page: the composer's verdict before sending, and new messages live.
 *
 * As the text changes (debounced), the composer asks POST /live/why (the same answer
 * as /v1/why, with the session cookie and the page's CSRF token) whether it could be
 * sent now and shows the answer in an aria-live region: where it would go, or every
 * reason it can't, with the remedy. Those are the sender's reasons only: the server
 * never tells a sender what is private to someone else.
 */
(function () {
  "use strict";
  var DEBOUNCE_MS = 400;

  var el = window.sendable.el;  // app.js

  var WHERE = {
    delivered: "They'll get it in their inbox.",
    requested: "It will go to their message requests until they accept.",
    held: "It will be held for a moderator to review before they see it."
  };

  /* Send is disabled while the dry run says the message can't go; the verdict (its
     aria-describedby) says why. A failed check leaves it enabled: the send will say. */
  function allowSend(form, yes) {
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = !yes;
    form.setAttribute("data-sendable", yes ? "yes" : "no");
  }

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
      /* With something to appeal already (a ban, a flag), reasonItem links to it. */
      var item = window.sendable.reasonItem(r, "This can be appealed: ", "appeal-link");
      var unappealed = r.appealable && !r.appeal_target;
      if (unappealed && !answer.sendable) {
        /* The spam checks: only a real attempt can be appealed, so the sender may send
           it anyway, be refused, and appeal that refusal (a moderator decides). */
        var offer = el("p", "appealable", "If you think this is a mistake, send it anyway and appeal: a moderator will decide. ");
        var anyway = el("button", "secondary send-anyway", "Send anyway to appeal");
        anyway.type = "button";
        anyway.addEventListener("click", function () {
          var form = box.closest("form");
          allowSend(form, true);
          if (form.requestSubmit) form.requestSubmit(); else form.submit();
        });
        offer.appendChild(anyway);
        item.appendChild(offer);
      } else if (unappealed) {
        item.appendChild(el("p", "appealable", "This can be appealed."));
      }
      list.appendChild(item);
    });
    box.appendChild(list);
    window.sendable.startCountdowns(box);
  }

  function setupComposer(form) {
    var csrf = window.sendable.meta("sendable-csrf") || "";
    var to = form.getAttribute("data-to");
    var text = form.querySelector("textarea");
    var box = form.querySelector(".verdict");
    var timer = null, asked = 0, controller = null, again = null;
    function ask() {
      clearTimeout(again);
      var mine = ++asked;
      if (controller) controller.abort();
      controller = "AbortController" in window ? new AbortController() : null;
      box.setAttribute("aria-busy", "true");
      fetch("/live/why", {
        method: "POST",
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined,
        headers: { "X-Sendable-CSRF": csrf, "Content-Type": "application/json" },
        body: JSON.stringify({ to: to, text: text.value })
      }).then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      }).then(function (reply) {
        if (mine !== asked) return;
        box.removeAttribute("aria-busy");
        if (reply.ok) {
          renderVerdict(box, reply.body, to);
          allowSend(form, reply.body.sendable);
          var waits = (reply.body.reasons || []).map(function (r) { return r.retry_after || 0; });
          var longest = Math.max.apply(null, [0].concat(waits));
          if (!reply.body.sendable && longest) again = setTimeout(ask, longest * 1000 + 500);
        } else {
          box.className = "verdict bad";
          box.textContent = (reply.body.error && reply.body.error.message) || "Couldn't check this message.";
          allowSend(form, true);
        }
      }).catch(function (err) {
        if (err && err.name === "AbortError") return;
        if (mine !== asked) return;
        box.removeAttribute("aria-busy");
        box.className = "verdict";
        box.textContent = "Couldn't check right now; you can still send and you'll see the answer.";
        allowSend(form, true);
      });
    }
    form.sendableCheck = ask;  // outbox.js asks again after a send
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

  function messageItem(m, mine) {
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
    return item;
  }

  function setupLive(view) {
    var other = view.getAttribute("data-with");
    var me = view.getAttribute("data-me");
    var list = document.getElementById("messages");
    var history = document.getElementById("history");
    var token = window.sendable.signedIn();  // the API takes the page's cookie and CSRF token
    var readSent = 0, unreadSeq = 0;

    function atBottom() {
      return history.scrollHeight - history.scrollTop - history.clientHeight < 40;
    }
    function toBottom() { history.scrollTop = history.scrollHeight; }

    /* Put a message in seq order (once: the stream and a send's answer both bring it). */
    function add(m, mine) {
      if (list.querySelector('li[data-seq="' + m.seq + '"]')) return false;
      var follow = mine || atBottom();
      var item = messageItem(m, mine);
      var after = null;
      list.querySelectorAll("li[data-seq]").forEach(function (li) {
        if (Number(li.getAttribute("data-seq")) > m.seq && !after) after = li;
      });
      list.insertBefore(item, after);
      var empty = document.getElementById("no-messages");
      if (empty) empty.remove();
      if (m.conversation_id && !view.getAttribute("data-conversation")) {
        view.setAttribute("data-conversation", m.conversation_id);
      }
      if (follow) toBottom();
      if (!mine) { unreadSeq = Math.max(unreadSeq, m.seq); markRead(); }
      return true;
    }

    /* What arrives while the page is in view has been seen. */
    function markRead() {
      var id = view.getAttribute("data-conversation");
      if (!id || !token || unreadSeq <= readSent || document.visibilityState !== "visible") return;
      readSent = unreadSeq;
      window.sendable.api("/v1/conversations/" + id + "/read", {
        method: "POST", json: { seq: readSent }
      }).catch(function () { readSent = 0; });
    }
    document.addEventListener("visibilitychange", markRead);

    /* Earlier history: scrolling to the top (or the link) loads the page before. */
    var loading = false;
    function loadEarlier(e) {
      var link = document.getElementById("earlier");
      var id = view.getAttribute("data-conversation");
      if (!link || !id || !token || loading) return;
      if (e) e.preventDefault();
      var first = list.querySelector("li[data-seq]");
      if (!first) return;
      loading = true;
      history.setAttribute("aria-busy", "true");
      var size = Number(view.getAttribute("data-page-size")) || 50;
      var url = "/v1/conversations/" + id + "/messages?limit=" + size +
                "&before_seq=" + first.getAttribute("data-seq");
      window.sendable.api(url)
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (!body) return;
          var height = history.scrollHeight, top = history.scrollTop;
          var block = document.createDocumentFragment();
          body.messages.forEach(function (m) { block.appendChild(messageItem(m, m.from === me)); });
          list.insertBefore(block, list.firstChild);
          history.scrollTop = top + (history.scrollHeight - height);  // stay where you were
          if (body.messages.length < size) link.parentNode.remove();
          else link.href = "?before=" + body.messages[0].seq;
          window.sendable.announce(body.messages.length + " earlier message" +
                                   (body.messages.length === 1 ? "" : "s") + " loaded.");
        })
        .catch(function () {})
        .then(function () { loading = false; history.removeAttribute("aria-busy"); });
    }
    var earlierLink = document.getElementById("earlier");
    if (earlierLink) earlierLink.addEventListener("click", loadEarlier);
    history.addEventListener("scroll", function () { if (history.scrollTop < 60) loadEarlier(); });
    toBottom();  // a conversation opens at its newest message

    document.addEventListener("sendable:event", function (e) {
      var event = e.detail, p = event.payload || {};
      if ((event.kind !== "message" && event.kind !== "request") || !p.message) return;
      if (p.from !== other && p.to !== other) return;
      add(Object.assign({ text: p.message.text }, p.message), p.from === me);
    });
    window.sendable.conversation = { add: add, other: other, me: me, view: view };
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("composer");
    if (form && window.sendable.meta("sendable-live")) setupComposer(form);
    var view = document.querySelector(".conversation-view");
    if (view) setupLive(view);
  });
})();
