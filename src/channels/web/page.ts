import { escapeHtml } from '../../core/html.js';

/** The resident web chat page (self-contained: no build step, no external assets). */
export function renderChatPage(opts: { communeName: string; communeSlug: string; photos?: boolean }): string {
  const name = escapeHtml(opts.communeName);
  return `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trợ lý ảo ${name}</title>
<style>
  :root { --brand: #b91c1c; --bg: #f5f5f4; --me: #dbeafe; --bot: #ffffff; }
  * { box-sizing: border-box; }
  body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: #1c1917; }
  header { background: var(--brand); color: #fff; padding: 12px 16px; }
  header h1 { margin: 0; font-size: 18px; }
  header p { margin: 2px 0 0; font-size: 13px; opacity: .9; }
  main { max-width: 720px; margin: 0 auto; display: flex; flex-direction: column; height: calc(100vh - 60px); }
  #log { flex: 1; overflow-y: auto; padding: 16px; display: flex; flex-direction: column; gap: 8px; }
  .msg { max-width: 85%; padding: 10px 12px; border-radius: 12px; white-space: pre-wrap; line-height: 1.45; box-shadow: 0 1px 1px rgba(0,0,0,.06); }
  .me { align-self: flex-end; background: var(--me); }
  .bot { align-self: flex-start; background: var(--bot); }
  .buttons { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
  .buttons button, .buttons a { border: 1px solid var(--brand); color: var(--brand); background: #fff; border-radius: 16px; padding: 6px 12px; font-size: 14px; cursor: pointer; text-decoration: none; }
  .buttons button:hover, .buttons a:hover { background: #fef2f2; }
  form { display: flex; gap: 8px; padding: 12px 16px; background: #fff; border-top: 1px solid #e7e5e4; }
  input { flex: 1; font-size: 16px; padding: 10px 12px; border: 1px solid #d6d3d1; border-radius: 20px; }
  form button { background: var(--brand); color: #fff; border: 0; border-radius: 20px; padding: 0 18px; font-size: 16px; cursor: pointer; }
  #pb { background: #fff; color: var(--brand); border: 1px solid var(--brand); }
  #pb[hidden] { display: none; }
  .hint { font-size: 12px; color: #78716c; text-align: center; padding: 4px; }
</style>
</head>
<body>
<header><h1>Trợ lý ảo ${name}</h1><p>Hướng dẫn thủ tục hành chính · Tra cứu hồ sơ · Gặp cán bộ</p></header>
<main>
  <div id="log" aria-live="polite"></div>
  <div class="hint">Không gửi số CCCD, mật khẩu hay thông tin nhạy cảm qua khung chat nếu không được yêu cầu.</div>
  <form id="f" autocomplete="off">
    <input id="t" name="t" placeholder="Nhập câu hỏi, ví dụ: làm giấy khai sinh cần gì?" maxlength="2000" aria-label="Nội dung tin nhắn">
    <button type="submit">Gửi</button>
    <button type="button" id="pb" hidden>Gửi ảnh</button>
    <input type="file" id="pf" accept="image/jpeg,image/png,image/webp" hidden aria-label="Chọn ảnh để gửi">
  </form>
</main>
<script>
(function () {
  var key = 'trolyxa-session-${escapeJs(opts.communeSlug)}';
  // The server issues the session (signed); one kept from an earlier version of the page is not one.
  var sessionId = localStorage.getItem(key);
  if (sessionId && sessionId.split('.').length !== 3) sessionId = null;
  var commune = '${escapeJs(opts.communeSlug)}';
  var communeQuery = new URLSearchParams(location.search).get('commune') ? 'commune=' + encodeURIComponent(commune) : '';
  var pendingSession = null;
  function newSession() {
    if (!pendingSession) {
      pendingSession = fetch('api/v1/chat/session' + (communeQuery ? '?' + communeQuery : ''), { method: 'POST' })
        .then(function (r) {
          return r.json().then(function (j) {
            if (!r.ok || !j.sessionId) throw { shown: j.error };
            sessionId = j.sessionId;
            localStorage.setItem(key, sessionId);
            return sessionId;
          });
        })
        .finally(function () { pendingSession = null; });
    }
    return pendingSession;
  }
  function withSession() { return sessionId ? Promise.resolve(sessionId) : newSession(); }
  var log = document.getElementById('log');
  var photos = ${opts.photos ? 'true' : 'false'};
  var pb = document.getElementById('pb');
  var pf = document.getElementById('pf');
  // The photo button is shown while a report asks for photos (a reply with requestImage) and stays after an upload.
  function photoMode(on) { pb.hidden = !(photos && on); }
  var lastId = 0;
  function add(text, who, buttons, file) {
    var div = document.createElement('div');
    div.className = 'msg ' + who;
    div.textContent = text;
    if ((buttons && buttons.length) || file) {
      var row = document.createElement('div');
      row.className = 'buttons';
      (buttons || []).forEach(function (b) {
        var el;
        if (b.url) { el = document.createElement('a'); el.href = b.url; el.target = '_blank'; el.rel = 'noopener'; }
        else { el = document.createElement('button'); el.type = 'button'; el.onclick = function () { send({ action: b.action }, b.label); }; }
        el.textContent = b.label;
        row.appendChild(el);
      });
      if (file) {
        var a = document.createElement('a');
        a.textContent = 'Tải tệp: ' + file.name;
        a.download = file.name;
        a.href = 'data:' + file.mimeType + ';base64,' + file.contentBase64;
        row.appendChild(a);
      }
      div.appendChild(row);
    }
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
  }
  function post(body) {
    body.sessionId = sessionId;
    return fetch('api/v1/chat' + (communeQuery ? '?' + communeQuery : ''), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  }
  function send(body, shown) {
    if (shown) add(shown, 'me');
    body.messageId = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    return withSession()
      .then(function () { return post(body); })
      // A session the server no longer accepts (expired, another key): get a new one and send once more.
      .then(function (r) { return r.status === 401 ? newSession().then(function () { return post(body); }) : r; })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        if (j.replies) {
          j.replies.forEach(function (r) { add(r.text, 'bot', r.buttons, r.file); });
          photoMode(j.replies.some(function (r) { return r.requestImage; }));
        } else add(j.error || 'Xin lỗi, đã có lỗi. Anh/chị vui lòng thử lại.', 'bot');
        if (j.lastId) lastId = Math.max(lastId, j.lastId);
      })
      .catch(function (e) { add((e && e.shown) || 'Không kết nối được máy chủ. Anh/chị vui lòng thử lại sau.', 'bot'); });
  }
  function poll() {
    if (!sessionId) { setTimeout(poll, 5000); return; }
    fetch('api/v1/chat/updates?sessionId=' + encodeURIComponent(sessionId) + '&after=' + lastId + (communeQuery ? '&' + communeQuery : ''))
      .then(function (r) {
        if (r.status === 401) { sessionId = null; return {}; }
        return r.json();
      })
      .then(function (j) {
        (j.messages || []).forEach(function (m) { if (m.id > lastId) { lastId = m.id; add(m.text, 'bot', m.buttons, m.file); } });
      })
      .catch(function () {})
      .finally(function () { setTimeout(poll, 5000); });
  }
  pb.addEventListener('click', function () { pf.click(); });
  pf.addEventListener('change', function () {
    var file = pf.files && pf.files[0];
    pf.value = '';
    if (!file) return;
    add('Ảnh: ' + file.name, 'me');
    withSession()
      .then(function (sid) {
        return fetch('api/v1/chat/photo' + (communeQuery ? '?' + communeQuery : ''), {
          method: 'POST',
          headers: { 'Content-Type': file.type || 'application/octet-stream', 'X-Chat-Session': sid },
          body: file,
        });
      })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        if (j.replies) j.replies.forEach(function (r) { add(r.text, 'bot', r.buttons, r.file); });
        else add(j.error || 'Xin lỗi, chưa gửi được ảnh. Anh/chị vui lòng thử lại.', 'bot');
        if (j.lastId) lastId = Math.max(lastId, j.lastId);
      })
      .catch(function () { add('Không gửi được ảnh. Anh/chị vui lòng thử lại sau.', 'bot'); });
  });
  document.getElementById('f').addEventListener('submit', function (e) {
    e.preventDefault();
    var t = document.getElementById('t');
    var v = t.value.trim();
    if (!v) return;
    t.value = '';
    send({ text: v }, v);
  });
  var p = new URLSearchParams(location.search).get('p');
  var first = p ? send({ action: 'proc:show:' + p.replace(/[^0-9A-Za-z._-]/g, '') }) : send({ text: '/start' });
  first.then(function () { setTimeout(poll, 5000); });
})();
</script>
</body>
</html>`;
}

function escapeJs(s: string): string {
  return s.replace(/[^a-z0-9-]/gi, '');
}
