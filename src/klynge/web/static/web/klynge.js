/* Start the design system's components (menus, error summary, ...) and keep them working in htmx swaps. */
(function () {
  "use strict";
  function start() {
    if (window.DKFDS) {
      window.DKFDS.init();
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
