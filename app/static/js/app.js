// Small glue of our own around htmx: errors shown in the alert area (never swapped into a
// table cell) and a clear message when the server cannot be reached.
document.addEventListener("htmx:responseError", function (evt) {
  var xhr = evt.detail.xhr;
  var box = document.getElementById("alerts");
  if (!box) return;
  var holder = document.createElement("div");
  holder.innerHTML = xhr.responseText || "";
  var alert = holder.querySelector(".alert");
  if (!alert) {
    alert = document.createElement("div");
    alert.className = "alert alert-error";
    alert.setAttribute("role", "alert");
    alert.textContent = "エラーが発生しました（" + xhr.status + "）。画面を更新してください。";
  }
  box.replaceChildren(alert);
});
document.addEventListener("htmx:sendError", function () {
  var box = document.getElementById("alerts");
  if (!box) return;
  var alert = document.createElement("div");
  alert.className = "alert alert-error";
  alert.setAttribute("role", "alert");
  alert.textContent = "サーバーに接続できませんでした。ネットワークを確認して、もう一度お試しください。入力内容は画面に残っています。";
  box.replaceChildren(alert);
});

// Postal-code candidates: fill the address only when the officer picks one (never overwrite
// what was typed without being asked).
document.addEventListener("click", function (evt) {
  var btn = evt.target.closest("[data-fill-address]");
  if (!btn) return;
  var form = btn.closest("form");
  form.querySelector("[name=prefecture]").value = btn.dataset.prefecture;
  form.querySelector("[name=municipality]").value = btn.dataset.municipality;
  var addr = form.querySelector("[name=address]");
  if (!addr.value.startsWith(btn.dataset.town)) addr.value = btn.dataset.town + addr.value;
  addr.focus();
});
