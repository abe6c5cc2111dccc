import { csrfField } from '../../core/console-kit.js';
import { html, type SafeHtml } from '../../core/html.js';
import type { ConsoleContext } from '../../core/staff.js';
import { attachmentOpen, MAX_ATTACHMENT_BYTES, type AttachmentInfo } from './attachments.js';
import type { NoticeRow } from './service.js';

/**
 * The attachment card of a notice page: the current file (staff open it at /console/notices/:id/attachment,
 * approvers before deciding) and, on a draft (or a scheduled notice nobody approved), an upload form. The console checks
 * CSRF from a form field, which a raw file body does not have, so a small script of ours sends the file to
 * `PUT /api/v1/notices/:id/attachment` with the token in X-CSRF-Token (as the civil-records signed copy).
 */

/** Where the console serves {@link ATTACHMENT_JS} (the CSP allows only the app's own script files). */
export const ATTACHMENT_JS_PATH = '/console/notices/attachment.js';

const sizeText = (bytes: number) =>
  bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(1).replace('.', ',')} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} KB`;

export function attachmentCard(
  ctx: ConsoleContext,
  notice: NoticeRow,
  file: AttachmentInfo | undefined,
  canWrite: boolean,
): SafeHtml | '' {
  const open = attachmentOpen(notice);
  if (!file && !(canWrite && open)) return '';
  return html`<div class="card" id="attachment">
    <h2>Tệp đính kèm</h2>
    ${
      file
        ? html`<p id="attachment-current">
            <a href="/console/notices/${notice.id}/attachment" rel="noopener">${file.name}</a>
            (${file.kind === 'pdf' ? 'PDF' : 'ảnh'}, ${sizeText(file.size)})
          </p>`
        : html`<p class="muted">Chưa có tệp đính kèm.</p>`
    }
    ${
      canWrite && open
        ? html`<p id="attachment-nojs" class="flash error">Tải tệp lên cần bật JavaScript trong trình duyệt.</p>
            <form
              id="attachment-form"
              hidden
              data-url="/api/v1/notices/${notice.id}/attachment"
              data-page="/console/notices/${notice.id}"
              data-max-bytes="${MAX_ATTACHMENT_BYTES}"
            >
              ${csrfField(ctx)}
              <label for="attachment-file"
                >Ảnh (JPEG, PNG) hoặc tệp PDF, tối đa 5 MB${file ? '; tải lên lần nữa sẽ thay tệp cũ' : ''}</label
              >
              <input id="attachment-file" name="file" type="file" accept="image/jpeg,image/png,application/pdf,.pdf" required />
              <div class="actions"><button type="submit" id="attachment-submit">Tải tệp lên</button></div>
              <p id="attachment-result" role="status" aria-live="polite"></p>
            </form>
            <script src="${ATTACHMENT_JS_PATH}" defer></script>`
        : ''
    }
  </div>`;
}

/** Shows the upload form, checks the size, sends the raw file with the CSRF header, and opens the notice's page on success. */
export const ATTACHMENT_JS = `(function () {
  'use strict';
  var form = document.getElementById('attachment-form');
  if (!form) return;
  var nojs = document.getElementById('attachment-nojs');
  var input = document.getElementById('attachment-file');
  var button = document.getElementById('attachment-submit');
  var out = document.getElementById('attachment-result');
  var max = Number(form.getAttribute('data-max-bytes'));
  if (nojs) nojs.hidden = true;
  form.hidden = false;
  function say(kind, text) { out.className = kind ? 'flash ' + kind : ''; out.textContent = text; }
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var file = input.files && input.files[0];
    if (!file) return say('error', 'Anh/chị chưa chọn tệp.');
    if (file.size > max) return say('error', 'Tệp đính kèm quá lớn: tối đa 5 MB.');
    var url = form.getAttribute('data-url') + '?name=' + encodeURIComponent(file.name);
    var commune = new URLSearchParams(window.location.search).get('commune');
    if (commune) url += '&commune=' + encodeURIComponent(commune);
    button.disabled = true;
    say('', 'Đang tải tệp lên…');
    fetch(url, {
      method: 'PUT',
      credentials: 'same-origin',
      headers: {
        'content-type': file.type || 'application/octet-stream',
        'x-csrf-token': form.querySelector('input[name="_csrf"]').value,
        accept: 'application/json'
      },
      body: file
    }).then(function (res) {
      // The notice's own page (not a reload: this page may be the answer to the compose form's POST).
      if (res.ok) { window.location.assign(form.getAttribute('data-page') + (commune ? '?commune=' + encodeURIComponent(commune) : '')); return; }
      return res.json().catch(function () { return {}; }).then(function (body) {
        say('error', body && typeof body.error === 'string' ? body.error : 'Không tải lên được. Anh/chị vui lòng thử lại sau.');
        button.disabled = false;
      });
    }, function () {
      say('error', 'Không gửi được tệp. Anh/chị kiểm tra kết nối mạng rồi thử lại.');
      button.disabled = false;
    });
  });
})();
`;
