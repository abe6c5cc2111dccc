import express from 'express';
import { consolePage, csrfField } from '../../core/console-kit.js';
import { formatDateTimeVi } from '../../core/format-vi.js';
import { html } from '../../core/html.js';
import { actorOf, type ConsoleContext, type ConsoleContribution } from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import { CODE_TTL_MS, findLink, newLinkCode, unlink } from './service.js';

const CHANNEL_LABELS: Record<string, string> = { telegram: 'Telegram', zalo: 'Zalo', zalobot: 'Zalo Bot' };

/** "Báo tin qua chat": a staff member links their own Telegram or Zalo chat to get told when questions wait. */
export function createPingsConsole(deps: { db: Db }): ConsoleContribution {
  const { db } = deps;
  const router = express.Router();

  async function page(ctx: ConsoleContext, code?: string, flash?: { kind: 'ok' | 'error'; text: string }) {
    const link = await findLink(db, ctx.principal.staffId);
    const linked = link?.chatId ? link : undefined;
    ctx.render({
      title: 'Báo tin qua chat',
      flash,
      body: html`<h1>Báo tin qua chat</h1>
        <div class="card">
          ${
            linked
              ? html`<p>
                    Đang nhận báo tin qua <strong>${CHANNEL_LABELS[linked.channel ?? ''] ?? linked.channel}</strong> (liên kết lúc
                    ${formatDateTimeVi(linked.linkedAt!)}). Khi có câu hỏi mới chờ trong Hộp thư, bot của xã nhắn cho anh/chị,
                    nhiều nhất 5 phút một lần.
                  </p>
                  <form method="post" action="/console/pings/unlink">
                    ${csrfField(ctx)}<button class="secondary" type="submit">Ngừng nhận báo tin</button>
                  </form>`
              : html`<p>
                  Nhận tin nhắn từ bot của xã khi có câu hỏi mới của người dân chờ trả lời. Tạo mã, rồi gửi
                  <code>/lienket MÃ</code> cho bot Telegram (hoặc nhắn <code>liên kết MÃ</code> cho Zalo của xã) trong 10 phút.
                </p>`
          }
          ${
            code
              ? html`<p class="flash ok" role="status">
                  Mã liên kết: <strong id="link-code">${code}</strong> (hết hạn sau ${CODE_TTL_MS / 60_000} phút). Gửi
                  <code>/lienket ${code}</code> cho bot.
                </p>`
              : ''
          }
          <form method="post" action="/console/pings/code">
            ${csrfField(ctx)}<button type="submit">${linked ? 'Liên kết chat khác' : 'Tạo mã liên kết'}</button>
          </form>
        </div>`,
    });
  }

  router.get(
    '/console/pings',
    consolePage('inbox', async (_req, _res, ctx) => page(ctx)),
  );
  router.post(
    '/console/pings/code',
    consolePage('inbox', async (_req, _res, ctx) => {
      const code = await newLinkCode(db, { staffId: ctx.principal.staffId, communeId: ctx.communeId });
      await page(ctx, code);
    }),
  );
  router.post(
    '/console/pings/unlink',
    consolePage('inbox', async (_req, _res, ctx) => {
      await unlink(db, { staffId: ctx.principal.staffId, communeId: ctx.communeId, actor: actorOf(ctx.principal) });
      await page(ctx, undefined, { kind: 'ok', text: 'Đã ngừng nhận báo tin qua chat.' });
    }),
  );
  return { menu: [{ href: '/console/pings', label: 'Báo tin qua chat', permission: 'inbox', order: 95 }], router };
}
