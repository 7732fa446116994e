/* When the network drops: pages come from the service worker (/sw.js), and the writes typed
 * meanwhile are kept in IndexedDB, shown as "not sent yet" and sent in the order they were made
 * once the server answers again. Label codes typed offline are checked here with the same check
 * character as repaircafe/domain/codes.py. Forms opt in with data-offline="intake|bench". */
(function () {
  "use strict";

  // Label codes: 8 Crockford base32 characters and a check character over GF(32).
  var ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  var CODE_LENGTH = 9;
  var EXP = [];
  var LOG = {};
  (function () {
    var x = 1;
    for (var i = 0; i < 31; i++) {
      EXP.push(x);
      LOG[x] = i;
      x <<= 1;
      if (x & 32) { x ^= 37; }
    }
  }());

  function mul(a, b) {
    return (a === 0 || b === 0) ? 0 : EXP[(LOG[a] + LOG[b]) % 31];
  }

  function checkCharacter(data) {
    var total = 0;
    for (var p = 0; p < data.length; p++) {
      total ^= mul(EXP[(p + 1) % 31], ALPHABET.indexOf(data.charAt(p)));
    }
    return ALPHABET.charAt(total);
  }

  function normalise(text) {
    return text.trim().replace(/[\s\-_.]/g, "").toUpperCase()
      .replace(/[IL]/g, "1").replace(/O/g, "0");
  }

  function extract(text) {
    var stripped = text.trim();
    var match = /\/i\/([^/?#]+)\/?(?:[?#].*)?$/i.exec(stripped);
    return match ? match[1] : stripped;
  }

  /* {code} for a good code, else {error: "empty"|"invalid"|"length"|"typo"} with details. */
  function parse(text) {
    var candidate = normalise(extract(text));
    if (!candidate) { return { error: "empty" }; }
    var bad = [];
    Array.from(candidate).forEach(function (ch) {
      if (ALPHABET.indexOf(ch) < 0 && bad.indexOf(ch) < 0) { bad.push(ch); }
    });
    if (bad.length) { return { error: "invalid", bad: bad.sort().join("") }; }
    if (candidate.length !== CODE_LENGTH) { return { error: "length", count: candidate.length }; }
    if (checkCharacter(candidate.slice(0, -1)) !== candidate.slice(-1)) {
      return { error: "typo", code: display(candidate) };
    }
    return { code: candidate };
  }

  function display(code) {
    return code.length === CODE_LENGTH ? code.slice(0, 4) + "-" + code.slice(4, 8) + "-" + code.slice(8) : code;
  }

  var codes = { checkCharacter: checkCharacter, normalise: normalise, extract: extract, parse: parse, display: display };
  window.repaircafeCodes = codes;

  var badge = document.querySelector("[data-offline-badge]");
  if (!badge || !("indexedDB" in window)) { return; }
  var me = badge.getAttribute("data-offline-user");
  var stateUrl = badge.getAttribute("data-offline-state-url");
  var loginPath = badge.getAttribute("data-offline-login");
  var panel = document.querySelector("[data-offline-queue]");
  var messagesNode = document.getElementById("offline-messages");
  var T = messagesNode ? JSON.parse(messagesNode.textContent) : {};

  function say(name, values) {
    return (T[name] || name).replace(/%\((\w+)\)s/g, function (_all, key) {
      return values && key in values ? values[key] : "";
    });
  }

  if ("serviceWorker" in navigator && badge.getAttribute("data-offline-worker")) {
    navigator.serviceWorker.register(badge.getAttribute("data-offline-worker"), { scope: "/" })
      .catch(function () {});
  }

  // The queue: one IndexedDB database, the writes in the order they were made.
  var dbPromise = null;

  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open("repaircafe-offline", 1);
        request.onupgradeneeded = function () {
          var base = request.result;
          base.createObjectStore("queue", { keyPath: "id", autoIncrement: true });
          base.createObjectStore("used", { keyPath: "key" });
          base.createObjectStore("codes", { keyPath: "code" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function store(name, mode, work) {
    return db().then(function (base) {
      return new Promise(function (resolve, reject) {
        var tx = base.transaction(name, mode);
        var result = work(tx.objectStore(name));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function allEntries() {
    return store("queue", "readonly", function (s) { return s.getAll(); }).then(function (rows) {
      return rows.sort(function (a, b) { return a.id - b.id; });
    });
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }

  // Sending: the server is asked who is signed in and for a fresh form token first.
  var syncing = false;
  var signedOut = false;

  function withTimeout(ms) {
    var controller = new AbortController();
    window.setTimeout(function () { controller.abort(); }, ms);
    return controller.signal;
  }

  function askState() {
    return fetch(stateUrl, { cache: "no-store", credentials: "same-origin", signal: withTimeout(4000) })
      .then(function (response) {
        if (response.status === 401) { return { signedIn: false }; }
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json().then(function (data) {
          return { signedIn: true, user: String(data.user), token: data.csrf_token };
        });
      });
  }

  function judge(entry, response) {
    if (response.status === 429 || response.status === 502 || response.status === 503 || response.status === 504) {
      return Promise.resolve({ retry: true });
    }
    if (new URL(response.url).pathname === loginPath) {
      signedOut = true;
      return Promise.resolve({ retry: true });
    }
    return response.text().then(function (html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      // Saved means answered with a redirect to the next page; a form that comes back (a
      // refusal, or a question such as a doubtful weight) was not saved.
      var error = page.querySelector("[data-form-error], [data-field-error], .flash.error, main [role=alert]");
      if (response.ok && response.redirected && !error) { return { ok: true }; }
      var lead = page.querySelector("main .lead");
      var text = error ? error.textContent : (lead ? lead.textContent : String(response.status));
      return { ok: false, message: text.replace(/\s+/g, " ").trim() };
    });
  }

  function send(entry, token) {
    var body = new URLSearchParams();
    entry.fields.forEach(function (pair) {
      body.append(pair[0], pair[0] === "csrf_token" ? token : pair[1]);
    });
    return fetch(entry.action, { method: "POST", body: body, credentials: "same-origin", redirect: "follow" })
      .then(function (response) { return judge(entry, response); });
  }

  function sync() {
    if (syncing) { return Promise.resolve(); }
    syncing = true;
    var run = function () {
      return allEntries().then(function (entries) {
        var waiting = entries.filter(function (e) { return e.status === "pending" && e.user === me; });
        if (!waiting.length) { return null; }
        return askState().then(function (state) {
          setReachable(true);
          signedOut = !state.signedIn;
          if (!state.signedIn || state.user !== me) { return null; }
          var next = function (i) {
            if (i >= waiting.length) { return null; }
            var entry = waiting[i];
            return send(entry, state.token).then(function (outcome) {
              if (outcome.retry) { return null; }
              if (outcome.ok) {
                return store("queue", "readwrite", function (s) { s.delete(entry.id); })
                  .then(function () { return next(i + 1); });
              }
              entry.status = "failed";
              entry.message = outcome.message;
              return store("queue", "readwrite", function (s) { s.put(entry); })
                .then(function () { return next(i + 1); });
            });
          };
          return next(0);
        });
      }).catch(function () { setReachable(false); });
    };
    var done = function () { syncing = false; return render(); };
    // One tab sends at a time, so two open tabs cannot send the same queue out of order.
    var locked = navigator.locks
      ? navigator.locks.request("repaircafe-offline-sync", run)
      : run();
    return locked.then(done, done);
  }

  // What the volunteer sees: the header badge and the list of writes not sent yet.
  var reachable = true;

  function setReachable(value) {
    reachable = value;
    badge.classList.toggle("is-offline", !value);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function when(iso) {
    var moment = new Date(iso);
    return moment.toLocaleDateString(document.documentElement.lang || undefined, { day: "numeric", month: "short" }) +
      " " + moment.toLocaleTimeString(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit" });
  }

  function entryRow(entry) {
    var row = el("li", { "class": "offline-entry " + entry.status, "data-offline-entry": entry.status });
    row.appendChild(el("span", { "class": "offline-tag" }, entry.status === "failed" ? say("refused") : say("not_sent")));
    row.appendChild(el("strong", {}, entry.title));
    row.appendChild(el("span", { "class": "muted small" }, " · " + when(entry.occurredAt)));
    if (entry.status === "failed") {
      row.appendChild(el("p", { "class": "offline-message", "data-offline-message": "" }, entry.message || ""));
      var actions = el("p", { "class": "offline-actions" });
      actions.appendChild(el("a", { "class": "btn", href: entry.place, "data-offline-place": "" },
        entry.kind === "intake" ? say("open_form") : say("open_object")));
      var dismiss = el("button", { "class": "btn", type: "button", "data-offline-dismiss": String(entry.id) }, say("dismiss"));
      actions.appendChild(dismiss);
      row.appendChild(actions);
    } else if (entry.user !== me) {
      row.appendChild(el("p", { "class": "muted small" }, say("other_user")));
    }
    return row;
  }

  function render() {
    return allEntries().then(function (entries) {
      var pending = entries.filter(function (e) { return e.status === "pending"; });
      var failed = entries.filter(function (e) { return e.status === "failed"; });
      badge.hidden = entries.length === 0 && reachable;
      badge.querySelector("[data-offline-status]").hidden = reachable;
      badge.querySelector("[data-offline-waiting]").hidden = pending.length === 0;
      badge.querySelector("[data-offline-count]").textContent = String(pending.length);
      badge.querySelector("[data-offline-refused]").hidden = failed.length === 0;
      badge.querySelector("[data-offline-refused-count]").textContent = String(failed.length);
      var sentNotice = document.querySelector("[data-offline-notice=info]");
      if (sentNotice && pending.length === 0) { sentNotice.remove(); }
      badge.classList.toggle("has-failed", failed.length > 0);
      badge.setAttribute("data-offline-pending", String(pending.length));
      if (!panel) { return; }
      panel.hidden = entries.length === 0;
      panel.replaceChildren();
      var summary = el("h2", {}, say("heading", { pending: pending.length, failed: failed.length }));
      panel.appendChild(summary);
      if (failed.length) { panel.appendChild(el("p", {}, say("failed_help"))); }
      if (signedOut && pending.length) { panel.appendChild(el("p", { "class": "flash error" }, say("signed_out"))); }
      var list = el("ol", { "class": "offline-list" });
      entries.forEach(function (entry) { list.appendChild(entryRow(entry)); });
      panel.appendChild(list);
    });
  }

  if (panel) {
    panel.addEventListener("click", function (event) {
      var button = event.target.closest("[data-offline-dismiss]");
      if (!button) { return; }
      var id = Number(button.getAttribute("data-offline-dismiss"));
      store("queue", "readwrite", function (s) { s.delete(id); }).then(render);
    });
  }

  // Forms: online and nothing waiting, a form is sent as usual; otherwise it joins the queue.
  // A form opts in itself (data-offline), or through a container whose forms are redrawn by
  // its own script (data-offline-forms, the board's cards).
  function offlineKind(form) {
    if (form.hasAttribute("data-offline")) { return form.getAttribute("data-offline"); }
    var box = form.method === "post" ? form.closest("[data-offline-forms]") : null;
    return box ? box.getAttribute("data-offline-forms") : null;
  }

  function notice(form, kind, text) {
    var old = document.querySelector("[data-offline-notice]");
    if (old) { old.remove(); }
    var box = el("div", { "class": "flash " + kind, role: kind === "error" ? "alert" : "status", "data-offline-notice": kind }, text);
    if (kind === "error") {
      form.insertBefore(box, form.firstChild);
    } else {
      var main = document.querySelector("main") || document.body;
      main.insertBefore(box, main.firstChild);
    }
    box.scrollIntoView({ block: "center" });
  }

  function mustQueue() {
    if (!navigator.onLine) { return Promise.resolve(true); }
    return allEntries().then(function (entries) {
      // Earlier writes still waiting go first: this one waits behind them.
      if (entries.some(function (e) { return e.status === "pending" && e.user === me; })) { return true; }
      return askState().then(function (state) {
        setReachable(true);
        return !state.signedIn;
      }, function () { setReachable(false); return true; });
    });
  }

  function labelProblem(form) {
    var name = form.getAttribute("data-offline-label");
    if (!name) { return null; }
    var input = form.elements[name];
    var value = input.value;
    if (!value.trim()) {
      return offlineKind(form) === "intake" ? say("label_needed") : say("new_label_needed");
    }
    var parsed = parse(value);
    if (parsed.error) { return say("code_" + parsed.error, { text: value.trim(), bad: parsed.bad, count: parsed.count, code: parsed.code }); }
    input.value = display(parsed.code);
    return null;
  }

  function releaseButtons(form) {
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
    }, 0);
  }

  function queueForm(form, submitter) {
    var problem = labelProblem(form);
    if (problem) {
      notice(form, "error", problem);
      releaseButtons(form);
      return Promise.resolve();
    }
    var data = new FormData(form, submitter || undefined);
    var fields = [];
    data.forEach(function (value, name) {
      if (typeof value === "string" && name !== "occurred_at") { fields.push([name, value]); }
    });
    var occurredAt = new Date().toISOString();
    fields.push(["occurred_at", occurredAt]);
    // Each write is recorded once under its key; a form without one gets one here.
    if (!data.get("key")) { fields.push(["key", newKey()]); }
    var label = form.getAttribute("data-offline-label");
    var code = label ? parse(form.elements[label].value).code : null;
    var button = submitter || form.querySelector("button[type=submit]");
    var kind = offlineKind(form);
    // The object's page: the action's address without its last step (/bench/7/diagnosis).
    var place = kind === "intake" ? null : new URL(form.action).pathname.replace(/\/[^/]+\/?$/, "");
    var entry = {
      kind: kind, action: form.action, fields: fields,
      key: fields.filter(function (pair) { return pair[0] === "key"; })[0][1],
      title: document.title.split(" · ")[0] + " — " + (button ? button.textContent.trim() : "") +
        (code ? " (" + display(code) + ")" : ""),
      place: place, occurredAt: occurredAt, user: me, status: "pending", message: ""
    };
    return store("queue", "readwrite", function (s) { return s.add(entry); }).then(function (id) {
      if (kind === "intake") {
        return store("queue", "readwrite", function (s) {
          entry.id = id;
          entry.place = window.location.pathname + "?restore=" + id;
          s.put(entry);
        });
      }
      return null;
    }).then(function () {
      return store("used", "readwrite", function (s) { s.put({ key: entry.key }); });
    }).then(function () {
      form.reset();
      if (form.elements.key) { form.elements.key.value = newKey(); }
      var details = form.closest("details.action");
      if (details) { details.open = false; }
      releaseButtons(form);
      notice(form, "info", say("queued"));
      form.dispatchEvent(new Event("change", { bubbles: true }));
      return render();
    }).then(function () { window.setTimeout(sync, 0); });
  }

  // Listening on the document, after the page's own handlers: a submit they stopped stays stopped.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement) || !offlineKind(form)) { return; }
    event.preventDefault();
    var submitter = event.submitter;
    mustQueue().then(function (queue) {
      if (queue) { return queueForm(form, submitter); }
      if (submitter && submitter.name) {
        form.appendChild(el("input", { type: "hidden", name: submitter.name, value: submitter.value }));
      }
      form.submit();
      return null;
    }).catch(function () { queueForm(form, submitter); });
  });

  // A page shown from the tablet's copy: keys already used get fresh ones, a scanned code is
  // checked here, a label to register or a refused intake is filled in again.
  function freshKeys() {
    var inputs = Array.from(document.querySelectorAll("form[data-offline] input[name=key]"));
    return Promise.all(inputs.map(function (input) {
      return store("used", "readonly", function (s) { return s.get(input.value); }).then(function (used) {
        if (used) { input.value = newKey(); }
      });
    }));
  }

  function rememberCode() {
    var form = document.querySelector("form[data-offline-code]");
    if (!form) { return Promise.resolve(); }
    var code = form.getAttribute("data-offline-code");
    if (!code) { return Promise.resolve(); }
    return store("codes", "readwrite", function (s) { s.put({ code: code, url: window.location.pathname }); });
  }

  function scanOffline() {
    var form = document.querySelector("[data-scan-form]");
    var text = new URLSearchParams(window.location.search).get("code");
    if (!form || !text || document.querySelector("[data-scan-result]")) { return Promise.resolve(); }
    var parsed = parse(text);
    var show = function (heading, body, link) {
      var box = el("section", { "class": "card result", role: "alert", "data-scan-result": "offline" });
      box.appendChild(el("h2", {}, heading));
      box.appendChild(el("p", {}, body));
      if (link) { box.appendChild(el("a", { "class": "btn primary big", href: link[0] }, link[1])); }
      form.closest("section").before(box);
    };
    if (parsed.error) {
      show(say(parsed.error === "typo" ? "typo_heading" : "invalid_heading"),
           say("code_" + parsed.error, { text: text.trim(), bad: parsed.bad, count: parsed.count, code: parsed.code }));
      return Promise.resolve();
    }
    return store("codes", "readonly", function (s) { return s.get(parsed.code); }).then(function (known) {
      if (known) { window.location.replace(known.url); return; }
      show(say("unknown_heading", { code: display(parsed.code) }), say("unknown_offline"),
           [badge.getAttribute("data-offline-intake") + "?code=" + parsed.code, say("register_blank")]);
    });
  }

  function refill() {
    var form = document.querySelector("form[data-offline=intake]");
    if (!form) { return Promise.resolve(); }
    var params = new URLSearchParams(window.location.search);
    var label = form.elements[form.getAttribute("data-offline-label")];
    if (params.get("code") && label && !label.value) { label.value = display(normalise(extract(params.get("code")))); }
    var restore = Number(params.get("restore"));
    if (!restore) { return Promise.resolve(); }
    return store("queue", "readonly", function (s) { return s.get(restore); }).then(function (entry) {
      if (!entry) { return; }
      entry.fields.forEach(function (pair) {
        if (["csrf_token", "key", "occurred_at", "repair_session_id"].indexOf(pair[0]) >= 0) { return; }
        Array.from(form.querySelectorAll("[name='" + pair[0] + "']")).forEach(function (input) {
          if (input.type === "radio" || input.type === "checkbox") {
            input.checked = input.value === pair[1];
          } else {
            input.value = pair[1];
          }
        });
      });
      notice(form, "error", entry.message || say("refused"));
    });
  }

  window.addEventListener("online", function () { sync(); });
  window.setInterval(function () {
    if (badge.getAttribute("data-offline-pending") !== "0") { sync(); }
  }, 5000);
  // Whether the server answers, so the badge can say "Offline" even with nothing waiting.
  function probe() {
    return askState().then(function () { setReachable(true); }, function () { setReachable(false); })
      .then(render);
  }

  window.addEventListener("offline", function () { setReachable(false); render(); });
  Promise.all([freshKeys(), rememberCode(), scanOffline(), refill()])
    .catch(function () {})
    .then(render)
    .then(function () {
      return badge.getAttribute("data-offline-pending") === "0" ? probe() : sync();
    });
}());
