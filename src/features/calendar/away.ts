import { formatOpeningVi, type WorkCalendar } from '../../core/calendar.js';
import { defineStateSlice, isJsonObject } from '../../core/conversation-state.js';
import type { AppContext } from '../../pipeline/dispatcher.js';
import { handoverTextVi } from './presenter.js';
import { communeCalendarOf } from './service.js';

/**
 * The out-of-hours notice ("Hiện ngoài giờ làm việc (nghỉ Tết …). Cán bộ sẽ
 * trả lời từ …") is said at most once per conversation per closed period:
 * the slice keeps the opening time of the period it was last said for. A
 * second hand-over in the same night gets only the time staff are back.
 */
interface AwayNoticeState {
  /** ISO time the counter reopens after the closed period the notice was said in. */
  saidFor?: string;
}

export const awayNoticeState = defineStateSlice<AwayNoticeState>('awayNotice', {
  parse: (raw) => (isJsonObject(raw) && (raw.saidFor === undefined || typeof raw.saidFor === 'string') ? raw : undefined),
  empty: () => ({}),
});

type CalendarContext = Pick<AppContext, 'db' | 'commune' | 'now' | 'state'>;

/**
 * The full out-of-hours notice if this conversation has not heard it in the
 * current closed period (and remember that it now has), or undefined: the
 * counter is open, or the notice was already said.
 */
async function noticeOnce(ctx: CalendarContext): Promise<{ cal: WorkCalendar; open: boolean; notice?: string; opensAt?: Date }> {
  const cal = await communeCalendarOf(ctx);
  const a = cal.availability(ctx.now);
  if (a.open) return { cal, open: true };
  const s = awayNoticeState.get(ctx.state);
  const period = a.opensAt.toISOString();
  if (s.saidFor === period) return { cal, open: false, opensAt: a.opensAt };
  s.saidFor = period;
  return { cal, open: false, notice: handoverTextVi(cal, ctx.now), opensAt: a.opensAt };
}

/**
 * When staff will answer a question handed over now: during hours, the
 * commune's typical wait when `typicalWait` knows it (asked only then), else
 * today's promise; out of hours, the full notice the first time in this
 * closed period and afterwards only the reopening time.
 */
export async function staffAnswerTextVi(ctx: CalendarContext, typicalWait?: () => Promise<number | undefined>): Promise<string> {
  const r = await noticeOnce(ctx);
  if (r.open) return handoverTextVi(r.cal, ctx.now, await typicalWait?.());
  return r.notice ?? `Cán bộ sẽ trả lời từ ${formatOpeningVi(r.opensAt!, ctx.now)}.`;
}

/**
 * The out-of-hours notice for a reply the bot could not give itself, or ''
 * when the counter is open or the conversation already heard it in this
 * closed period.
 */
export async function awayNoticeOnceVi(ctx: CalendarContext): Promise<string> {
  return (await noticeOnce(ctx)).notice ?? '';
}
