// Progressive enhancement only: every page works without this file.
(function () {
  // Copy buttons next to commands and new tokens.
  document.querySelectorAll("button.copy[data-copy]").forEach(function (btn) {
    if (!navigator.clipboard) return;
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var el = document.getElementById(btn.getAttribute("data-copy"));
      if (!el) return;
      navigator.clipboard.writeText(el.textContent).then(function () {
        var label = btn.textContent;
        btn.textContent = btn.getAttribute("data-copied");
        setTimeout(function () { btn.textContent = label; }, 1500);
      });
    });
  });
  // Changing the sort menu applies it at once.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
    sel.addEventListener("change", function () { sel.form.submit(); });
  });
})();
