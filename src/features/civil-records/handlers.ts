import { formatMoneyVi } from '../../core/format-vi.js';
import type { Router } from '../../core/router.js';
import { foldPhrase } from '../../core/text-input.js';
import type { Reply } from '../../core/types.js';
import type { AppContext } from '../../pipeline/context.js';
import { findRequestCode } from './codes.js';
import { KIND_LABELS } from './records.js';
import {
  CANCEL_ACTION,
  COPY_REQUEST_OPENING,
  FLOW_REQUEST,
  START_ACTION,
  cancelledReply,
  createRequestFlow,
  kindFromText,
} from './request-flow.js';
import { FEE_PER_COPY } from './service.js';
import { lookup } from './status.js';

export { FLOW_REQUEST, START_ACTION } from './request-flow.js';
export { civilState, LOOKUP_LIMIT } from './status.js';

/** Words asking for a copy of a birth, marriage or death extract (folded). */
const COPY_WORDS = /\b(ban sao|trich luc)\b/;
const RECORD_WORDS = /\b(khai sinh|giay sinh|ket hon|khai tu|chung tu|ho tich|trich luc)\b/;
/** A question about the procedure itself is left to the procedures feature (its answer carries the button). */
const PROCEDURE_QUESTION =
  /\b(can gi|can nhung gi|giay to gi|thu tuc|le phi|(mat|het|ton) phi|phi (bao nhieu|the nao|la bao)|bao nhieu|bao lau|may ngay|o dau|nhu the nao|the nao)\b/;

/**
 * Other copies: certifying a copy of a document the resident holds ("chứng thực bản sao … từ bản chính", "sao
 * y"), or an extract of the national population database ("trích lục thông tin cá nhân"). Procedures, not this flow.
 */
const OTHER_COPY =
  /\b(chung thuc|sao y|tu ban chinh|co so du lieu|du lieu dan cu|tra cuu thong tin ca nhan|thong tin ca nhan trong)\b/;

export function isCopyRequestPhrase(text: string): boolean {
  const f = foldPhrase(text);
  return COPY_WORDS.test(f) && RECORD_WORDS.test(f) && !PROCEDURE_QUESTION.test(f) && !OTHER_COPY.test(f);
}

/** The chat side: the request flow, its entry points and the status lookup. */
export function register(router: Router<AppContext>): void {
  const flow = createRequestFlow();
  const start = (ctx: AppContext): Reply => {
    const kind = ctx.text ? kindFromText(foldPhrase(ctx.text)) : undefined;
    if (!kind) return flow.start(ctx);
    const intro = `${COPY_REQUEST_OPENING} ${KIND_LABELS[kind].toLowerCase()} (lệ phí ${formatMoneyVi(FEE_PER_COPY)}/bản).`;
    const reply = flow.start(ctx, { step: 'name', values: { kind } });
    return { ...reply, text: `${intro}\n${reply.text}` };
  };
  router.action(START_ACTION, start);
  router.action(CANCEL_ACTION, (ctx) => {
    flow.end(ctx);
    return cancelledReply();
  });
  router.flow(FLOW_REQUEST, flow.handle);
  router.hears((text) => findRequestCode(text) !== undefined, lookup);
  router.hears((text) => isCopyRequestPhrase(text), start);
}
