import express, { type Request } from 'express';
import { consolePage, csrfField, formText } from '../../core/console-kit.js';
import { formatLocalDate, localDate, WEEKDAY_VI, type DayKind, type OpenPeriod, type WeeklyHours } from '../../core/calendar.js';
import { html } from '../../core/html.js';
import { actorOf, principalAllows, type ConsoleContext, type ConsoleContribution } from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import { nextOpenSentenceVi } from './presenter.js';
import {
  addEnteredDay,
  CalendarInputError,
  listEnteredDays,
  loadCommuneCalendar,
  loadWeeklyHours,
  removeEnteredDay,
  setWeeklyHours,
} from './service.js';

const KIND_LABELS: Record<DayKind, string> = {
  holiday: 'Nghỉ lễ, tết',
  day_off: 'Ngày nghỉ (nghỉ bù, hoán đổi)',
  makeup_workday: 'Ngày làm bù',
};

/** Monday first, as staff read a week. */
const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0];
/** Two periods per day in the form: morning and afternoon. */
const SLOTS = [0, 1];

type Flash = { kind: 'ok' | 'error'; text: string };

/**
 * "Lịch làm việc": the year's holidays (computed from the Labour Code and
 * entered from the government's announcement), when the counter opens next,
 * and the commune's weekly hours. Everyone signed in may read it; entering
 * days and changing hours needs the 'settings' permission. Every change is audited.
 */
export function createCalendarConsole(deps: { db: Db; now?: () => Date }): ConsoleContribution {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const router = express.Router();

  function yearOf(req: Request): number {
    const y = Number(req.query.year ?? req.body?.year);
    return Number.isInteger(y) && y >= 2000 && y <= 2100 ? y : Number(localDate(now()).slice(0, 4));
  }

  async function page(ctx: ConsoleContext, year: number, flash?: Flash, status?: number) {
    const cal = await loadCommuneCalendar(db, ctx.communeId);
    const entered = await listEnteredDays(db, ctx.communeId, year);
    const enteredByDate = new Map(entered.map((e) => [e.date, e]));
    const { weekly, custom } = await loadWeeklyHours(db, ctx.communeId);
    const canEdit = principalAllows(ctx.principal, 'settings');
    const provinceAdmin = ctx.principal.communeId === null;
    const days = cal.daysOfYear(year);
    const status_ = nextOpenSentenceVi(cal.availability(now()));
    ctx.render({
      title: 'Lịch làm việc',
      flash,
      status,
      body: html`<h1>Lịch làm việc</h1>
        <p class="card" id="next-open" role="status"><strong>Bây giờ:</strong> ${status_}</p>
        <nav class="tabs" aria-label="Năm">
          <a href="/console/calendar?year=${year - 1}">← ${year - 1}</a>
          <a href="/console/calendar?year=${year}" aria-current="page">${year}</a>
          <a href="/console/calendar?year=${year + 1}">${year + 1} →</a>
        </nav>
        <h2>Ngày nghỉ lễ, ngày nghỉ bù và ngày làm bù năm ${year}</h2>
        <p class="muted">
          Ngày lễ tính theo Bộ luật Lao động 2019 (Tết Nguyên đán theo âm lịch, múi giờ Việt Nam). Lịch nghỉ Tết chính thức, ngày
          hoán đổi và ngày làm bù do Chính phủ công bố hằng năm: cán bộ nhập bên dưới, ngày nhập thay cho ngày tính sẵn.
        </p>
        <div class="table-wrap" role="region" aria-label="Ngày nghỉ và ngày làm bù năm ${year}" tabindex="0">
          <table id="calendar-days">
            <thead>
              <tr>
                <th scope="col">Ngày</th>
                <th scope="col">Tên, loại ngày</th>
                ${canEdit ? html`<th scope="col"><span class="muted">Thao tác</span></th>` : ''}
              </tr>
            </thead>
            <tbody>
              ${days.map((d) => {
                const e = d.source === 'entered' ? enteredByDate.get(d.date) : undefined;
                const mayRemove = canEdit && e && (e.communeId !== null || provinceAdmin);
                const wd = new Date(`${d.date}T00:00:00Z`).getUTCDay();
                return html`<tr>
                  <td>${WEEKDAY_VI[wd]} ${formatLocalDate(d.date)}</td>
                  <td>
                    ${d.name}<br /><span class="muted"
                      >${KIND_LABELS[d.kind]} ·
                      ${d.source === 'computed' ? 'theo luật' : e?.communeId === null ? 'nhập chung cho mọi xã' : 'xã nhập'}</span
                    >
                  </td>
                  ${
                    canEdit
                      ? html`<td>
                          ${
                            mayRemove
                              ? html`<form method="post" action="/console/calendar/days/${e.id}/delete" class="inline">
                                  ${csrfField(ctx)}<input type="hidden" name="year" value="${year}" />
                                  <button class="secondary" type="submit" aria-label="Xóa ngày ${formatLocalDate(d.date)}">
                                    Xóa
                                  </button>
                                </form>`
                              : ''
                          }
                        </td>`
                      : ''
                  }
                </tr>`;
              })}
            </tbody>
          </table>
        </div>
        ${
          canEdit
            ? html`<form method="post" action="/console/calendar/days" class="card" id="add-day">
                ${csrfField(ctx)}<input type="hidden" name="year" value="${year}" />
                <h2>Nhập ngày theo thông báo của Chính phủ</h2>
                <div class="row">
                  <div><label for="day-date">Ngày</label><input id="day-date" name="date" type="date" required /></div>
                  <div>
                    <label for="day-kind">Loại ngày</label>
                    <select id="day-kind" name="kind">
                      ${(['day_off', 'holiday', 'makeup_workday'] as DayKind[]).map(
                        (k) => html`<option value="${k}">${KIND_LABELS[k]}</option>`,
                      )}
                    </select>
                  </div>
                </div>
                <label for="day-name">Tên (ví dụ: Nghỉ Tết Nguyên đán, Làm bù ngày 05/02)</label>
                <input id="day-name" name="name" type="text" required maxlength="120" />
                ${
                  provinceAdmin
                    ? html`<label><input type="checkbox" name="shared" value="1" /> Áp dụng cho mọi xã của hệ thống</label>`
                    : ''
                }
                <div class="actions"><button type="submit">Thêm ngày</button></div>
              </form>`
            : ''
        }
        <h2>Giờ làm việc hằng tuần</h2>
        <p class="muted">
          ${custom ? 'Giờ riêng của xã.' : 'Đang dùng giờ mặc định: thứ Hai – thứ Sáu, 7:30–11:30 và 13:30–17:00.'} Ngày hạn giải
          quyết hồ sơ chỉ tính thứ Hai – thứ Sáu; buổi sáng thứ Bảy (nếu có) là giờ tiếp dân thêm.
        </p>
        ${canEdit ? weeklyForm(ctx, weekly, year) : weeklyTable(weekly)}`,
    });
  }

  router.get(
    '/console/calendar',
    consolePage(undefined, async (req, _res, ctx) => page(ctx, yearOf(req))),
  );

  router.post(
    '/console/calendar/days',
    consolePage('settings', async (req, _res, ctx) => {
      const year = yearOf(req);
      const shared = req.body?.shared === '1' && ctx.principal.communeId === null;
      try {
        const d = await addEnteredDay(db, {
          communeId: shared ? null : ctx.communeId,
          auditCommuneId: ctx.communeId,
          date: formText(req.body?.date, 20),
          kind: formText(req.body?.kind, 40),
          name: formText(req.body?.name, 200),
          actor: actorOf(ctx.principal),
        });
        return page(ctx, Number(d.date.slice(0, 4)), { kind: 'ok', text: `Đã thêm ngày ${formatLocalDate(d.date)}.` });
      } catch (e) {
        if (e instanceof CalendarInputError) return page(ctx, year, { kind: 'error', text: e.message }, 400);
        throw e;
      }
    }),
  );

  router.post(
    '/console/calendar/days/:id/delete',
    consolePage('settings', async (req, _res, ctx) => {
      const removed = await removeEnteredDay(db, {
        id: Number(req.params.id) || -1,
        communeId: ctx.communeId,
        mayEditShared: ctx.principal.communeId === null,
        actor: actorOf(ctx.principal),
      });
      return removed
        ? page(ctx, Number(removed.date.slice(0, 4)), { kind: 'ok', text: `Đã xóa ngày ${formatLocalDate(removed.date)}.` })
        : page(ctx, yearOf(req), { kind: 'error', text: 'Không tìm thấy ngày này.' }, 404);
    }),
  );

  router.post(
    '/console/calendar/hours',
    consolePage('settings', async (req, _res, ctx) => {
      const year = yearOf(req);
      const weekly: WeeklyHours = [0, 1, 2, 3, 4, 5, 6].map((wd) =>
        SLOTS.flatMap((i): OpenPeriod[] => {
          const from = formText(req.body?.[`d${wd}_${i}_from`], 5);
          const to = formText(req.body?.[`d${wd}_${i}_to`], 5);
          return from || to ? [{ from, to }] : [];
        }),
      );
      try {
        await setWeeklyHours(db, { communeId: ctx.communeId, weekly, actor: actorOf(ctx.principal) });
      } catch (e) {
        if (e instanceof CalendarInputError) return page(ctx, year, { kind: 'error', text: e.message }, 400);
        throw e;
      }
      return page(ctx, year, { kind: 'ok', text: 'Đã lưu giờ làm việc.' });
    }),
  );

  return {
    // Every role holds 'stats', so every signed-in staff member sees the page; edits need 'settings'.
    menu: [{ href: '/console/calendar', label: 'Lịch làm việc', permission: 'stats', order: 70 }],
    router,
  };
}

function periodsText(periods: OpenPeriod[]): string {
  return periods.length ? periods.map((p) => `${p.from}–${p.to}`).join(', ') : 'Nghỉ';
}

function weeklyTable(weekly: WeeklyHours) {
  return html`<div class="table-wrap" role="region" aria-label="Giờ làm việc hằng tuần" tabindex="0">
    <table id="weekly-hours">
      <tbody>
        ${WEEK_ORDER.map(
          (wd) =>
            html`<tr>
              <th scope="row">${WEEKDAY_VI[wd]}</th>
              <td>${periodsText(weekly[wd] ?? [])}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

function weeklyForm(ctx: ConsoleContext, weekly: WeeklyHours, year: number) {
  return html`<form method="post" action="/console/calendar/hours" class="card" id="weekly-hours">
    ${csrfField(ctx)}<input type="hidden" name="year" value="${year}" />
    <p class="muted">Mỗi ngày tối đa hai buổi; để trống cả hai ô là nghỉ buổi đó.</p>
    ${WEEK_ORDER.map(
      (wd) =>
        html`<fieldset>
          <legend>${WEEKDAY_VI[wd]}</legend>
          ${SLOTS.map((i) => {
            const p = (weekly[wd] ?? [])[i];
            const label = i === 0 ? 'Buổi 1' : 'Buổi 2';
            return html`<div class="row">
              <div>
                <label for="d${wd}_${i}_from">${label}: từ</label
                ><input id="d${wd}_${i}_from" name="d${wd}_${i}_from" type="time" value="${p?.from ?? ''}" />
              </div>
              <div>
                <label for="d${wd}_${i}_to">${label}: đến</label
                ><input id="d${wd}_${i}_to" name="d${wd}_${i}_to" type="time" value="${p?.to ?? ''}" />
              </div>
            </div>`;
          })}
        </fieldset>`,
    )}
    <div class="actions"><button type="submit">Lưu giờ làm việc</button></div>
  </form>`;
}
