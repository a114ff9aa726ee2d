/* The console forgives (progressive: every page works without this script).
   1. A form sent when the session had ended is kept in this tab (sessionStorage, never the
      password or the tokens) and, once the same person has signed in again and is back on that
      page, filled in again for them to check and send: nothing is ever sent for them.
   2. A few minutes before the session ends, a warning offers to keep it ("Stay signed in"). */
(function () {
  "use strict";
  var KEY = "cit-kept-form";
  var SKIP = { csrf_token: true, form_token: true, password: true, confirm: true };
  var WARN_MS = 5 * 60 * 1000;
  var KEEP_MS = 30 * 60 * 1000;
  var body = document.body;
  var user = body.getAttribute("data-user") || "";
  var here = location.pathname + location.search;

  function kept() {
    try {
      return JSON.parse(sessionStorage.getItem(KEY) || "null");
    } catch (e) {
      return null;
    }
  }

  if (document.getElementById("login-form")) {
    // The sign-in page: the last form sent from the console did not arrive.
    var draft = kept();
    if (draft && Date.now() - draft.at < KEEP_MS) {
      draft.interrupted = true;
      sessionStorage.setItem(KEY, JSON.stringify(draft));
    }
    return;
  }
  if (!user) {
    return;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") {
      return;
    }
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (!SKIP[name] && typeof value === "string") {
        fields.push([name, value]);
      }
    });
    sessionStorage.setItem(KEY, JSON.stringify({
      user: user, page: here, action: form.getAttribute("action"), fields: fields, at: Date.now()
    }));
  }, true);

  var draft = kept();
  sessionStorage.removeItem(KEY);
  if (draft && draft.interrupted && draft.user === user && draft.page === here) {
    restore(draft);
  }

  function restore(draft) {
    var form = null;
    document.querySelectorAll("form[method=post]").forEach(function (f) {
      if (!form && f.getAttribute("action") === draft.action) {
        form = f;
      }
    });
    if (!form) {
      return;
    }
    draft.fields.forEach(function (pair) {
      var name = pair[0], value = pair[1];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name !== name) {
          return;
        }
        if (el.type === "checkbox" || el.type === "radio") {
          if (el.value === value) {
            el.checked = true;
          }
        } else if (el.type !== "hidden" && el.type !== "file") {
          el.value = value;
        }
      });
    });
    var note = document.createElement("p");
    note.className = "flash flash-ok";
    note.setAttribute("role", "status");
    note.textContent = "What you typed before your session ended is filled in again: check it and send it.";
    form.parentNode.insertBefore(note, form);
  }

  var box = document.getElementById("session-warning");
  var ends = Date.parse(body.getAttribute("data-session-ends") || "");
  var endsText = body.getAttribute("data-session-ends-text") || "";
  var timer = null;
  if (!box || isNaN(ends)) {
    return;
  }
  var text = document.getElementById("session-warning-text");
  var button = document.getElementById("session-extend");

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(warn, Math.max(0, ends - Date.now() - WARN_MS));
  }

  function warn() {
    if (Date.now() >= ends) {
      text.textContent = "Your session has ended. Sign in again: a form you send now is kept and filled in again after you sign in.";
      button.hidden = true;
    } else {
      text.textContent = "Your session ends at " + endsText + ". Stay signed in to keep working.";
      timer = setTimeout(warn, Math.max(1000, ends - Date.now()));
    }
    box.hidden = false;
  }

  button.addEventListener("click", function () {
    var csrf = document.querySelector("input[name=csrf_token]");
    fetch("/console/session", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "csrf_token=" + encodeURIComponent(csrf ? csrf.value : "")
    }).then(function (response) {
      var json = (response.headers.get("content-type") || "").indexOf("application/json") === 0;
      return response.ok && json ? response.json() : Promise.reject(response.status);
    }).then(function (answer) {
      ends = Date.parse(answer.expires_at);
      endsText = answer.ends;
      box.hidden = true;
      schedule();
    }, function () {
      ends = Date.now();
      warn();
    });
  });
  schedule();
}());
