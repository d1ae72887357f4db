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
