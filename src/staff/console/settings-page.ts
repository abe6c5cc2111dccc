import { eq } from 'drizzle-orm';
import type express from 'express';
import { consolePage, csrfField, formText } from '../../core/console-kit.js';
import { html } from '../../core/html.js';
import type { ConsoleContext } from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import { writeAudit } from '../../db/audit.js';
import { communes } from '../../db/schema/index.js';
import { StaffInputError } from '../accounts.js';
import { loadCommuneSettings, updateCommuneSettings, type CommuneSettingsInput } from '../commune-settings.js';

/**
 * "Thông tin xã" (admins): the commune's name, address, phone and office hours
 * as the bot tells residents. Saved to the commune's row (the COMMUNE_*
 * environment only seeds it once), audited with before and after, and used
 * from the bot's next answer. An admin edits only the commune in view, which
 * is always their own (a province administrator picks one with ?commune=).
 */
export function registerSettingsPage(router: express.Router, db: Db): void {
  async function view(
    ctx: ConsoleContext,
    opts: { flash?: { kind: 'ok' | 'error'; text: string }; status?: number; values?: CommuneSettingsInput; field?: string } = {},
  ) {
    const row = await loadCommuneSettings(db, ctx.communeId);
    const v = opts.values ?? row;
    const [notices] = await db
      .select({ on: communes.noticesRequireApproval })
      .from(communes)
      .where(eq(communes.id, ctx.communeId));
    const invalid = (f: string) => (opts.field === f ? html`aria-invalid="true"` : '');
    return {
      title: 'Thông tin xã',
      status: opts.status,
      flash: opts.flash,
      body: html`<h1>Thông tin xã</h1>
        <p class="muted">Trợ lý trả lời người dân bằng các thông tin này (khi hỏi địa chỉ, giờ làm việc, số điện thoại).</p>
        <div class="card">
          <form method="post" action="/console/settings">
            ${csrfField(ctx)}
            <label for="s-name">Tên xã</label>
            <input id="s-name" name="name" type="text" required maxlength="100" value="${v?.name ?? ''}" ${invalid('name')} />
            <label for="s-address">Địa chỉ nơi tiếp nhận hồ sơ</label>
            <input
              id="s-address"
              name="address"
              type="text"
              required
              maxlength="300"
              value="${v?.address ?? ''}"
              ${invalid('address')}
            />
            <label for="s-phone">Số điện thoại</label>
            <input id="s-phone" name="phone" type="tel" required maxlength="30" value="${v?.phone ?? ''}" ${invalid('phone')} />
            <label for="s-hours">Giờ làm việc (người dân đọc nguyên văn)</label>
            <textarea id="s-hours" name="hoursText" required maxlength="300" rows="3" ${invalid('hoursText')}>
${v?.hoursText ?? ''}</textarea>
            <div class="actions"><button type="submit">Lưu thông tin</button></div>
          </form>
        </div>
        <div class="card">
          <h2>Thông báo cho người dân</h2>
          <form method="post" action="/console/settings/notices">
            ${csrfField(ctx)}
            <label
              ><input
                type="checkbox"
                id="s-notice-approval"
                name="requireApproval"
                value="1"
                ${notices?.on ? html`checked` : ''}
              />
              Thông báo do cán bộ soạn phải được lãnh đạo hoặc quản trị duyệt trước khi gửi</label
            >
            <div class="actions"><button type="submit" id="s-notice-save">Lưu cài đặt thông báo</button></div>
          </form>
        </div>`,
    };
  }

  router.get(
    '/console/settings',
    consolePage('settings', async (_req, _res, ctx) => ctx.render(await view(ctx))),
  );
  // Approval of notices before sending (features/notices reads the column; /api/v1/notice-settings is the same).
  router.post(
    '/console/settings/notices',
    consolePage('settings', async (req, _res, ctx) => {
      const on = req.body?.requireApproval === '1';
      const [before] = await db
        .select({ on: communes.noticesRequireApproval })
        .from(communes)
        .where(eq(communes.id, ctx.communeId));
      await db.update(communes).set({ noticesRequireApproval: on }).where(eq(communes.id, ctx.communeId));
      await writeAudit(db, {
        communeId: ctx.communeId,
        actor: `staff:${ctx.principal.staffId}`,
        action: 'commune.notices_approval_changed',
        subject: String(ctx.communeId),
        details: { from: before?.on ?? false, to: on },
      });
      const text = on ? 'Đã lưu: thông báo sẽ chờ duyệt trước khi gửi.' : 'Đã lưu: thông báo được gửi không cần duyệt.';
      ctx.render(await view(ctx, { flash: { kind: 'ok', text } }));
    }),
  );
  router.post(
    '/console/settings',
    consolePage('settings', async (req, _res, ctx) => {
      const values = {
        name: formText(req.body?.name, 200),
        address: formText(req.body?.address, 400),
        phone: formText(req.body?.phone, 60),
        hoursText: formText(req.body?.hoursText, 400),
      };
      try {
        const changed = await updateCommuneSettings(db, ctx.communeId, values);
        if (!changed) return ctx.render(await view(ctx, { flash: { kind: 'error', text: 'Không tìm thấy xã.' }, status: 404 }));
        const fields = (Object.keys(changed.after) as (keyof CommuneSettingsInput)[]).filter(
          (k) => changed.before[k] !== changed.after[k],
        );
        await writeAudit(db, {
          communeId: ctx.communeId,
          actor: `staff:${ctx.principal.staffId}`,
          action: 'commune.settings_changed',
          subject: String(ctx.communeId),
          details: Object.fromEntries(fields.map((k) => [k, { from: changed.before[k], to: changed.after[k] }])),
        });
        ctx.render(
          await view(ctx, { flash: { kind: 'ok', text: 'Đã lưu. Trợ lý dùng thông tin mới từ câu trả lời tiếp theo.' } }),
        );
      } catch (e) {
        if (e instanceof StaffInputError)
          return ctx.render(await view(ctx, { flash: { kind: 'error', text: e.message }, status: 400, values, field: e.field }));
        throw e;
      }
    }),
  );
}
