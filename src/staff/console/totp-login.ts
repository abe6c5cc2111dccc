import type { Request, Response } from 'express';
import { formText } from '../../core/console-kit.js';
import { html } from '../../core/html.js';
import type { ConsoleView } from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import { writeAudit } from '../../db/audit.js';
import { findStaff, type StaffAccount } from '../accounts.js';
import { readCookies, setCookie } from '../auth.js';
import { checkTotpLogin } from '../second-factor.js';
import { pendingLoginToken, pendingLoginValid, readPendingLogin } from '../totp.js';

export const PENDING_COOKIE = 'txa_totp';
/** How long the code step waits after the right password. */
const PENDING_MS = 5 * 60_000;

function codePage(opts: { next: string; error?: string; status?: number }): ConsoleView {
  return {
    title: 'Mã xác thực',
    status: opts.status,
    flash: opts.error ? { kind: 'error', text: opts.error } : undefined,
    body: html`<div class="login card">
      <h1>Nhập mã xác thực</h1>
      <p>
        Mở ứng dụng xác thực trên điện thoại (Google Authenticator, Microsoft Authenticator…) và nhập mã 6 chữ số của Trợ lý Xã.
      </p>
      <form method="post" action="/console/login/totp">
        <input type="hidden" name="next" value="${opts.next}" />
        <label for="code">Mã 6 chữ số</label>
        <input
          id="code"
          name="code"
          type="text"
          inputmode="numeric"
          autocomplete="one-time-code"
          pattern="[0-9 ]{6,7}"
          maxlength="7"
          required
          autofocus
        />
        <div class="actions"><button type="submit">Xác nhận</button></div>
      </form>
      <p class="muted">Mất điện thoại? Nhờ quản trị của xã tắt xác thực hai bước cho tài khoản.</p>
      <p><a href="/console/login">Đăng nhập lại</a></p>
    </div>`,
  };
}

/**
 * The second step of a sign-in with TOTP: after the right password the browser
 * holds a signed, five-minute cookie naming the account (no session yet), and
 * the code page posts here. Throttled like the password: the same per-address
 * limiter in the shell, and wrong codes pause the account as wrong passwords do.
 */
export function createTotpLogin(deps: {
  db: Db;
  secret: string;
  send: (res: Response, view: ConsoleView) => void;
  signedIn: (req: Request, res: Response, account: StaffAccount, nextPath: string) => Promise<void>;
  safeNext: (v: unknown) => string;
  sameOrigin: (req: Request) => boolean;
}) {
  const cookieOpts = { path: '/console/login', sameSite: 'Strict' as const };
  return {
    ask(req: Request, res: Response, account: StaffAccount, nextPath: string) {
      const token = pendingLoginToken(deps.secret, account.id, account.passwordChangedAt, Date.now() + PENDING_MS);
      setCookie(req, res, PENDING_COOKIE, token, { ...cookieOpts, maxAgeS: PENDING_MS / 1000 });
      deps.send(res, codePage({ next: nextPath }));
    },

    async handle(req: Request, res: Response, next: (e?: unknown) => void) {
      try {
        const nextPath = deps.safeNext(req.body?.next);
        if (!deps.sameOrigin(req))
          return deps.send(res, codePage({ next: nextPath, error: 'Yêu cầu không hợp lệ.', status: 403 }));
        const token = readCookies(req)[PENDING_COOKIE];
        const pending = readPendingLogin(token);
        const account = pending ? await findStaff(deps.db, pending.staffId) : undefined;
        if (
          !token ||
          !account ||
          !account.totpSecret ||
          account.disabledAt ||
          !pendingLoginValid(deps.secret, token, account.passwordChangedAt)
        ) {
          return res.redirect(303, '/console/login?expired=1');
        }
        const result = await checkTotpLogin(deps.db, deps.secret, account, formText(req.body?.code, 20));
        if (!result.ok) {
          await writeAudit(deps.db, {
            communeId: account.communeId,
            actor: 'anonymous',
            action: 'staff.login_failed',
            subject: result.reason === 'locked' ? 'totp-locked' : 'totp',
          });
          const error =
            result.reason === 'locked'
              ? 'Tài khoản tạm khóa 5 phút vì nhập sai mã nhiều lần. Vui lòng thử lại sau.'
              : 'Mã xác thực không đúng hoặc đã dùng. Vui lòng nhập mã đang hiện trên ứng dụng.';
          // 401: the shell's per-address limiter counts it as a failed sign-in.
          return deps.send(res, codePage({ next: nextPath, error, status: 401 }));
        }
        setCookie(req, res, PENDING_COOKIE, '', { ...cookieOpts, maxAgeS: 0 });
        await deps.signedIn(req, res, account, nextPath);
      } catch (error) {
        next(error);
      }
    },
  };
}
