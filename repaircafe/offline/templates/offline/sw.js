/* The tablet's service worker: pages network first with the last copy as fallback, scripts and
 * stylesheets from a cache named after their version. Writes are not touched here: the pages
 * queue them (static/js/offline.js). */
"use strict";

var VERSION = {{ version|tojson }};
var ASSETS_CACHE = "repaircafe-assets-" + VERSION;
var PAGES_CACHE = "repaircafe-pages";
var ASSETS = {{ assets|tojson }};
var STATIC_PREFIX = {{ static_prefix|tojson }};
var PAGES = {{ pages|tojson }};
var LOGOUT = {{ logout|tojson }};
var NOT_KEPT = {{ _("This page is not on this tablet yet: it opens once the network is back. Pages opened while online (scan, intake, the bench, the board) keep working offline.")|tojson }};
var NOT_KEPT_TITLE = {{ _("Offline")|tojson }};
var BACK = {{ _("Back")|tojson }};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(ASSETS_CACHE).then(function (cache) {
    return cache.addAll(ASSETS);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("repaircafe-assets-") === 0 && name !== ASSETS_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function kept(path) {
  return PAGES.some(function (prefix) { return path.indexOf(prefix) === 0; });
}

function escapeHtml(text) {
  return text.replace(/[&<>"]/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
  });
}

function notKept() {
  var html = "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width, initial-scale=1'>" +
    "<title>" + escapeHtml(NOT_KEPT_TITLE) + "</title><link rel=stylesheet href='" + STATIC_PREFIX + "app.css'>" +
    "<main class=page><section class=card><h1>" + escapeHtml(NOT_KEPT_TITLE) + "</h1><p class=lead>" +
    escapeHtml(NOT_KEPT) + "</p><p><a class=btn href='" + PAGES[0] + "'>" + escapeHtml(BACK) + "</a></p></section></main>";
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

function networkFirst(request) {
  return fetch(request).then(function (response) {
    if (response.status === 200 && response.type === "basic" && !response.redirected) {
      var copy = response.clone();
      caches.open(PAGES_CACHE).then(function (cache) { return cache.put(request.url, copy); });
    }
    return response;
  }, function () {
    return caches.open(PAGES_CACHE).then(function (cache) {
      return cache.match(request.url).then(function (found) {
        // The scan and intake pages answer with their own page whatever the query; offline,
        // the page reads the query itself (a scanned code, a label to register).
        return found || cache.match(request.url, { ignoreSearch: true }).then(function (any) {
          var path = new URL(request.url).pathname;
          return (any && (path === PAGES[0] || path === PAGES[1])) ? any : notKept();
        });
      });
    });
  });
}

function assetFirst(request) {
  return caches.open(ASSETS_CACHE).then(function (cache) {
    return cache.match(request, { ignoreSearch: true }).then(function (found) {
      return found || fetch(request).then(function (response) {
        if (response.ok) { cache.put(request, response.clone()); }
        return response;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && url.pathname === LOGOUT) {
    // Kept pages show owners' contact details: they leave the tablet with the volunteer.
    event.waitUntil(caches.delete(PAGES_CACHE));
    return;
  }
  if (request.method !== "GET") { return; }
  if (url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(assetFirst(request));
  } else if (request.mode === "navigate" && kept(url.pathname)) {
    event.respondWith(networkFirst(request));
  } else if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(notKept));
  }
});
