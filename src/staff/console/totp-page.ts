import type express from 'express';
import QRCode from 'qrcode';
import { consolePage, csrfField, formText } from '../../core/console-kit.js';
import { html } from '../../core/html.js';
import type { ConsoleContext } from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import { writeAudit } from '../../db/audit.js';
import { findStaff } from '../accounts.js';
import { sessionOf } from '../auth.js';
import { checkTotpCode, disableTotp, enableTotp } from '../second-factor.js';
import { enrolAad, newTotpSecret, openSecret, sealSecret, totpUri } from '../totp.js';

const ISSUER = 'Trợ lý Xã';

/** The secret in groups of four, easier to type into an app by hand. */
const grouped = (s: string) => s.replace(/(.{4})/g, '$1 ').trim();

/**
 * "Xác thực hai bước" on one's own account: switch the TOTP second factor on
 * (a new secret as text and as a QR code drawn on the server, switched on only
 * once a first code proves the app has it) or off (with a code). The secret
 * being enrolled travels in the form sealed for this account and session, so
 * nothing is stored until it is confirmed.
 */
export function registerTotpPages(router: express.Router, deps: { db: Db; secret: string }): void {
  const { db } = deps;

  async function view(
    req: express.Request,
    ctx: ConsoleContext,
    flash?: { kind: 'ok' | 'error'; text: string },
    status?: number,
    secretToConfirm?: string,
  ) {
    const me = await findStaff(db, ctx.principal.staffId);
    const on = Boolean(me?.totpSecret);
    let body;
    if (on) {
      body = html`<div class="card">
        <p>
          <strong>Xác thực hai bước đang bật.</strong> Mỗi lần đăng nhập, sau mật khẩu, anh/chị nhập mã 6 chữ số trên ứng dụng xác
          thực.
        </p>
        <h2>Tắt xác thực hai bước</h2>
        <form method="post" action="/console/account/totp/disable">
          ${csrfField(ctx)}
          <label for="off-code">Mã 6 chữ số đang hiện trên ứng dụng</label>
          <input id="off-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="7" required />
          <div class="actions"><button class="danger" type="submit">Tắt xác thực hai bước</button></div>
        </form>
      </div>`;
    } else {
      const secret = secretToConfirm ?? newTotpSecret();
      const sealed = sealSecret(deps.secret, secret, enrolAad(ctx.principal.staffId, sessionOf(req)!.sessionId));
      const uri = totpUri(secret, { account: ctx.principal.username, issuer: ISSUER });
      const qr = await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 1, width: 220 });
      body = html`<div class="card">
        <p>
          Xác thực hai bước đang tắt. Khi bật, mỗi lần đăng nhập anh/chị nhập thêm mã 6 chữ số từ ứng dụng xác thực trên điện
          thoại (Google Authenticator, Microsoft Authenticator…), nên người biết mật khẩu cũng không đăng nhập được.
        </p>
        <h2>Bật xác thực hai bước</h2>
        <ol>
          <li>Mở ứng dụng xác thực, chọn thêm tài khoản và quét mã QR dưới đây.</li>
          <li>Hoặc nhập khóa bí mật bằng tay: <code data-totp-secret>${grouped(secret)}</code></li>
          <li>Nhập mã 6 chữ số ứng dụng hiện ra để xác nhận.</li>
        </ol>
        <p>
          <img
            src="${qr}"
            width="220"
            height="220"
            alt="Mã QR để thêm tài khoản ${ctx.principal.username} vào ứng dụng xác thực"
          />
        </p>
        <form method="post" action="/console/account/totp/enable">
          ${csrfField(ctx)}
          <input type="hidden" name="pending" value="${sealed}" />
          <label for="on-code">Mã 6 chữ số từ ứng dụng</label>
          <input id="on-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="7" required />
          <div class="actions"><button type="submit">Bật xác thực hai bước</button></div>
        </form>
      </div>`;
    }
    return {
      title: 'Xác thực hai bước',
      flash,
      status,
      body: html`<h1>Xác thực hai bước</h1>
        ${body}
        <p><a href="/console/account">Về trang tài khoản</a></p>`,
    };
  }

  router.get(
    '/console/account/totp',
    consolePage(undefined, async (req, _res, ctx) => ctx.render(await view(req, ctx))),
  );

  router.post(
    '/console/account/totp/enable',
    consolePage(undefined, async (req, _res, ctx) => {
      const staffId = ctx.principal.staffId;
      const plain = openSecret(deps.secret, formText(req.body?.pending, 400), enrolAad(staffId, sessionOf(req)!.sessionId));
      if (!plain)
        return ctx.render(await view(req, ctx, { kind: 'error', text: 'Biểu mẫu đã cũ. Vui lòng quét lại mã mới.' }, 400));
      const me = await findStaff(db, staffId);
      if (me?.totpSecret) return ctx.render(await view(req, ctx, { kind: 'ok', text: 'Xác thực hai bước đã bật từ trước.' }));
      if (!(await enableTotp(db, deps.secret, staffId, plain, formText(req.body?.code, 20))))
        return ctx.render(
          await view(req, ctx, { kind: 'error', text: 'Mã không đúng. Vui lòng nhập mã đang hiện trên ứng dụng.' }, 400, plain),
        );
      await writeAudit(db, {
        communeId: ctx.principal.communeId,
        actor: `staff:${staffId}`,
        action: 'staff.totp_enabled',
        subject: ctx.principal.username,
      });
      ctx.render(await view(req, ctx, { kind: 'ok', text: 'Đã bật xác thực hai bước.' }));
    }),
  );

  router.post(
    '/console/account/totp/disable',
    consolePage(undefined, async (req, _res, ctx) => {
      const me = await findStaff(db, ctx.principal.staffId);
      if (!me?.totpSecret) return ctx.render(await view(req, ctx));
      if (!(await checkTotpCode(db, deps.secret, me, formText(req.body?.code, 20))))
        return ctx.render(await view(req, ctx, { kind: 'error', text: 'Mã không đúng hoặc đã dùng.' }, 400));
      await disableTotp(db, me.id);
      await writeAudit(db, {
        communeId: me.communeId,
        actor: `staff:${me.id}`,
        action: 'staff.totp_disabled',
        subject: me.username,
      });
      ctx.render(await view(req, ctx, { kind: 'ok', text: 'Đã tắt xác thực hai bước.' }));
    }),
  );
}
