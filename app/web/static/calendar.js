// Copy buttons of the calendar page: copy the address of the field a button names, and say so.
(function () {
  "use strict";
  function say(key) {
    var status = document.getElementById("copy-status");
    if (status) { status.textContent = status.getAttribute("data-" + key) || ""; }
  }
  function fallback(field) {
    field.focus();
    field.select();
    try { return document.execCommand("copy"); } catch (error) { return false; }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () { say("copied"); }, function () {
        say(fallback(field) ? "copied" : "failed");
      });
    } else {
      say(fallback(field) ? "copied" : "failed");
    }
  });
})();
