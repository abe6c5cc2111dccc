import express, { type NextFunction, type Request, type Response } from 'express';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { formatShortDateTimeVi } from '../../core/format-vi.js';
import { html } from '../../core/html.js';
import {
  consoleOf,
  ROLE_LABELS,
  STAFF_ROLES,
  type ConsoleContribution,
  type ConsoleContext,
  type StaffRole,
} from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import { writeAudit } from '../../db/audit.js';
import { auditLog, staffAccounts } from '../../db/schema/index.js';
import {
  createApiKey,
  createStaffAccount,
  findStaff,
  listApiKeys,
  listStaff,
  revokeApiKey,
  setDisabled,
  setPassword,
  setRole,
  StaffInputError,
} from '../accounts.js';
import { verifyPassword } from '../passwords.js';

type Handler = (req: Request, res: Response, ctx: ConsoleContext) => Promise<void>;

function page(handler: Handler) {
  return (req: Request, res: Response, next: NextFunction) => {
    handler(req, res, consoleOf(res)).catch(next);
  };
}

const str = (v: unknown, max = 500) => (typeof v === 'string' ? v.trim().slice(0, max) : '');
const csrf = (ctx: ConsoleContext) => html`<input type="hidden" name="_csrf" value="${ctx.csrfToken}" />`;

/** Who did it, in the audit page's words. */
function actorLabel(actor: string, names: Map<number, string>): string {
  const staff = /^staff:(\d+)$/.exec(actor);
  if (staff) return names.get(Number(staff[1])) ?? `Cán bộ #${staff[1]}`;
  if (actor.startsWith('resident:')) return `Người dân (${actor.split(':')[1]})`;
  if (actor.startsWith('api-key:')) return `Khóa tích hợp #${actor.split(':')[1]}`;
  if (actor === 'admin') return 'Khóa quản trị hệ thống';
  if (actor === 'integration') return 'Hệ thống một cửa';
  return actor;
}

/** The shell's own pages: the signed-in member's account, staff and keys (admin), the audit log (admin). */
export function createStaffPages(deps: { db: Db }): ConsoleContribution {
  const { db } = deps;
  const router = express.Router();

  // ------------------------------------------------------------ account
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
        <h2>Đổi mật khẩu</h2>
        <form method="post" action="/console/account/password">
          ${csrf(ctx)}
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
    page(async (_req, _res, ctx) => ctx.render(accountView(ctx))),
  );
  router.post(
    '/console/account/password',
    page(async (req, res, ctx) => {
      const me = await findStaff(db, ctx.principal.staffId);
      if (!me || !(await verifyPassword(str(req.body?.current, 300), me.passwordHash)))
        return ctx.render(accountView(ctx, { kind: 'error', text: 'Mật khẩu hiện tại không đúng.' }, 400));
      try {
        await setPassword(db, me.id, str(req.body?.password, 300), me.username);
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

  // ------------------------------------------------------------ staff and keys (admin)
  async function staffView(
    ctx: ConsoleContext,
    flash?: { kind: 'ok' | 'error'; text: string },
    newKey?: string,
    status?: number,
  ) {
    const staff = await listStaff(db, ctx.communeId);
    const keys = await listApiKeys(db, ctx.communeId);
    return {
      title: 'Cán bộ',
      flash,
      status,
      body: html`<h1>Cán bộ và khóa tích hợp</h1>
        <h2>Cán bộ của xã</h2>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Cán bộ</th>
                <th scope="col">Vai trò</th>
                <th scope="col">Trạng thái</th>
                <th scope="col">Thao tác</th>
              </tr>
            </thead>
            <tbody>
              ${staff.map(
                (s) =>
                  html`<tr>
                    <td><strong>${s.displayName}</strong><br /><span class="muted">${s.username}</span></td>
                    <td>${ROLE_LABELS[s.role as StaffRole] ?? s.role}</td>
                    <td>${s.disabledAt ? 'Đã khóa' : 'Đang dùng'}</td>
                    <td>
                      ${
                        s.id === ctx.principal.staffId
                          ? html`<span class="muted">(tài khoản của anh/chị)</span>`
                          : html`<form method="post" action="/console/staff/${s.id}/role" class="row">
                                ${csrf(ctx)}
                                <label class="muted" for="role-${s.id}">Vai trò của ${s.displayName}</label>
                                <select id="role-${s.id}" name="role">
                                  ${STAFF_ROLES.map((r) => html`<option value="${r}" ${r === s.role ? html`selected` : ''}>${ROLE_LABELS[r]}</option>`)}
                                </select>
                                <button class="secondary" type="submit">Lưu</button>
                              </form>
                              <form method="post" action="/console/staff/${s.id}/password" class="row">
                                ${csrf(ctx)}
                                <label class="muted" for="pw-${s.id}">Mật khẩu mới cho ${s.displayName}</label>
                                <input
                                  id="pw-${s.id}"
                                  name="password"
                                  type="password"
                                  autocomplete="new-password"
                                  minlength="10"
                                  required
                                />
                                <button class="secondary" type="submit">Đặt lại mật khẩu</button>
                              </form>
                              <form method="post" action="/console/staff/${s.id}/${s.disabledAt ? 'enable' : 'disable'}">
                                ${csrf(ctx)}
                                <button class="${s.disabledAt ? 'secondary' : 'danger'}" type="submit">
                                  ${s.disabledAt ? 'Mở khóa' : 'Khóa tài khoản'}
                                </button>
                              </form>`
                      }
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>
        <div class="card">
          <h2>Thêm cán bộ</h2>
          <form method="post" action="/console/staff">
            ${csrf(ctx)}
            <div class="row">
              <div>
                <label for="new-username">Tên đăng nhập</label><input id="new-username" name="username" type="text" required />
              </div>
              <div><label for="new-name">Họ tên</label><input id="new-name" name="displayName" type="text" required /></div>
            </div>
            <div class="row">
              <div>
                <label for="new-role">Vai trò</label>
                <select id="new-role" name="role">
                  ${STAFF_ROLES.map((r) => html`<option value="${r}" ${r === 'officer' ? html`selected` : ''}>${ROLE_LABELS[r]}</option>`)}
                </select>
              </div>
              <div>
                <label for="new-password">Mật khẩu ban đầu (ít nhất 10 ký tự)</label>
                <input id="new-password" name="password" type="password" autocomplete="new-password" minlength="10" required />
              </div>
            </div>
            <div class="actions"><button type="submit">Thêm cán bộ</button></div>
          </form>
        </div>
        <h2>Khóa tích hợp (hệ thống một cửa)</h2>
        ${
          newKey
            ? html`<div class="card" role="status">
                <p><strong>Khóa mới, chỉ hiện một lần.</strong> Sao chép và lưu vào hệ thống một cửa ngay:</p>
                <p class="secret" data-new-key>${newKey}</p>
              </div>`
            : ''
        }
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Tên</th>
                <th scope="col">Khóa</th>
                <th scope="col">Tạo lúc</th>
                <th scope="col">Dùng lần cuối</th>
                <th scope="col"></th>
              </tr>
            </thead>
            <tbody>
              ${
                keys.length === 0
                  ? html`<tr>
                      <td colspan="5" class="muted">Chưa có khóa nào.</td>
                    </tr>`
                  : ''
              }
              ${keys.map(
                (k) =>
                  html`<tr>
                    <td>${k.name}</td>
                    <td><code>${k.prefix}…</code></td>
                    <td>${formatShortDateTimeVi(k.createdAt)}</td>
                    <td>${k.lastUsedAt ? formatShortDateTimeVi(k.lastUsedAt) : '—'}</td>
                    <td>
                      ${
                        k.revokedAt
                          ? html`Đã thu hồi ${formatShortDateTimeVi(k.revokedAt)}`
                          : html`<form
                              method="post"
                              action="/console/staff/keys/${k.id}/revoke"
                              data-confirm="Thu hồi khóa ${k.name}?"
                            >
                              ${csrf(ctx)}<button class="danger" type="submit">Thu hồi</button>
                            </form>`
                      }
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>
        <form method="post" action="/console/staff/keys" class="card">
          ${csrf(ctx)}
          <div class="row">
            <div>
              <label for="key-name">Tên khóa (ví dụ: Một cửa tỉnh)</label><input id="key-name" name="name" type="text" required />
            </div>
            <button type="submit">Tạo khóa</button>
          </div>
        </form>`,
    };
  }

  const adminOnly = (ctx: ConsoleContext, res: Response) => {
    if (ctx.principal.role === 'admin') return true;
    res.status(403);
    ctx.render({
      title: 'Không có quyền',
      status: 403,
      body: html`<h1>Không có quyền</h1>
        <p>Chỉ quản trị của xã dùng được trang này.</p>`,
    });
    return false;
  };

  /** A colleague of the same commune (or any, for a province administrator), never oneself. */
  async function colleague(ctx: ConsoleContext, id: number) {
    const s = Number.isInteger(id) ? await findStaff(db, id) : undefined;
    if (!s || s.id === ctx.principal.staffId) return undefined;
    if (s.communeId !== ctx.communeId) return undefined;
    return s;
  }

  router.get(
    '/console/staff',
    page(async (_req, res, ctx) => {
      if (adminOnly(ctx, res)) ctx.render(await staffView(ctx));
    }),
  );
  router.post(
    '/console/staff',
    page(async (req, res, ctx) => {
      if (!adminOnly(ctx, res)) return;
      try {
        const s = await createStaffAccount(db, {
          username: str(req.body?.username, 60),
          displayName: str(req.body?.displayName, 120),
          role: str(req.body?.role, 20),
          password: str(req.body?.password, 300),
          communeId: ctx.communeId,
        });
        await writeAudit(db, {
          communeId: ctx.communeId,
          actor: `staff:${ctx.principal.staffId}`,
          action: 'staff.created',
          subject: s.username,
          details: { role: s.role },
        });
        ctx.render(await staffView(ctx, { kind: 'ok', text: `Đã thêm cán bộ ${s.displayName}.` }));
      } catch (e) {
        if (e instanceof StaffInputError)
          return ctx.render(await staffView(ctx, { kind: 'error', text: e.message }, undefined, 400));
        throw e;
      }
    }),
  );
  router.post(
    '/console/staff/keys',
    page(async (req, res, ctx) => {
      if (!adminOnly(ctx, res)) return;
      try {
        const { id, key } = await createApiKey(db, {
          communeId: ctx.communeId,
          name: str(req.body?.name, 120),
          createdBy: ctx.principal.staffId,
        });
        await writeAudit(db, {
          communeId: ctx.communeId,
          actor: `staff:${ctx.principal.staffId}`,
          action: 'api_key.created',
          subject: String(id),
        });
        ctx.render(await staffView(ctx, { kind: 'ok', text: 'Đã tạo khóa tích hợp.' }, key));
      } catch (e) {
        if (e instanceof StaffInputError)
          return ctx.render(await staffView(ctx, { kind: 'error', text: e.message }, undefined, 400));
        throw e;
      }
    }),
  );
  router.post(
    '/console/staff/keys/:id/revoke',
    page(async (req, res, ctx) => {
      if (!adminOnly(ctx, res)) return;
      const ok = await revokeApiKey(db, ctx.communeId, Number(req.params.id));
      if (ok)
        await writeAudit(db, {
          communeId: ctx.communeId,
          actor: `staff:${ctx.principal.staffId}`,
          action: 'api_key.revoked',
          subject: String(req.params.id),
        });
      ctx.render(
        await staffView(
          ctx,
          ok ? { kind: 'ok', text: 'Đã thu hồi khóa.' } : { kind: 'error', text: 'Không tìm thấy khóa.' },
          undefined,
          ok ? 200 : 404,
        ),
      );
    }),
  );
  router.post(
    '/console/staff/:id/:action',
    page(async (req, res, ctx) => {
      if (!adminOnly(ctx, res)) return;
      const s = await colleague(ctx, Number(req.params.id));
      if (!s) return ctx.render(await staffView(ctx, { kind: 'error', text: 'Không tìm thấy cán bộ này.' }, undefined, 404));
      const audit = (action: string, details?: Record<string, unknown>) =>
        writeAudit(db, {
          communeId: ctx.communeId,
          actor: `staff:${ctx.principal.staffId}`,
          action,
          subject: s.username,
          details,
        });
      try {
        switch (req.params.action) {
          case 'role': {
            const role = str(req.body?.role, 20) as StaffRole;
            if (!STAFF_ROLES.includes(role)) throw new StaffInputError('Vai trò không hợp lệ.', 'role');
            await setRole(db, s.id, role);
            await audit('staff.role_changed', { from: s.role, to: role });
            return ctx.render(await staffView(ctx, { kind: 'ok', text: `Đã đổi vai trò của ${s.displayName}.` }));
          }
          case 'password':
            await setPassword(db, s.id, str(req.body?.password, 300), s.username);
            await audit('staff.password_reset');
            return ctx.render(await staffView(ctx, { kind: 'ok', text: `Đã đặt lại mật khẩu cho ${s.displayName}.` }));
          case 'disable':
          case 'enable':
            await setDisabled(db, s.id, req.params.action === 'disable');
            await audit(req.params.action === 'disable' ? 'staff.disabled' : 'staff.enabled');
            return ctx.render(
              await staffView(ctx, {
                kind: 'ok',
                text: `${req.params.action === 'disable' ? 'Đã khóa' : 'Đã mở khóa'} tài khoản ${s.displayName}.`,
              }),
            );
          default:
            return ctx.render(await staffView(ctx, { kind: 'error', text: 'Thao tác không hợp lệ.' }, undefined, 404));
        }
      } catch (e) {
        if (e instanceof StaffInputError)
          return ctx.render(await staffView(ctx, { kind: 'error', text: e.message }, undefined, 400));
        throw e;
      }
    }),
  );

  // ------------------------------------------------------------ audit log (admin)
  router.get(
    '/console/audit',
    page(async (req, res, ctx) => {
      if (!adminOnly(ctx, res)) return;
      const rows = await db
        .select()
        .from(auditLog)
        .where(eq(auditLog.communeId, ctx.communeId))
        .orderBy(desc(auditLog.id))
        .limit(300);
      const staffIds = [
        ...new Set(
          rows
            .map((r) => /^staff:(\d+)$/.exec(r.actor)?.[1])
            .filter(Boolean)
            .map(Number),
        ),
      ];
      const names = new Map(
        staffIds.length
          ? (
              await db
                .select({ id: staffAccounts.id, name: staffAccounts.displayName })
                .from(staffAccounts)
                .where(and(inArray(staffAccounts.id, staffIds)))
            ).map((s) => [s.id, s.name] as const)
          : [],
      );
      ctx.render({
        title: 'Nhật ký',
        body: html`<h1>Nhật ký hoạt động</h1>
          <p class="muted">300 sự kiện gần nhất: mọi lần tiết lộ thông tin cá nhân và mọi thao tác của cán bộ.</p>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Thời gian</th>
                  <th scope="col">Ai</th>
                  <th scope="col">Việc</th>
                  <th scope="col">Đối tượng</th>
                </tr>
              </thead>
              <tbody>
                ${rows.map(
                  (r) =>
                    html`<tr>
                      <td>${formatShortDateTimeVi(r.at)}</td>
                      <td>${actorLabel(r.actor, names)}</td>
                      <td><code>${r.action}</code></td>
                      <td>${r.subject ?? ''}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`,
      });
    }),
  );

  return {
    menu: [
      { href: '/console/staff', label: 'Cán bộ', permission: 'staff', order: 90 },
      { href: '/console/audit', label: 'Nhật ký', permission: 'audit', order: 95 },
    ],
    router,
  };
}
