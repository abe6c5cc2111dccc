import type express from 'express';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { consolePage } from '../../core/console-kit.js';
import { formatShortDateTimeVi } from '../../core/format-vi.js';
import { html } from '../../core/html.js';
import type { Db } from '../../db/client.js';
import { auditLog, staffAccounts } from '../../db/schema/index.js';

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

/** "Nhật ký" (admins): the commune's audit log. */
export function registerAuditPage(router: express.Router, db: Db): void {
  router.get(
    '/console/audit',
    consolePage('audit', async (req, res, ctx) => {
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
}
