import type express from 'express';
import { consolePage, csrfField, formText } from '../../core/console-kit.js';
import { formatShortDateTimeVi } from '../../core/format-vi.js';
import { html } from '../../core/html.js';
import { ROLE_LABELS, STAFF_ROLES, type ConsoleContext, type StaffRole } from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import { writeAudit } from '../../db/audit.js';
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
import { disableTotp } from '../second-factor.js';

/** "Cán bộ" (admins): the commune's staff accounts and its integration keys. */
export function registerStaffPage(router: express.Router, db: Db): void {
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
                    <td>
                      ${s.disabledAt ? 'Đã khóa' : 'Đang dùng'}${s.totpSecret ? html`<br /><span class="muted">Xác thực hai bước</span>` : ''}
                    </td>
                    <td>
                      ${
                        s.id === ctx.principal.staffId
                          ? html`<span class="muted">(tài khoản của anh/chị)</span>`
                          : html`<form method="post" action="/console/staff/${s.id}/role" class="row">
                                ${csrfField(ctx)}
                                <label class="muted" for="role-${s.id}">Vai trò của ${s.displayName}</label>
                                <select id="role-${s.id}" name="role">
                                  ${STAFF_ROLES.map((r) => html`<option value="${r}" ${r === s.role ? html`selected` : ''}>${ROLE_LABELS[r]}</option>`)}
                                </select>
                                <button class="secondary" type="submit">Lưu</button>
                              </form>
                              <form method="post" action="/console/staff/${s.id}/password" class="row">
                                ${csrfField(ctx)}
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
                              ${
                                s.totpSecret
                                  ? html`<form method="post" action="/console/staff/${s.id}/totp-reset">
                                      ${csrfField(ctx)}
                                      <button class="secondary" type="submit">Tắt xác thực hai bước</button>
                                    </form>`
                                  : ''
                              }
                              <form method="post" action="/console/staff/${s.id}/${s.disabledAt ? 'enable' : 'disable'}">
                                ${csrfField(ctx)}
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
            ${csrfField(ctx)}
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
                              ${csrfField(ctx)}<button class="danger" type="submit">Thu hồi</button>
                            </form>`
                      }
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>
        <form method="post" action="/console/staff/keys" class="card">
          ${csrfField(ctx)}
          <div class="row">
            <div>
              <label for="key-name">Tên khóa (ví dụ: Một cửa tỉnh)</label><input id="key-name" name="name" type="text" required />
            </div>
            <button type="submit">Tạo khóa</button>
          </div>
        </form>`,
    };
  }

  /** A colleague of the same commune (or any, for a province administrator), never oneself. */
  async function colleague(ctx: ConsoleContext, id: number) {
    const s = Number.isInteger(id) ? await findStaff(db, id) : undefined;
    if (!s || s.id === ctx.principal.staffId) return undefined;
    if (s.communeId !== ctx.communeId) return undefined;
    return s;
  }

  router.get(
    '/console/staff',
    consolePage('staff', async (_req, res, ctx) => {
      ctx.render(await staffView(ctx));
    }),
  );
  router.post(
    '/console/staff',
    consolePage('staff', async (req, res, ctx) => {
      try {
        const s = await createStaffAccount(db, {
          username: formText(req.body?.username, 60),
          displayName: formText(req.body?.displayName, 120),
          role: formText(req.body?.role, 20),
          password: formText(req.body?.password, 300),
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
    consolePage('staff', async (req, res, ctx) => {
      try {
        const { id, key } = await createApiKey(db, {
          communeId: ctx.communeId,
          name: formText(req.body?.name, 120),
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
    consolePage('staff', async (req, res, ctx) => {
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
    consolePage('staff', async (req, res, ctx) => {
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
            const role = formText(req.body?.role, 20) as StaffRole;
            if (!STAFF_ROLES.includes(role)) throw new StaffInputError('Vai trò không hợp lệ.', 'role');
            await setRole(db, s.id, role);
            await audit('staff.role_changed', { from: s.role, to: role });
            return ctx.render(await staffView(ctx, { kind: 'ok', text: `Đã đổi vai trò của ${s.displayName}.` }));
          }
          case 'password':
            await setPassword(db, s.id, formText(req.body?.password, 300), s.username);
            await audit('staff.password_reset');
            return ctx.render(await staffView(ctx, { kind: 'ok', text: `Đã đặt lại mật khẩu cho ${s.displayName}.` }));
          case 'totp-reset':
            // A colleague who lost the phone: the second factor goes, the password stays; they may enrol again.
            await disableTotp(db, s.id);
            await audit('staff.totp_reset');
            return ctx.render(await staffView(ctx, { kind: 'ok', text: `Đã tắt xác thực hai bước của ${s.displayName}.` }));
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
}
