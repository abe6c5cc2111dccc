import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import express, { type Request } from 'express';
import writeXlsxFile from 'write-excel-file/node';
import { consolePage, csrfField } from '../../core/console-kit.js';
import { ValidationError } from '../../core/errors.js';
import { formatDateTimeVi, formatDateVi, formatIntVi, formatLocalDateVi, formatPercentVi } from '../../core/format-vi.js';
import { html, type SafeHtml } from '../../core/html.js';
import { actorOf, type ConsoleContext, type ConsoleContribution } from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import { dossiers } from '../../db/schema/index.js';
import { loadCommuneCalendar } from '../calendar/index.js';
import { getInquiryStats, inquiryStatsSection, inquiryStatsSheet, type InquiryStats } from '../inquiries/index.js';
import { normalizeDossierCode } from './code-parser.js';
import { parsePeriod } from './http.js';
import { CHANNEL_NAMES, statusName, timelinessText } from './presenter.js';
import * as repo from './repo.js';
import { getDossierStats, type DossierStats, type StatsLine } from './stats.js';
import { unlockDossierVerification, VERIFY_LIMITS } from './verification.js';
import { computeTimeliness, localDate } from './working-days.js';

/** Statuses still in the commune's hands (received, in progress, waiting for documents or a fee). */
const OPEN_STATUSES = [1, 2, 4, 5, 6];
const OPEN_LIST_LIMIT = 100;

/**
 * "Hồ sơ" (permission 'dossiers'): open dossiers by promised date, late ones first, and one dossier by its
 * receipt code with its history; "Thống kê" (permission 'stats'): the period's figures as district
 * conferences report them, by month and by procedure, with an .xlsx export and a printable page.
 */
export function createDossiersConsole(deps: { db: Db; now?: () => Date }): ConsoleContribution {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const router = express.Router();

  router.get(
    '/console/dossiers',
    consolePage('dossiers', async (req, res, ctx) => {
      const q = typeof req.query.code === 'string' ? req.query.code.trim() : '';
      if (q) {
        const code = normalizeDossierCode(q);
        if (code) return res.redirect(303, `/console/dossiers/${encodeURIComponent(code)}`);
      }
      const calendar = await loadCommuneCalendar(db, ctx.communeId);
      const rows = await db
        .select()
        .from(dossiers)
        .where(and(eq(dossiers.communeId, ctx.communeId), inArray(dossiers.status, OPEN_STATUSES)))
        .orderBy(sql`${dossiers.dueAt} asc nulls last`, asc(dossiers.id))
        .limit(OPEN_LIST_LIMIT);
      const at = now();
      const items = rows.map((d) => ({
        d,
        t: computeTimeliness({ status: d.status, dueAt: d.dueAt, finishedAt: d.finishedAt, now: at }, calendar),
      }));
      const late = items.filter((i) => i.t.kind === 'overdue').length;
      ctx.render({
        title: 'Hồ sơ',
        flash: q ? { kind: 'error', text: `"${q}" không phải là mã hồ sơ (ví dụ 000.33.12.H56-260715-0007).` } : undefined,
        status: q ? 422 : 200,
        body: html`<h1>Hồ sơ</h1>
          <form method="get" action="/console/dossiers" class="card" role="search">
            <label for="code">Tra cứu theo mã hồ sơ</label>
            <input type="search" id="code" name="code" value="${q}" placeholder="000.33.12.H56-260715-0007" autocomplete="off" />
            <button type="submit">Tra cứu</button>
          </form>
          <h2>Hồ sơ đang giải quyết</h2>
          <p class="muted">
            ${formatIntVi(items.length)} hồ
            sơ${items.length === OPEN_LIST_LIMIT ? ` (${OPEN_LIST_LIMIT} hồ sơ hẹn sớm nhất)` : ''}, ${formatIntVi(late)} hồ sơ
            quá hẹn. Sắp xếp theo ngày hẹn trả.
          </p>
          ${
            items.length
              ? html`<div class="table-wrap" role="region" aria-label="Hồ sơ đang giải quyết" tabindex="0">
                  <table id="open-dossiers">
                    <thead>
                      <tr>
                        <th scope="col">Mã hồ sơ</th>
                        <th scope="col">Thủ tục</th>
                        <th scope="col">Trạng thái</th>
                        <th scope="col">Hẹn trả</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${items.map(
                        ({ d, t }) =>
                          html`<tr class="${t.kind === 'overdue' ? 'late' : ''}">
                            <td><a href="/console/dossiers/${encodeURIComponent(d.code)}">${d.code}</a></td>
                            <td>${d.procedureName ?? d.procedureCode ?? ''}</td>
                            <td>${statusName(d.status)}</td>
                            <td>
                              ${d.dueAt ? formatDateVi(d.dueAt) : '—'}
                              ${timelinessText(t) ? html`<br /><small>${timelinessText(t)}</small>` : ''}
                            </td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>
                </div>`
              : html`<p>Không có hồ sơ nào đang giải quyết.</p>`
          }`,
      });
    }),
  );

  router.get(
    '/console/dossiers/:code',
    consolePage('dossiers', async (req, res, ctx) => {
      const code = normalizeDossierCode(String(req.params.code));
      const d = code ? await repo.findDossierByCode(db, ctx.communeId, code) : undefined;
      if (!d) {
        ctx.render({
          title: 'Không tìm thấy hồ sơ',
          status: 404,
          body: html`<h1>Không tìm thấy hồ sơ</h1>
            <p>Xã chưa có hồ sơ mã ${String(req.params.code)}. <a href="/console/dossiers">Quay lại danh sách</a></p>`,
        });
        return;
      }
      const history = await repo.listEvents(db, d.id);
      const at = now();
      const attempts = await repo.codeAttempts(db, {
        communeId: ctx.communeId,
        code: d.code,
        since: new Date(at.getTime() - VERIFY_LIMITS.perCode.windowMs),
        channel: repo.STAFF_UNLOCK_CHANNEL,
        userId: actorOf(ctx.principal),
      });
      const lockedUntil =
        attempts.count >= VERIFY_LIMITS.perCode.max && attempts.oldest
          ? new Date(attempts.oldest.getTime() + VERIFY_LIMITS.perCode.windowMs)
          : undefined;
      const calendar = await loadCommuneCalendar(db, ctx.communeId);
      const t = computeTimeliness({ status: d.status, dueAt: d.dueAt, finishedAt: d.finishedAt, now: now() }, calendar);
      await repo.writeAudit(db, {
        communeId: ctx.communeId,
        actor: actorOf(ctx.principal),
        action: 'dossier.viewed',
        subject: d.code,
      });
      const row = (label: string, value: SafeHtml | string) =>
        html`<tr>
          <th scope="row">${label}</th>
          <td>${value}</td>
        </tr>`;
      ctx.render({
        title: `Hồ sơ ${d.code}`,
        flash:
          req.query.unlocked === '1'
            ? { kind: 'ok', text: 'Đã mở khóa tra cứu bằng 4 số cuối điện thoại cho hồ sơ này.' }
            : undefined,
        body: html`<p><a href="/console/dossiers">← Hồ sơ</a></p>
          <h1>Hồ sơ ${d.code}</h1>
          <table class="details" id="dossier">
            ${row('Thủ tục', d.procedureName ?? d.procedureCode ?? '')}
            ${row('Trạng thái', `${statusName(d.status)} (từ ${formatDateTimeVi(d.statusAt)})`)}
            ${row('Người nộp', d.applicantName ?? '')} ${row('Kênh nộp', CHANNEL_NAMES[d.channel] ?? d.channel)}
            ${row('Ngày tiếp nhận', d.receivedAt ? formatDateTimeVi(d.receivedAt) : '—')}
            ${row('Ngày hẹn trả', d.dueAt ? `${formatDateTimeVi(d.dueAt)}${timelinessText(t) ? ` (${timelinessText(t)})` : ''}` : '—')}
            ${d.reason ? row('Ghi chú', d.reason) : ''}
          </table>
          <h2>Quá trình giải quyết</h2>
          <ol id="history">
            ${history.map((h) => html`<li>${formatDateTimeVi(h.at)}: ${statusName(h.status)}${h.note ? html` — ${h.note}` : ''}</li>`)}
          </ol>
          <h2>Tra cứu qua tin nhắn</h2>
          <section class="card" id="verification">
            <p>
              ${
                lockedUntil
                  ? `Tra cứu bằng 4 số cuối điện thoại đang tạm khóa đến ${formatDateTimeVi(lockedUntil)} do ${formatIntVi(attempts.count)} lần nhập sai trong 24 giờ qua. Người dân xác minh bằng số điện thoại chia sẻ qua Telegram hoặc Zalo vẫn tra cứu được.`
                  : attempts.count
                    ? `${formatIntVi(attempts.count)} lần nhập sai 4 số cuối điện thoại trong 24 giờ qua (khóa sau ${formatIntVi(VERIFY_LIMITS.perCode.max)} lần).`
                    : 'Không có lần nhập sai nào trong 24 giờ qua.'
              }
            </p>
            ${
              attempts.count
                ? html`<form method="post" action="/console/dossiers/${encodeURIComponent(d.code)}/unlock">
                    ${csrfField(ctx)}
                    <p>Chỉ mở khóa khi người nộp hồ sơ đã liên hệ và anh/chị đã xác nhận đúng người.</p>
                    <button type="submit">Mở khóa tra cứu</button>
                  </form>`
                : ''
            }
          </section>`,
      });
    }),
  );

  router.post(
    '/console/dossiers/:code/unlock',
    consolePage('dossiers', async (req, res, ctx) => {
      const code = normalizeDossierCode(String(req.params.code));
      const d = code ? await repo.findDossierByCode(db, ctx.communeId, code) : undefined;
      if (!d) {
        ctx.render({ title: 'Không tìm thấy hồ sơ', status: 404, body: html`<h1>Không tìm thấy hồ sơ</h1>` });
        return;
      }
      await unlockDossierVerification(db, { communeId: ctx.communeId, code: d.code, actor: actorOf(ctx.principal), now: now() });
      res.redirect(303, `/console/dossiers/${encodeURIComponent(d.code)}?unlocked=1`);
    }),
  );

  router.get(
    '/console/stats',
    consolePage('stats', async (req, _res, ctx) => {
      const period = periodOf(req, now());
      if ('error' in period) {
        ctx.render({
          title: 'Thống kê',
          status: 422,
          flash: { kind: 'error', text: period.error },
          body: statsForm(localDate(now())),
        });
        return;
      }
      const [stats, inquiryStats] = await Promise.all([
        getDossierStats(db, { communeId: ctx.communeId, ...period }),
        inquiryStatsOf(db, ctx.communeId, period),
      ]);
      const query = `from=${period.from}&to=${period.to}`;
      ctx.render({
        title: 'Thống kê',
        body: html`<h1>Thống kê hồ sơ</h1>
          ${statsForm(period.to, period.from)}
          <p class="card" id="summary">${stats.summary}</p>
          <p>
            <a class="button" href="/console/stats.xlsx?${query}" download>Tải về Excel (.xlsx)</a>
            <a href="/api/v1/stats/dossiers?${query}&format=html" target="_blank" rel="noopener">Bản in</a>
          </p>
          ${statsTable(
            'Theo tháng',
            'by-month',
            ['Tháng'],
            stats.byMonth.map((m) => [[monthVi(m.month)], m]),
          )}
          ${statsTable(
            'Theo thủ tục',
            'by-procedure',
            ['Thủ tục'],
            stats.byProcedure.map((p) => [[p.procedureName ?? p.procedureCode], p]),
          )}
          ${inquiryStatsSection(inquiryStats)}`,
      });
    }),
  );

  router.get(
    '/console/stats.xlsx',
    consolePage('stats', async (req, res, ctx) => {
      const period = periodOf(req, now());
      if ('error' in period) throw new ValidationError(period.error, {});
      const [stats, inquiryStats] = await Promise.all([
        getDossierStats(db, { communeId: ctx.communeId, ...period }),
        inquiryStatsOf(db, ctx.communeId, period),
      ]);
      const file = await statsWorkbook(stats, inquiryStats, ctx).toBuffer();
      await repo.writeAudit(db, {
        communeId: ctx.communeId,
        actor: actorOf(ctx.principal),
        action: 'stats.exported',
        subject: `${period.from}..${period.to}`,
      });
      res
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .attachment(`thong-ke-ho-so-${period.from}-${period.to}.xlsx`)
        .send(file);
    }),
  );

  return {
    menu: [
      { href: '/console/dossiers', label: 'Hồ sơ', permission: 'dossiers', order: 20 },
      { href: '/console/stats', label: 'Thống kê', permission: 'stats', order: 60 },
    ],
    router,
  };
}

/** Questions for staff in the period, against the commune's working calendar (read once). */
async function inquiryStatsOf(db: Db, communeId: number, period: { from: string; to: string }): Promise<InquiryStats> {
  return getInquiryStats(db, { communeId, ...period, calendar: await loadCommuneCalendar(db, communeId) });
}

function periodOf(req: Request, at: Date): { from: string; to: string } | { error: string } {
  try {
    return parsePeriod(req.query.from, req.query.to, localDate(at));
  } catch {
    return { error: 'Khoảng thời gian không hợp lệ: chọn ngày bắt đầu không sau ngày kết thúc, tối đa 5 năm.' };
  }
}

function statsForm(to: string, from?: string): SafeHtml {
  return html`<form method="get" action="/console/stats" class="card">
    <label for="from">Từ ngày</label>
    <input type="date" id="from" name="from" value="${from ?? `${to.slice(0, 4)}-01-01`}" required />
    <label for="to">Đến ngày</label>
    <input type="date" id="to" name="to" value="${to}" required />
    <button type="submit">Xem thống kê</button>
  </form>`;
}

function monthVi(month: string): string {
  return `${month.slice(5, 7)}/${month.slice(0, 4)}`;
}

const COLUMNS = [
  'Tiếp nhận',
  'Trực tuyến',
  'Tỷ lệ trực tuyến',
  'Đã giải quyết',
  'Trước hạn',
  'Đúng hạn',
  'Trễ hạn',
  'Đúng và trước hạn',
];

function cells(s: StatsLine): string[] {
  return [
    formatIntVi(s.received),
    formatIntVi(s.receivedOnline),
    formatPercentVi(s.onlineRate),
    formatIntVi(s.resolved),
    formatIntVi(s.early),
    formatIntVi(s.onTime),
    formatIntVi(s.late),
    formatPercentVi(s.onTimeOrEarlyRate),
  ];
}

function statsTable(title: string, id: string, heads: string[], rows: Array<[string[], StatsLine]>): SafeHtml {
  return html`<h2>${title}</h2>
    ${
      rows.length
        ? html`<div class="table-wrap" role="region" aria-label="${title}" tabindex="0">
            <table id="${id}">
              <thead>
                <tr>
                  ${[...heads, ...COLUMNS].map((h) => html`<th scope="col">${h}</th>`)}
                </tr>
              </thead>
              <tbody>
                ${rows.map(
                  ([labels, s]) =>
                    html`<tr>
                      ${[...labels, ...cells(s)].map((c) => html`<td>${c}</td>`)}
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
        : html`<p>Chưa có hồ sơ trong khoảng thời gian này.</p>`
    }`;
}

/**
 * The workbook: the summary sentence and the totals, then by month and by procedure. Every value is a typed
 * cell (numbers as numbers, text as text), so a procedure name starting with "=" is text, never a formula.
 */
function statsWorkbook(s: DossierStats, inquiryStats: InquiryStats, ctx: ConsoleContext) {
  const bold = { fontWeight: 'bold' as const };
  const header = (first: string) => [first, ...COLUMNS].map((value) => ({ value, ...bold }));
  const line = (label: string, x: StatsLine) => [
    { value: label },
    { value: x.received },
    { value: x.receivedOnline },
    { value: x.onlineRate / 100, format: '0.00%' },
    { value: x.resolved },
    { value: x.early },
    { value: x.onTime },
    { value: x.late },
    { value: x.onTimeOrEarlyRate / 100, format: '0.00%' },
  ];
  const title = `${ctx.communeName}: hồ sơ từ ${formatLocalDateVi(s.from)} đến ${formatLocalDateVi(s.to)}`;
  return writeXlsxFile([
    { sheet: 'Tổng hợp', data: [[{ value: title, ...bold }], [{ value: s.summary }], [], header(''), line('Tổng cộng', s)] },
    { sheet: 'Theo tháng', data: [header('Tháng'), ...s.byMonth.map((m) => line(monthVi(m.month), m))] },
    {
      sheet: 'Theo thủ tục',
      data: [header('Thủ tục'), ...s.byProcedure.map((p) => line(p.procedureName ?? p.procedureCode, p))],
    },
    inquiryStatsSheet(inquiryStats),
  ]);
}
