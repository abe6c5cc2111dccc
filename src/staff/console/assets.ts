/**
 * The console's only stylesheet and script, served by the app itself (no CDN,
 * no external font, no build step). The Content-Security-Policy allows
 * scripts and styles from the app's own origin only, so neither may be inline.
 */
export const CONSOLE_CSS = `
:root { --brand: #9f1239; --brand-dark: #7f1d1d; --bg: #f5f5f4; --card: #fff; --line: #d6d3d1; --muted: #57534e; --ok: #166534; --err: #991b1b; --focus: #1d4ed8; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; font-size: 16px; line-height: 1.5; background: var(--bg); color: #1c1917; }
a { color: #1e40af; }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: 8px; z-index: 10; }
.skip:focus { left: 8px; }
header.top { background: var(--brand); color: #fff; padding: 10px 16px; display: flex; flex-wrap: wrap; align-items: center; gap: 4px 12px; }
header.top .brand { font-weight: 700; font-size: 17px; color: #fff; text-decoration: none; }
header.top .who { margin-left: auto; font-size: 14px; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
header.top .who a { color: #fff; }
header.top form { margin: 0; }
header.top button.link { background: none; border: 0; color: #fff; text-decoration: underline; font: inherit; font-size: 14px; cursor: pointer; padding: 4px; }
nav.menu { background: var(--brand-dark); overflow-x: auto; white-space: nowrap; }
nav.menu ul { list-style: none; margin: 0; padding: 0 8px; display: flex; }
nav.menu a { display: block; color: #fff; text-decoration: none; padding: 10px 12px; font-size: 15px; }
nav.menu a[aria-current="page"] { background: rgba(255,255,255,.2); font-weight: 600; }
nav.menu .badge { background: #fde047; color: #1c1917; border-radius: 10px; padding: 0 7px; font-size: 13px; margin-left: 4px; }
main { max-width: 980px; margin: 0 auto; padding: 16px; }
h1 { font-size: 22px; margin: 4px 0 16px; }
h2 { font-size: 18px; margin: 20px 0 8px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; margin-bottom: 12px; }
.muted { color: var(--muted); font-size: 14px; }
.flash { border-radius: 8px; padding: 10px 14px; margin-bottom: 14px; }
.flash.ok { background: #dcfce7; color: var(--ok); border: 1px solid #86efac; }
.flash.error { background: #fee2e2; color: var(--err); border: 1px solid #fca5a5; }
label { display: block; font-weight: 600; margin: 10px 0 4px; }
input[type=text], input[type=password], input[type=search], input[type=number], input[type=tel], input[type=email], input[type=url], input[type=date], input[type=time], select, textarea { width: 100%; font: inherit; padding: 9px 10px; border: 1px solid #a8a29e; border-radius: 8px; background: #fff; color: inherit; }
textarea { min-height: 120px; resize: vertical; }
button, .button { font: inherit; background: var(--brand); color: #fff; border: 0; border-radius: 8px; padding: 9px 16px; cursor: pointer; text-decoration: none; display: inline-block; min-height: 44px; }
button.secondary, .button.secondary { background: #fff; color: var(--brand); border: 1px solid var(--brand); }
button.danger { background: var(--err); }
.row { display: flex; gap: 8px; flex-wrap: wrap; align-items: flex-end; }
.row > * { flex: 1 1 180px; }
.row > button, .row > .button { flex: 0 0 auto; }
.actions { display: flex; gap: 8px; flex-wrap: wrap; margin-top: 12px; }
.actions form { margin: 0; }
.tabs { display: flex; gap: 6px; flex-wrap: wrap; margin-bottom: 12px; }
.tabs a { padding: 6px 12px; border-radius: 16px; border: 1px solid var(--line); background: #fff; text-decoration: none; color: inherit; }
.tabs a[aria-current="page"] { background: var(--brand); color: #fff; border-color: var(--brand); }
ul.list { list-style: none; margin: 0; padding: 0; }
ul.list li { background: #fff; border: 1px solid var(--line); border-radius: 10px; margin-bottom: 8px; }
ul.list li a.item { display: block; padding: 12px 14px; color: inherit; text-decoration: none; }
ul.list .title { font-weight: 600; }
.tag { display: inline-block; font-size: 13px; border-radius: 10px; padding: 0 8px; background: #e7e5e4; color: #292524; }
.tag.wait { background: #fef3c7; color: #78350f; }
.tag.late { background: #fee2e2; color: var(--err); }
.thread { display: flex; flex-direction: column; gap: 6px; }
.bubble { max-width: 88%; padding: 8px 12px; border-radius: 12px; white-space: pre-wrap; word-wrap: break-word; }
.bubble.resident { align-self: flex-start; background: #fff; border: 1px solid var(--line); }
.bubble.bot { align-self: flex-end; background: #e0e7ff; }
.bubble.question { border: 2px solid #b45309; }
.bubble .meta { display: block; font-size: 12px; color: var(--muted); }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; border-bottom: 1px solid var(--line); padding: 8px; vertical-align: top; font-size: 15px; }
.table-wrap { overflow-x: auto; }
.secret { font-family: ui-monospace, monospace; background: #fef9c3; padding: 8px; border-radius: 6px; word-break: break-all; }
.login { max-width: 380px; margin: 40px auto; }
@media (min-width: 760px) { main { padding: 24px; } h1 { font-size: 26px; } }
@media print { header.top, nav.menu, .actions, form { display: none !important; } body { background: #fff; } }
`;

/**
 * Progressive enhancement only: every page works without it. It keeps the
 * inbox count in the title and the menu current (polling every 20 s), and
 * fills the reply box from a saved template.
 */
export const CONSOLE_JS = `
(function () {
  'use strict';
  var badge = document.querySelector('[data-inbox-count]');
  var countUrl = document.body.getAttribute('data-count-url');
  var baseTitle = document.title.replace(/^\\(\\d+\\) /, '');
  function show(n) {
    document.title = (n > 0 ? '(' + n + ') ' : '') + baseTitle;
    if (badge) { badge.textContent = String(n); badge.hidden = n === 0; }
    var live = document.getElementById('inbox-live');
    if (live && live.getAttribute('data-count') !== String(n)) {
      var before = Number(live.getAttribute('data-count'));
      live.setAttribute('data-count', String(n));
      if (n > before) { live.hidden = false; live.textContent = 'Có câu hỏi mới. Tải lại trang để xem.'; }
    }
  }
  function poll() {
    if (!countUrl) return;
    fetch(countUrl, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) { if (j && typeof j.open === 'number') show(j.open); })
      .catch(function () {});
  }
  if (countUrl) { poll(); setInterval(poll, 20000); }
  var picker = document.getElementById('template-picker');
  var box = document.getElementById('answer');
  if (picker && box) {
    picker.addEventListener('change', function () {
      var opt = picker.options[picker.selectedIndex];
      var text = opt && opt.getAttribute('data-text');
      if (text) { box.value = box.value ? box.value + '\\n' + text : text; box.focus(); }
    });
  }
  document.querySelectorAll('form[data-confirm]').forEach(function (f) {
    f.addEventListener('submit', function (e) { if (!window.confirm(f.getAttribute('data-confirm'))) e.preventDefault(); });
  });
})();
`;
