// "Copy link" on the researcher pages. Without JavaScript the link is still shown, selectable.
(function () {
  "use strict";
  function copy(button) {
    var field = document.getElementById(button.dataset.copyTarget);
    var status = button.parentNode.querySelector(".copy-status");
    if (!field) { return; }
    function done(text) { if (status) { status.textContent = text; } }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(
        function () { done("Copied."); },
        function () { field.select(); done("Press Ctrl+C (⌘C) to copy."); }
      );
    } else {
      field.select();
      try { document.execCommand("copy"); done("Copied."); } catch (e) { done("Press Ctrl+C (⌘C) to copy."); }
    }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (button) { copy(button); }
  });
})();
