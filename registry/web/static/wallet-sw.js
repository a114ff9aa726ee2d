// The officer's wallet offline: a copy of this officer's own page, its QR codes, its full-screen
// QR views and its style sheet, kept so the QR code shows with no signal. Served from
// /wallet/{key}/sw.js and registered with the scope /wallet/{key}: it sees no other officer's
// page and no console, and it keeps nothing else. Online, the network always answers first.
"use strict";

var SCOPE = new URL(self.registration.scope).pathname.replace(/\/$/, "");
var CACHE = "wallet-1:" + SCOPE;
var QR = /^\/c\/[0-9A-Z]+\/qr\.svg$/;

function ours(url) {
  if (url.origin !== self.location.origin) {
    return false;
  }
  var path = url.pathname;
  return (
    path === SCOPE ||
    path.indexOf(SCOPE + "/show/") === 0 ||
    QR.test(path) ||
    path === "/static/wallet.css" ||
    path.indexOf("/static/wallet-icon-") === 0
  );
}

function keep(cache, response, request) {
  if (response.ok && response.type === "basic") {
    return cache.put(request, response.clone()).then(function () { return response; });
  }
  return Promise.resolve(response);
}

// The page and what it shows, read once at install: its QR codes and full-screen views.
self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return fetch(SCOPE, { credentials: "same-origin" }).then(function (page) {
        return keep(cache, page, SCOPE).then(function (kept) {
          return kept.text();
        }).then(function (html) {
          var found = html.match(/\/(?:c\/[0-9A-Z]+\/qr\.svg|wallet\/[^"\/]+\/show\/[0-9A-Z]+)/g) || [];
          var wanted = ["/static/wallet.css"].concat(found).filter(function (path, i, all) {
            // Once each (addAll refuses a list that names a request twice), and only ours.
            return all.indexOf(path) === i && ours(new URL(path, self.location.origin));
          });
          return cache.addAll(wanted);
        });
      });
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || !ours(url)) {
    return;
  }
  event.respondWith(
    caches.open(CACHE).then(function (cache) {
      return fetch(request).then(function (response) {
        if (url.pathname === SCOPE && response.status === 404) {
          // The link was replaced: forget the copy and stop serving it.
          return caches.delete(CACHE).then(function () {
            self.registration.unregister();
            return response;
          });
        }
        return keep(cache, response, request);
      }, function () {
        return cache.match(request, { ignoreSearch: true }).then(function (kept) {
          return kept || Response.error();
        });
      });
    })
  );
});
