// Larger-text mode for older readers: toggles a class on <html>, remembered in localStorage.
(function () {
  var KEY = "xinyong.largeText";
  var root = document.documentElement;
  function apply(on) {
    root.classList.toggle("large-text", on);
    var b = document.getElementById("text-size");
    if (b) { b.setAttribute("aria-pressed", on ? "true" : "false"); b.textContent = on ? "标准字号" : "大字模式"; }
  }
  var saved = false;
  try { saved = localStorage.getItem(KEY) === "1"; } catch (e) { saved = false; }
  apply(saved);
  document.addEventListener("DOMContentLoaded", function () {
    apply(root.classList.contains("large-text"));
    var b = document.getElementById("text-size");
    if (!b) { return; }
    b.addEventListener("click", function () {
      var on = !root.classList.contains("large-text");
      apply(on);
      try { localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* private mode: still toggles */ }
    });
  });
})();
