// Progressive enhancement for /verify: scan a certificate's QR code with the device camera where
// the browser can read QR codes itself (BarcodeDetector). Without it the page works as a form.
(function () {
  "use strict";
  var section = document.getElementById("scan");
  if (!section || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  var button = document.getElementById("scan-start");
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  section.hidden = false;

  function ourPage(text) {
    // Only a verification page of this registry is opened; any other code is shown, not followed.
    try {
      var url = new URL(text, window.location.href);
      if (url.origin === window.location.origin && /^\/c\/[0-9A-Za-z]+$/.test(url.pathname)) {
        return url.pathname;
      }
    } catch (e) {
      return null;
    }
    return null;
  }

  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        button.hidden = true;
        status.textContent = "Point the camera at the QR code on the certificate.";
        return video.play().then(function () {
          var timer = window.setInterval(function () {
            detector.detect(video).then(function (codes) {
              if (!codes.length) {
                return;
              }
              var path = ourPage(codes[0].rawValue);
              if (path) {
                window.clearInterval(timer);
                stream.getTracks().forEach(function (t) { t.stop(); });
                status.textContent = "Found. Opening the verification…";
                window.location.assign(path);
              } else {
                status.textContent =
                  "This QR code does not lead to this registry: " + codes[0].rawValue +
                  ". Do not rely on it.";
              }
            });
          }, 300);
        });
      })
      .catch(function () {
        status.textContent = "The camera is not available. Type the credential id instead.";
      });
  });
})();
