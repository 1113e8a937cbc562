/* The outbox: a message is kept in this browser (localStorage) until the server has it.
 *
 * The composer sends with POST /v1/messages and a client_msg_id made here, as the SDK
 * does (a random UUID, hex). The message is saved before the first try; if the server
 * can't be reached (offline, a dropped answer, 5xx, a throttle without reasons) it stays
 * saved, shows as "waiting to send", and is sent again with the same client_msg_id when
 * the connection returns (the browser's `online`, the live stream reconnecting, a
 * timer, the next page). The server stores a repeated client_msg_id once, so a send
 * whose answer was lost is never doubled. A refusal takes it out of the outbox and puts
 * the text back in the composer with every reason. Text being typed is kept as a draft
 * per conversation, so a failed page load or a reload loses nothing either.
 */
(function () {
  "use strict";

  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute("content") : null;
  }
  var me = meta("sendable-me");
  var KEY = "sendable-outbox:" + me, DRAFT = "sendable-draft:" + me + ":";

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }
  function load() {
    var s = store();
    try { return s ? JSON.parse(s.getItem(KEY) || "[]") : []; } catch (e) { return []; }
  }
  function save(items) {
    var s = store();
    if (s) s.setItem(KEY, JSON.stringify(items));
  }
  function remove(id) { save(load().filter(function (i) { return i.client_msg_id !== id; })); }
  function update(id, fields) {
    save(load().map(function (i) { return i.client_msg_id === id ? Object.assign(i, fields) : i; }));
  }

  function newId() {  // as the SDK's: uuid4, 32 hex digits
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  /* One try: stored | refused (reasons) | rejected (a bad request) | queued (try again). */
  function post(item) {
    return window.sendable.api("/v1/messages", {
      method: "POST",
      json: { to: item.to, text: item.text, client_msg_id: item.client_msg_id }
    }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (body) {
        if (r.status === 201 && body && body.message) return { state: "stored", body: body };
        if (r.status >= 400 && r.status < 500 && body && body.reasons) return { state: "refused", body: body };
        if (r.status === 401) return { state: "queued", why: "signed out" };
        if (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429) {
          return { state: "rejected", body: body };
        }
        return { state: "queued", why: "server " + r.status };
      });
    }, function () { return { state: "queued", why: "unreachable" }; });
  }

  function tell(item, result) {
    document.dispatchEvent(new CustomEvent("sendable:outbox", { detail: { item: item, result: result } }));
  }

  var inflight = {};  // client_msg_id -> true while a try is on the wire
  function deliver(item) {
    inflight[item.client_msg_id] = true;
    return post(item).then(function (result) {
      delete inflight[item.client_msg_id];
      if (result.state === "queued") update(item.client_msg_id, { tries: (item.tries || 0) + 1 });
      else remove(item.client_msg_id);
      tell(item, result);
      return result;
    });
  }

  /* Every waiting message of this account, oldest first; stops at the first that stays
     queued (the rest would meet the same network), so their order is kept. */
  var flushing = false, retryTimer = null, delay = 2000;
  function flush() {
    if (flushing || !window.sendable.signedIn()) return;
    var items = load().filter(function (i) { return !inflight[i.client_msg_id]; });
    if (!items.length) return;
    flushing = true;
    clearTimeout(retryTimer);
    var chain = Promise.resolve(true);
    items.forEach(function (item) {
      chain = chain.then(function (go) {
        return go ? deliver(item).then(function (r) { return r.state !== "queued"; }) : false;
      });
    });
    chain.then(function (all) {
      flushing = false;
      if (all) { delay = 2000; return; }
      retryTimer = setTimeout(flush, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }
  window.addEventListener("online", function () { delay = 2000; flush(); });
  document.addEventListener("sendable:live", flush);

  /* -- the conversation page's composer -------------------------------------------- */
  var WORDS = {
    delivered: "Sent.",
    requested: "Sent as a message request: they see it once they accept it.",
    held: "Held for review: a moderator will look at it before it is delivered."
  };

  var el = window.sendable.el;  // app.js

  function notice(text) {
    var main = document.getElementById("main");
    var box = main.querySelector(".notice");
    if (!box) {
      box = el("p", "notice");
      box.setAttribute("role", "status");
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = text;
  }

  function showRefusal(form, reasons) {
    var old = document.getElementById("refusal");
    if (old) old.remove();
    var panel = el("section", "refusal");
    panel.id = "refusal";
    panel.tabIndex = -1;
    panel.setAttribute("aria-labelledby", "refusal-title");
    var title = el("h2", null, "Not sent");
    title.id = "refusal-title";
    panel.appendChild(title);
    var list = el("ul", "reasons");
    reasons.forEach(function (r) {
      /* Something to appeal has its own form on the standing page (reasonItem links it). */
      var item = window.sendable.reasonItem(r, "If you think this is a mistake: ",
                                            "button appeal-link");
      if (r.appealable && !r.appeal_target) {
        var appeal = el("p", "appealable", "This decision can be appealed: see ");
        var link = el("a", null, "your account standing");
        link.href = "/standing";
        appeal.appendChild(link);
        appeal.appendChild(document.createTextNode("."));
        item.appendChild(appeal);
      }
      list.appendChild(item);
    });
    panel.appendChild(list);
    form.parentNode.insertBefore(panel, form);
    window.sendable.startCountdowns(panel);
    panel.focus();
  }

  function pendingItem(item) {
    var li = el("li", "message mine waiting");
    li.setAttribute("data-client-msg-id", item.client_msg_id);
    li.appendChild(el("p", "text", item.text));
    var line = el("p", "meta");
    line.appendChild(el("span", "tag", "Not sent yet: it will be sent when the connection returns"));
    li.appendChild(line);
    return li;
  }

  function setupSending(form) {
    var view = document.querySelector(".conversation-view");
    var to = form.getAttribute("data-to");
    var text = form.querySelector("textarea");
    var pending = document.getElementById("pending");
    var draftKey = DRAFT + to.toLowerCase();
    var s = store();

    // A draft survives a reload or a failed page; the server's re-render (after a
    // refusal without script) already carries the text.
    if (s && !text.value && s.getItem(draftKey)) text.value = s.getItem(draftKey);
    text.addEventListener("input", function () {
      if (!s) return;
      if (text.value) s.setItem(draftKey, text.value); else s.removeItem(draftKey);
    });

    function waiting(item) {
      if (!pending.querySelector('[data-client-msg-id="' + item.client_msg_id + '"]')) {
        pending.appendChild(pendingItem(item));
      }
    }
    load().forEach(function (item) { if (item.to.toLowerCase() === to.toLowerCase()) waiting(item); });

    document.addEventListener("sendable:outbox", function (e) {
      var item = e.detail.item, result = e.detail.result;
      if (item.to.toLowerCase() !== to.toLowerCase()) return;
      var shown = pending.querySelector('[data-client-msg-id="' + item.client_msg_id + '"]');
      if (result.state === "queued") {
        waiting(item);
        if (item.fresh) {
          text.value = "";
          if (s) s.removeItem(draftKey);
          window.sendable.announce("You're offline. Your message is kept and will be sent when the connection returns.");
          notice("Not sent yet: the server can't be reached. Your message is kept in this browser and will be sent when the connection returns.");
        }
        return;
      }
      if (shown) shown.remove();
      if (result.state === "stored") {
        var m = Object.assign({ text: item.text }, result.body.message);
        if (window.sendable.conversation) window.sendable.conversation.add(m, true);
        var words = WORDS[m.outcome] || "Sent.";
        var banner = document.getElementById("request-banner");
        if (banner && m.outcome === "delivered") {
          words = "Reply sent. Replying accepted the request: the conversation is in your inbox " +
                  "and they can write to you freely.";
          banner.remove();
          var hint = document.getElementById("reply-accepts");
          if (hint) hint.remove();
          text.setAttribute("aria-describedby", "verdict");
          form.querySelector("label[for=text]").textContent = "Message to @" + to;
          form.querySelector("button[type=submit]").textContent = "Send";
        }
        if (!item.fresh) words = "Your waiting message to @" + to + " was sent.";
        notice(words);
        window.sendable.announce(words);
        if (item.fresh) { text.value = ""; if (s) s.removeItem(draftKey); }
        var old = document.getElementById("refusal");
        if (old) old.remove();
      } else {  // refused or rejected: the text goes back where it was typed
        if (!text.value) text.value = item.text;
        if (s) s.setItem(draftKey, text.value);
        if (result.state === "refused") {
          showRefusal(form, result.body.reasons);
        } else {
          var error = (result.body && result.body.error && result.body.error.message) || "it could not be sent";
          notice("Not sent: " + error + ". Your text is still in the box.");
        }
      }
      if (form.sendableCheck) form.sendableCheck();
    });

    form.addEventListener("submit", function (e) {
      if (!text.value.trim()) return;  // the browser says the field is required
      e.preventDefault();
      var item = { client_msg_id: newId(), to: to, text: text.value, from: me,
                   queued_at: new Date().toISOString(), tries: 0 };
      var items = load();
      items.push(item);
      save(items);  // kept before the first try, as the SDK does
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      deliver(Object.assign({ fresh: true }, item)).then(function () {
        button.disabled = form.getAttribute("data-sendable") === "no";
        flush();  // anything older still waiting
      });
    });
    if (view) view.setAttribute("data-outbox", "ready");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("composer");
    if (form && window.sendable.signedIn()) setupSending(form);
    flush();
  });
})();
