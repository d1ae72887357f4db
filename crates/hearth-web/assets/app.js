// Sends the CSRF token with every htmx request (forms also carry it as a hidden field).
document.addEventListener("htmx:configRequest", function (e) {
  var t = document.body.getAttribute("data-csrf");
  if (t) { e.detail.headers["X-CSRF-Token"] = t; }
});
