import { foldPhrase } from '../../core/text-input.js';
import { NEXT, type HandlerResult } from '../../core/router.js';
import type { Reply } from '../../core/types.js';
import type { AppContext } from '../../pipeline/dispatcher.js';
import { completeCode, normalizeDossierCode, parseDossierCodes } from './code-parser.js';
import { cancelButton, isFinal, presentDossierDetails, texts } from './presenter.js';
import * as repo from './repo.js';
import type { DossierRow } from './repo.js';
import { VERIFY_LIMITS, verificationLock, verifyDossierAccess, type DossierServiceDeps } from './service.js';
import { weekdayCalendar } from './working-days.js';

export type DossierChatDeps = Pick<DossierServiceDeps, 'phoneKey' | 'procedureName' | 'calendar'>;

export const FLOW_VERIFY = 'dossier:verify';
export const FLOW_CODE = 'dossier:code';
const MAX_FOLLOWS_PER_CHAT = 20;
const MAX_GRANTS = 10;

/** Persisted in the conversation state (`state.data.dossier`), saved with the message's transaction. */
interface DossierChatState {
  /** Code waiting for the last four digits. */
  pending?: string;
  /** Follow the pending code once verified (the resident tapped "Theo dõi" after the access expired). */
  followAfter?: boolean;
  /** Codes this chat verified, with expiry (ISO). */
  access?: Record<string, string>;
}

function chatState(ctx: AppContext): DossierChatState {
  const s = ctx.state.data.dossier;
  if (s && typeof s === 'object') return s as DossierChatState;
  const fresh: DossierChatState = {};
  ctx.state.data.dossier = fresh;
  return fresh;
}

function hasAccess(ctx: AppContext, code: string): boolean {
  const until = chatState(ctx).access?.[code];
  return Boolean(until) && new Date(until!).getTime() > ctx.now.getTime();
}

function grantAccess(ctx: AppContext, code: string): void {
  const s = chatState(ctx);
  const now = ctx.now.getTime();
  const live = Object.entries(s.access ?? {}).filter(([c, until]) => c !== code && new Date(until).getTime() > now);
  live.push([code, new Date(now + VERIFY_LIMITS.accessMs).toISOString()]);
  s.access = Object.fromEntries(live.slice(-MAX_GRANTS));
}

function resident(ctx: AppContext) {
  return { communeId: ctx.msg.communeId, channel: ctx.msg.channel, userId: ctx.msg.userId };
}

function cooldownReply(ctx: AppContext, until: Date, prefix?: string): Reply {
  ctx.state.flow = null;
  delete chatState(ctx).pending;
  delete chatState(ctx).followAfter;
  const text = (prefix ? `${prefix}\n` : '') + texts.cooldown(until, ctx.commune.phone);
  return { text, buttons: [{ label: 'Gặp cán bộ', action: 'staff:contact' }, { label: 'Danh mục chính', action: 'menu:main' }] };
}

/** A code arrived: show it at once if this chat verified it recently, otherwise ask for the digits. */
async function startLookup(ctx: AppContext, code: string, deps: DossierChatDeps, followAfter = false): Promise<Reply> {
  if (hasAccess(ctx, code)) {
    const dossier = await repo.findDossierByCode(ctx.db, ctx.msg.communeId, code);
    if (dossier) {
      ctx.state.flow = null;
      if (followAfter) return followDossier(ctx, dossier);
      return showDetails(ctx, dossier, deps);
    }
  }
  const lock = await verificationLock(ctx.db, { ...resident(ctx), code, now: ctx.now });
  if (lock.locked) return cooldownReply(ctx, lock.until);
  const s = chatState(ctx);
  s.pending = code;
  if (followAfter) s.followAfter = true;
  else delete s.followAfter;
  ctx.state.flow = FLOW_VERIFY;
  // Telegram and Zalo can also share the account's own phone number (verified by the platform).
  return { text: texts.askDigits(code), buttons: [cancelButton], requestContact: ctx.msg.channel === 'telegram' || ctx.msg.channel === 'zalo' };
}

/** Resolve the first code in the text (a short `yyMMdd-NNNN` gets the commune's agency id). */
async function codeFromText(ctx: AppContext): Promise<{ code?: string; shortTail?: string } | undefined> {
  const found = parseDossierCodes(ctx.text);
  if (found.length === 0) return undefined;
  const first = found.find((m) => m.kind === 'full') ?? found[0];
  if (first.kind === 'full') return { code: first.code };
  const agency = await repo.communeAgencyCode(ctx.db, ctx.msg.communeId);
  const code = completeCode(first, agency);
  return code ? { code } : { shortTail: first.tail };
}

async function onCodeMessage(ctx: AppContext, deps: DossierChatDeps): Promise<HandlerResult> {
  const found = await codeFromText(ctx);
  if (!found) return NEXT;
  if (!found.code) {
    ctx.state.flow = FLOW_CODE;
    return { text: texts.needAgency(found.shortTail!), buttons: [cancelButton] };
  }
  return startLookup(ctx, found.code, deps);
}

/** Four digits, or a whole phone number (its last four). */
export function extractDigits(text: string): string | undefined {
  const compact = text.replace(/[\s.\-()]/g, '');
  if (/^\d{4}$/.test(compact)) return compact;
  if (/^(\+?84|0)\d{8,10}$/.test(compact)) return compact.slice(-4);
  const m = /(?<!\d)(\d{4})(?!\d)/.exec(text);
  if (m && (text.match(/\d/g) ?? []).length === 4) return m[1];
  return undefined;
}

async function onDigits(ctx: AppContext, deps: DossierChatDeps): Promise<HandlerResult> {
  const s = chatState(ctx);
  const code = s.pending;
  if (!code) {
    ctx.state.flow = null;
    return NEXT;
  }
  if (parseDossierCodes(ctx.text).length) return onCodeMessage(ctx, deps);
  const contact = ctx.msg.contact;
  if (contact && !contact.verified) {
    // A forwarded or address-book contact proves nothing about the sender.
    return { text: 'Anh/chị vui lòng chia sẻ số điện thoại của chính tài khoản đang nhắn tin, hoặc gõ 4 số cuối số điện thoại.', buttons: [cancelButton] };
  }
  const digits = contact ? contact.phone.replace(/\D/g, '').slice(-4) : extractDigits(ctx.text);
  if (!digits) {
    if (!/\d/.test(ctx.text)) {
      // Not an answer to our question (a new question, a greeting): let the other features answer.
      ctx.state.flow = null;
      delete s.pending;
      delete s.followAfter;
      return NEXT;
    }
    return { text: texts.notFourDigits, buttons: [cancelButton] };
  }
  const result = await verifyDossierAccess(ctx.db, { ...resident(ctx), code, digits, now: ctx.now }, deps);
  if (result.ok) {
    const followAfter = s.followAfter;
    ctx.state.flow = null;
    delete s.pending;
    delete s.followAfter;
    grantAccess(ctx, code);
    if (followAfter && !isFinal(result.dossier.status)) {
      const followed = await followDossier(ctx, result.dossier);
      const details = await showDetails(ctx, result.dossier, deps);
      return [details, followed];
    }
    return showDetails(ctx, result.dossier, deps);
  }
  if (result.locked) return cooldownReply(ctx, result.until, result.failed ? texts.mismatch(0) : undefined);
  return { text: texts.mismatch(result.remaining), buttons: [cancelButton] };
}

/** Every disclosure to a resident is audited. */
async function showDetails(ctx: AppContext, dossier: DossierRow, deps: DossierChatDeps): Promise<Reply> {
  const following = await repo.isFollowing(ctx.db, dossier.id, ctx.msg.channel, ctx.msg.chatId);
  const procedureName = dossier.procedureName
    ? undefined
    : await deps.procedureName?.(dossier.procedureCode, { db: ctx.db, communeId: ctx.msg.communeId });
  await repo.writeAudit(ctx.db, {
    communeId: ctx.msg.communeId,
    actor: `resident:${ctx.msg.channel}:${ctx.msg.userId}`,
    action: 'dossier.disclosed',
    subject: dossier.code,
    details: { via: 'chat', status: dossier.status },
  });
  return presentDossierDetails(dossier, {
    commune: ctx.commune,
    procedureName,
    now: ctx.now,
    following,
    calendar: deps.calendar ?? weekdayCalendar,
  });
}

async function followDossier(ctx: AppContext, dossier: DossierRow): Promise<Reply> {
  const buttons = [
    { label: 'Bỏ theo dõi', action: `dossier:unfollow:${dossier.code}` },
    { label: 'Danh mục chính', action: 'menu:main' },
  ];
  if (isFinal(dossier.status)) return { text: texts.followFinal(dossier.code), buttons: [buttons[1]] };
  const existing = await repo.listFollowedInChat(ctx.db, ctx.msg.communeId, ctx.msg.channel, ctx.msg.chatId);
  if (existing.some((f) => f.dossierId === dossier.id)) return { text: texts.alreadyFollowing(dossier.code), buttons };
  if (existing.length >= MAX_FOLLOWS_PER_CHAT) return { text: texts.tooManyFollows };
  await repo.addFollower(ctx.db, {
    communeId: ctx.msg.communeId,
    dossierId: dossier.id,
    channel: ctx.msg.channel,
    chatId: ctx.msg.chatId,
    userId: ctx.msg.userId,
    conversationId: await repo.conversationIdOf(ctx.db, ctx.msg.communeId, ctx.msg.channel, ctx.msg.chatId),
  });
  await repo.writeAudit(ctx.db, {
    communeId: ctx.msg.communeId,
    actor: `resident:${ctx.msg.channel}:${ctx.msg.userId}`,
    action: 'dossier.followed',
    subject: dossier.code,
  });
  return { text: texts.followed(dossier.code), buttons };
}

async function unfollow(ctx: AppContext, code: string): Promise<Reply> {
  const dossier = await repo.findDossierByCode(ctx.db, ctx.msg.communeId, code);
  const removed = dossier ? await repo.removeFollower(ctx.db, dossier.id, ctx.msg.channel, ctx.msg.chatId) : false;
  if (!removed) return { text: texts.notFollowing, buttons: [{ label: 'Danh mục chính', action: 'menu:main' }] };
  await repo.writeAudit(ctx.db, {
    communeId: ctx.msg.communeId,
    actor: `resident:${ctx.msg.channel}:${ctx.msg.userId}`,
    action: 'dossier.unfollowed',
    subject: code,
  });
  return { text: texts.unfollowed(code), buttons: [{ label: 'Danh mục chính', action: 'menu:main' }] };
}

function askCode(ctx: AppContext): Reply {
  ctx.state.flow = FLOW_CODE;
  return { text: texts.askCode, buttons: [cancelButton] };
}

function codeArg(ctx: AppContext): string | undefined {
  return normalizeDossierCode(ctx.actionArgs.join(':'));
}

const UNFOLLOW_RE = /^(xin |toi muon |cho toi )?(bo|huy|dung|ngung|tat) (theo doi|nhan thong bao)\b/;
const LOOKUP_RE =
  /\b(tra cuu|kiem tra|theo doi|xem tinh trang|tinh trang|trang thai|tien do)( lai)? ho so\b|\bho so\b.*\b(toi dau|den dau|the nao roi|xong chua|ra sao roi|co ket qua chua|da xong chua|dang o dau|duoc chua)\b/;
/** Questions about a procedure ("hồ sơ … cần gì"), not about a filed dossier: left to the procedures feature. */
const PROCEDURE_QUESTION_RE = /\b(can gi|gom nhung gi|gom gi|can nhung gi|giay to gi|le phi|bao nhieu tien|thu tuc|mau don|nop o dau)\b/;

export function isUnfollowPhrase(text: string): boolean {
  return UNFOLLOW_RE.test(foldPhrase(text));
}

export function isLookupPhrase(text: string): boolean {
  const f = foldPhrase(text);
  return LOOKUP_RE.test(f) && !PROCEDURE_QUESTION_RE.test(f);
}

export const handlers = {
  /** Text containing a receipt code. */
  code: (deps: DossierChatDeps) => (ctx: AppContext) => onCodeMessage(ctx, deps),
  /** Step: the last four digits. */
  verifyStep: (deps: DossierChatDeps) => (ctx: AppContext) => onDigits(ctx, deps),
  /** Step: waiting for a code after "Tra cứu hồ sơ". */
  codeStep: (deps: DossierChatDeps) => async (ctx: AppContext): Promise<HandlerResult> => {
    const r = await onCodeMessage(ctx, deps);
    if (r !== NEXT) return r;
    if (!/\d/.test(ctx.text)) {
      ctx.state.flow = null;
      return NEXT;
    }
    return { text: texts.codeNotRecognised, buttons: [cancelButton] };
  },
  askCode,
  cancel: (ctx: AppContext): Reply => {
    ctx.state.flow = null;
    const s = chatState(ctx);
    delete s.pending;
    delete s.followAfter;
    return { text: texts.cancelled, buttons: [{ label: 'Danh mục chính', action: 'menu:main' }] };
  },
  /** Button "Xem chi tiết": shown again only within the verified window. */
  view: (deps: DossierChatDeps) => async (ctx: AppContext): Promise<HandlerResult> => {
    const code = codeArg(ctx);
    if (!code) return NEXT;
    return startLookup(ctx, code, deps);
  },
  /** Button "Theo dõi hồ sơ": requires a verified chat (a crafted action must not subscribe a stranger). */
  follow: (deps: DossierChatDeps) => async (ctx: AppContext): Promise<HandlerResult> => {
    const code = codeArg(ctx);
    if (!code) return NEXT;
    if (!hasAccess(ctx, code)) {
      const r = await startLookup(ctx, code, deps, true);
      return ctx.state.flow === FLOW_VERIFY ? { ...r, text: texts.verifyFirst(code) } : r;
    }
    const dossier = await repo.findDossierByCode(ctx.db, ctx.msg.communeId, code);
    if (!dossier) return startLookup(ctx, code, deps, true);
    return followDossier(ctx, dossier);
  },
  unfollow: async (ctx: AppContext): Promise<HandlerResult> => {
    const code = codeArg(ctx);
    if (!code) return NEXT;
    return unfollow(ctx, code);
  },
  /** "bỏ theo dõi" typed: the code in the text, the only followed dossier, or a choice. */
  unfollowPhrase: async (ctx: AppContext): Promise<Reply> => {
    const found = await codeFromText(ctx);
    if (found?.code) return unfollow(ctx, found.code);
    const followed = await repo.listFollowedInChat(ctx.db, ctx.msg.communeId, ctx.msg.channel, ctx.msg.chatId);
    if (followed.length === 0) return { text: texts.notFollowing };
    if (followed.length === 1) return unfollow(ctx, followed[0].code);
    return {
      text: texts.chooseUnfollow,
      buttons: followed.slice(0, 10).map((f) => ({ label: f.code, action: `dossier:unfollow:${f.code}` })),
    };
  },
};
