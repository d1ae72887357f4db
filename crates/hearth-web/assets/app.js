// Sends the CSRF token with every htmx request (forms also carry it as a hidden field).
document.addEventListener("htmx:configRequest", function (e) {
  var t = document.body.getAttribute("data-csrf");
  if (t) { e.detail.headers["X-CSRF-Token"] = t; }
});

// An error answer to an htmx request is shown where the user is looking: the server points
// it at the page's message area (HX-Retarget), and htmx, which drops 4xx/5xx bodies by
// default, swaps it in. A request that finds the session expired gets HX-Redirect instead.
document.addEventListener("htmx:beforeSwap", function (e) {
  var xhr = e.detail.xhr;
  if (xhr.status >= 400 && xhr.getResponseHeader("HX-Retarget")) {
    e.detail.shouldSwap = true;
    e.detail.isError = false;
  }
});

// A successful swap clears an error shown earlier.
document.addEventListener("htmx:afterSwap", function (e) {
  var box = document.getElementById("htmx-error");
  if (box && e.detail.target !== box && e.detail.xhr && e.detail.xhr.status < 400) { box.innerHTML = ""; }
});

// A form held across signing in again is sent as soon as its page opens (the worker had
// pressed Save; the page also has a button for when scripts are off).
(function () {
  var held = document.querySelector("form[data-autosubmit]");
  if (held) { held.submit(); }
})();

// Unsaved input keeps the session alive: while a form on the page has been typed in and
// not yet submitted, the page pings the server every few minutes (the 12-hour absolute
// limit still ends it). If the session has ended anyway, nothing is lost: saving leads
// to sign-in and the input is saved after it.
(function () {
  var every = parseInt(document.body.getAttribute("data-keepalive") || "0", 10);
  if (!every) { return; }
  var dirty = false;
  document.addEventListener("input", function (e) {
    var f = e.target && e.target.form;
    if (f && (f.getAttribute("method") || "").toLowerCase() === "post") { dirty = true; }
  });
  document.addEventListener("submit", function () { dirty = false; });
  setInterval(function () {
    if (!dirty || !window.fetch) { return; }
    fetch("/session/alive", { credentials: "same-origin", cache: "no-store" }).catch(function () {});
  }, every * 1000);
})();

// A form shown again with errors: the summary at its top takes focus (and so the screen),
// wherever on the page the form is; each line links to its field.
(function () {
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); summary.scrollIntoView({ block: "start" }); }
})();

// The print view's buttons.
(function () {
  var print = document.querySelector("button[data-print]");
  if (print) { print.addEventListener("click", function () { window.print(); }); }
  var back = document.querySelector("button[data-back]");
  if (back) { back.addEventListener("click", function () { window.history.back(); }); }
})();

// "Add another need" adds a blank need in place from the page's <template>, numbered after
// the last one, and puts the cursor in it: no request, so nothing typed can be lost to a
// slow connection or an ended session. Without scripts the button posts the form, which
// comes back with one more row.
(function () {
  document.addEventListener("click", function (e) {
    var b = e.target && e.target.closest && e.target.closest("button[data-add-from]");
    if (!b) { return; }
    var tpl = document.getElementById(b.getAttribute("data-add-from"));
    var to = document.getElementById(b.getAttribute("data-add-to"));
    if (!tpl || !to) { return; }
    e.preventDefault();
    var next = 0;
    to.querySelectorAll("fieldset[id^='need-']").forEach(function (f) {
      var k = parseInt(f.id.slice(5), 10);
      if (k >= next) { next = k + 1; }
    });
    var html = tpl.innerHTML.split("__i__").join(String(next)).split("__n__").join(String(next + 1));
    to.insertAdjacentHTML("beforeend", html);
    var added = document.getElementById("need-" + next);
    var first = added && added.querySelector("textarea, input, select");
    if (first) { first.focus(); }
  });
})();

// A request that never got an answer (no connection, or slower than the timeout) says so
// where the worker is looking, and marks what was tapped; nothing changed on the page, so
// tapping again retries. Marks are idempotent, so a retry never counts twice.
(function () {
  function failed(e) {
    var box = document.getElementById("htmx-error");
    var msg = document.body.getAttribute("data-offline") || "";
    if (box) {
      box.innerHTML = "";
      var p = document.createElement("p");
      p.className = "alert";
      p.setAttribute("role", "alert");
      p.textContent = msg;
      box.appendChild(p);
    }
    var row = e.detail && e.detail.elt && e.detail.elt.closest && e.detail.elt.closest("li");
    if (row) { row.classList.add("failed"); }
  }
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:timeout", failed);
})();
