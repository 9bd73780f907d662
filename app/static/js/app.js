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
  // Replace the town a previous pick put in front; keep what the officer typed after it.
  var previous = addr.dataset.filledTown || "";
  var rest = previous && addr.value.startsWith(previous) ? addr.value.slice(previous.length) : addr.value;
  if (rest.startsWith(btn.dataset.town)) rest = rest.slice(btn.dataset.town.length);
  addr.value = btn.dataset.town + rest;
  addr.dataset.filledTown = btn.dataset.town;
  addr.focus();
});

// When the session has ended, htmx is sent to the login page (401 + HX-Redirect). Keep what
// the officer typed in this tab only (sessionStorage, gone when the tab closes), and put it
// back once they return to the same page after logging in; then forget it.
var RESCUE = "pta-rescue:";
document.addEventListener("htmx:beforeOnLoad", function (evt) {
  if (evt.detail.xhr.status !== 401) return;
  var form = evt.detail.elt.closest("form");
  if (!form || form.method.toLowerCase() !== "post") return;
  var fields = [];
  form.querySelectorAll("input, textarea, select").forEach(function (el) {
    if (!el.name || el.type === "hidden" || el.type === "password") return;
    fields.push({name: el.name, value: el.value, type: el.type, checked: el.checked});
  });
  try { sessionStorage.setItem(RESCUE + location.pathname, JSON.stringify(fields)); } catch (e) {}
});
document.addEventListener("DOMContentLoaded", function () {
  var key = RESCUE + location.pathname, raw = null;
  try { raw = sessionStorage.getItem(key); sessionStorage.removeItem(key); } catch (e) {}
  if (!raw) return;
  JSON.parse(raw).forEach(function (f) {
    document.querySelectorAll("[name='" + CSS.escape(f.name) + "']").forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.value === f.value) el.checked = f.checked;
      } else if (el.type === f.type || el.tagName === "TEXTAREA" || el.tagName === "SELECT") {
        el.value = f.value;
      }
    });
  });
  var box = document.getElementById("alerts");
  if (box) {
    var alert = document.createElement("div");
    alert.className = "alert alert-warning";
    alert.setAttribute("role", "status");
    alert.textContent = "ログインが切れる前に入力していた内容を画面に戻しました。内容を確認して保存してください。";
    box.appendChild(alert);
  }
});

// Matching page: count the advisors picked and stop at the maximum (3).
function updatePickCount(form) {
  var max = parseInt(form.dataset.pickMax, 10);
  var boxes = form.querySelectorAll("input[name=advisor][type=checkbox]");
  var n = 0;
  boxes.forEach(function (b) { if (b.checked) n++; });
  boxes.forEach(function (b) { b.disabled = !b.checked && n >= max; });
  var label = form.querySelector("[data-pick-count]");
  if (label) {
    label.textContent = "選択中 " + n + "名（最大" + max + "名）";
    label.classList.toggle("full", n >= max);
  }
}
document.addEventListener("change", function (evt) {
  var form = evt.target.closest("form[data-pick-max]");
  if (form && evt.target.name === "advisor") updatePickCount(form);
});
document.addEventListener("htmx:load", function (evt) {
  evt.detail.elt.querySelectorAll("form[data-pick-max]").forEach(updatePickCount);
});

// Plain (non-htmx) forms whose button says data-once: one click sends once. The server also
// treats a repeated submit as the same one; this only spares the second request.
document.addEventListener("submit", function (evt) {
  var button = evt.target.querySelector("button[data-once]");
  if (!button) return;
  setTimeout(function () { button.disabled = true; button.textContent = "送信しています…"; }, 0);
});
