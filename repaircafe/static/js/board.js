/* The live board: asks for the board's state every 2.5 s (a 304 while nothing changed) and
 * redraws the columns, the waiting queue oldest first with its waiting time and an "I'm taking
 * this one" button. Text only goes in through textContent, never as HTML. */
(function () {
  "use strict";
  var POLL_MS = 2500;
  var board = document.querySelector("[data-board]");
  if (!board) { return; }
  var status = document.querySelector("[data-board-status]");
  var url = board.getAttribute("data-state-url");
  var version = board.getAttribute("data-version");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function card(c) {
    var li = el("li");
    var a = el("a", "card-link");
    a.href = c.url;
    a.setAttribute("data-item", c.id);
    a.append(el("span", "code", c.code), el("strong", "", c.category),
             el("span", "muted", (c.brand + " " + c.model).trim()),
             el("span", "state s-" + c.state, c.state_label));
    if (c.waited) {
      var waited = el("span", "waited", c.waited);
      waited.setAttribute("data-waited", "");
      a.append(waited);
    }
    li.append(a);
    if (c.take_url) {
      var form = el("form", "take");
      form.method = "post";
      form.action = c.take_url;
      var token = el("input");
      token.type = "hidden";
      token.name = "csrf_token";
      token.value = board.getAttribute("data-csrf");
      var button = el("button", "btn small-btn", board.getAttribute("data-take-label"));
      button.type = "submit";
      form.append(token, button);
      li.append(form);
    }
    return li;
  }

  function draw(data) {
    Object.keys(data.columns).forEach(function (name) {
      var list = board.querySelector('[data-cards="' + name + '"]');
      list.replaceChildren.apply(list, data.columns[name].map(card));
      board.querySelector('[data-count="' + name + '"]').textContent = data.counts[name];
    });
    version = data.version;
    board.setAttribute("data-version", version);
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-cache",
                 headers: version ? { "If-None-Match": '"' + version + '"' } : {} })
      .then(function (r) {
        if (r.status === 304) { return null; }
        if (!r.ok) { throw new Error(String(r.status)); }
        return r.json();
      })
      .then(function (data) {
        if (data) { draw(data); }
        status.textContent = board.getAttribute("data-msg-live");
      })
      .catch(function () { status.textContent = board.getAttribute("data-msg-stale"); })
      .then(function () { window.setTimeout(poll, POLL_MS); });
  }
  status.textContent = board.getAttribute("data-msg-live");
  window.setTimeout(poll, POLL_MS);
}());
