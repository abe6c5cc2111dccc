import { STAFF_BUTTON } from '../../core/buttons.js';
import type { Reply, ReplyButton } from '../../core/types.js';
import type { ChannelInfo, Procedure, ProcedureOverride, SubmissionChannel } from './types.js';

/** A procedure with the commune's local facts (fee, address, note…) layered over the national record. */
export type ProcedureView = Procedure & { override?: ProcedureOverride | null; catalogDate?: string };

export interface CommuneFacts {
  name: string;
  address: string;
  hoursText: string;
  phone: string;
}

const CHANNEL_LABEL: Record<SubmissionChannel, string> = {
  truc_tiep: 'Trực tiếp',
  truc_tuyen: 'Trực tuyến',
  buu_chinh: 'Qua bưu chính',
};

const LEVEL_LABEL: Record<string, string> = {
  xã: 'cấp xã',
  tỉnh: 'cấp tỉnh',
  bộ: 'cấp bộ (trung ương)',
  khác: 'cơ quan chuyên ngành',
};

export function isCommuneLevel(p: Procedure): boolean {
  return p.levels.includes('xã');
}

function clip(s: string, n: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length <= n ? t : `${t.slice(0, n - 1).trimEnd()}…`;
}

/** "1 ngày làm việc" from a channel's time. Bare numbers in the catalog are working days. */
export function formatTime(c: ChannelInfo): string {
  if (c.time) return `${formatNumber(c.time.value)} ${c.time.unit === 'khác' ? '' : c.time.unit}`.trim();
  return clip(c.timeText, 120);
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(n).replace('.', ',');
}

export function formatFee(c: ChannelInfo): string {
  if (c.free) return 'Miễn phí';
  // A short single-amount fee reads better in Vietnamese style: "8.000 đồng".
  if (c.feeAmounts.length === 1 && c.feeText.length <= 40 && /^[\s\w:,.]*(vnđ|vnd|đồng|đ)\s*$/i.test(c.feeText)) {
    return `${c.feeAmounts[0].toLocaleString('vi-VN')} đồng`;
  }
  return clip(c.feeText || 'Chưa có thông tin', 160);
}

/** Collapse per-channel values that are identical ("Trực tiếp, Trực tuyến: Miễn phí"). */
function perChannel(p: Procedure, fn: (c: ChannelInfo) => string): string {
  if (p.channels.length === 0) return 'Chưa có thông tin';
  const groups = new Map<string, SubmissionChannel[]>();
  for (const c of p.channels) {
    const v = fn(c) || 'Chưa có thông tin';
    groups.set(v, [...(groups.get(v) ?? []), c.channel]);
  }
  if (groups.size === 1) return [...groups.keys()][0];
  return [...groups.entries()].map(([v, chans]) => `${chans.map((c) => CHANNEL_LABEL[c]).join(', ')}: ${v}`).join('; ');
}

export function feeSummary(p: ProcedureView): string {
  if (p.override?.fee) return p.override.fee;
  return perChannel(p, formatFee);
}

export function timeSummary(p: Procedure): string {
  return perChannel(p, formatTime);
}

export function canSubmitOnline(p: Procedure): boolean {
  return p.channels.some((c) => c.channel === 'truc_tuyen');
}

export function onlineUrl(p: ProcedureView): string | undefined {
  return p.override?.onlineUrl || p.portalUrl || undefined;
}

export function whereSummary(p: ProcedureView, commune: CommuneFacts): string {
  if (p.override?.receptionAddress) return p.override.receptionAddress;
  if (isCommuneLevel(p)) return `${commune.address} (${commune.name})`;
  if (p.receptionAddress) return clip(p.receptionAddress, 200);
  const level = p.levels.map((l) => LEVEL_LABEL[l] ?? l).join(', ');
  return `Thủ tục này do ${level || 'cơ quan khác'} giải quyết${p.agency ? ` (${clip(p.agency, 120)})` : ''}, không nộp tại UBND xã.`;
}

/** Per catalog record (its document groups are shared by every view of the cached record). */
const mainDocumentsOf = new WeakMap<object, string[]>();

/**
 * The documents most residents need, for the short answer: every group except
 * notes ("Lưu ý"), skipping zero-quantity rows (they are notes too), with the
 * declaration form first and case-specific documents last.
 */
export function mainDocuments(p: Procedure): string[] {
  const known = mainDocumentsOf.get(p.documentGroups);
  if (known) return [...known];
  const rank = (name: string, groupTitle: string): number => {
    if (/^tờ khai|^đơn /i.test(name)) return 0;
    if (/điện tử tương tác/i.test(name)) return 4;
    if (/^(trường hợp|nếu|đối với|văn bản ủy quyền|giấy ủy quyền|ngoài ra|người có yêu cầu)/i.test(name)) return 3;
    if (/xuất trình/i.test(groupTitle)) return 2;
    return 1;
  };
  const rows: { name: string; rank: number; i: number }[] = [];
  for (const g of p.documentGroups) {
    if (/lưu ý/i.test(g.title)) continue;
    for (const d of g.documents) {
      if (d.quantity && /^\s*0\b/.test(d.quantity)) continue;
      const name = d.name.replace(/^[-•+*\s]+/, '').trim();
      if (name) rows.push({ name, rank: rank(name, g.title), i: rows.length });
    }
  }
  rows.sort((x, y) => x.rank - y.rank || x.i - y.i);
  const names = rows.map((r) => clip(r.name, 110));
  mainDocumentsOf.set(p.documentGroups, names);
  return [...names];
}

/** Bản sao trích lục hộ tịch, and the civil-records feature's action that starts a request in the chat. */
const COPY_OF_EXTRACT_PROCEDURE = '2.000635';
const CIVIL_RECORD_REQUEST_ACTION = 'civil:start';

export function detailButtons(p: ProcedureView): ReplyButton[] {
  const buttons: ReplyButton[] = [
    { label: 'Giấy tờ đầy đủ', action: `proc:docs:${p.code}` },
    { label: 'Các bước thực hiện', action: `proc:steps:${p.code}` },
    { label: 'Lệ phí, thời hạn', action: `proc:fee:${p.code}` },
    { label: 'Căn cứ pháp lý', action: `proc:legal:${p.code}` },
  ];
  const url = canSubmitOnline(p) ? onlineUrl(p) : undefined;
  if (url) buttons.push({ label: 'Nộp trực tuyến', url });
  // Copies of civil-status extracts can be asked for in the chat itself (features/civil-records).
  if (p.code === COPY_OF_EXTRACT_PROCEDURE)
    buttons.unshift({ label: 'Yêu cầu bản sao qua tin nhắn', action: CIVIL_RECORD_REQUEST_ACTION });
  buttons.push(STAFF_BUTTON);
  return buttons;
}

/** The short answer first: name, where, main documents, fee, time, online. */
export function presentSummary(p: ProcedureView, commune: CommuneFacts): Reply {
  const lines: string[] = [];
  lines.push(`📋 ${p.name}`);
  lines.push(`Mã thủ tục: ${p.code}${p.field ? ` · Lĩnh vực: ${p.field}` : ''}`);
  if (!isCommuneLevel(p)) {
    const level = p.levels.map((l) => LEVEL_LABEL[l] ?? l).join(', ');
    lines.push(`⚠️ Lưu ý: thủ tục này thuộc thẩm quyền ${level || 'cơ quan khác'}, không do UBND xã giải quyết.`);
  }
  lines.push('');
  lines.push(`📍 Nơi nộp: ${whereSummary(p, commune)}`);
  const docs = mainDocuments(p);
  if (docs.length) {
    lines.push('📄 Giấy tờ chính:');
    for (const d of docs.slice(0, 4)) lines.push(`  • ${d}`);
    if (docs.length > 4) lines.push(`  • … và ${docs.length - 4} giấy tờ khác tùy trường hợp (bấm "Giấy tờ đầy đủ")`);
  }
  lines.push(`💰 Lệ phí: ${feeSummary(p)}`);
  lines.push(`⏱️ Thời hạn giải quyết: ${timeSummary(p)}`);
  if (canSubmitOnline(p)) lines.push('🌐 Có thể nộp trực tuyến qua Cổng Dịch vụ công quốc gia hoặc ứng dụng VNeID.');
  if (p.override?.hours) lines.push(`🕘 Giờ tiếp nhận: ${p.override.hours}`);
  if (p.override?.phone) lines.push(`☎️ Liên hệ: ${p.override.phone}`);
  if (p.override?.note) lines.push(`📌 Ghi chú của xã: ${p.override.note}`);
  const source = catalogSource(p);
  if (source) lines.push('', source);
  return { text: lines.join('\n'), buttons: detailButtons(p) };
}

/** "Nguồn: … cập nhật 20/07/2026" for a national record whose catalog date is known. */
export function catalogSource(p: Pick<ProcedureView, 'catalogDate'>): string | undefined {
  const m = p.catalogDate ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(p.catalogDate) : null;
  if (!m) return undefined;
  return `Nguồn: Cơ sở dữ liệu quốc gia về thủ tục hành chính, cập nhật ngày ${m[3]}/${m[2]}/${m[1]}.`;
}

export function presentDocuments(p: ProcedureView): Reply {
  const lines = [`📄 Giấy tờ cần chuẩn bị – ${p.name}`];
  if (p.documentGroups.length === 0) lines.push('Danh mục quốc gia chưa ghi thành phần hồ sơ. Anh/chị vui lòng hỏi cán bộ.');
  for (const g of p.documentGroups) {
    lines.push('', `▸ ${g.title || 'Giấy tờ khác'}`);
    for (const d of g.documents) {
      const extra = [d.quantity, d.form ? `mẫu: ${d.form}` : ''].filter(Boolean).join(', ');
      lines.push(`  • ${d.name.replace(/^[-•+*\s]+/, '')}${extra ? ` (${extra})` : ''}`);
    }
  }
  return { text: lines.join('\n'), buttons: backButtons(p) };
}

export function presentSteps(p: ProcedureView): Reply {
  const lines = [`🧭 Trình tự thực hiện – ${p.name}`];
  if (p.steps.length === 0) lines.push('Danh mục quốc gia chưa ghi trình tự. Anh/chị vui lòng hỏi cán bộ.');
  p.steps.forEach((s, i) => lines.push(`${i + 1}. ${s}`));
  return { text: lines.join('\n'), buttons: backButtons(p) };
}

export function presentFees(p: ProcedureView): Reply {
  const lines = [`💰 Lệ phí và thời hạn – ${p.name}`];
  if (p.override?.fee) lines.push(`Theo quy định tại địa phương: ${p.override.fee}`);
  for (const c of p.channels) {
    lines.push(
      `• ${CHANNEL_LABEL[c.channel]}: thời hạn ${formatTime(c)}; phí/lệ phí: ${c.free ? 'Miễn phí' : c.feeText || 'chưa có thông tin'}`,
    );
  }
  if (p.channels.length === 0) lines.push('Danh mục quốc gia chưa ghi lệ phí và thời hạn.');
  return { text: lines.join('\n'), buttons: backButtons(p) };
}

export function presentLegal(p: ProcedureView): Reply {
  const lines = [`⚖️ Căn cứ pháp lý – ${p.name}`];
  if (p.legalBasis.length === 0) lines.push('Chưa có thông tin.');
  for (const l of p.legalBasis) lines.push(`• ${l.title}${l.code && !l.title.includes(l.code) ? ` (${l.code})` : ''}`);
  return { text: lines.join('\n'), buttons: backButtons(p) };
}

export function presentOnline(p: ProcedureView): Reply {
  const url = onlineUrl(p);
  if (!canSubmitOnline(p)) {
    return {
      text: `Theo danh mục quốc gia, thủ tục "${p.shortName || p.name}" chưa có hình thức nộp trực tuyến. Anh/chị nộp trực tiếp hoặc qua bưu chính.`,
      buttons: backButtons(p),
    };
  }
  return {
    text:
      `Có, thủ tục "${p.shortName || p.name}" nộp trực tuyến được qua Cổng Dịch vụ công quốc gia (dichvucong.gov.vn) ` +
      'hoặc ứng dụng VNeID (đăng nhập bằng tài khoản định danh điện tử).' +
      (url ? `\nĐường dẫn: ${url}` : ''),
    buttons: backButtons(p),
  };
}

function backButtons(p: ProcedureView): ReplyButton[] {
  return [{ label: 'Tóm tắt thủ tục', action: `proc:show:${p.code}` }, STAFF_BUTTON];
}

export function presentCandidates(cands: { code: string; name: string; levels: readonly string[] }[]): Reply {
  const lines = [
    cands.length === 1
      ? 'Có phải anh/chị muốn hỏi về thủ tục dưới đây? Anh/chị bấm vào để xem, hoặc hỏi lại rõ hơn:'
      : 'Anh/chị đang hỏi về thủ tục nào dưới đây? Anh/chị bấm chọn hoặc gõ số (ví dụ "số 2"):',
  ];
  cands.forEach((c, i) => lines.push(`${i + 1}. ${c.name}${c.levels.includes('xã') ? '' : ' (không thuộc cấp xã)'}`));
  return {
    text: lines.join('\n'),
    buttons: [
      ...cands.map((c, i) => ({
        label: `${i + 1}. ${clip(c.name.replace(/^Thủ tục\s+/i, ''), 40)}`,
        action: `proc:show:${c.code}`,
      })),
      { label: 'Không phải các thủ tục trên', action: 'staff:contact' },
    ],
  };
}
