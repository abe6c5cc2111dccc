import { csrfField } from '../../core/console-kit.js';
import { html, type SafeHtml } from '../../core/html.js';
import type { ConsoleContext } from '../../core/staff.js';
import { SIGNED_COPY_MAX_BYTES } from './service.js';

/**
 * Uploading the officially signed PDF from the console (issue 16 item 5).
 * The console checks CSRF from a form field, which a multipart body does not
 * give before it is parsed; so a small script of ours sends the raw file to
 * the staff API (`POST /api/v1/civil-record-requests/:id/signed-copy`, which
 * accepts the console session with the token in X-CSRF-Token) and shows the
 * answer. Without JavaScript the card says the upload needs it.
 */

/** Where the console serves {@link SIGNED_COPY_JS} (a file of the app's own: the CSP forbids inline scripts). */
export const SIGNED_COPY_JS_PATH = '/console/civil-records/signed-copy.js';

/** What the console says about a refused decision, by the service's error code. */
export const ERROR_TEXTS: Record<string, string> = {
  not_found: 'Không tìm thấy yêu cầu.',
  not_pending: 'Yêu cầu này đã được xử lý.',
  record_required: 'Anh/chị cần chọn đăng ký hộ tịch khớp với yêu cầu.',
  record_mismatch: 'Đăng ký được chọn không thuộc loại giấy của yêu cầu.',
  id_mismatch: 'Số căn cước của người yêu cầu không khớp với số định danh trên đăng ký: không thể cấp cho "chính người đó".',
  not_approved: 'Yêu cầu đã đóng.',
  not_pdf: 'Tệp tải lên phải là PDF, tối đa 5 MB.',
  no_copy: 'Bản sao đã bị thu hồi.',
};

/**
 * The script's messages: the API's error codes first, then by HTTP status
 * (the body parser's 413 and the auth guard's 401/403 carry no code of ours).
 */
const UPLOAD_MESSAGES: Record<string, string> = {
  ...ERROR_TEXTS,
  http_401: 'Phiên làm việc đã hết hạn. Vui lòng tải lại trang và đăng nhập lại.',
  http_403: 'Không tải lên được: phiên làm việc đã thay đổi hoặc anh/chị không có quyền. Vui lòng tải lại trang và thử lại.',
  http_404: ERROR_TEXTS.not_found,
  http_409: ERROR_TEXTS.not_pending,
  http_413: ERROR_TEXTS.not_pdf,
  http_415: ERROR_TEXTS.not_pdf,
  no_file: 'Anh/chị chưa chọn tệp PDF.',
  sending: 'Đang tải tệp lên…',
  done: 'Đã tải lên bản sao có chữ ký số. Khi duyệt, tệp này được gửi cho người dân thay cho bản sao do hệ thống tạo.',
  network: 'Không gửi được tệp. Anh/chị kiểm tra kết nối mạng rồi thử lại.',
  other: 'Không tải lên được. Anh/chị vui lòng thử lại sau.',
};

/** The upload card of a pending request, for staff who may decide. */
export function signedCopyCard(ctx: ConsoleContext, requestId: number): SafeHtml {
  return html`<div class="card">
    <h2>Bản sao có chữ ký số</h2>
    <p class="muted">
      Nếu bản sao đã được ký số trên phần mềm hộ tịch, anh/chị tải tệp PDF lên đây (tối đa 5 MB): khi duyệt, tệp này được gửi cho
      người dân thay cho bản sao do hệ thống tạo. Tải lên lần nữa sẽ thay tệp cũ.
    </p>
    <p id="signed-copy-nojs" class="flash error">
      Tải tệp lên cần bật JavaScript trong trình duyệt. Anh/chị bật JavaScript rồi tải lại trang.
    </p>
    <form
      id="signed-copy-form"
      hidden
      data-url="/api/v1/civil-record-requests/${requestId}/signed-copy"
      data-max-bytes="${SIGNED_COPY_MAX_BYTES}"
      data-messages="${JSON.stringify(UPLOAD_MESSAGES)}"
    >
      ${csrfField(ctx)}
      <label for="signed-copy-file">Tệp PDF có chữ ký số</label>
      <input id="signed-copy-file" name="file" type="file" accept="application/pdf,.pdf" required />
      <div class="actions"><button type="submit" id="signed-copy-submit">Tải lên</button></div>
      <p id="signed-copy-result" role="status" aria-live="polite"></p>
    </form>
    <script src="${SIGNED_COPY_JS_PATH}" defer></script>
  </div>`;
}

/**
 * Progressive enhancement of {@link signedCopyCard}: shows the form, checks
 * the size before sending, posts the file as application/pdf with the
 * session's CSRF token in X-CSRF-Token, shows the answer in Vietnamese and,
 * on success, reloads the page (the message survives the reload once, in
 * sessionStorage).
 */
export const SIGNED_COPY_JS = `(function () {
  'use strict';
  var form = document.getElementById('signed-copy-form');
  if (!form) return;
  var notice = document.getElementById('signed-copy-nojs');
  var input = document.getElementById('signed-copy-file');
  var button = document.getElementById('signed-copy-submit');
  var out = document.getElementById('signed-copy-result');
  var messages = JSON.parse(form.getAttribute('data-messages') || '{}');
  var max = Number(form.getAttribute('data-max-bytes'));
  var KEY = 'civil-signed-copy:' + form.getAttribute('data-url');
  if (notice) notice.hidden = true;
  form.hidden = false;
  function say(kind, text) {
    out.className = kind ? 'flash ' + kind : '';
    out.textContent = text;
  }
  try {
    var kept = window.sessionStorage.getItem(KEY);
    if (kept) { window.sessionStorage.removeItem(KEY); say('ok', kept); }
  } catch (e) { /* storage disabled: the page itself shows the uploaded file */ }
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var file = input.files && input.files[0];
    if (!file) return say('error', messages.no_file);
    if (file.size === 0 || file.size > max) return say('error', messages.not_pdf);
    var token = form.querySelector('input[name="_csrf"]').value;
    var url = form.getAttribute('data-url');
    var commune = new URLSearchParams(window.location.search).get('commune');
    if (commune) url += '?commune=' + encodeURIComponent(commune);
    button.disabled = true;
    say('', messages.sending);
    fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/pdf', 'x-csrf-token': token, accept: 'application/json' },
      body: file
    }).then(function (res) {
      if (res.ok) {
        try { window.sessionStorage.setItem(KEY, messages.done); } catch (e) { /* the reloaded page shows the file anyway */ }
        say('ok', messages.done);
        window.location.reload();
        return;
      }
      return res.json().catch(function () { return {}; }).then(function (body) {
        var code = body && typeof body.error === 'string' ? body.error : '';
        var known = Object.prototype.hasOwnProperty.call(messages, code) ? code : 'http_' + res.status;
        say('error', Object.prototype.hasOwnProperty.call(messages, known) ? messages[known] : messages.other);
        button.disabled = false;
      });
    }, function () {
      say('error', messages.network);
      button.disabled = false;
    });
  });
})();
`;
