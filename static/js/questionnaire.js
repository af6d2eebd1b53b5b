// Autosave: each choice and comment is posted the moment it changes, with the CSRF token.
// Without JavaScript the page still works: Next and the page buttons post the whole form.
// When the server cannot save just now (503 while its database restarts, any 5xx, no
// connection), the choice stays on screen and the save is retried with a growing delay
// until it goes through; the status next to the statement says so.
(function () {
  "use strict";
  var form = document.getElementById("questionnaire");
  if (!form) { return; }
  var url = form.dataset.autosaveUrl;
  // The page's own words in the expert's language (templatetags/questionnaire.py).
  var words = JSON.parse(form.dataset.words || "{}");
  function t(key, english) { return words[key] || english; }
  function ofTotal(answered, total) {
    return t("of_total", "{answered} of {total}").replace("{answered}", answered).replace("{total}", total);
  }
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var alertBox = document.getElementById("session-alert");
  var progress = document.getElementById("progress");
  var progressText = document.getElementById("progress-text");
  // Progress = answered elsewhere (as rendered) + answered on this page (as saved).
  var saved = {};
  form.querySelectorAll("fieldset[data-statement]").forEach(function (fieldset) {
    saved[fieldset.dataset.statement] = currentValue(fieldset) !== "";
  });
  var answeredElsewhere = Number(progress.value) - countSaved();

  function countSaved() {
    return Object.keys(saved).filter(function (id) { return saved[id]; }).length;
  }

  function showProgress() {
    var answered = answeredElsewhere + countSaved();
    progress.value = answered;
    progress.textContent = ofTotal(answered, progress.max);
    progressText.textContent = ofTotal(answered, progress.max);
  }
  var timers = {};
  var inFlight = {};
  var queued = {};
  var retryTimers = {};
  var retries = {};
  var RETRY_SECONDS = [1, 2, 4, 8, 15, 30];

  function setStatus(id, text, kind) {
    var el = document.getElementById("status-" + id);
    if (!el) { return; }
    el.textContent = text;
    el.classList.toggle("is-error", kind === "error");
    el.classList.toggle("is-pending", kind === "pending");
  }

  function showAlert(message) {
    alertBox.textContent = message;
    alertBox.classList.remove("d-none");
  }

  function currentValue(fieldset) {
    var checked = fieldset.querySelector("input[type=radio]:checked");
    return checked ? checked.value : "";
  }

  // Saving is idempotent (the last value wins), so retrying can never store a choice twice;
  // a save started meanwhile by a new choice replaces the pending retry.
  function retryLater(fieldset, message) {
    var id = fieldset.dataset.statement;
    var attempt = retries[id] || 0;
    var delay = RETRY_SECONDS[Math.min(attempt, RETRY_SECONDS.length - 1)];
    retries[id] = attempt + 1;
    setStatus(id, message + " " + t("retrying", "Retrying in {seconds} s…").replace("{seconds}", delay), "error");
    retryTimers[id] = setTimeout(function () {
      retryTimers[id] = null;
      save(fieldset);
    }, delay * 1000);
  }

  function save(fieldset) {
    var id = fieldset.dataset.statement;
    if (inFlight[id]) { queued[id] = true; return; }
    clearTimeout(retryTimers[id]);
    retryTimers[id] = null;
    inFlight[id] = true;
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrf);
    body.append("statement", id);
    body.append("value", currentValue(fieldset));
    body.append("comment", fieldset.querySelector("textarea").value);
    setStatus(id, t("saving", "Saving…"), "pending");
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    }).then(function (result) {
      if (result.status === 200 && result.data.saved) {
        retries[id] = 0;
        setStatus(id, t("saved", "Saved"), "ok");
        saved[id] = result.data.value !== null;
        showProgress();
      } else if (result.status >= 500) {
        retryLater(fieldset, result.data.message || t("server", "Not saved yet: the server is not answering. Your choice stays on screen."));
      } else if (result.status === 401 || result.status === 403) {
        setStatus(id, t("not_saved", "Not saved"), "error");
        showAlert(result.data.message || t("session", "Your session has ended. Your choice is still on screen but was not saved: please open your personal link again."));
      } else {
        setStatus(id, t("not_saved", "Not saved") + ": " + (result.data.message || t("try_again", "please try again.")), "error");
        if (result.status === 410 || result.status === 409) { showAlert(result.data.message); }
      }
    }).catch(function () {
      retryLater(fieldset, t("offline", "Not saved yet: no connection to the server. Your choice stays on screen."));
    }).then(function () {
      inFlight[id] = false;
      if (queued[id]) { queued[id] = false; save(fieldset); }
    });
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset[data-statement]");
    if (fieldset && event.target.type === "radio") { save(fieldset); }
  });

  form.addEventListener("input", function (event) {
    var fieldset = event.target.closest("fieldset[data-statement]");
    if (!fieldset || event.target.tagName !== "TEXTAREA") { return; }
    var id = fieldset.dataset.statement;
    setStatus(id, t("unsaved", "Unsaved changes…"), "pending");
    clearTimeout(timers[id]);
    timers[id] = setTimeout(function () { save(fieldset); }, 800);
  });

  form.addEventListener("focusout", function (event) {
    var fieldset = event.target.closest("fieldset[data-statement]");
    if (!fieldset || event.target.tagName !== "TEXTAREA") { return; }
    var id = fieldset.dataset.statement;
    if (timers[id]) { clearTimeout(timers[id]); timers[id] = null; save(fieldset); }
  });

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[name=clear]");
    if (!button) { return; }
    event.preventDefault();
    var fieldset = button.closest("fieldset[data-statement]");
    fieldset.querySelectorAll("input[type=radio]").forEach(function (radio) { radio.checked = false; });
    save(fieldset);
  });
})();
