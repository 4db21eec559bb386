/* Portal shell behaviour. Loaded with `defer` after htmx on every page; no inline scripts anywhere (CSP).
 *
 * - mobile navigation drawer        [data-nav-toggle], [data-nav-close]
 * - htmx CSRF header                 X-CSRFToken from <meta name="csrf-token">
 * - widths without inline style      [data-width="83.4"] -> element.style.width = "83.4%"
 * - dismissible alerts               [data-dismiss="alert"]
 * - confirmation prompts             form[data-confirm], a/button[data-confirm]
 * - organization tree expand/collapse [data-tree-toggle], [data-tree-all="expand|collapse"]
 * - select all checkboxes            [data-check-all="#container"] (button or checkbox)
 * - submit a filter form on change   select[data-autosubmit], input[data-autosubmit]
 */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) return meta.content;
    var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  // --- htmx: CSRF header on every request (the cookie is HttpOnly, so read the meta tag) ----------
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) event.detail.headers["X-CSRFToken"] = token;
  });

  // --- Navigation drawer (phones) -----------------------------------------------------------------
  function setNav(open) {
    var toggle = document.querySelector("[data-nav-toggle]");
    var backdrop = document.querySelector(".nav-backdrop");
    document.body.classList.toggle("nav-open", open);
    if (toggle) toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (backdrop) backdrop.hidden = !open;
  }

  // --- Enhancements applied to the page and to every htmx-swapped fragment ------------------------
  function applyWidths(scope) {
    var nodes = scope.querySelectorAll("[data-width]");
    for (var i = 0; i < nodes.length; i++) {
      var value = parseFloat(nodes[i].getAttribute("data-width"));
      if (isNaN(value)) continue;
      nodes[i].style.width = Math.max(0, Math.min(100, value)) + "%";
    }
  }

  // A table wider than its box scrolls inside .table-wrap; say so, or on a phone the cut-off columns look missing.
  function markScrollable(scope) {
    (scope || document).querySelectorAll(".table-wrap").forEach(function (wrap) {
      var wide = wrap.scrollWidth > wrap.clientWidth + 1;
      wrap.classList.toggle("has-overflow", wide);
      if (wide) wrap.setAttribute("data-scroll-hint", document.body.getAttribute("data-scroll-hint") || "⇆");
    });
  }

  function enhance(scope) {
    if (!scope || !scope.querySelectorAll) return;
    applyWidths(scope);
    markScrollable(scope);
  }

  function setTreeNode(li, expanded) {
    li.classList.toggle("is-collapsed", !expanded);
    var btn = li.querySelector(":scope > .tree-node [data-tree-toggle]");
    if (btn) btn.setAttribute("aria-expanded", expanded ? "true" : "false");
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;

    var el = target.closest("[data-nav-toggle]");
    if (el) {
      setNav(!document.body.classList.contains("nav-open"));
      return;
    }
    if (target.closest("[data-nav-close]")) {
      setNav(false);
      return;
    }

    el = target.closest('[data-dismiss="alert"]');
    if (el) {
      var alertBox = el.closest(".alert");
      if (alertBox) alertBox.remove();
      return;
    }

    el = target.closest("[data-tree-toggle]");
    if (el) {
      var li = el.closest("li");
      if (li) setTreeNode(li, li.classList.contains("is-collapsed"));
      return;
    }

    el = target.closest("[data-tree-all]");
    if (el) {
      var tree = document.querySelector(el.getAttribute("data-tree-target") || ".tree");
      if (tree) {
        var expand = el.getAttribute("data-tree-all") === "expand";
        tree.querySelectorAll("li.has-children").forEach(function (node) { setTreeNode(node, expand); });
      }
      return;
    }

    el = target.closest("[data-check-all]");
    if (el) {
      var box = document.querySelector(el.getAttribute("data-check-all"));
      if (box) {
        var inputs = box.querySelectorAll('input[type="checkbox"]:not(:disabled)');
        var state = el.matches('input[type="checkbox"]') ? el.checked
          : Array.prototype.some.call(inputs, function (i) { return !i.checked; });
        inputs.forEach(function (i) {
          if (i.checked !== state) {
            i.checked = state;
            i.dispatchEvent(new Event("change", { bubbles: true }));
          }
        });
      }
      return;
    }

    el = target.closest("a[data-confirm], button[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-confirm")) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    }
  });

  // Pickers narrowed by a parent picker (portal.widgets.NarrowedSelect): only the chosen parent's children.
  function narrow(select) {
    var form = select.form;
    var parent = form && form.elements.namedItem(select.getAttribute("data-narrow-by"));
    var chosen = parent && "value" in parent ? parent.value : "";
    Array.prototype.forEach.call(select.options, function (option) {
      var owner = option.getAttribute("data-parent");
      var hide = !!(chosen && owner && owner !== chosen);
      option.hidden = hide;
      option.disabled = hide;
      if (hide && option.selected) select.value = "";
    });
  }
  function narrowAll(root) {
    (root || document).querySelectorAll("select[data-narrow-by]").forEach(narrow);
  }

  document.addEventListener("change", function (event) {
    var changed = event.target;
    if (changed instanceof Element && changed.form && changed.name) {
      changed.form.querySelectorAll('select[data-narrow-by="' + changed.name + '"]').forEach(narrow);
    }
  });

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof Element && el.hasAttribute("data-autosubmit") && el.form) {
      if (typeof el.form.requestSubmit === "function") el.form.requestSubmit();
      else el.form.submit();
    }
  });

  window.addEventListener("resize", function () { markScrollable(document); });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && document.body.classList.contains("nav-open")) setNav(false);
  });

  document.addEventListener("htmx:load", function (event) {
    enhance(event.detail && event.detail.elt);
    narrowAll(event.detail && event.detail.elt);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); narrowAll(document); });
  } else {
    enhance(document);
    narrowAll(document);
  }
})();
