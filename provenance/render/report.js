// Behaviour of the HTML report; inlined into every report by provenance/render/html.py.
// Hover, focus or click a marked passage to see its evidence in a card; Enter or Space pins
// the card, Escape closes it. Keyboard users reach the links of the evidence in the article's
// evidence list, which holds the same cards. The card is a copy of the passage's entry in the article's
// evidence list (already escaped HTML built by the renderer): no markup is built from strings.
// A long article text starts collapsed, with its "Show all N paragraphs" button (a real
// button: Tab, Enter and Space work); focus or a link landing inside it expands it, and it
// prints expanded.
(function () {
  "use strict";
  // Collapse only what is well over the collapsed height: hiding a few lines saves nothing.
  var COLLAPSE_RATIO = 2;

  function setOpen(text, button, open) {
    text.classList.toggle("collapsed", !open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.textContent = open ? "Show less" : button.getAttribute("data-label");
  }

  function buttonOf(text) {
    return document.querySelector('button.more[aria-controls="' + text.id + '"]');
  }

  function expandAround(node) {
    var text = node && node.closest ? node.closest(".text.collapsed") : null;
    var button = text ? buttonOf(text) : null;
    if (button) { setOpen(text, button, true); }
    return Boolean(button);
  }

  document.querySelectorAll("button.more[aria-controls]").forEach(function (button) {
    var text = document.getElementById(button.getAttribute("aria-controls"));
    if (!text) { return; }
    text.classList.add("collapsed");
    if (text.scrollHeight < text.clientHeight * COLLAPSE_RATIO) {
      text.classList.remove("collapsed");
      return;
    }
    setOpen(text, button, false);
    button.hidden = false;
    button.addEventListener("click", function () {
      setOpen(text, button, text.classList.contains("collapsed"));
    });
  });
  document.addEventListener("focusin", function (event) { expandAround(event.target); });
  function expandTarget() {
    var target = location.hash.length > 1 ? document.getElementById(location.hash.slice(1)) : null;
    if (expandAround(target)) { target.scrollIntoView({block: "center"}); }
  }
  window.addEventListener("hashchange", expandTarget);
  expandTarget();
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll(".text.collapsed").forEach(function (text) {
      var button = buttonOf(text);
      if (button) { setOpen(text, button, true); }
    });
  });
})();

(function () {
  "use strict";
  var tip = document.getElementById("tip");
  if (!tip) { return; }
  var current = null;
  var pinned = false;

  function passage(node) {
    return node && node.closest ? node.closest("[data-ev]") : null;
  }

  function place(el) {
    var rects = el.getClientRects();
    var rect = rects.length ? rects[0] : el.getBoundingClientRect();
    var width = tip.offsetWidth;
    var height = tip.offsetHeight;
    var left = Math.max(8, Math.min(rect.left, document.documentElement.clientWidth - width - 8));
    var top = rect.bottom + 6;
    if (top + height > window.innerHeight - 8 && rect.top - height - 6 > 8) {
      top = rect.top - height - 6;
    }
    tip.style.left = (left + window.scrollX) + "px";
    tip.style.top = (top + window.scrollY) + "px";
  }

  function show(el, pin) {
    var source = document.getElementById(el.getAttribute("data-ev"));
    if (!source) { return; }
    if (current !== el) {
      if (current) { current.classList.remove("active"); }
      var card = source.cloneNode(true);
      card.removeAttribute("id");
      card.querySelectorAll("[id]").forEach(function (n) { n.removeAttribute("id"); });
      var close = document.createElement("button");
      close.type = "button";
      close.className = "close";
      close.setAttribute("aria-label", "Close evidence");
      close.textContent = "\u00d7";
      close.addEventListener("click", function () { hide(true); });
      tip.replaceChildren(close, card);
      current = el;
      el.classList.add("active");
    }
    pinned = pinned || Boolean(pin);
    tip.hidden = false;
    place(el);
  }

  function hide(restoreFocus) {
    if (!current) { tip.hidden = true; return; }
    var el = current;
    el.classList.remove("active");
    current = null;
    pinned = false;
    tip.hidden = true;
    if (restoreFocus) { el.focus(); }
  }

  document.addEventListener("mouseover", function (event) {
    var el = passage(event.target);
    if (el && !pinned) { show(el, false); }
  });
  document.addEventListener("mouseout", function (event) {
    var el = passage(event.target);
    var to = event.relatedTarget;
    if (!el || pinned || (to && (el.contains(to) || tip.contains(to)))) { return; }
    hide(false);
  });
  tip.addEventListener("mouseleave", function () { if (!pinned) { hide(false); } });
  document.addEventListener("click", function (event) {
    var el = passage(event.target);
    if (el) {
      if (pinned && current === el) { hide(false); } else { pinned = false; show(el, true); }
    } else if (pinned && !tip.contains(event.target)) {
      hide(false);
    }
  });
  document.addEventListener("focusin", function (event) {
    var el = passage(event.target);
    if (el) { pinned = false; show(el, false); }
  });
  document.addEventListener("focusout", function (event) {
    var el = passage(event.target);
    var to = event.relatedTarget;
    if (el && !pinned && !(to && tip.contains(to))) { hide(false); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && current) {
      hide(true);
      return;
    }
    var el = passage(event.target);
    if (el && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      show(el, true);
    }
  });
  window.addEventListener("resize", function () { if (current) { place(current); } });
  window.addEventListener("beforeprint", function () {
    hide(false);
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });
})();
