import type express from 'express';
import { consolePage, csrfField, formText } from '../../core/console-kit.js';
import { html } from '../../core/html.js';
import { ROLE_LABELS, type ConsoleContext } from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import { writeAudit } from '../../db/audit.js';
import { findStaff, setPassword, StaffInputError } from '../accounts.js';
import { verifyPassword } from '../passwords.js';

/** "Tài khoản": the signed-in member's own account and password. */
export function registerAccountPage(router: express.Router, db: Db): void {
  const accountView = (ctx: ConsoleContext, flash?: { kind: 'ok' | 'error'; text: string }, status?: number) => ({
    title: 'Tài khoản',
    flash,
    status,
    body: html`<h1>Tài khoản của tôi</h1>
      <div class="card">
        <p><strong>${ctx.principal.displayName}</strong> (${ctx.principal.username}) · ${ROLE_LABELS[ctx.principal.role]}</p>
        <p class="muted">${ctx.communeName}</p>
      </div>
      <div class="card">
        <h2>Xác thực hai bước</h2>
        <p>Thêm mã 6 chữ số từ ứng dụng trên điện thoại mỗi lần đăng nhập.</p>
        <p><a href="/console/account/totp">Cài đặt xác thực hai bước</a></p>
      </div>
      <div class="card">
        <h2>Đổi mật khẩu</h2>
        <form method="post" action="/console/account/password">
          ${csrfField(ctx)}
          <label for="current">Mật khẩu hiện tại</label>
          <input id="current" name="current" type="password" autocomplete="current-password" required />
          <label for="password">Mật khẩu mới (ít nhất 10 ký tự)</label>
          <input id="password" name="password" type="password" autocomplete="new-password" required minlength="10" />
          <div class="actions"><button type="submit">Đổi mật khẩu</button></div>
        </form>
      </div>`,
  });
  router.get(
    '/console/account',
    consolePage(undefined, async (_req, _res, ctx) => ctx.render(accountView(ctx))),
  );
  router.post(
    '/console/account/password',
    consolePage(undefined, async (req, res, ctx) => {
      const me = await findStaff(db, ctx.principal.staffId);
      if (!me || !(await verifyPassword(formText(req.body?.current, 300), me.passwordHash)))
        return ctx.render(accountView(ctx, { kind: 'error', text: 'Mật khẩu hiện tại không đúng.' }, 400));
      try {
        await setPassword(db, me.id, formText(req.body?.password, 300), me.username);
      } catch (e) {
        if (e instanceof StaffInputError) return ctx.render(accountView(ctx, { kind: 'error', text: e.message }, 400));
        throw e;
      }
      await writeAudit(db, {
        communeId: me.communeId,
        actor: `staff:${me.id}`,
        action: 'staff.password_changed',
        subject: me.username,
      });
      // Changing the password ended every session, this one included: sign in again.
      res.redirect(303, '/console/login');
    }),
  );
}
