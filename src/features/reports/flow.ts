import { MENU_BUTTON, STAFF_BUTTON } from '../../core/buttons.js';
import { createFlow, step, type ConversationFlow, type StepOutcome } from '../../core/conversation-flow.js';
import { foldPhrase } from '../../core/text-input.js';
import type { Reply, ReplyButton } from '../../core/types.js';
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { noticeHamlets, type ReportPhoto } from '../../db/schema/index.js';
import type { AppContext } from '../../pipeline/context.js';
import { CATEGORIES, CATEGORY_LABELS, categoryFromText, coordinate, type ReportCategory } from './codes.js';
import { typeOfPhotoFile } from './photo-store.js';
import { countOpenInChat, createReport, MAX_PHOTOS, OPEN_REPORTS_PER_CHAT } from './service.js';

/**
 * The chat form of a report: category, description, location (a shared
 * location, a typed address, or none), photos, confirmation. Completing it
 * records the report (audited) and answers with its code; cancelling keeps
 * nothing. Photos sent at any step are kept (see photosOf).
 */

export const FLOW_REPORT = 'report:new';
export const START_ACTION = 'report:start';
export const CANCEL_ACTION = 'report:cancel';
const PICK = 'report:pick:';
const cancelButton: ReplyButton = { label: 'Hủy phản ánh', action: CANCEL_ACTION };
const pick = (label: string, value: string): ReplyButton => ({ label, action: `${PICK}${value}` });

type Location = { latitude: number; longitude: number } | { address: string } | null;

interface Values {
  category?: ReportCategory;
  description?: string;
  location?: Location;
  photos?: ReportPhoto[];
  /** The commune's hamlets (ấp, thôn) as staff list them for notices, offered at the location step. */
  hamlets?: { id: number; name: string }[];
  /** The hamlet the resident picked (its name for the summary, its id for the report). */
  hamlet?: string;
  hamletId?: number;
}

/** Hamlets offered as buttons: a long list is typed instead. */
const MAX_HAMLET_BUTTONS = 12;

/** The commune's hamlets, to offer at the location step (none: the resident types the place). */
export async function hamletChoices(db: Db, communeId: number): Promise<{ id: number; name: string }[]> {
  const rows = await db
    .select({ id: noticeHamlets.id, name: noticeHamlets.name })
    .from(noticeHamlets)
    .where(eq(noticeHamlets.communeId, communeId))
    .orderBy(asc(noticeHamlets.position), asc(noticeHamlets.name));
  return rows.length <= MAX_HAMLET_BUTTONS ? rows : [];
}

function picked(ctx: AppContext): string | undefined {
  const a = ctx.msg.action;
  return a?.startsWith(PICK) ? a.slice(PICK.length) : undefined;
}

/**
 * Images of this message as the report keeps them: a platform's reference
 * waits (`pending`) for the photo worker to download it; a web chat upload was
 * checked and stored by its route before it became this message, and comes as
 * the stored file's name.
 */
function photosOf(ctx: AppContext): ReportPhoto[] {
  const channel = ctx.msg.channel;
  return (ctx.msg.attachments ?? []).flatMap((a): ReportPhoto[] => {
    if (a.kind !== 'image') return [];
    if (a.stored) {
      const type = a.fileId ? typeOfPhotoFile(a.fileId) : undefined;
      return type && a.fileId
        ? [{ channel, state: 'stored', file: a.fileId, type, size: a.size, storedAt: ctx.now.toISOString() }]
        : [];
    }
    if (!a.fileId && !a.url) return [];
    return [{ channel, state: 'pending', ...(a.fileId ? { fileId: a.fileId } : {}), ...(a.url ? { url: a.url } : {}) }];
  });
}

/** Keep the message's photos (up to the limit); true when it carried any. */
function keepPhotos(ctx: AppContext, v: Values): boolean {
  const found = photosOf(ctx);
  if (!found.length) return false;
  v.photos = [...(v.photos ?? []), ...found].slice(0, MAX_PHOTOS);
  return true;
}

/** A shared location with usable coordinates, `invalid` for one without, undefined when the message has none. */
function sharedLocation(ctx: AppContext): { latitude: number; longitude: number } | 'invalid' | undefined {
  const loc = ctx.msg.attachments?.find((a) => a.kind === 'location');
  if (!loc) return undefined;
  const latitude = coordinate(loc.latitude, 90);
  const longitude = coordinate(loc.longitude, 180);
  return latitude === undefined || longitude === undefined ? 'invalid' : { latitude, longitude };
}

const NONE = /^(khong|ko|k|khong co|khong ro|khong biet|khong nho|chua co)( a| dia chi| vi tri| anh)?$/;
const DONE = /^(xong|xong roi|het|het roi|du roi|vay thoi|khong|ko|khong co|khong co anh|khong gui)( a)?$/;
const YES = /^(gui|gui di|gui phan anh|dong y|dung|dung roi|ok|oke|co|vang|da)( a)?$/;

function locationLabel(l: Location | undefined, hamlet: string | undefined): string {
  const where = !l
    ? undefined
    : 'address' in l
      ? l.address
      : `vị trí đã chia sẻ (${l.latitude.toFixed(5)}, ${l.longitude.toFixed(5)})`;
  return [hamlet, where].filter(Boolean).join(' — ') || 'không nêu';
}

function summary(ctx: AppContext, v: Values): string {
  return [
    'Anh/chị vui lòng kiểm tra lại phản ánh:',
    `• Loại: ${CATEGORY_LABELS[v.category!]}`,
    `• Nội dung: ${v.description}`,
    `• Địa điểm: ${locationLabel(v.location, v.hamlet)}`,
    `• Ảnh: ${v.photos?.length ? `${v.photos.length} ảnh` : 'không có'}`,
    '',
    `Bấm "Gửi phản ánh" để gửi cho cán bộ ${ctx.commune.name}.`,
  ].join('\n');
}

function steps(flow: () => ConversationFlow<AppContext>) {
  return [
    {
      id: 'category',
      ask: (): Reply => ({
        text: 'Tôi sẽ giúp anh/chị gửi phản ánh, kiến nghị về sự việc ở địa phương. Anh/chị muốn phản ánh về việc gì?',
        buttons: [...CATEGORIES.map((c) => pick(CATEGORY_LABELS[c], c)), cancelButton],
      }),
      answer: (ctx: AppContext, v: Values): StepOutcome => {
        keepPhotos(ctx, v);
        const p = picked(ctx);
        const f = foldPhrase(ctx.text);
        const c =
          (p && (CATEGORIES as readonly string[]).includes(p) ? p : categoryFromText(f)) ??
          (/^khac\b/.test(f) ? 'other' : undefined);
        if (!c) return step.retry('Anh/chị vui lòng chọn một loại bên dưới (nếu không có loại phù hợp, chọn "Khác").');
        return step.next(c);
      },
    },
    {
      id: 'description',
      ask: (_ctx: AppContext, v: Values): Reply => ({
        text:
          `Anh/chị mô tả ngắn gọn sự việc (${CATEGORY_LABELS[v.category!].toLowerCase()}): chuyện gì, từ khi nào, ` +
          'ảnh hưởng thế nào. Anh/chị có thể gửi kèm ảnh.',
        requestImage: true,
      }),
      answer: (ctx: AppContext, v: Values): StepOutcome => {
        const hadPhoto = keepPhotos(ctx, v);
        const text = ctx.text.replace(/\s+/g, ' ').trim();
        if (!text && hadPhoto) return step.retry('Đã nhận ảnh. Anh/chị mô tả thêm bằng lời vài câu về sự việc nhé.');
        if (text.length < 10)
          return step.retry(
            'Anh/chị vui lòng mô tả rõ hơn một chút (ít nhất vài từ), ví dụ: "Đèn đường trước nhà số 12 tắt 3 hôm nay".',
          );
        if (text.length > 1000) return step.retry('Nội dung hơi dài. Anh/chị vui lòng rút gọn dưới 1.000 ký tự.');
        return step.next(text);
      },
    },
    {
      id: 'location',
      ask: (_ctx: AppContext, v: Values): Reply => ({
        text:
          'Sự việc ở đâu? Anh/chị ' +
          (v.hamlets?.length ? 'chọn thôn/ấp bên dưới, hoặc ' : '') +
          'ghi địa chỉ hoặc nơi dễ nhận biết (thôn/ấp, tên đường, gần công trình nào), ' +
          'hoặc gửi vị trí nếu ứng dụng nhắn tin có tính năng này. Nếu không tiện, bấm "Không rõ vị trí".',
        buttons: [...(v.hamlets ?? []).map((h) => pick(h.name, `h${h.id}`)), pick('Không rõ vị trí', 'none'), cancelButton],
      }),
      answer: (ctx: AppContext, v: Values): StepOutcome => {
        const hamletId = /^h(\d+)$/.exec(picked(ctx) ?? '')?.[1];
        const hamlet = v.hamlets?.find((h) => String(h.id) === hamletId);
        if (hamlet) {
          v.hamlet = hamlet.name;
          v.hamletId = hamlet.id;
          return step.retry(
            `Đã ghi nhận: ${hamlet.name}. Anh/chị ghi thêm địa chỉ cụ thể (tên đường, số nhà, gần công trình nào) ` +
              'hoặc gửi vị trí; nếu không cần, nhắn "không".',
          );
        }
        const shared = sharedLocation(ctx);
        if (shared === 'invalid')
          return step.retry('Tôi chưa đọc được vị trí vừa gửi. Anh/chị vui lòng gửi lại vị trí hoặc ghi địa chỉ.');
        if (shared) return step.next(shared);
        const hadPhoto = keepPhotos(ctx, v);
        if (picked(ctx) === 'none' || NONE.test(foldPhrase(ctx.text))) return step.next(null);
        const address = ctx.text.replace(/\s+/g, ' ').trim();
        if (!address && hadPhoto) return step.retry('Đã nhận ảnh. Sự việc ở đâu ạ? Anh/chị ghi địa chỉ hoặc gửi vị trí.');
        if (address.length < 4 || address.length > 300)
          return step.retry('Anh/chị vui lòng ghi địa chỉ hoặc nơi dễ nhận biết (4 đến 300 ký tự), hoặc bấm "Không rõ vị trí".');
        return step.next({ address });
      },
    },
    {
      id: 'photos',
      ask: (_ctx: AppContext, v: Values): Reply => ({
        text:
          (v.photos?.length ? `Đã nhận ${v.photos.length} ảnh. ` : '') +
          `Anh/chị có thể gửi ảnh sự việc (tối đa ${MAX_PHOTOS} ảnh). Gửi xong, nhắn "xong" hoặc bấm nút bên dưới.`,
        buttons: [pick(v.photos?.length ? 'Xong' : 'Không có ảnh', 'done'), cancelButton],
        requestImage: true,
      }),
      answer: (ctx: AppContext, v: Values): StepOutcome => {
        const before = v.photos?.length ?? 0;
        if (keepPhotos(ctx, v)) {
          const n = v.photos!.length;
          if (n >= MAX_PHOTOS) return step.next(v.photos);
          return step.retry(
            n > before
              ? `Đã nhận ${n} ảnh. Anh/chị gửi thêm ảnh, hoặc nhắn "xong" để tiếp tục.`
              : `Đã đủ ${MAX_PHOTOS} ảnh. Anh/chị nhắn "xong" để tiếp tục.`,
          );
        }
        if (picked(ctx) === 'done' || DONE.test(foldPhrase(ctx.text))) return step.next(v.photos ?? []);
        return step.retry('Anh/chị gửi ảnh, hoặc nhắn "xong" để tiếp tục.');
      },
    },
    {
      id: 'confirm',
      ask: (ctx: AppContext, v: Values): Reply => ({
        text: summary(ctx, v),
        buttons: [pick('Gửi phản ánh', 'yes'), pick('Sửa lại từ đầu', 'edit'), cancelButton],
      }),
      answer: (ctx: AppContext, v: Values): StepOutcome => {
        const p = picked(ctx);
        const f = foldPhrase(ctx.text);
        if (p === 'edit' || /\bsua\b/.test(f)) return step.done(flow().start(ctx, { values: { hamlets: v.hamlets } }));
        if (p === 'yes' || YES.test(f)) return step.next(true);
        return step.retry('Anh/chị bấm "Gửi phản ánh" để gửi, "Sửa lại từ đầu" để sửa, hoặc "Hủy phản ánh".');
      },
    },
  ];
}

/** The answer when a chat already has as many open reports as allowed. */
export function capReply(): Reply {
  return {
    text:
      `Anh/chị đang có ${OPEN_REPORTS_PER_CHAT} phản ánh chưa được xử lý xong, nên tạm thời chưa gửi thêm được. ` +
      'Cán bộ sẽ trả lời từng phản ánh tại cuộc trò chuyện này; anh/chị có thể hỏi tiến độ bằng mã PA-… ' +
      'Nếu việc gấp, anh/chị bấm "Gặp cán bộ".',
    buttons: [STAFF_BUTTON, MENU_BUTTON],
  };
}

export async function atCap(ctx: AppContext): Promise<boolean> {
  const open = await countOpenInChat(ctx.db, { communeId: ctx.msg.communeId, channel: ctx.msg.channel, chatId: ctx.msg.chatId });
  return open >= OPEN_REPORTS_PER_CHAT;
}

async function complete(ctx: AppContext, v: Values): Promise<Reply> {
  if (await atCap(ctx)) return capReply();
  const loc = v.location ?? null;
  const typed = loc && 'address' in loc ? loc.address : undefined;
  const row = await createReport(ctx.db, {
    communeId: ctx.msg.communeId,
    channel: ctx.msg.channel,
    chatId: ctx.msg.chatId,
    userId: ctx.msg.userId,
    category: v.category!,
    description: v.description!,
    address: typed ?? null,
    hamletId: v.hamletId ?? null,
    latitude: loc && 'latitude' in loc ? loc.latitude : null,
    longitude: loc && 'longitude' in loc ? loc.longitude : null,
    photos: v.photos ?? [],
  });
  return {
    text:
      `Đã gửi phản ánh. Mã phản ánh của anh/chị: ${row.code}.\n` +
      `Cán bộ ${ctx.commune.name} sẽ xem xét trong giờ làm việc (${ctx.commune.hoursText}) và báo kết quả tại cuộc trò chuyện này. ` +
      `Để hỏi tiến độ, anh/chị nhắn: "phản ánh ${row.code} đến đâu rồi".`,
    buttons: [MENU_BUTTON],
  };
}

export function cancelledReply(): Reply {
  return {
    text: 'Đã hủy phản ánh; thông tin anh/chị vừa nhập không được lưu. Anh/chị cần gì thêm cứ nhắn cho tôi nhé.',
    buttons: [MENU_BUTTON],
  };
}

export function createReportFlow(): ConversationFlow<AppContext> {
  const flow: ConversationFlow<AppContext> = createFlow<AppContext>({
    name: FLOW_REPORT,
    cancelButton,
    steps: steps(() => flow),
    cancelled: cancelledReply,
    complete: (ctx, values) => complete(ctx, values as Values),
  });
  return flow;
}
