import { MENU_BUTTON, STAFF_BUTTON } from '../../core/buttons.js';
import { createFlow, step, type ConversationFlow, type StepOutcome } from '../../core/conversation-flow.js';
import { formatDateVi } from '../../core/format-vi.js';
import { errInfo } from '../../core/log-error.js';
import { NEXT, type HandlerResult, type Router } from '../../core/router.js';
import { foldPhrase } from '../../core/text-input.js';
import type { Reply, ReplyButton } from '../../core/types.js';
import type { AppContext } from '../../pipeline/context.js';
import {
  findSubscription,
  listHamlets,
  listTopics,
  recentNoticesFor,
  releaseHeldNotices,
  subscribe,
  unsubscribe,
} from './service.js';

export const FLOW_SUBSCRIBE = 'notices:subscribe';
/** The main menu's "Nhận thông báo của xã" and the follow-up buttons. */
export const START_ACTION = 'notices:start';
export const RECENT_ACTION = 'notices:recent';
export const UNSUBSCRIBE_ACTION = 'notices:unsubscribe';
const PICK = 'notices:pick:';
const cancelButton: ReplyButton = { label: 'Hủy', action: 'notices:cancel' };

interface Choice {
  id: number;
  name: string;
  urgent?: boolean;
}

/** What the flow keeps between messages: the lists it offered and the choices so far. */
interface Values {
  hamletList?: Choice[];
  topicList?: Choice[];
  /** Topic ids ticked so far. */
  sel?: number[];
  hamlet?: number | null;
  note?: string;
}

const pick = (label: string, value: string): ReplyButton => ({ label, action: `${PICK}${value}` });

function picked(ctx: AppContext): string | undefined {
  const a = ctx.msg.action;
  return a?.startsWith(PICK) ? a.slice(PICK.length) : undefined;
}

const SUBSCRIBE_RE = /^(xin |toi muon |cho toi |muon )?(dang ky|dang ki|nhan|theo doi) (nhan )?thong bao( cua xa| xa)?( a)?$/;
const UNSUBSCRIBE_RE = /^(xin |toi muon |cho toi )?(huy|bo|ngung|dung|tat) (dang ky )?nhan thong bao( cua xa| xa)?( a)?$/;
const RECENT_RE = /^(xem|doc|cho xem|cho toi xem)( lai)? (cac )?thong bao( gan day| moi| moi nhat| cua xa)?( a)?$/;
const DONE_RE = /^(xong|xong roi|ok|dong y|luu|hoan tat)$/;

export const isSubscribePhrase = (text: string): boolean => SUBSCRIBE_RE.test(foldPhrase(text));
export const isUnsubscribePhrase = (text: string): boolean => UNSUBSCRIBE_RE.test(foldPhrase(text));
export const isRecentPhrase = (text: string): boolean => RECENT_RE.test(foldPhrase(text));

function topicsReply(v: Values): Reply {
  const sel = new Set(v.sel ?? []);
  const lines = (v.topicList ?? []).map(
    (t) => `${t.urgent || sel.has(t.id) ? '☑' : '☐'} ${t.name}${t.urgent ? ' (khẩn, luôn nhận)' : ''}`,
  );
  return {
    text:
      (v.note ? `${v.note}\n\n` : '') +
      'Anh/chị muốn nhận thông báo về những chủ đề nào? Bấm vào một chủ đề để chọn hoặc bỏ chọn, rồi bấm "Xong".\n' +
      lines.join('\n'),
    buttons: [
      ...(v.topicList ?? []).filter((t) => !t.urgent).map((t) => pick(`${sel.has(t.id) ? '☑' : '☐'} ${t.name}`, `t${t.id}`)),
      pick('Xong', 'done'),
      cancelButton,
    ],
  };
}

function steps(flow: () => ConversationFlow<AppContext>) {
  return [
    {
      id: 'hamlet',
      skippable: true,
      ask: (_ctx: AppContext, v: Values): Reply => ({
        text:
          (v.note ? `${v.note}\n\n` : '') +
          'Anh/chị đang sống ở ấp, thôn (khu phố, tổ dân phố) nào? Thông báo riêng cho nơi đó sẽ được gửi tới anh/chị.',
        buttons: [...(v.hamletList ?? []).map((h) => pick(h.name, `h${h.id}`)), pick('Không chọn', 'none'), cancelButton],
      }),
      answer: (ctx: AppContext, v: Values): StepOutcome => {
        delete v.note;
        const p = picked(ctx);
        if (p === 'none') return step.next(null);
        const byPick = p?.startsWith('h') ? v.hamletList?.find((h) => `h${h.id}` === p) : undefined;
        if (byPick) return step.next(byPick.id);
        const f = foldPhrase(ctx.text);
        if (/^(khong|khong chon|bo qua|ko)$/.test(f)) return step.next(null);
        const byName = f
          ? v.hamletList?.find((h) => foldPhrase(h.name) === f || foldPhrase(h.name).endsWith(` ${f}`))
          : undefined;
        if (byName) return step.next(byName.id);
        return step.retry('Anh/chị vui lòng chọn một ấp, thôn trong danh sách bên dưới, hoặc bấm "Không chọn".');
      },
    },
    {
      id: 'topics',
      ask: (_ctx: AppContext, v: Values): Reply => topicsReply(v),
      answer: (ctx: AppContext, v: Values): StepOutcome => {
        const p = picked(ctx);
        const f = foldPhrase(ctx.text);
        if (p === 'done' || DONE_RE.test(f)) return step.next(v.sel ?? []);
        const topic =
          (p?.startsWith('t') ? v.topicList?.find((t) => `t${t.id}` === p) : undefined) ??
          (f ? v.topicList?.find((t) => foldPhrase(t.name) === f) : undefined);
        if (!topic)
          return step.done(
            flow().start(ctx, {
              step: 'topics',
              values: { ...v, note: 'Anh/chị vui lòng bấm vào một chủ đề để chọn hoặc bỏ chọn, rồi bấm "Xong".' },
            }),
          );
        if (topic.urgent)
          return step.done(
            flow().start(ctx, {
              step: 'topics',
              values: {
                ...v,
                note: `"${topic.name}" là chủ đề khẩn (thiên tai, dịch bệnh…): mọi người đăng ký đều nhận, không bỏ riêng được. Nếu không muốn nhận bất kỳ thông báo nào, anh/chị nhắn "hủy nhận thông báo".`,
              },
            }),
          );
        const sel = new Set(v.sel ?? []);
        if (sel.has(topic.id)) sel.delete(topic.id);
        else sel.add(topic.id);
        return step.done(flow().start(ctx, { step: 'topics', values: { ...v, sel: [...sel], note: undefined } }));
      },
    },
  ];
}

function choicesText(v: { hamletName?: string; topicNames: string[] }): string {
  return `• Ấp, thôn: ${v.hamletName ?? 'không chọn (chỉ nhận thông báo chung của xã)'}\n• Chủ đề: ${v.topicNames.join('; ')}`;
}

async function complete(ctx: AppContext, values: Record<string, unknown>): Promise<Reply> {
  // Each step's answer is kept under the step's id: `hamlet` (id or null), `topics` (the ticked ids).
  const hamletId = typeof values.hamlet === 'number' ? values.hamlet : null;
  const chosen = Array.isArray(values.topics) ? values.topics.filter((id): id is number => typeof id === 'number') : [];
  const saved = await subscribe(ctx.db, {
    communeId: ctx.msg.communeId,
    channel: ctx.msg.channel,
    chatId: ctx.msg.chatId,
    userId: ctx.msg.userId,
    hamletId,
    topicIds: chosen,
  });
  const topics = await listTopics(ctx.db, ctx.msg.communeId);
  const hamlets = await listHamlets(ctx.db, ctx.msg.communeId);
  return {
    text:
      `Đã đăng ký nhận thông báo của ${ctx.commune.name}. Anh/chị sẽ nhận:\n` +
      choicesText({
        hamletName: hamlets.find((h) => h.id === saved.hamletId)?.name,
        topicNames: topics.filter((t) => saved.topicIds.includes(t.id)).map((t) => t.name),
      }) +
      '\n\nMuốn đổi lựa chọn, anh/chị nhắn lại "đăng ký nhận thông báo"; muốn ngừng nhận, nhắn "hủy nhận thông báo".',
    buttons: [pick('Xem thông báo gần đây', 'recent'), MENU_BUTTON],
  };
}

/** The chat side of notices: subscribe (hamlet, topics), unsubscribe, read the recent ones. */
export function register(router: Router<AppContext>): void {
  const flow: ConversationFlow<AppContext> = createFlow<AppContext>({
    name: FLOW_SUBSCRIBE,
    cancelButton,
    steps: steps(() => flow),
    cancelled: () => cancelled(),
    complete: (ctx, values) => complete(ctx, values),
  });
  const cancelled = (): Reply => ({
    text: 'Đã hủy, đăng ký nhận thông báo của anh/chị không thay đổi. Anh/chị cần gì thêm cứ nhắn cho tôi nhé.',
    buttons: [MENU_BUTTON],
  });

  async function start(ctx: AppContext): Promise<Reply> {
    const hamlets = await listHamlets(ctx.db, ctx.msg.communeId);
    const topics = await listTopics(ctx.db, ctx.msg.communeId);
    const current = await findSubscription(ctx.db, ctx.msg);
    const active = current && !current.unsubscribedAt ? current : undefined;
    const values: Values = {
      hamletList: hamlets.map((h) => ({ id: h.id, name: h.name })),
      topicList: topics.map((t) => ({ id: t.id, name: t.name, urgent: t.urgent })),
      // A new subscriber starts with every topic ticked; a returning one with their choices.
      sel: active
        ? active.topicIds.filter((id) => topics.some((t) => t.id === id && !t.urgent))
        : topics.filter((t) => !t.urgent).map((t) => t.id),
      hamlet: active?.hamletId ?? null,
    };
    const note = active
      ? 'Anh/chị đang nhận thông báo của xã với lựa chọn:\n' +
        choicesText({
          hamletName: hamlets.find((h) => h.id === active.hamletId)?.name,
          topicNames: topics.filter((t) => active.topicIds.includes(t.id)).map((t) => t.name),
        }) +
        '\nAnh/chị có thể chọn lại dưới đây.'
      : `Tôi sẽ giúp anh/chị đăng ký nhận thông báo của ${ctx.commune.name} (lịch tiếp dân, thiên tai, tiêm chủng, chi trả chính sách…) qua cuộc trò chuyện này.`;
    if (!hamlets.length) return flow.start(ctx, { step: 'topics', values: { ...values, note } as Record<string, unknown> });
    return flow.start(ctx, { values: { ...values, note } as Record<string, unknown> });
  }

  async function stop(ctx: AppContext): Promise<HandlerResult> {
    const inFlow = flow.isActive(ctx);
    const removed = await unsubscribe(ctx.db, ctx.msg);
    // A chat that never subscribed may mean a dossier's notifications: the dossiers feature answers.
    if (!removed && !inFlow && !ctx.msg.action && !(await findSubscription(ctx.db, ctx.msg))) return NEXT;
    flow.end(ctx);
    return {
      text: removed
        ? `Đã hủy nhận thông báo của ${ctx.commune.name}. Anh/chị sẽ không nhận thông báo mới nữa. Muốn nhận lại, anh/chị nhắn "đăng ký nhận thông báo".`
        : 'Anh/chị hiện không nhận thông báo của xã (chưa đăng ký hoặc đã hủy). Muốn đăng ký, anh/chị nhắn "đăng ký nhận thông báo".',
      buttons: [MENU_BUTTON],
    };
  }

  async function recent(ctx: AppContext): Promise<Reply> {
    const list = await recentNoticesFor(ctx.db, ctx.msg);
    if (!list.length) {
      const sub = await findSubscription(ctx.db, ctx.msg);
      return {
        text:
          sub && !sub.unsubscribedAt
            ? 'Chưa có thông báo nào được gửi tới anh/chị. Khi xã có thông báo mới, tôi sẽ gửi ngay tại đây.'
            : 'Anh/chị chưa nhận thông báo nào của xã. Muốn nhận, anh/chị bấm "Đăng ký nhận thông báo".',
        buttons: [pick('Đăng ký nhận thông báo', 'start'), MENU_BUTTON],
      };
    }
    return {
      text:
        `Các thông báo gần đây của ${ctx.commune.name} gửi tới anh/chị:\n\n` +
        list.map((n) => `📢 ${formatDateVi(n.at)} — ${n.title}\n${n.body}${n.link ? `\nXem thêm: ${n.link}` : ''}`).join('\n\n'),
      buttons: [MENU_BUTTON, STAFF_BUTTON],
    };
  }

  router.action(START_ACTION, start);
  router.action(`${PICK}start`, start);
  router.action(RECENT_ACTION, recent);
  router.action(`${PICK}recent`, recent);
  router.action(UNSUBSCRIBE_ACTION, stop);
  router.action('notices:cancel', (ctx) => {
    flow.end(ctx);
    return cancelled();
  });
  router.global((text) => isUnsubscribePhrase(text), stop);
  // A resident who unfollows the commune's account (Zalo OA) cannot receive notices any more: the
  // subscription ends (audited like a typed "hủy nhận thông báo"), the form in progress with it; no reply.
  router.event('unfollow', async (ctx) => {
    await unsubscribe(ctx.db, ctx.msg);
    if (flow.isActive(ctx)) flow.end(ctx);
  });
  // On a platform with a reply window, notices held while the resident was outside it go out when they
  // write again (any message: a tap, "menu", a photo), before the answer to what they wrote.
  // In a savepoint, caught: a failed release leaves the notices held for the next message and never blocks the
  // resident's way out ("menu", a tap), which now runs this hook too.
  router.before(async (ctx) => {
    const caps = ctx.capabilities;
    if (!caps?.replyWindowMs) return;
    // "Hủy nhận thông báo" is not a reason to send what was held.
    if (ctx.msg.action === UNSUBSCRIBE_ACTION || (ctx.text && isUnsubscribePhrase(ctx.text))) return;
    try {
      await ctx.db.transaction((tx) => releaseHeldNotices(tx as unknown as typeof ctx.db, ctx.msg, () => caps));
    } catch (error) {
      ctx.log.warn({ err: errInfo(error) }, 'held notices not released; they stay held for the next message');
    }
  });
  router.flow(FLOW_SUBSCRIBE, flow.handle);
  router.hears((text) => isSubscribePhrase(text), start);
  router.hears((text) => isRecentPhrase(text), recent);
}
