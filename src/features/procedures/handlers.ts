import { MENU_BUTTON, STAFF_BUTTON } from '../../core/buttons.js';
import { defineStateSlice, isJsonObject } from '../../core/conversation-state.js';
import type { ConversationState } from '../../core/types.js';
import { NEXT, type Router } from '../../core/router.js';
import { foldPhrase } from '../../core/text-input.js';
import type { Reply } from '../../core/types.js';
import type { Db } from '../../db/client.js';
import type { AppContext } from '../../pipeline/dispatcher.js';
import type { EngineResponse } from './engine.js';
import {
  presentCandidates,
  presentDocuments,
  presentFees,
  presentLegal,
  presentOnline,
  presentSteps,
  presentSummary,
  timeSummary,
  feeSummary,
  whereSummary,
  type ProcedureView,
} from './presenter.js';

export type { SearchHit } from '../../text/search-index.js';
/** What the chat needs from search: the ranked hits and the decision (answer, choose, unknown). */
export type SearchOutcome = Pick<EngineResponse, 'results' | 'decision' | 'candidates' | 'elsewhere'>;

export interface ProcedureChatDeps {
  search: (communeId: number, query: string, limit: number) => SearchOutcome;
  getProcedure: (db: Db, communeId: number, code: string) => Promise<ProcedureView | undefined>;
}

/** This feature's slice of the conversation: the procedure under discussion and the choices offered. */
export interface ProcedureChatState {
  last?: string;
  candidates?: string[];
}

const isCodeList = (v: unknown): v is string[] => Array.isArray(v) && v.length <= 10 && v.every((c) => typeof c === 'string');

export const procedureState = defineStateSlice<ProcedureChatState>('procedures', {
  parse: (raw) =>
    isJsonObject(raw)
      ? {
          ...(typeof raw.last === 'string' ? { last: raw.last } : {}),
          ...(isCodeList(raw.candidates) ? { candidates: raw.candidates } : {}),
        }
      : undefined,
  empty: () => ({}),
});

/** The slice, with the keys stored before it existed (`procLast`, `procCandidates`) moved in. */
export function procedureChat(state: ConversationState): ProcedureChatState {
  const slice = procedureState.get(state);
  const { procLast, procCandidates } = state.data;
  if (typeof procLast === 'string') slice.last ??= procLast;
  if (isCodeList(procCandidates)) slice.candidates ??= procCandidates;
  delete state.data.procLast;
  delete state.data.procCandidates;
  return slice;
}

const ORDINALS: Record<string, number> = {
  mot: 1,
  nhat: 1,
  'dau tien': 1,
  dau: 1,
  hai: 2,
  nhi: 2,
  ba: 3,
  bon: 4,
  tu: 4,
};

/**
 * Read a choice among listed candidates: "2", "số 2", "cái thứ hai", "thứ 2",
 * "chọn 3", "cái đầu tiên", "cái cuối". Returns a 1-based index or undefined.
 */
export function parseChoice(text: string, count: number): number | undefined {
  const f = foldPhrase(text);
  if (!f) return undefined;
  const stripped = f
    .replace(/^(toi |em |minh )?(chon|lay|la|hoi|muon hoi|y)\s+/, '')
    .replace(/^(cai|muc|so|thu tuc|phuong an|dong|lua chon)\s+/, '')
    .replace(/^(thu|so)\s+/, '')
    .replace(/\s+(a|nhe|nha|ak|ah|di|ạ)$/, '')
    .trim();
  let n: number | undefined;
  // "Có phải thủ tục này không?" → "đúng rồi", "vâng", "có ạ".
  if (count === 1 && /^(co|dung|dung roi|dung vay|phai|phai roi|vang|u|uh|ok|oke|chinh xac)( a| roi| a a)?$/.test(stripped))
    n = 1;
  else if (/^\d{1,2}$/.test(stripped)) n = Number(stripped);
  else if (stripped in ORDINALS) n = ORDINALS[stripped];
  else if (/^(cuoi|cuoi cung)$/.test(stripped)) n = count;
  if (n === undefined || n < 1 || n > count) return undefined;
  return n;
}

const CORRECTION =
  /^(?:khong phai|ko phai|k phai|hong phai|khong|sai roi|nham roi|khong dung)(?:\s+(?:dau|a|ak))?(?:\s*,)?\s*(?:(?:y|ma)\s+(?:toi|em|minh|tui)\s+(?:la|muon hoi|hoi)|(?:toi|em|minh|tui)\s+(?:muon hoi|hoi|can)|ma\s+la|ma)?\s*/;

/**
 * A correction of the last answer: "không phải, ý tôi là …". Returns the text after the correction
 * (possibly empty), or undefined when the message is not a correction. Pure.
 */
export function stripCorrection(text: string): string | undefined {
  const words = text.normalize('NFC').trim();
  const folded = foldPhrase(words);
  const m = CORRECTION.exec(folded);
  if (!m || (m[0].trim() === 'khong' && !/^(?:khong)\s*,/.test(folded))) return undefined;
  // Cut the same number of words from the original text (folding keeps one word per word).
  const cut = m[0].trim().split(/\s+/).filter(Boolean).length;
  return words
    .replace(/[,.!?]/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .slice(cut)
    .join(' ');
}

type Aspect = 'fee' | 'time' | 'online' | 'docs' | 'where' | 'steps' | 'legal';

/** A follow-up question about an aspect of the procedure under discussion ("phí bao nhiêu?"). */
export function detectAspect(text: string): Aspect | undefined {
  const f = ` ${foldPhrase(text)} `;
  if (/ (phi|le phi|bao nhieu tien|mat tien|ton tien|tien|gia) /.test(f)) return 'fee';
  if (/ (online|truc tuyen|qua mang|tren mang|dich vu cong|vneid|internet|dien thoai duoc) /.test(f)) return 'online';
  if (/ (bao lau|may ngay|thoi gian|thoi han|bao nhieu ngay|khi nao co|lau khong|mat may) /.test(f)) return 'time';
  if (/ (giay to|ho so gom|can gi|can nhung gi|mang theo|chuan bi|thanh phan) /.test(f)) return 'docs';
  if (/ (o dau|noi nop|cho nao|nop tai|di dau) /.test(f)) return 'where';
  if (/ (cac buoc|trinh tu|quy trinh|lam the nao|lam sao|cach lam) /.test(f)) return 'steps';
  if (/ (can cu|luat|nghi dinh|thong tu|phap ly) /.test(f)) return 'legal';
  return undefined;
}

function aspectReply(p: ProcedureView, aspect: Aspect, ctx: AppContext): Reply {
  switch (aspect) {
    case 'fee':
      return {
        text: `💰 Lệ phí thủ tục "${p.shortName || p.name}": ${feeSummary(p)}`,
        buttons: [{ label: 'Chi tiết lệ phí, thời hạn', action: `proc:fee:${p.code}` }],
      };
    case 'time':
      return {
        text: `⏱️ Thời hạn giải quyết thủ tục "${p.shortName || p.name}": ${timeSummary(p)}`,
        buttons: [{ label: 'Tóm tắt thủ tục', action: `proc:show:${p.code}` }],
      };
    case 'where':
      return {
        text: `📍 Nơi nộp hồ sơ "${p.shortName || p.name}": ${whereSummary(p, ctx.commune)}`,
        buttons: [{ label: 'Tóm tắt thủ tục', action: `proc:show:${p.code}` }],
      };
    case 'online':
      return presentOnline(p);
    case 'docs':
      return presentDocuments(p);
    case 'steps':
      return presentSteps(p);
    case 'legal':
      return presentLegal(p);
  }
}

/** Procedures residents ask for most (national codes). */
const POPULAR: { label: string; code: string }[] = [
  { label: 'Khai sinh', code: '1.001193' },
  { label: 'Kết hôn', code: '1.000894' },
  { label: 'Khai tử', code: '1.000656' },
  { label: 'Chứng thực bản sao', code: '2.000815' },
  { label: 'Xác nhận độc thân', code: '1.004873' },
  { label: 'Đăng ký thường trú', code: '1.004222' },
];

/** Procedure guidance in the chat: search, choose among candidates, short answer, details, follow-ups. */
export function register(router: Router<AppContext>, deps: ProcedureChatDeps): void {
  async function show(ctx: AppContext, code: string, known?: ProcedureView): Promise<Reply> {
    const p = known ?? (await deps.getProcedure(ctx.db, ctx.msg.communeId, code));
    if (!p) {
      return {
        text: 'Xin lỗi, tôi không tìm thấy thủ tục này. Anh/chị vui lòng hỏi lại bằng tên thủ tục.',
        buttons: [STAFF_BUTTON],
      };
    }
    ctx.state.flow = null;
    const chat = procedureChat(ctx.state);
    chat.last = p.code;
    delete chat.candidates;
    return presentSummary(p, ctx.commune);
  }

  async function detail(ctx: AppContext, present: (p: ProcedureView) => Reply): Promise<Reply> {
    const code = ctx.actionArgs.join(':');
    const p = await deps.getProcedure(ctx.db, ctx.msg.communeId, code);
    if (!p) return { text: 'Xin lỗi, tôi không tìm thấy thủ tục này.' };
    procedureChat(ctx.state).last = p.code;
    return present(p);
  }

  router.action('proc:show', (ctx) => show(ctx, ctx.actionArgs.join(':')));
  router.action('proc:docs', (ctx) => detail(ctx, presentDocuments));
  router.action('proc:steps', (ctx) => detail(ctx, presentSteps));
  router.action('proc:fee', (ctx) => detail(ctx, presentFees));
  router.action('proc:legal', (ctx) => detail(ctx, presentLegal));
  router.action('proc:ask', (ctx) => answerQuestion(ctx, ctx.actionArgs.join(':')));
  router.action('menu:procedures', () => ({
    text: 'Anh/chị muốn hỏi thủ tục nào? Anh/chị cứ gõ tự nhiên, ví dụ "làm giấy khai sinh cho con cần gì", "xin giấy độc thân", "sao y giấy tờ", hoặc chọn thủ tục hay dùng:',
    buttons: POPULAR.map((p) => ({ label: p.label, action: `proc:show:${p.code}` })),
  }));

  // Deep links from QR posters: Telegram /start p_1_001193 and the web page ?p=1.001193.
  router.command('start', (ctx) => {
    const m = /^p_([0-9a-z_.-]+)$/i.exec(ctx.commandArg);
    if (!m) return NEXT;
    return show(ctx, m[1].replace(/_/g, '.'));
  });

  router.flow('proc:choose', (ctx) => {
    const cands = procedureChat(ctx.state).candidates ?? [];
    const n = parseChoice(ctx.text, cands.length);
    if (n) return show(ctx, cands[n - 1]);
    ctx.state.flow = null; // a new question: route normally
    return NEXT;
  });

  async function answerQuestion(ctx: AppContext, text: string): Promise<Reply | Reply[] | typeof NEXT> {
    const outcome = deps.search(ctx.msg.communeId, text, 4);
    const last = procedureChat(ctx.state).last;
    const aspect = detectAspect(text);
    // A follow-up about the procedure under discussion, unless the question names another one clearly.
    if (last && aspect && (outcome.decision !== 'answer' || outcome.results[0]?.code === last)) {
      const p = await deps.getProcedure(ctx.db, ctx.msg.communeId, last);
      if (p) return aspectReply(p, aspect, ctx);
    }
    if (outcome.decision === 'elsewhere' && outcome.elsewhere) {
      const topic = outcome.elsewhere;
      return {
        text: `ℹ️ ${topic.label}: ${topic.answer.replace('{hours}', ctx.commune.hoursText)}`,
        buttons: [
          ...(topic.codes ?? []).slice(0, 2).map((code) => ({ label: 'Xem thủ tục cấp tỉnh', action: `proc:show:${code}` })),
          STAFF_BUTTON,
          MENU_BUTTON,
        ],
      };
    }
    if (outcome.decision === 'answer' && outcome.results[0]) {
      const code = outcome.results[0].code;
      const p = await deps.getProcedure(ctx.db, ctx.msg.communeId, code);
      const summary = await show(ctx, code, p);
      // The field asked comes first: "khai sinh phí bao nhiêu" answers the fee, then the summary
      // (which already leads with the main documents, so "cần gì" gets the summary alone).
      const fieldFirst = aspect === 'fee' || aspect === 'time' || aspect === 'where' || aspect === 'online';
      return p && fieldFirst ? [aspectReply(p, aspect, ctx), summary] : summary;
    }
    if (outcome.decision === 'choose') {
      const cands = (outcome.candidates ?? outcome.results).slice(0, 4);
      if (cands.length >= 1) {
        // One weak candidate is a question back ("is this what you mean?"), not an answer.
        ctx.state.flow = 'proc:choose';
        procedureChat(ctx.state).candidates = cands.map((c) => c.code);
        return presentCandidates(cands);
      }
    }
    return NEXT;
  }

  router.hears(
    (text) => text.length >= 2,
    (ctx) => {
      // "Không phải, ý tôi là đăng ký lại khai sinh": drop the procedure under discussion and ask again.
      const corrected = stripCorrection(ctx.text);
      if (corrected !== undefined) {
        const chat = procedureChat(ctx.state);
        delete chat.last;
        delete chat.candidates;
        if (!corrected) return { text: 'Dạ, anh/chị muốn hỏi thủ tục nào ạ? Anh/chị gõ tên thủ tục hoặc việc cần làm giúp tôi.' };
        return answerQuestion(ctx, corrected);
      }
      return answerQuestion(ctx, ctx.text);
    },
  );
}
