/* [data-print] buttons print the page (the publicity list has a print stylesheet). */
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-print]")) { window.print(); }
  });
})();
