// The dashboard's Open, Close and Reopen: a link to a confirmation page, which opens the same
// confirmation in a <dialog> instead. Without JavaScript (or <dialog>) the link still works.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-dialog]");
    if (!opener) { return; }
    var dialog = document.getElementById(opener.dataset.dialog);
    if (!dialog || typeof dialog.showModal !== "function") { return; }
    event.preventDefault();
    dialog.showModal();
  });
})();
