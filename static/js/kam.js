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

  // A table wider than its .table-wrap scrolls inside it (static/css/kam.css). Such a box
  // is made a named, focusable region, so that a keyboard can reach and scroll it and a
  // screen reader says which table it is; a box that does not scroll stays out of the Tab
  // order. Checked on load, after htmx swaps a panel in, and when the window resizes.
  function regionName(wrap) {
    var table = wrap.querySelector("table");
    var caption = table && table.querySelector("caption");
    if (table && table.getAttribute("aria-label")) return table.getAttribute("aria-label");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    // Else the heading of its card, marked as a table: the card itself may be a region
    // named by the same heading, and two landmarks must not share a name.
    var holder = wrap.closest("section, .card");
    var heading = (holder && holder.querySelector("h2, h3")) || document.querySelector("main h1");
    var name = heading ? heading.textContent.trim().replace(/\s+/g, " ") : document.title;
    var pattern = document.body.dataset.tableRegion || "{name}";
    return pattern.replace("{name}", name);
  }
  function markScrollingTables() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", regionName(wrap));
        wrap.dataset.scrollRegion = "";
      } else if (!scrolls && "scrollRegion" in wrap.dataset) {
        ["tabindex", "role", "aria-label", "data-scroll-region"].forEach(function (name) {
          wrap.removeAttribute(name);
        });
      }
    });
  }
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(markScrollingTables, 150);
  });
  document.addEventListener("htmx:afterSettle", markScrollingTables);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", markScrollingTables);
  } else {
    markScrollingTables();
  }
})();
