/* Camera, scanner and keyboard input for label codes.
 *
 * Camera: the rear camera, a centred square crop decoded about ten times a second, QR only.
 * Where the browser has a native BarcodeDetector (Chrome on Android) it decodes on the tablet;
 * elsewhere (Safari on iPad, desktop Chrome/Firefox) the crop goes to /scan/decode, where
 * ZXing-C++ reads it (see repaircafe/services/decoding.py for why the server does it).
 * At most one frame is in flight, so a slow network lowers the rate instead of queueing.
 * A USB/Bluetooth scanner is a fast keyboard ending in Enter: the form simply submits, and we
 * only note that it was a scanner (keys less than 35 ms apart) for the scan log.
 */
(function () {
  "use strict";

  var INTERVAL_MS = 100;
  var CROP_SHARE = 0.6;
  var MAX_SIDE = 480;
  var SCANNER_KEY_MS = 35;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function nativeDetector() {
    if (!("BarcodeDetector" in window)) { return Promise.resolve(null); }
    var formats = typeof window.BarcodeDetector.getSupportedFormats === "function"
      ? window.BarcodeDetector.getSupportedFormats() : Promise.resolve(["qr_code"]);
    return Promise.resolve(formats).then(function (list) {
      if (list && list.indexOf("qr_code") < 0) { return null; }
      return new window.BarcodeDetector({ formats: ["qr_code"] });
    }).catch(function () { return null; });
  }

  function setupCamera(root) {
    var target = document.getElementById(root.getAttribute("data-target"));
    var video = root.querySelector("[data-camera-video]");
    var view = root.querySelector("[data-camera-view]");
    var controls = root.querySelector("[data-camera-controls]");
    var startButton = root.querySelector("[data-camera-start]");
    var torchButton = root.querySelector("[data-camera-torch]");
    var statusLine = root.querySelector("[data-camera-status]");
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    var stream = null;
    var timer = null;
    var detector = null;
    var torchOn = false;

    function say(key) { statusLine.textContent = root.getAttribute("data-msg-" + key) || ""; }

    function stop() {
      if (timer) { clearTimeout(timer); timer = null; }
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      stream = null;
      video.srcObject = null;
      view.hidden = true;
      controls.hidden = true;
      startButton.hidden = false;
      root.removeAttribute("data-running");
    }

    function found(text) {
      stop();
      say("found");
      target.value = text;
      target.dispatchEvent(new CustomEvent("scanned", { bubbles: true, detail: { via: "camera" } }));
    }

    function crop() {
      var w = video.videoWidth, h = video.videoHeight;
      if (!w || !h) { return null; }
      var side = Math.floor(Math.min(w, h) * CROP_SHARE);
      var out = Math.min(side, MAX_SIDE);
      canvas.width = out;
      canvas.height = out;
      context.drawImage(video, (w - side) / 2, (h - side) / 2, side, side, 0, 0, out, out);
      return canvas;
    }

    function decodeOnServer(frame) {
      return new Promise(function (resolve) { frame.toBlob(resolve, "image/jpeg", 0.8); })
        .then(function (blob) {
          if (!blob) { return null; }
          return fetch(root.getAttribute("data-decode-url"), {
            method: "POST", body: blob, credentials: "same-origin",
            headers: { "Content-Type": "image/jpeg", "X-CSRFToken": csrfToken() }
          }).then(function (r) { return r.ok ? r.json() : { text: null }; })
            .then(function (data) { return data.text; });
        });
    }

    function decodeNatively(frame) {
      return detector.detect(frame).then(function (codes) {
        return codes && codes.length ? codes[0].rawValue : null;
      });
    }

    function tick() {
      timer = null;
      if (!stream) { return; }
      var started = Date.now();
      var frame = crop();
      var pending = !frame ? Promise.resolve(null)
        : (detector ? decodeNatively(frame) : decodeOnServer(frame));
      pending.catch(function () { return null; }).then(function (text) {
        if (!stream) { return; }
        if (text) { found(text); return; }
        timer = setTimeout(tick, Math.max(0, INTERVAL_MS - (Date.now() - started)));
      });
    }

    function setupTorch() {
      var track = stream.getVideoTracks()[0];
      var caps = track && track.getCapabilities ? track.getCapabilities() : {};
      torchButton.hidden = !caps.torch;
    }

    function start() {
      if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        say("insecure");
        return;
      }
      startButton.hidden = true;
      nativeDetector().then(function (found) {
        detector = found;
        root.setAttribute("data-decoder", detector ? "native" : "server");
        return navigator.mediaDevices.getUserMedia({
          audio: false,
          video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } }
        });
      }).then(function (s) {
        stream = s;
        video.srcObject = s;
        return video.play();
      }).then(function () {
        view.hidden = false;
        controls.hidden = false;
        root.setAttribute("data-running", "");
        say("looking");
        setupTorch();
        tick();
      }).catch(function (err) {
        stop();
        var name = err && err.name;
        say(name === "NotAllowedError" || name === "SecurityError" ? "denied"
          : name === "NotFoundError" || name === "OverconstrainedError" ? "nocamera" : "error");
      });
    }

    startButton.addEventListener("click", start);
    root.querySelector("[data-camera-stop]").addEventListener("click", stop);
    torchButton.addEventListener("click", function () {
      var track = stream && stream.getVideoTracks()[0];
      if (!track) { return; }
      track.applyConstraints({ advanced: [{ torch: !torchOn }] }).then(function () {
        torchOn = !torchOn;
        torchButton.setAttribute("aria-pressed", String(torchOn));
      }).catch(function () { torchButton.hidden = true; });
    });
    document.addEventListener("visibilitychange", function () { if (document.hidden) { stop(); } });
  }

  function setupScanForm(form) {
    var input = form.querySelector("[data-hid-input]");
    var via = form.querySelector("[data-via]");
    var last = 0;
    var fastKeys = 0;
    var keys = 0;
    input.addEventListener("keydown", function (e) {
      var now = Date.now();
      if (e.key === "Enter") {
        // Most keys fast is enough: a busy tablet may delay a few of a scanner's key events.
        via.value = keys > 3 && fastKeys >= 0.75 * (keys - 1) ? "scanner" : "typed";
        return;
      }
      if (e.key.length !== 1) { return; }
      if (last && now - last < SCANNER_KEY_MS) { fastKeys += 1; }
      if (!last || now - last > 1000) { keys = 0; fastKeys = 0; }
      keys += 1;
      last = now;
    });
    input.addEventListener("scanned", function (e) {
      via.value = e.detail.via;
      form.submit();
    });
    // A scanner firing while nothing has focus still lands in the code field.
    document.addEventListener("keydown", function (e) {
      var tag = (e.target && e.target.tagName) || "";
      if (/^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(tag) || e.ctrlKey || e.metaKey || e.altKey) { return; }
      if (e.key.length === 1) {
        input.value = "";
        input.focus();
      }
    });
  }

  document.querySelectorAll("[data-scanner]").forEach(setupCamera);
  document.querySelectorAll("[data-scan-form]").forEach(setupScanForm);
}());
