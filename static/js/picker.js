// Search-as-you-type pickers (portal/pickers.py): the text box asks /pick/<name>/?q=… and fills the hidden input.
(function () {
  "use strict";
  function setup(root) {
    if (root.dataset.pickerReady) return;
    root.dataset.pickerReady = "1";
    var hidden = root.querySelector("input[type=hidden]");
    var box = root.querySelector(".picker-input");
    var list = root.querySelector(".picker-results");
    var timer = null, active = -1, chosen = box.value;

    function close() { list.hidden = true; list.innerHTML = ""; active = -1; }
    function choose(item) {
      hidden.value = item.dataset.id; box.value = chosen = item.textContent; close();
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function show(results) {
      list.innerHTML = "";
      results.forEach(function (r) {
        var item = document.createElement("span");
        item.className = "picker-option"; item.setAttribute("role", "option");
        item.dataset.id = r.id; item.textContent = r.label;
        item.addEventListener("mousedown", function (e) { e.preventDefault(); choose(item); });
        list.appendChild(item);
      });
      list.hidden = results.length === 0;
    }
    function search() {
      var url = root.dataset.pickerUrl + "&q=" + encodeURIComponent(box.value.trim());
      var form = root.closest("form"), by = root.dataset.narrowBy;
      if (by && form && form.elements[by]) url += "&within=" + encodeURIComponent(form.elements[by].value);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { show(data.results || []); });
    }
    box.addEventListener("input", function () {
      if (box.value.trim() === "") { hidden.value = ""; chosen = ""; }
      clearTimeout(timer); timer = setTimeout(search, 200);
    });
    box.addEventListener("focus", function () { if (list.hidden) search(); });
    box.addEventListener("blur", function () { close(); if (box.value !== chosen) box.value = chosen; });
    box.addEventListener("keydown", function (e) {
      var items = list.querySelectorAll(".picker-option");
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (!items.length) return;
        active = (active + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
        items.forEach(function (it, i) { it.classList.toggle("is-active", i === active); });
      } else if (e.key === "Enter" && active >= 0 && items[active]) {
        e.preventDefault(); choose(items[active]);
      } else if (e.key === "Escape") { close(); }
    });
  }
  function all(scope) { (scope || document).querySelectorAll(".picker").forEach(setup); }
  document.addEventListener("DOMContentLoaded", function () { all(); });
  document.addEventListener("htmx:afterSwap", function (e) { all(e.target); });
})();
