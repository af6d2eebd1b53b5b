// Autosave: each choice and comment is posted the moment it changes, with the CSRF token.
// Without JavaScript the page still works: Next and the page buttons post the whole form.
// When the server cannot save just now (503 while its database restarts, any 5xx, no
// connection), the choice stays on screen and the save is retried with a growing delay
// until it goes through; the status next to the statement says so.
// A choice not saved yet is also kept in this tab (sessionStorage) until the server confirms
// it: after a session that ended or a refused CSRF token, the expert reopens the link, and
// the next questionnaire page sends it again.
(function () {
  "use strict";
  var PENDING_PREFIX = "surveysite.unsaved.";
  var pendingKey = "";  // per response (the page's data-unsaved-key)
  var RETRY_SECONDS = [1, 2, 4, 8, 15, 30];

  function readPending() {
    try { return JSON.parse(window.sessionStorage.getItem(pendingKey)) || {}; }
    catch (error) { return {}; }
  }

  function writePending(pending) {
    try {
      if (Object.keys(pending).length) {
        window.sessionStorage.setItem(pendingKey, JSON.stringify(pending));
      } else {
        window.sessionStorage.removeItem(pendingKey);
      }
    } catch (error) { /* storage full or refused: the page still saves as it goes */ }
  }

  function post(url, csrf, body) {
    body.append("csrfmiddlewaretoken", csrf);
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    });
  }

  function showAlert(box, message) {
    if (!box) { return; }
    box.textContent = message;
    box.classList.remove("d-none");
  }

  // The page's own words in the expert's language (templatetags/questionnaire.py), read from
  // the form's data-words; the English here is only the fallback.
  var words = {};
  function t(key, english) { return words[key] || english; }
  function readWords(form) {
    try { words = JSON.parse(form.dataset.words || "{}"); } catch (error) { words = {}; }
  }
  function ofTotal(answered, total) {
    return t("of_total", "{answered} of {total}").replace("{answered}", answered).replace("{total}", total);
  }
  function sessionEnded() {
    return t("session", "Your session has ended. Your choice is still on screen but was not saved: please open your personal link again.");
  }

  function questionnaire(form) {
    readWords(form);
    var url = form.dataset.autosaveUrl;
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var alertBox = document.getElementById("session-alert");
    pendingKey = PENDING_PREFIX + form.dataset.unsavedKey;
    var progress = document.getElementById("progress");
    var progressText = document.getElementById("progress-text");
    var items = {};
    var saved = {};
    form.querySelectorAll("[data-statement]").forEach(function (item) {
      items[item.dataset.statement] = item;
      saved[item.dataset.statement] = currentValue(item) !== "";
    });
    // Progress = answered elsewhere (as rendered) + answered on this page (as saved).
    var answeredElsewhere = Number(progress.value) - countSaved();
    var timers = {}, inFlight = {}, queued = {}, retryTimers = {}, retries = {};

    function countSaved() {
      return Object.keys(saved).filter(function (id) { return saved[id]; }).length;
    }

    function showProgress() {
      var answered = answeredElsewhere + countSaved();
      progress.value = answered;
      progress.textContent = ofTotal(answered, progress.max);
      progressText.textContent = ofTotal(answered, progress.max);
    }

    function setStatus(id, text, kind) {
      var el = document.getElementById("status-" + id);
      if (!el) { return; }
      el.textContent = text;
      el.classList.toggle("is-error", kind === "error");
      el.classList.toggle("is-pending", kind === "pending");
    }

    function currentValue(item) {
      var checked = item.querySelector("input[type=radio]:checked");
      return checked ? checked.value : "";
    }

    function choiceOf(item) {
      return { value: currentValue(item), comment: item.querySelector("textarea").value };
    }

    function remember(id, choice) {
      var pending = readPending();
      pending[id] = choice;
      writePending(pending);
    }

    // Forget a kept choice once the server has it (or refused it for good), unless the
    // expert changed it again meanwhile.
    function forget(id, choice) {
      var pending = readPending();
      var kept = pending[id];
      if (kept && kept.value === choice.value && kept.comment === choice.comment) {
        delete pending[id];
        writePending(pending);
      }
    }

    // Saving is idempotent (the last value wins), so retrying can never store a choice
    // twice; a save started meanwhile by a new choice replaces the pending retry.
    function retryLater(id, message) {
      var attempt = retries[id] || 0;
      var delay = RETRY_SECONDS[Math.min(attempt, RETRY_SECONDS.length - 1)];
      retries[id] = attempt + 1;
      setStatus(id, message + " " + t("retrying", "Retrying in {seconds} s…").replace("{seconds}", delay), "error");
      retryTimers[id] = setTimeout(function () {
        retryTimers[id] = null;
        save(id);
      }, delay * 1000);
    }

    function send(id, choice) {
      var body = new FormData();
      body.append("statement", id);
      body.append("value", choice.value);
      body.append("comment", choice.comment);
      return post(url, csrf, body);
    }

    function saved200(id, choice, value) {
      retries[id] = 0;
      forget(id, choice);
      setStatus(id, t("saved", "Saved"), "ok");
      saved[id] = value !== null;
      items[id].classList.toggle("is-answered", saved[id]);
      showProgress();
    }

    function save(id) {
      if (inFlight[id]) { queued[id] = true; return; }
      clearTimeout(retryTimers[id]);
      retryTimers[id] = null;
      inFlight[id] = true;
      var choice = choiceOf(items[id]);
      remember(id, choice);
      setStatus(id, t("saving", "Saving…"), "pending");
      send(id, choice).then(function (result) {
        if (result.status === 200 && result.data.saved) {
          saved200(id, choice, result.data.value);
        } else if (result.status >= 500) {
          retryLater(id, result.data.message || t("server", "Not saved yet: the server is not answering. Your choice stays on screen."));
        } else if (result.status === 401 || result.status === 403) {
          setStatus(id, t("not_saved", "Not saved"), "error");
          showAlert(alertBox, result.data.message || sessionEnded());
        } else {
          forget(id, choice);
          setStatus(id, t("not_saved", "Not saved") + ": " + (result.data.message || t("try_again", "please try again.")), "error");
          if (result.status === 410 || result.status === 409) { showAlert(alertBox, result.data.message); }
        }
      }).catch(function () {
        retryLater(id, t("offline", "Not saved yet: no connection to the server. Your choice stays on screen."));
      }).then(function () {
        inFlight[id] = false;
        if (queued[id]) { queued[id] = false; save(id); }
      });
    }

    function apply(item, choice) {
      item.querySelectorAll("input[type=radio]").forEach(function (radio) {
        radio.checked = radio.value === choice.value;
      });
      item.querySelector("textarea").value = choice.comment;
      if (choice.comment) { item.querySelector("details").open = true; }
    }

    // Choices kept from before (a refused save): what this page shows already is dropped,
    // the rest is sent again; those of other pages are sent as they are.
    function resendKept() {
      var pending = readPending();
      var resent = 0;
      Object.keys(pending).forEach(function (id) {
        var choice = pending[id];
        if (items[id]) {
          var shown = choiceOf(items[id]);
          if (shown.value === choice.value && shown.comment === choice.comment) {
            forget(id, choice);
            return;
          }
          apply(items[id], choice);
          save(id);
        } else {
          send(id, choice).then(function (result) {
            if (result.status !== 403 && result.status < 500) { forget(id, choice); }
          });
        }
        resent += 1;
      });
      if (resent) {
        var box = document.getElementById("resent-alert");
        showAlert(box, resent === 1
          ? t("resent_one", "One choice that was not saved before is being sent again.")
          : t("resent_many", "Choices that were not saved before are being sent again."));
      }
    }

    // The rule of respondent/delphi.py reason_required, on the numbers the page gives.
    function reasonRequired(previous, value) {
      var points = parseInt(form.dataset.reasonPoints || "0", 10);
      if (isNaN(previous) || isNaN(value) || previous === -88 || value === -88) { return false; }
      if (points && Math.abs(value - previous) >= points) { return true; }
      return form.dataset.reasonCrossing === "1" && previous * value < 0;
    }

    function promptReason(item) {
      var prompt = item.querySelector(".fb-prompt");
      if (!prompt || item.dataset.previous === undefined) { return; }
      var choice = item.querySelector("input[type=radio]:checked");
      var text = item.querySelector("textarea");
      var needed = choice && reasonRequired(parseInt(item.dataset.previous, 10),
        parseInt(choice.value, 10)) && !(text && text.value.trim());
      prompt.textContent = needed
        ? t("reason_needed", "Your answer moved from your previous one: please give your reason.")
        : "";
      if (needed) { item.querySelector("details.q-comment").open = true; }
    }

    form.addEventListener("change", function (event) {
      var item = event.target.closest("[data-statement]");
      if (item && event.target.type === "radio") {
        promptReason(item);
        save(item.dataset.statement);
      }
    });

    form.addEventListener("input", function (event) {
      var item = event.target.closest("[data-statement]");
      if (!item || event.target.tagName !== "TEXTAREA") { return; }
      var id = item.dataset.statement;
      promptReason(item);
      setStatus(id, t("unsaved", "Unsaved changes…"), "pending");
      clearTimeout(timers[id]);
      timers[id] = setTimeout(function () { timers[id] = null; save(id); }, 800);
    });

    form.addEventListener("focusout", function (event) {
      var item = event.target.closest("[data-statement]");
      if (!item || event.target.tagName !== "TEXTAREA") { return; }
      var id = item.dataset.statement;
      if (timers[id]) { clearTimeout(timers[id]); timers[id] = null; save(id); }
    });

    form.addEventListener("click", function (event) {
      var keep = event.target.closest("button[name=keep]");
      if (!keep) { return; }
      event.preventDefault();
      var item = keep.closest("[data-statement]");
      item.querySelectorAll("input[type=radio]").forEach(function (radio) {
        radio.checked = radio.value === item.dataset.previous;
      });
      promptReason(item);
      save(item.dataset.statement);
    });

    form.addEventListener("click", function (event) {
      var button = event.target.closest("button[name=clear]");
      if (!button) { return; }
      event.preventDefault();
      var item = button.closest("[data-statement]");
      item.querySelectorAll("input[type=radio]").forEach(function (radio) { radio.checked = false; });
      save(item.dataset.statement);
    });

    resendKept();
  }

  // The background questions: the whole form is posted whenever one of its fields changes.
  function background(form) {
    readWords(form);
    var url = form.dataset.autosaveUrl;
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var status = document.getElementById("status-background");
    var alertBox = document.getElementById("session-alert");
    var timer = null, inFlight = false, queued = false;

    function setStatus(text, kind) {
      status.textContent = text;
      status.classList.toggle("is-error", kind === "error");
      status.classList.toggle("is-pending", kind === "pending");
    }

    function save() {
      if (inFlight) { queued = true; return; }
      inFlight = true;
      var body = new FormData(form);
      body.delete("csrfmiddlewaretoken");
      setStatus(t("saving", "Saving…"), "pending");
      post(url, csrf, body).then(function (result) {
        if (result.status === 200 && result.data.saved) {
          setStatus(t("saved", "Saved"), "ok");
        } else if (result.status === 401 || result.status === 403) {
          setStatus(t("not_saved", "Not saved"), "error");
          showAlert(alertBox, result.data.message || sessionEnded());
        } else {
          setStatus(t("not_saved", "Not saved") + ": " + (result.data.message || t("try_again", "please try again.")), "error");
        }
      }).catch(function () {
        setStatus(t("offline_next", "Not saved yet: no connection to the server. Press Next to save."), "error");
      }).then(function () {
        inFlight = false;
        if (queued) { queued = false; save(); }
      });
    }

    form.addEventListener("change", function (event) {
      if (event.target.tagName === "TEXTAREA") { return; }
      save();
    });
    form.addEventListener("input", function (event) {
      if (event.target.tagName !== "TEXTAREA") { return; }
      setStatus(t("unsaved", "Unsaved changes…"), "pending");
      clearTimeout(timer);
      timer = setTimeout(function () { timer = null; save(); }, 800);
    });
    form.addEventListener("focusout", function (event) {
      if (event.target.tagName === "TEXTAREA" && timer) { clearTimeout(timer); timer = null; save(); }
    });
  }

  var form = document.getElementById("questionnaire");
  if (form) { questionnaire(form); }
  var about = document.getElementById("background");
  if (about) { background(about); }
})();
