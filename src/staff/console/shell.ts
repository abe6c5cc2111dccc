import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { validTextReviver } from '../../core/text-input.js';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { html } from '../../core/html.js';
import type { Logger } from '../../core/logger.js';
import { errInfo } from '../../core/log-error.js';
import {
  principalAllows,
  principalOf,
  setConsoleContext,
  setPrincipal,
  type ConsoleContribution,
  type ConsoleMenuEntry,
  type ConsoleView,
  type StaffPrincipal,
} from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import { writeAudit } from '../../db/audit.js';
import { checkLogin, createSession, deleteSession, deviceProof, type SessionPolicy, type StaffAccount } from '../accounts.js';
import { DEVICE_COOKIE, readCookies, sessionOf, SESSION_COOKIE, setCookie, type StaffAuth } from '../auth.js';
import { CONSOLE_CSS, CONSOLE_JS } from './assets.js';
import { renderLayout } from './layout.js';
import { registerStaffMeRoute } from './me-route.js';
import { createTotpLogin } from './totp-login.js';
import { registerTotpPages } from './totp-page.js';

export interface ConsoleDeps {
  db: Db;
  log: Logger;
  auth: StaffAuth;
  sessionPolicy: SessionPolicy;
  /** Signs the "known device" cookie (the installation's data secret). */
  secret: string;
  communeName: (id: number) => Promise<string | undefined>;
  /** Every feature's pages, the shell's own (account, staff…) included. */
  contributions: ConsoleContribution[];
  /** Failed sign-ins one address may make per 15 minutes. */
  loginAttemptsPerWindow?: number;
}

/**
 * Security headers of every console response: a Content-Security-Policy
 * that allows the app's own scripts, styles and images only (nothing inline),
 * no framing, no referrer leaking the page, and no caching of staff pages.
 */
function consoleHeaders(): RequestHandler {
  const h = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: false,
  });
  return (req, res, next) =>
    h(req, res, () => {
      if (!req.path.startsWith('/console/assets/')) res.set('Cache-Control', 'no-store');
      next();
    });
}

/** `next` after sign-in: only a path inside the console, never another site. */
function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/console(\/[\w\-./?=&%]*)?$/.test(value) && !value.startsWith('//') ? value : '/console';
}

/** Whether a browser form post came from this site (login has no session yet, so no CSRF token either). */
function sameOrigin(req: Request): boolean {
  const origin = req.get('origin');
  if (!origin || origin === 'null') return !req.get('sec-fetch-site') || req.get('sec-fetch-site') === 'same-origin';
  try {
    return new URL(origin).host === req.get('host');
  } catch {
    return false;
  }
}

function loginPage(opts: { error?: string; next: string; username?: string; status?: number }): ConsoleView {
  return {
    title: 'Đăng nhập',
    status: opts.status,
    flash: opts.error ? { kind: 'error', text: opts.error } : undefined,
    body: html`<div class="login card">
      <h1>Đăng nhập cán bộ</h1>
      <form method="post" action="/console/login">
        <input type="hidden" name="next" value="${opts.next}" />
        <label for="username">Tên đăng nhập</label>
        <input
          id="username"
          name="username"
          type="text"
          autocomplete="username"
          required
          value="${opts.username ?? ''}"
          autofocus
        />
        <label for="password">Mật khẩu</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <div class="actions"><button type="submit">Đăng nhập</button></div>
      </form>
      <p class="muted">Quên mật khẩu? Nhờ quản trị của xã đặt lại.</p>
    </div>`,
  };
}

/**
 * The staff console: sign-in and sign-out, the layout and menu, and every
 * feature's pages mounted behind the session check. A feature contributes
 * its pages as a {@link ConsoleContribution}; this file does not know them.
 */
export function createConsole(deps: ConsoleDeps): express.Router {
  const router = express.Router();
  const menu: ConsoleMenuEntry[] = deps.contributions.flatMap((c) => c.menu).sort((a, b) => a.order - b.order);
  const parseForm = express.urlencoded({ extended: false, limit: '64kb' });
  // Form fields made valid text for the database before any page reads them (a NUL or a lone surrogate in a
  // field was a 500 from PostgreSQL; issue 19): the same rule as JSON bodies (core/text-input.ts).
  const form: RequestHandler = (req, res, next) =>
    parseForm(req, res, (error?: unknown) => {
      if (error) return next(error);
      if (req.body && typeof req.body === 'object') {
        for (const [key, value] of Object.entries(req.body as Record<string, unknown>))
          (req.body as Record<string, unknown>)[key] = Array.isArray(value)
            ? value.map((v) => validTextReviver(key, v))
            : validTextReviver(key, value);
      }
      next();
    });

  router.use('/console', consoleHeaders());
  router.get('/console/assets/console.css', (_req, res) => {
    res.type('text/css').set('Cache-Control', 'public, max-age=3600').send(CONSOLE_CSS);
  });
  router.get('/console/assets/console.js', (_req, res) => {
    res.type('text/javascript').set('Cache-Control', 'public, max-age=3600').send(CONSOLE_JS);
  });

  const send = (
    res: Response,
    view: ConsoleView,
    extra: Parameters<typeof renderLayout>[0] extends infer O ? Partial<O> : never,
  ) =>
    res
      .status(view.status ?? 200)
      .type('html')
      .send(renderLayout({ view, ...extra }));

  router.get('/console/login', async (req, res) => {
    const signedIn = await deps.auth.identify(req);
    if (signedIn !== 'csrf' && signedIn?.kind === 'staff') return res.redirect(303, safeNext(req.query.next));
    const expired = req.query.expired === '1';
    send(
      res,
      loginPage({
        next: safeNext(req.query.next),
        error: expired ? 'Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.' : undefined,
      }),
      {},
    );
  });

  const loginLimiter = rateLimit({
    windowMs: 15 * 60_000,
    limit: deps.loginAttemptsPerWindow ?? 20,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res) =>
      send(
        res,
        loginPage({
          next: '/console',
          error: 'Đăng nhập sai quá nhiều lần từ máy này. Vui lòng thử lại sau 15 phút.',
          status: 429,
        }),
        {},
      ),
  });

  registerStaffMeRoute(router, deps.auth);

  router.post('/console/login', form, loginLimiter, async (req, res, next) => {
    try {
      const nextPath = safeNext(req.body?.next);
      if (!sameOrigin(req)) return send(res, loginPage({ next: nextPath, error: 'Yêu cầu không hợp lệ.', status: 403 }), {});
      const username = typeof req.body?.username === 'string' ? req.body.username.slice(0, 100) : '';
      const password = typeof req.body?.password === 'string' ? req.body.password.slice(0, 300) : '';
      if (!username || !password)
        return send(
          res,
          loginPage({ next: nextPath, username, error: 'Vui lòng nhập tên đăng nhập và mật khẩu.', status: 400 }),
          {},
        );
      const result = await checkLogin(deps.db, {
        username,
        password,
        secret: deps.secret,
        deviceProof: readCookies(req)[DEVICE_COOKIE],
      });
      if (!result.ok) {
        const error =
          result.reason === 'locked'
            ? 'Tài khoản tạm khóa 5 phút vì nhập sai mật khẩu nhiều lần. Vui lòng thử lại sau.'
            : result.reason === 'disabled'
              ? 'Tài khoản này đã bị khóa. Vui lòng liên hệ quản trị của xã.'
              : 'Tên đăng nhập hoặc mật khẩu không đúng.';
        // Failed sign-ins are audited without the username typed (it may be a password typed in the wrong box).
        await writeAudit(deps.db, { communeId: null, actor: 'anonymous', action: 'staff.login_failed', subject: result.reason });
        // The rate limiter counts this attempt: 401 is a failure for skipSuccessfulRequests.
        return send(res, loginPage({ next: nextPath, username, error, status: 401 }), {});
      }
      const { account } = result;
      if (result.needsTotp) return totpLogin.ask(req, res, account, nextPath);
      await signedIn(req, res, account, nextPath);
    } catch (error) {
      next(error);
    }
  });

  /** A session for an account that passed every step: cookies, the audit row, on to the page asked for. */
  async function signedIn(req: Request, res: Response, account: StaffAccount, nextPath: string, secondFactor = false) {
    const { token } = await createSession(deps.db, account.id, deps.sessionPolicy);
    setCookie(req, res, SESSION_COOKIE, token, { maxAgeS: Math.floor(deps.sessionPolicy.absoluteMs / 1000) });
    setCookie(req, res, DEVICE_COOKIE, deviceProof(deps.secret, account.id), {
      maxAgeS: 365 * 86_400,
      path: '/console/login',
      sameSite: 'Strict',
    });
    await writeAudit(deps.db, {
      communeId: account.communeId,
      actor: `staff:${account.id}`,
      action: 'staff.login',
      subject: account.username,
      details: secondFactor ? { secondFactor: 'totp' } : undefined,
    });
    res.redirect(303, nextPath);
  }

  const totpLogin = createTotpLogin({
    db: deps.db,
    secret: deps.secret,
    send: (res, view) => send(res, view, {}),
    signedIn: (req, res, account, nextPath) => signedIn(req, res, account, nextPath, true),
    safeNext,
    sameOrigin,
  });
  router.post('/console/login/totp', form, loginLimiter, totpLogin.handle);

  // Everything below needs a live session.
  router.use('/console', form, async (req, res, next) => {
    try {
      const p = await deps.auth.identify(req);
      if (p === 'csrf') {
        return send(
          res,
          {
            title: 'Yêu cầu bị từ chối',
            status: 403,
            body: html`<h1>Yêu cầu bị từ chối</h1>
              <p>Biểu mẫu đã cũ hoặc không hợp lệ. Vui lòng tải lại trang và thử lại.</p>`,
          },
          {},
        );
      }
      if (!p || p.kind !== 'staff') {
        const hadCookie = Boolean(readCookies(req)[SESSION_COOKIE]);
        if (req.method !== 'GET' || req.accepts(['html', 'json']) === 'json')
          return res.status(401).json({ error: 'unauthorized' });
        const nextPath = encodeURIComponent(req.originalUrl);
        return res.redirect(303, `/console/login?next=${nextPath}${hadCookie ? '&expired=1' : ''}`);
      }
      const session = sessionOf(req)!;
      const principal = p as StaffPrincipal & { kind: 'staff' };
      setPrincipal(req, principal);
      const communeId = await deps.auth.communeOfRequest(req);
      const communeName = (await deps.communeName(communeId)) ?? '';
      const query =
        principal.communeId === null && typeof req.query.commune === 'string'
          ? `?commune=${encodeURIComponent(req.query.commune)}`
          : '';
      setConsoleContext(res, {
        principal,
        communeId,
        communeName,
        csrfToken: session.csrfToken,
        render: (view) =>
          send(res, view, { principal, communeName, menu, currentPath: req.path, csrfToken: session.csrfToken, query }),
      });
      next();
    } catch (error) {
      next(error);
    }
  });

  router.post('/console/logout', async (req, res, next) => {
    try {
      const session = sessionOf(req)!;
      await deleteSession(deps.db, session.sessionId);
      const p = principalOf(req);
      if (p?.kind === 'staff')
        await writeAudit(deps.db, {
          communeId: p.communeId,
          actor: `staff:${p.staffId}`,
          action: 'staff.logout',
          subject: p.username,
        });
      setCookie(req, res, SESSION_COOKIE, '', { maxAgeS: 0 });
      res.redirect(303, '/console/login');
    } catch (error) {
      next(error);
    }
  });

  router.get('/console', (req, res) => {
    const p = principalOf(req)!;
    const first = menu.find((m) => principalAllows(p, m.permission));
    const q = typeof req.query.commune === 'string' ? `?commune=${encodeURIComponent(req.query.commune)}` : '';
    res.redirect(303, (first?.href ?? '/console/account') + q);
  });

  registerTotpPages(router, { db: deps.db, secret: deps.secret });
  for (const c of deps.contributions) router.use(c.router);

  router.use('/console', (req, res) => {
    send(
      res,
      {
        title: 'Không tìm thấy',
        status: 404,
        body: html`<h1>Không tìm thấy trang</h1>
          <p><a href="/console">Về trang chính</a></p>`,
      },
      {},
    );
  });

  // Errors of console pages: a page in Vietnamese, never a stack trace; validation errors keep their status.
  router.use('/console', (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return send(
        res,
        {
          title: 'Yêu cầu không hợp lệ',
          status,
          body: html`<h1>Yêu cầu không hợp lệ</h1>
            <p>${(err as Error).message}</p>`,
        },
        {},
      );
    }
    deps.log.error({ requestId: res.locals.requestId, err: errInfo(err) }, 'console page failed');
    send(
      res,
      {
        title: 'Có lỗi',
        status: 500,
        body: html`<h1>Xin lỗi, có lỗi xảy ra</h1>
          <p>Vui lòng thử lại sau ít phút.</p>`,
      },
      {},
    );
  });

  return router;
}

export type { ConsoleView };
