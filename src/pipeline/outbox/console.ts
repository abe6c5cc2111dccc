import express from 'express';
import { formatShortDateTimeVi } from '../../core/format-vi.js';
import { CHANNEL_LABELS } from '../../core/console-kit.js';
import { html } from '../../core/html.js';
import { consoleOf, principalAllows, type ConsoleContribution } from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import { listUndelivered } from './queries.js';

/** "Tin chưa gửi được": replies a platform refused for good, so staff can reach the resident another way. */
export function createUndeliveredConsole(deps: { db: Db }): ConsoleContribution {
  const router = express.Router();
  router.get('/console/undelivered', async (_req, res, next) => {
    try {
      const ctx = consoleOf(res);
      if (!principalAllows(ctx.principal, 'deliveries')) {
        ctx.render({ title: 'Không có quyền', status: 403, body: html`<h1>Không có quyền</h1>` });
        return;
      }
      const rows = await listUndelivered(deps.db, ctx.communeId);
      ctx.render({
        title: 'Tin chưa gửi được',
        body: html`<h1>Tin chưa gửi được</h1>
          <p class="muted">
            Nền tảng đã từ chối hẳn các tin dưới đây (người dân chặn trợ lý, quá hạn cửa sổ trả lời…). Nếu tin quan trọng, hãy
            liên hệ người dân bằng cách khác, ví dụ qua số điện thoại trong hồ sơ.
          </p>
          ${
            rows.length === 0
              ? html`<p class="card muted">Không có tin nào.</p>`
              : html`<ul class="list">
                  ${rows.map(
                    (r) =>
                      html`<li class="card">
                        <strong>${CHANNEL_LABELS[r.channel] ?? r.channel}</strong> · ${formatShortDateTimeVi(r.createdAt)} ·
                        <span class="tag late">${r.status === 'undeliverable' ? 'bị từ chối' : 'gửi lỗi'}</span>
                        <br /><span class="muted">Mã cuộc trò chuyện: ${r.chatId}</span>
                        ${r.text ? html`<p>${r.text.length > 300 ? `${r.text.slice(0, 300)}…` : r.text}</p>` : ''}
                        ${r.lastError ? html`<p class="muted">Lý do: ${r.lastError}</p>` : ''}
                      </li>`,
                  )}
                </ul>`
          }`,
      });
    } catch (error) {
      next(error);
    }
  });
  return { menu: [{ href: '/console/undelivered', label: 'Tin chưa gửi được', permission: 'deliveries', order: 70 }], router };
}
