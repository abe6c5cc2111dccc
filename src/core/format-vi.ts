/** Vietnam's UTC offset in minutes (no daylight saving time). */
export const VN_OFFSET_MINUTES = 7 * 60;

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

const local = (instant: Date) => new Date(instant.getTime() + VN_OFFSET_MINUTES * 60_000);

/** "20/07/2026" (Vietnamese local date). */
export function formatDateVi(instant: Date): string {
  const t = local(instant);
  return `${pad2(t.getUTCDate())}/${pad2(t.getUTCMonth() + 1)}/${t.getUTCFullYear()}`;
}

/** "17:00 ngày 20/07/2026". */
export function formatDateTimeVi(instant: Date): string {
  const t = local(instant);
  return `${pad2(t.getUTCHours())}:${pad2(t.getUTCMinutes())} ngày ${formatDateVi(instant)}`;
}

/** "17:00 20/07/2026": the compact form for lists and tables. */
export function formatShortDateTimeVi(instant: Date): string {
  const t = local(instant);
  return `${pad2(t.getUTCHours())}:${pad2(t.getUTCMinutes())} ${formatDateVi(instant)}`;
}

/** "157.945" (Vietnamese thousands separator). */
export function formatIntVi(n: number): string {
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.abs(Math.round(n))).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
}

/** "66,26 %" from 66.26. */
export function formatPercentVi(pct: number, digits = 2): string {
  const [i, f] = pct.toFixed(digits).split('.');
  return `${formatIntVi(Number(i))}${f ? `,${f}` : ''} %`;
}

/** "8.000 đồng". */
export function formatMoneyVi(amount: number): string {
  return `${formatIntVi(amount)} đồng`;
}

/** "2 ngày 3 giờ", "1 giờ 5 phút", "12 phút", "vừa xong". */
export function formatDurationVi(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 1) return 'vừa xong';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return hours > 0 ? `${days} ngày ${hours} giờ` : `${days} ngày`;
  if (hours > 0) return mins > 0 ? `${hours} giờ ${mins} phút` : `${hours} giờ`;
  return `${mins} phút`;
}

/** "20/07/2026" from a local date string (YYYY-MM-DD). */
export function formatLocalDateVi(date: string): string {
  const [y, m, d] = date.split('-');
  return `${d}/${m}/${y}`;
}
