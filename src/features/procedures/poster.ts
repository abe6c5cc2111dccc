/**
 * Printable A4 QR posters for the commune's reception hall: one procedure,
 * a short summary, and QR codes that open the assistant on that procedure.
 */
import QRCode from 'qrcode';
import { escapeHtml } from '../../core/html.js';
import type { ResolvedProcedure } from './types.js';

export interface PosterCommune {
  name: string;
  address?: string;
  phone?: string;
  hoursText?: string;
}

export interface PosterLinks {
  telegram?: string;
  zalo?: string;
  web: string;
}

/** What the runtime knows per commune (`posterLinks` in runtime.ts); `buildPosterLinks` turns it into per-procedure links. */
export interface PosterLinkBase {
  /** Public base URL of the web chat, e.g. https://troly.xa-mau.gov.vn */
  publicUrl: string;
  /** Telegram bot username without @. */
  telegramBot?: string;
  /** Zalo Official Account id. */
  zaloOaId?: string;
  /** Added as ?commune=<slug> when several communes share one server. */
  communeSlug?: string;
}

/** Telegram `start` payload for a procedure: only [A-Za-z0-9_-] is allowed, so dots become "_". */
export function telegramStartPayload(code: string): string {
  return `p_${code.replace(/\./g, '_')}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

export function buildPosterLinks(base: PosterLinkBase, code: string): PosterLinks {
  const root = base.publicUrl.replace(/\/+$/, '');
  const query = new URLSearchParams();
  if (base.communeSlug) query.set('commune', base.communeSlug);
  query.set('p', code);
  const links: PosterLinks = { web: `${root}/?${query.toString()}` };
  if (base.telegramBot) {
    links.telegram = `https://t.me/${encodeURIComponent(base.telegramBot.replace(/^@/, ''))}?start=${telegramStartPayload(code)}`;
  }
  if (base.zaloOaId) links.zalo = `https://zalo.me/${encodeURIComponent(base.zaloOaId)}`;
  return links;
}

function truncate(s: string, max: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1).trimEnd()}…` : one;
}

export interface PosterSummary {
  where: string;
  documentsCount: number;
  fee: string;
  time: string;
}

const TIME_UNIT_TEXT: Record<string, string> = {
  'ngày làm việc': 'ngày làm việc',
  ngày: 'ngày',
  giờ: 'giờ',
  tháng: 'tháng',
  khác: '',
};

/** The four facts a resident reads on a poster: where, how many papers, how much, how long. */
export function summarizeProcedure(procedure: ResolvedProcedure, commune: PosterCommune): PosterSummary {
  const where =
    procedure.override?.receptionAddress ||
    procedure.receptionAddress ||
    commune.address ||
    `Trung tâm Phục vụ hành chính công ${commune.name}`;
  const documentsCount = procedure.documentGroups
    .filter((g) => !/lưu ý/i.test(g.title))
    .flatMap((g) => g.documents)
    .filter((d) => !/^0 bản chính$/.test(d.quantity ?? '')).length;

  let fee: string;
  const feeRows = procedure.channels.filter((c) => c.feeText);
  if (procedure.override?.fee) fee = procedure.override.fee;
  else if (procedure.channels.length && procedure.channels.every((c) => c.free)) fee = 'Miễn phí';
  else if (feeRows.length) {
    const direct = feeRows.find((c) => c.channel === 'truc_tiep') ?? feeRows[0];
    fee = direct.feeAmounts.length ? `${direct.feeAmounts[0].toLocaleString('vi-VN')} đồng` : truncate(direct.feeText, 80);
  } else fee = 'Vui lòng hỏi cán bộ tiếp nhận';

  const timed = procedure.channels.find((c) => c.channel === 'truc_tiep' && c.time) ?? procedure.channels.find((c) => c.time);
  const time = timed?.time
    ? `${timed.time.value} ${TIME_UNIT_TEXT[timed.time.unit] || truncate(timed.timeText, 40)}`.trim()
    : 'Vui lòng hỏi cán bộ tiếp nhận';
  return { where, documentsCount, fee, time };
}

/** QR codes drawn once per link (a poster's links rarely change): bounded, oldest dropped first. */
const qrCache = new Map<string, Promise<string>>();
const QR_CACHE_MAX = 500;

function qrSvg(url: string): Promise<string> {
  let svg = qrCache.get(url);
  if (!svg) {
    svg = QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
    svg.catch(() => qrCache.delete(url));
    if (qrCache.size >= QR_CACHE_MAX) qrCache.delete(qrCache.keys().next().value!);
    qrCache.set(url, svg);
  }
  return svg;
}

/** A self-contained A4 HTML page (inline SVG QR codes, no external assets) ready to print. */
export async function renderPosterHtml(args: {
  procedure: ResolvedProcedure;
  commune: PosterCommune;
  links: PosterLinks;
}): Promise<string> {
  const { procedure, commune, links } = args;
  const s = summarizeProcedure(procedure, commune);
  const codes: { label: string; hint: string; url: string }[] = [];
  if (links.zalo) codes.push({ label: 'Zalo', hint: 'Quét bằng ứng dụng Zalo', url: links.zalo });
  if (links.telegram) codes.push({ label: 'Telegram', hint: 'Quét bằng camera điện thoại', url: links.telegram });
  codes.push({ label: 'Trang web', hint: 'Mở bằng trình duyệt', url: links.web });
  const svgs = await Promise.all(codes.map((c) => qrSvg(c.url)));

  const note = procedure.override?.note
    ? `<p class="note"><strong>Ghi chú của xã:</strong> ${escapeHtml(procedure.override.note)}</p>`
    : '';
  const hours = procedure.override?.hours || commune.hoursText;
  const phone = procedure.override?.phone || commune.phone;
  const contact = [hours ? `Giờ tiếp nhận: ${escapeHtml(hours)}` : '', phone ? `Điện thoại: ${escapeHtml(phone)}` : ''].filter(
    Boolean,
  );

  return `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>${escapeHtml(procedure.shortName)} – ${escapeHtml(commune.name)}</title>
<style>
  @page { size: A4; margin: 14mm; }
  * { box-sizing: border-box; }
  body { font-family: "Noto Sans", "Segoe UI", Arial, sans-serif; color: #111; margin: 0; }
  .page { width: 182mm; min-height: 265mm; margin: 0 auto; display: flex; flex-direction: column; }
  header { border-bottom: 3px solid #b71c1c; padding-bottom: 4mm; text-align: center; }
  header .commune { font-size: 14pt; font-weight: 700; text-transform: uppercase; color: #b71c1c; }
  header .sub { font-size: 11pt; margin-top: 1mm; }
  h1 { font-size: 26pt; line-height: 1.2; text-align: center; margin: 8mm 0 6mm; }
  .facts { display: grid; grid-template-columns: 1fr 1fr; gap: 4mm; font-size: 13pt; }
  .fact { border: 1px solid #ccc; border-radius: 3mm; padding: 3mm 4mm; }
  .fact .k { font-size: 10pt; color: #555; text-transform: uppercase; letter-spacing: .03em; }
  .fact .v { font-weight: 600; margin-top: 1mm; }
  .note { font-size: 12pt; background: #fff8e1; border-left: 4px solid #f9a825; padding: 3mm 4mm; margin: 5mm 0 0; }
  .ask { text-align: center; font-size: 15pt; font-weight: 700; margin: 9mm 0 4mm; }
  .qrs { display: flex; justify-content: center; gap: 8mm; flex-wrap: wrap; }
  .qr { width: 52mm; text-align: center; }
  .qr svg { width: 48mm; height: 48mm; }
  .qr .label { font-size: 14pt; font-weight: 700; margin-top: 1mm; }
  .qr .hint { font-size: 9.5pt; color: #444; }
  .qr .url { font-size: 7.5pt; color: #666; word-break: break-all; }
  footer { margin-top: auto; padding-top: 5mm; border-top: 1px solid #ccc; font-size: 10pt; color: #333; text-align: center; }
  @media screen { body { background: #eee; } .page { background: #fff; padding: 14mm; margin: 8mm auto; box-shadow: 0 0 4mm rgba(0,0,0,.15); width: 210mm; } }
</style>
</head>
<body>
<div class="page">
  <header>
    <div class="commune">${escapeHtml(commune.name)}</div>
    <div class="sub">Hướng dẫn thủ tục hành chính</div>
  </header>
  <h1>${escapeHtml(procedure.shortName)}</h1>
  <section class="facts">
    <div class="fact"><div class="k">Nơi nộp hồ sơ</div><div class="v">${escapeHtml(truncate(s.where, 160))}</div></div>
    <div class="fact"><div class="k">Giấy tờ cần chuẩn bị</div><div class="v">${s.documentsCount > 0 ? `${s.documentsCount} loại giấy tờ (xem chi tiết qua mã QR)` : 'Xem chi tiết qua mã QR'}</div></div>
    <div class="fact"><div class="k">Lệ phí</div><div class="v">${escapeHtml(s.fee)}</div></div>
    <div class="fact"><div class="k">Thời gian giải quyết</div><div class="v">${escapeHtml(s.time)}</div></div>
  </section>
  ${note}
  <p class="ask">Quét mã để hỏi trợ lý của xã về thủ tục này</p>
  <section class="qrs">
${codes
  .map(
    (c, i) => `    <div class="qr">
      ${svgs[i]}
      <div class="label">${escapeHtml(c.label)}</div>
      <div class="hint">${escapeHtml(c.hint)}</div>
      <div class="url">${escapeHtml(c.url)}</div>
    </div>`,
  )
  .join('\n')}
  </section>
  <footer>
    ${contact.map((c) => `<div>${c}</div>`).join('\n    ')}
    <div>Mã thủ tục: ${escapeHtml(procedure.code)}${procedure.portalUrl ? ` · Cổng Dịch vụ công quốc gia` : ''}</div>
  </footer>
</div>
</body>
</html>
`;
}
