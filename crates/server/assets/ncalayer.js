// qyzmet: signing through NCALayer, the NCA RK's signing application on the signer's own
// computer (a WebSocket, `kz.gov.pki.knca.basics` module, method `sign`; kz-facts §3.5).
//
// Progressive enhancement: every signing form works without this script (a signature file
// made by any tool, uploaded). The script shows the NCALayer button of each element marked
// `data-ncalayer` and, when pressed, has NCALayer sign, puts the CMS into the form and
// submits it. The server checks every signature; nothing here is trusted.
//
// `data-ncalayer="request"`: a portal request. `data-bytes` holds the exact bytes (base64);
// the CMS goes into the form's `signature` field.
// `data-ncalayer="result"`: a result at the head's signing step. The form is posted to
// `data-prepare`, which answers the copies to sign (`{signed_at, copies: [{lang, data}]}`);
// each copy's CMS goes into `cms_<lang>`, the instant into `signed_at`.
// Words come from the element's `data-msg-*` (the page's language).
(function () {
  "use strict";

  // Errors a signer can act on: NCALayer is not reachable, they cancelled, it refused.
  function Failure(kind, message) {
    this.kind = kind;
    this.message = message || "";
  }

  // One `sign` request on its own connection: NCALayer greets a new connection with its
  // version (`{result: {version}}`), then answers `{status, code, message, body: {result}}`.
  function sign(url, data, locale) {
    return new Promise(function (resolve, reject) {
      var ws;
      var done = false;
      function finish(f, value) {
        if (done) return;
        done = true;
        try { ws.close(); } catch (e) { /* already closed */ }
        f(value);
      }
      try {
        ws = new WebSocket(url);
      } catch (e) {
        reject(new Failure("unavailable"));
        return;
      }
      ws.onopen = function () {
        ws.send(JSON.stringify({
          module: "kz.gov.pki.knca.basics",
          method: "sign",
          args: {
            allowedStorages: ["PKCS12", "AKKaztokenStore", "AKKZIDCardStore", "AKEToken5110Store"],
            format: "cms",
            data: data,
            // The content is base64 (decode it first), the CMS is detached (the server has
            // the bytes), and the data are the bytes themselves, not their digest.
            signingParams: { decode: true, encapsulate: false, digested: false },
            // A signing key (not an authentication key); the server checks whose it is.
            signerParams: { extKeyUsageOids: ["1.3.6.1.5.5.7.3.4"] },
            locale: locale
          }
        }));
      };
      ws.onmessage = function (ev) {
        var r;
        try { r = JSON.parse(ev.data); } catch (e) { return; }
        if (!r || typeof r.status === "undefined") return; // the version greeting
        if (r.status === true || r.status === "true") {
          var result = r.body && r.body.result;
          if (Array.isArray(result)) result = result[0];
          // NCALayer answers an empty body when the signer closes its dialog.
          if (typeof result !== "string" || result === "") finish(reject, new Failure("cancelled"));
          else finish(resolve, result);
        } else {
          finish(reject, new Failure("failed", [r.code, r.message].filter(Boolean).join(": ")));
        }
      };
      ws.onerror = function () { finish(reject, new Failure("unavailable")); };
      ws.onclose = function () { finish(reject, new Failure("unavailable")); };
    });
  }

  function setField(form, name, value) {
    var input = form.querySelector('input[type=hidden][name="' + name + '"]');
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    input.value = value;
  }

  function problemText(response) {
    return response.json().then(function (p) {
      var errors = (p && p.errors) || [];
      var words = errors.map(function (e) { return e.detail; }).filter(Boolean);
      return words.length ? words.join(" ") : (p && p.detail) || String(response.status);
    }, function () { return String(response.status); });
  }

  function enhance(box) {
    var form = box.closest("form");
    var button = box.querySelector("[data-ncalayer-sign]");
    var status = box.querySelector("[data-ncalayer-status]");
    if (!form || !button || !status || typeof WebSocket === "undefined") return;
    var url = box.getAttribute("data-url");
    var locale = box.getAttribute("data-locale") || "ru";
    var msg = function (k) { return box.getAttribute("data-msg-" + k) || ""; };
    var say = function (text, error) {
      status.textContent = text;
      status.classList.toggle("error-message", !!error);
    };
    box.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      var signed;
      if (box.getAttribute("data-ncalayer") === "request") {
        say(msg("working"));
        signed = sign(url, box.getAttribute("data-bytes"), locale).then(function (cms) {
          var field = form.querySelector("[name=signature]");
          field.value = cms;
        });
      } else {
        signed = fetch(box.getAttribute("data-prepare"), {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
          headers: { Accept: "application/json" }
        }).then(function (response) {
          if (!response.ok) {
            return problemText(response).then(function (t) { throw new Failure("server", t); });
          }
          return response.json();
        }).then(function (prepared) {
          say(msg("working"));
          // One copy after another: NCALayer shows one dialog at a time.
          return prepared.copies.reduce(function (chain, copy) {
            return chain.then(function () {
              return sign(url, copy.data, locale).then(function (cms) {
                setField(form, "cms_" + copy.lang, cms);
              });
            });
          }, Promise.resolve()).then(function () {
            setField(form, "signed_at", prepared.signed_at);
          });
        });
      }
      signed.then(function () {
        say(msg("sending"));
        form.submit();
      }, function (e) {
        button.disabled = false;
        if (e instanceof Failure && e.kind === "server") say(e.message, true);
        else if (e instanceof Failure && e.kind === "cancelled") say(msg("cancelled"), true);
        else if (e instanceof Failure && e.kind === "failed") say(msg("failed") + " " + e.message, true);
        else say(msg("unavailable"), true);
      });
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-ncalayer]"), enhance);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
