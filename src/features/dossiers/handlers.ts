import { MENU_BUTTON, STAFF_BUTTON } from '../../core/buttons.js';
import { createFlow, step, type ConversationFlow, type StepOutcome } from '../../core/conversation-flow.js';
import { defineStateSlice, isJsonObject } from '../../core/conversation-state.js';
import { foldPhrase } from '../../core/text-input.js';
import { NEXT, type HandlerResult } from '../../core/router.js';
import type { Reply } from '../../core/types.js';
import type { AppContext } from '../../pipeline/dispatcher.js';
import { communeCalendarOf } from '../calendar/index.js';
import { completeCode, normalizeDossierCode, parseDossierCodes } from './code-parser.js';
import { cancelButton, isFinal, presentDossierDetails, texts } from './presenter.js';
import * as repo from './repo.js';
import type { DossierRow } from './repo.js';
import { VERIFY_LIMITS, verificationLock, verifyDossierAccess, type DossierServiceDeps } from './service.js';

export type DossierChatDeps = Pick<DossierServiceDeps, 'phoneKey' | 'procedureName' | 'calendar'>;

export const FLOW_VERIFY = 'dossier:verify';
export const FLOW_CODE = 'dossier:code';
const MAX_FOLLOWS_PER_CHAT = 20;
const MAX_GRANTS = 10;

/** This feature's slice of the conversation state (`state.data.dossier`), saved with the message's transaction. */
interface DossierChatState {
  /** Code waiting for the last four digits (the verification flow's subject). */
  pending?: string;
  /** Follow the pending code once verified (the resident tapped "Theo dõi" after the access expired). */
  followAfter?: boolean;
  /** Codes this chat verified, with expiry (ISO). */
  access?: Record<string, string>;
}

/**
 * Stored by every earlier version under the same key and shape; anything that
 * does not fit (a field of another type) is dropped field by field, in place,
 * so an unchanged slice is not rewritten.
 */
function parseDossierChatState(raw: unknown): DossierChatState | undefined {
  if (!isJsonObject(raw)) return undefined;
  if (raw.pending !== undefined && typeof raw.pending !== 'string') delete raw.pending;
  if (raw.followAfter !== undefined && typeof raw.followAfter !== 'boolean') delete raw.followAfter;
  if (raw.access !== undefined) {
    if (!isJsonObject(raw.access)) delete raw.access;
    else for (const [code, until] of Object.entries(raw.access)) if (typeof until !== 'string') delete raw.access[code];
  }
  return raw as DossierChatState;
}

export const dossierState = defineStateSlice<DossierChatState>('dossier', { parse: parseDossierChatState, empty: () => ({}) });

function chatState(ctx: AppContext): DossierChatState {
  return dossierState.get(ctx.state);
}

function clearPending(ctx: AppContext): void {
  const s = chatState(ctx);
  delete s.pending;
  delete s.followAfter;
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

function cooldownReply(chat: DossierChat, ctx: AppContext, until: Date, prefix?: string): Reply {
  endFlows(chat, ctx);
  clearPending(ctx);
  const text = (prefix ? `${prefix}\n` : '') + texts.cooldown(until, ctx.commune.phone);
  return {
    text,
    buttons: [STAFF_BUTTON, MENU_BUTTON],
  };
}

/**
 * The code is locked for typed digits only (strangers guessed): where the platform can vouch for the
 * account's own phone, the resident is asked to share it instead; elsewhere, the cooldown with the way to
 * staff, who can lift the lock.
 */
function codeLockedReply(chat: DossierChat, ctx: AppContext, code: string, until: Date, prefix?: string): Reply {
  if (!ctx.capabilities.contactSharing) return cooldownReply(chat, ctx, until, prefix);
  const s = chatState(ctx);
  s.pending = code;
  const text = (prefix ? `${prefix}\n` : '') + texts.contactOnly(code);
  return chat.verifyFlow.start(ctx, { reply: { text, buttons: [cancelButton], requestContact: true } });
}

/** One registration's handlers share their dependencies and flows. */
interface DossierChat {
  deps: DossierChatDeps;
  verifyFlow: ConversationFlow<AppContext>;
  codeFlow: ConversationFlow<AppContext>;
}

function endFlows(chat: DossierChat, ctx: AppContext): void {
  chat.verifyFlow.end(ctx);
  chat.codeFlow.end(ctx);
}

/** A code arrived: show it at once if this chat verified it recently, otherwise ask for the digits. */
async function startLookup(chat: DossierChat, ctx: AppContext, code: string, followAfter = false): Promise<Reply> {
  if (hasAccess(ctx, code)) {
    const dossier = await repo.findDossierByCode(ctx.db, ctx.msg.communeId, code);
    if (dossier) {
      endFlows(chat, ctx);
      if (followAfter) return followDossier(ctx, dossier);
      return showDetails(chat, ctx, dossier);
    }
  }
  const lock = await verificationLock(ctx.db, { ...resident(ctx), code, now: ctx.now });
  if (lock.locked && lock.scope === 'code') {
    const r = codeLockedReply(chat, ctx, code, lock.until);
    if (followAfter && chat.verifyFlow.isActive(ctx)) chatState(ctx).followAfter = true;
    return r;
  }
  if (lock.locked) return cooldownReply(chat, ctx, lock.until);
  const s = chatState(ctx);
  s.pending = code;
  if (followAfter) s.followAfter = true;
  else delete s.followAfter;
  // Where the platform can share the account's own phone number (verified by it), it is offered too.
  return chat.verifyFlow.start(ctx, {
    reply: { text: texts.askDigits(code), buttons: [cancelButton], requestContact: ctx.capabilities.contactSharing },
  });
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

async function onCodeMessage(chat: DossierChat, ctx: AppContext): Promise<HandlerResult> {
  const found = await codeFromText(ctx);
  if (!found) return NEXT;
  if (!found.code)
    return chat.codeFlow.start(ctx, { reply: { text: texts.needAgency(found.shortTail!), buttons: [cancelButton] } });
  return startLookup(chat, ctx, found.code);
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

async function answerDigits(chat: DossierChat, ctx: AppContext): Promise<StepOutcome> {
  const s = chatState(ctx);
  const code = s.pending;
  if (!code) return step.leave();
  if (parseDossierCodes(ctx.text).length) return step.done(await onCodeMessage(chat, ctx));
  const contact = ctx.msg.contact;
  if (contact && !contact.verified) {
    // A forwarded or address-book contact proves nothing about the sender.
    return step.retry(
      'Anh/chị vui lòng chia sẻ số điện thoại của chính tài khoản đang nhắn tin, hoặc gõ 4 số cuối số điện thoại.',
    );
  }
  const digits = contact ? contact.phone.replace(/\D/g, '').slice(-4) : extractDigits(ctx.text);
  if (!digits) {
    // Not an answer to our question (a new question, a greeting): let the other features answer.
    if (!/\d/.test(ctx.text)) return step.leave();
    return step.retry(texts.notFourDigits);
  }
  const result = await verifyDossierAccess(
    ctx.db,
    { ...resident(ctx), code, digits, now: ctx.now, verified: Boolean(contact?.verified) },
    chat.deps,
  );
  if (result.ok) {
    const followAfter = s.followAfter;
    grantAccess(ctx, code);
    if (followAfter && !isFinal(result.dossier.status)) {
      const followed = await followDossier(ctx, result.dossier);
      const details = await showDetails(chat, ctx, result.dossier);
      return step.done([details, followed]);
    }
    return step.done(await showDetails(chat, ctx, result.dossier));
  }
  if (result.locked && result.scope === 'code') {
    const followAfter = s.followAfter;
    const r = codeLockedReply(chat, ctx, code, result.until, result.failed ? texts.mismatch(0) : undefined);
    if (followAfter && chat.verifyFlow.isActive(ctx)) chatState(ctx).followAfter = true;
    return step.done(r);
  }
  if (result.locked) return step.done(cooldownReply(chat, ctx, result.until, result.failed ? texts.mismatch(0) : undefined));
  return step.retry(texts.mismatch(result.remaining));
}

/** Every disclosure to a resident is audited. */
async function showDetails(chat: DossierChat, ctx: AppContext, dossier: DossierRow): Promise<Reply> {
  const deps = chat.deps;
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
    calendar: deps.calendar ?? (await communeCalendarOf(ctx)),
  });
}

async function followDossier(ctx: AppContext, dossier: DossierRow): Promise<Reply> {
  const buttons = [{ label: 'Bỏ theo dõi', action: `dossier:unfollow:${dossier.code}` }, MENU_BUTTON];
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
  if (!removed) return { text: texts.notFollowing, buttons: [MENU_BUTTON] };
  await repo.writeAudit(ctx.db, {
    communeId: ctx.msg.communeId,
    actor: `resident:${ctx.msg.channel}:${ctx.msg.userId}`,
    action: 'dossier.unfollowed',
    subject: code,
  });
  return { text: texts.unfollowed(code), buttons: [MENU_BUTTON] };
}

function askCode(chat: DossierChat, ctx: AppContext): Reply {
  return chat.codeFlow.start(ctx);
}

function cancel(chat: DossierChat, ctx: AppContext): Reply {
  endFlows(chat, ctx);
  clearPending(ctx);
  return { text: texts.cancelled, buttons: [MENU_BUTTON] };
}

function codeArg(ctx: AppContext): string | undefined {
  return normalizeDossierCode(ctx.actionArgs.join(':'));
}

const UNFOLLOW_RE = /^(xin |toi muon |cho toi )?(bo|huy|dung|ngung|tat) (theo doi|nhan thong bao)\b/;
const LOOKUP_RE =
  /\b(tra cuu|kiem tra|theo doi|xem tinh trang|tinh trang|trang thai|tien do)( lai)? ho so\b|\bho so\b.*\b(toi dau|den dau|the nao roi|xong chua|ra sao roi|co ket qua chua|da xong chua|dang o dau|duoc chua)\b/;
/** Questions about a procedure ("hồ sơ … cần gì"), not about a filed dossier: left to the procedures feature. */
const PROCEDURE_QUESTION_RE =
  /\b(can gi|gom nhung gi|gom gi|can nhung gi|giay to gi|le phi|bao nhieu tien|thu tuc|mau don|nop o dau)\b/;

export function isUnfollowPhrase(text: string): boolean {
  return UNFOLLOW_RE.test(foldPhrase(text));
}

export function isLookupPhrase(text: string): boolean {
  const f = foldPhrase(text);
  return LOOKUP_RE.test(f) && !PROCEDURE_QUESTION_RE.test(f);
}

/**
 * The chat handlers, bound to their dependencies, with the two flows of a
 * lookup: waiting for a code, and waiting for the last four phone digits.
 */
export function createDossierHandlers(deps: DossierChatDeps) {
  const chat: DossierChat = {
    deps,
    /**
     * Waiting for the last four phone digits of `pending`. Its answers: the digits
     * (or a whole phone number, or the account's own shared contact), or a new
     * code, which starts over with that code. Anything without a digit is not an
     * answer: the flow ends and the message is routed normally.
     */
    verifyFlow: createFlow<AppContext>({
      name: FLOW_VERIFY,
      cancelButton,
      steps: [
        {
          id: 'digits',
          ask: (ctx) => ({ text: texts.askDigits(chatState(ctx).pending ?? ''), buttons: [cancelButton] }),
          answer: (ctx) => answerDigits(chat, ctx),
        },
      ],
      cancelled: (ctx) => cancel(chat, ctx),
      onEnd: clearPending,
    }),
    /** Waiting for a code after "Tra cứu hồ sơ" (or for the full form of a short code). */
    codeFlow: createFlow<AppContext>({
      name: FLOW_CODE,
      cancelButton,
      steps: [
        {
          id: 'code',
          ask: () => ({ text: texts.askCode, buttons: [cancelButton] }),
          answer: async (ctx) => {
            const r = await onCodeMessage(chat, ctx);
            if (r !== NEXT) return step.done(r);
            if (!/\d/.test(ctx.text)) return step.leave();
            return step.retry(texts.codeNotRecognised);
          },
        },
      ],
      cancelled: (ctx) => cancel(chat, ctx),
    }),
  };
  return {
    /** Text containing a receipt code. */
    code: (ctx: AppContext) => onCodeMessage(chat, ctx),
    verifyFlow: chat.verifyFlow,
    codeFlow: chat.codeFlow,
    askCode: (ctx: AppContext) => askCode(chat, ctx),
    cancel: (ctx: AppContext) => cancel(chat, ctx),
    /** Button "Xem chi tiết": shown again only within the verified window. */
    view: async (ctx: AppContext): Promise<HandlerResult> => {
      const code = codeArg(ctx);
      if (!code) return NEXT;
      return startLookup(chat, ctx, code);
    },
    /** Button "Theo dõi hồ sơ": requires a verified chat (a crafted action must not subscribe a stranger). */
    follow: async (ctx: AppContext): Promise<HandlerResult> => {
      const code = codeArg(ctx);
      if (!code) return NEXT;
      if (!hasAccess(ctx, code)) {
        const r = await startLookup(chat, ctx, code, true);
        return chat.verifyFlow.isActive(ctx) ? { ...r, text: texts.verifyFirst(code) } : r;
      }
      const dossier = await repo.findDossierByCode(ctx.db, ctx.msg.communeId, code);
      if (!dossier) return startLookup(chat, ctx, code, true);
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
}
