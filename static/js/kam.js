/* Behaviour every page shares, bound here rather than in on…= attributes, which the
   Content-Security-Policy forbids. Listeners sit on the document, so content that htmx
   swaps in later works the same way. */
(function () {
  "use strict";
  // With JavaScript the phone's menu folds behind its button (static/css/kam.css); without
  // it, the menu stays open.
  document.documentElement.classList.add("js");
  document.addEventListener("change", function (event) {
    var el = event.target;
    // <select data-autosubmit>: choosing an option submits its form (a <noscript> button
    // does it without JavaScript).
    if (el.matches("[data-autosubmit]") && el.form) {
      el.form.submit();
    }
    // <input type="checkbox" data-check-all="NAME">: ticks or clears every box named NAME.
    if (el.matches("[data-check-all]")) {
      document.querySelectorAll('input[name="' + CSS.escape(el.dataset.checkAll) + '"]')
        .forEach(function (box) { box.checked = el.checked; });
    }
  });
  // <a data-history-back href="…">: back to the previous page when there is one, else the
  // link's own address.
  document.addEventListener("click", function (event) {
    // The menu button of phones: opens and folds the main menu.
    var toggle = event.target.closest("[data-menu-toggle]");
    if (toggle) {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      toggle.closest(".topbar").classList.toggle("menu-open", open);
      return;
    }
    // A toast's close button (templates/_partials/_toast.html).
    var close = event.target.closest("[data-dismiss-toast]");
    if (close) {
      close.closest(".toast").remove();
      return;
    }
    var link = event.target.closest("a[data-history-back]");
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})();
