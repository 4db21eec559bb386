// Search-as-you-type pickers (portal/pickers.py): the text box asks /pick/<name>/?q=… and fills the hidden input.
// A multi-value picker (.picker-multi) adds each chosen result as a chip with its own hidden input instead; the
// chip's × (or Backspace in the empty box) removes it.
(function () {
  "use strict";
  function setup(root) {
    if (root.dataset.pickerReady) return;
    root.dataset.pickerReady = "1";
    var multi = root.classList.contains("picker-multi");
    var hidden = multi ? null : root.querySelector("input[type=hidden]");
    var chosenBox = multi ? root.querySelector(".picker-chosen") : null;
    var box = root.querySelector(".picker-input");
    var list = root.querySelector(".picker-results");
    var timer = null, active = -1, chosen = box.value;

    function close() { list.hidden = true; list.innerHTML = ""; active = -1; }
    function chosenIds() {
      var ids = {};
      if (multi) chosenBox.querySelectorAll("input[type=hidden]").forEach(function (h) { ids[h.value] = true; });
      return ids;
    }
    function changed(target) { target.dispatchEvent(new Event("change", { bubbles: true })); }
    function addChip(id, label) {
      if (chosenIds()[id]) return;
      var chip = document.createElement("span");
      chip.className = "picker-chip"; chip.dataset.id = id;
      var text = document.createElement("span");
      text.className = "picker-chip-label"; text.textContent = label;
      var input = document.createElement("input");
      input.type = "hidden"; input.name = root.dataset.pickerName; input.value = id;
      var remove = document.createElement("button");
      remove.type = "button"; remove.className = "picker-remove"; remove.textContent = "×";
      remove.setAttribute("aria-label", (root.dataset.removeLabel || "×") + " " + label);
      chip.appendChild(text); chip.appendChild(input); chip.appendChild(remove);
      chosenBox.appendChild(chip);
      changed(input);
    }
    function choose(item) {
      if (multi) {
        addChip(item.dataset.id, item.textContent);
        box.value = chosen = ""; close(); box.focus();
        return;
      }
      hidden.value = item.dataset.id; box.value = chosen = item.textContent; close();
      changed(hidden);
    }
    function show(results) {
      list.innerHTML = "";
      var taken = chosenIds();
      results.forEach(function (r) {
        if (taken[String(r.id)]) return;
        var item = document.createElement("span");
        item.className = "picker-option"; item.setAttribute("role", "option");
        item.dataset.id = r.id; item.textContent = r.label;
        item.addEventListener("mousedown", function (e) { e.preventDefault(); choose(item); });
        list.appendChild(item);
      });
      if (!list.children.length && box.value.trim() && root.dataset.noMatch) {
        var none = document.createElement("span");   // say so, rather than show nothing
        none.className = "picker-none"; none.textContent = root.dataset.noMatch;
        list.appendChild(none);
      }
      list.hidden = list.children.length === 0;
    }
    function search() {
      var url = root.dataset.pickerUrl + "&q=" + encodeURIComponent(box.value.trim());
      var form = root.closest("form"), by = root.dataset.narrowBy;
      if (by && form && form.elements[by]) url += "&within=" + encodeURIComponent(form.elements[by].value);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { show(data.results || []); });
    }
    if (multi) {
      chosenBox.addEventListener("click", function (e) {
        var button = e.target.closest(".picker-remove");
        if (!button) return;
        e.preventDefault();
        button.closest(".picker-chip").remove();
        changed(root);
        box.focus();
      });
    }
    box.addEventListener("input", function () {
      if (!multi && box.value.trim() === "") { hidden.value = ""; chosen = ""; }
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
      else if (multi && e.key === "Backspace" && box.value === "") {
        var chips = chosenBox.querySelectorAll(".picker-chip");
        if (chips.length) { chips[chips.length - 1].remove(); changed(root); }
      }
    });
  }
  function all(scope) { (scope || document).querySelectorAll(".picker").forEach(setup); }
  document.addEventListener("DOMContentLoaded", function () { all(); });
  document.addEventListener("htmx:afterSwap", function (e) { all(e.target); });
})();
