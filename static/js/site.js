/* 额度体检: small enhancements on top of pages that already work without JavaScript. */
(function () {
  "use strict";

  // After htmx swaps in the next questionnaire screen, move focus to its heading (or the error
  // summary) so screen readers announce the new question, and start at the top on small screens.
  document.addEventListener("htmx:afterSwap", function (event) {
    var screen = document.getElementById("screen");
    if (!screen) { return; }
    var target = screen.querySelector("[data-focus]") || screen.querySelector("#step-heading");
    window.scrollTo(0, 0);
    if (target) { target.focus({ preventScroll: true }); }
  });

  // If the server answers an htmx request with an error page (too many tries, an expired form), send the
  // same form (a step, or the plan a checkbox belongs to) the ordinary way, so the person sees that page in
  // full instead of nothing happening.
  function submitPlainly(event) {
    var elt = event.detail.elt;
    var form = elt && (elt.tagName === "FORM" ? elt : elt.closest("form"));
    if (form) { form.submit(); }
  }
  document.addEventListener("htmx:responseError", submitPlainly);
  document.addEventListener("htmx:sendError", submitPlainly);

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "copy-buffer";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }

  function enhance(root) {
    root.querySelectorAll("[data-copy]").forEach(function (button) {
      if (button.dataset.ready) { return; }
      button.dataset.ready = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.getElementById(button.dataset.copy);
        var status = button.parentElement.querySelector(".copy-status");
        copyText(source.textContent.trim()).then(function () {
          if (status) { status.textContent = button.dataset.copied || "已复制。"; }
        }, function () {
          if (status) { status.textContent = "没能自动复制，请长按上面的文字手动复制。"; }
        });
      });
    });
    // With htmx each plan checkbox saves itself when ticked; the form's own "save" button is for pages without it.
    if (window.htmx) {
      root.querySelectorAll("[data-autosave-hide]").forEach(function (button) { button.hidden = true; });
    }
    root.querySelectorAll("[data-print]").forEach(function (button) {
      if (button.dataset.ready) { return; }
      button.dataset.ready = "1";
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  // Print everything: folded details open for printing and close again afterwards. (The print stylesheet
  // already shows their content where the browser supports ::details-content; this covers the others.)
  var openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    openedForPrint = Array.prototype.filter.call(document.querySelectorAll("details:not([open])"), function (d) {
      d.open = true;
      return true;
    });
  });
  window.addEventListener("afterprint", function () {
    openedForPrint.forEach(function (d) { d.open = false; });
    openedForPrint = [];
  });

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
