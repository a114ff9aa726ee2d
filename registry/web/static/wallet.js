// The officer's wallet page: registers the service worker that keeps this page for offline use
// (wallet-sw.js), scoped to this officer's own wallet address. Without it the page works online.
(function () {
  "use strict";
  var manifest = document.querySelector('link[rel="manifest"]');
  if (!manifest || !("serviceWorker" in navigator)) {
    return;
  }
  var scope = manifest.getAttribute("href").replace(/\/manifest\.webmanifest$/, "");
  navigator.serviceWorker.register(scope + "/sw.js", { scope: scope }).catch(function () {
    // Private browsing, or a browser that refuses: the page still works online.
  });
})();
