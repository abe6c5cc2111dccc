import type express from 'express';
import { z } from 'zod';
import { consolePage, csrfField, formText } from '../../core/console-kit.js';
import { html, type SafeHtml } from '../../core/html.js';
import { fieldErrorsOf } from '../../core/http-errors.js';
import { actorOf, type ConsoleContext } from '../../core/staff.js';
import { writeAudit } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import { PROCEDURE_CODE } from './http.js';
import { parseTime } from './importer/parse.js';
import { deleteLocalProcedure } from './local-removal.js';
import { findLocalProcedure, findOverride, listLocalProcedures } from './repo.js';
import {
  buildLocalProcedure,
  getProcedure,
  readFeeText,
  removeOverride,
  saveLocalProcedure,
  setOverride,
  type LocalProcedureInput,
} from './service.js';
import type { ChannelInfo, Procedure, ProcedureOverride, SubmissionChannel } from './types.js';

type Flash = { kind: 'ok' | 'error'; text: string };

/** How a resident may file, as staff tick it. */
const CHANNEL_LABELS: Record<SubmissionChannel, string> = {
  truc_tiep: 'Nộp trực tiếp tại xã',
  truc_tuyen: 'Nộp trực tuyến',
  buu_chinh: 'Gửi qua bưu chính',
};
const CHANNELS = Object.keys(CHANNEL_LABELS) as SubmissionChannel[];

/** The form's fields with their labels, in the order errors are listed. */
const LABELS = {
  name: 'Tên thủ tục',
  field: 'Lĩnh vực',
  agency: 'Cơ quan giải quyết',
  subjects: 'Đối tượng thực hiện',
  conditions: 'Điều kiện',
  documents: 'Giấy tờ cần nộp',
  steps: 'Các bước thực hiện',
  channels: 'Cách nộp',
  timeText: 'Thời hạn giải quyết',
  feeText: 'Phí, lệ phí',
  receptionAddress: 'Nơi nộp hồ sơ',
  portalUrl: 'Đường dẫn nộp trực tuyến',
  result: 'Kết quả nhận được',
  note: 'Ghi chú của xã',
} as const;
type FormField = keyof typeof LABELS;

/** What the form posts, as text (documents and steps one a line). */
export type LocalForm = Record<Exclude<FormField, 'channels'>, string> & { channels: SubmissionChannel[] };

const text = (max: number) => z.string().trim().max(max, `tối đa ${max} ký tự`);
const lines = (value: string) =>
  value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

/**
 * The same limits as the API's body for local procedures (`localBody` in
 * http.ts), with every message in Vietnamese, plus the commune's note, which
 * is kept as the procedure's override (as for a national one).
 */
const localFormSchema = z
  .object({
    name: z.string().trim().min(3, 'tên thủ tục quá ngắn (ít nhất 3 ký tự)').max(300, 'tối đa 300 ký tự'),
    field: text(200),
    agency: text(300),
    subjects: text(500),
    conditions: text(4000),
    result: text(1000),
    receptionAddress: text(500),
    portalUrl: z
      .string()
      .trim()
      .max(500, 'tối đa 500 ký tự')
      .refine((v) => v === '' || /^https?:\/\/[^\s]+$/i.test(v), 'phải là đường dẫn http:// hoặc https://'),
    documents: z.array(z.string().max(1000, 'mỗi giấy tờ tối đa 1000 ký tự')).max(100, 'tối đa 100 giấy tờ'),
    steps: z.array(z.string().max(2000, 'mỗi bước tối đa 2000 ký tự')).max(50, 'tối đa 50 bước'),
    channels: z.array(z.enum(CHANNELS as [SubmissionChannel, ...SubmissionChannel[]])).max(3),
    timeText: text(200),
    feeText: text(500),
    note: text(2000),
  })
  .refine((v) => v.channels.length > 0 || (!v.timeText && !v.feeText), {
    message: 'chọn ít nhất một cách nộp để ghi thời hạn và phí',
    path: ['channels'],
  });

/** The form as posted: every value a trimmed string (generous caps; the schema gives the messages). */
export function readLocalForm(body: Record<string, unknown> | undefined): LocalForm {
  const b = body ?? {};
  const picked = ([] as unknown[]).concat(b.channels ?? []);
  return {
    name: formText(b.name, 1000),
    field: formText(b.field, 1000),
    agency: formText(b.agency, 1000),
    subjects: formText(b.subjects, 2000),
    conditions: formText(b.conditions, 10_000),
    result: formText(b.result, 5000),
    receptionAddress: formText(b.receptionAddress, 2000),
    portalUrl: formText(b.portalUrl, 2000),
    documents: formText(b.documents, 60_000),
    steps: formText(b.steps, 60_000),
    channels: CHANNELS.filter((c) => picked.includes(c)),
    timeText: formText(b.timeText, 1000),
    feeText: formText(b.feeText, 2000),
    note: formText(b.note, 5000),
  };
}

const documentNames = (p: Pick<Procedure, 'documentGroups'>) => p.documentGroups.flatMap((g) => g.documents.map((d) => d.name));

/** A stored procedure (as the commune wrote it, without its override) and its note, as the form shows them. */
export function formOf(p: Procedure, override?: ProcedureOverride): LocalForm {
  const first = p.channels[0];
  return {
    name: p.name,
    field: p.field,
    agency: p.agency,
    subjects: p.subjects,
    conditions: p.conditions,
    result: p.result,
    receptionAddress: p.receptionAddress,
    portalUrl: p.portalUrl,
    documents: documentNames(p).join('\n'),
    steps: p.steps.join('\n'),
    channels: p.channels.map((c) => c.channel),
    timeText: first?.timeText ?? '',
    feeText: first?.feeText ?? '',
    note: override?.note ?? '',
  };
}

function channelInfo(channel: SubmissionChannel, timeText: string, feeText: string): ChannelInfo {
  const fee = readFeeText(feeText);
  const info: ChannelInfo = { channel, timeText, feeText, feeAmounts: fee.amounts, free: fee.free };
  const time = parseTime(timeText);
  if (time) info.time = time;
  return info;
}

/**
 * The service's input from a valid form. Editing keeps what the form does
 * not show (document groups with their titles and copies, per-channel times
 * and fees, legal basis, all possibly set through the API) as long as staff
 * left that part of the form as it was.
 */
export function parseLocalForm(
  form: LocalForm,
  before?: Procedure,
): { ok: true; input: LocalProcedureInput; note: string } | { ok: false; errors: Partial<Record<FormField, string>> } {
  const parsed = localFormSchema.safeParse({ ...form, documents: lines(form.documents), steps: lines(form.steps) });
  if (!parsed.success) {
    // One message a form field: `documents[3]` (one line too long) is the documents box.
    const errors: Partial<Record<FormField, string>> = {};
    for (const [key, message] of Object.entries(fieldErrorsOf(parsed.error))) {
      const field = key.split(/[[.]/)[0];
      if (field in LABELS) errors[field as FormField] ??= message;
    }
    return { ok: false, errors };
  }
  const v = parsed.data;
  const sameDocuments = before && documentNames(before).join('\n') === v.documents.join('\n');
  const beforeForm = before && formOf(before);
  const sameChannels =
    beforeForm &&
    beforeForm.channels.join() === v.channels.join() &&
    beforeForm.timeText === v.timeText &&
    beforeForm.feeText === v.feeText;
  const opt = (s: string) => s || undefined;
  return {
    ok: true,
    note: v.note,
    input: {
      name: v.name,
      field: opt(v.field),
      agency: opt(v.agency),
      subjects: opt(v.subjects),
      conditions: opt(v.conditions),
      result: opt(v.result),
      receptionAddress: opt(v.receptionAddress),
      portalUrl: opt(v.portalUrl),
      steps: v.steps,
      documentGroups: sameDocuments
        ? before.documentGroups
        : v.documents.length
          ? [{ title: '', documents: v.documents.map((name) => ({ name })) }]
          : [],
      channels: sameChannels ? before.channels : v.channels.map((c) => channelInfo(c, v.timeText, v.feeText)),
      legalBasis: before?.legalBasis,
    },
  };
}

const slugOf = (req: express.Request) => String(req.params.slug ?? '').slice(0, 80);
const codeOfSlug = (slug: string) => `local.${slug}`;

/**
 * The commune's own procedures in the console: add one with a form, edit it,
 * delete it (after a confirmation page). Same rules as the API's
 * /api/v1/procedures/local routes and the same permission ('procedures');
 * each change is audited and the commune's search index is rebuilt before
 * the page answers, so the bot finds the procedure from the next question.
 */
export function registerLocalProcedurePages(
  router: express.Router,
  deps: {
    db: Db;
    refresh: (communeId: number) => Promise<void>;
    /** The procedure's page in the console (override, aliases), with a message on top. */
    detail: (ctx: ConsoleContext, code: string, flash?: Flash, status?: number) => Promise<void>;
    /** The "Thủ tục" page, with a message on top. */
    list: (ctx: ConsoleContext, flash: Flash) => Promise<void>;
  },
): void {
  const { db } = deps;

  function formPage(
    ctx: ConsoleContext,
    opts: { form: LocalForm; code?: string; errors?: Partial<Record<FormField, string>>; flash?: Flash; status?: number },
  ) {
    const { form, code, errors = {} } = opts;
    const invalid = (f: FormField) => (errors[f] ? html`aria-invalid="true" aria-describedby="e-${f}"` : '');
    const problem = (f: FormField) => (errors[f] ? html`<p class="flash error" id="e-${f}">${errors[f]}</p>` : '');
    const input = (f: FormField, max: number, extra: SafeHtml | string = '') =>
      html`<label for="l-${f}">${LABELS[f]}</label>
        <input
          id="l-${f}"
          name="${f}"
          type="text"
          maxlength="${max}"
          value="${form[f as Exclude<FormField, 'channels'>]}"
          ${invalid(f)}
          ${extra}
        />
        ${problem(f)}`;
    const area = (f: Exclude<FormField, 'channels'>, hint: string, rows = 4) =>
      html`<label for="l-${f}">${LABELS[f]}</label>
        ${hint ? html`<p class="muted" id="h-${f}">${hint}</p>` : ''}
        <textarea
          id="l-${f}"
          name="${f}"
          rows="${rows}"
          ${hint && !errors[f] ? html`aria-describedby="h-${f}"` : ''}
          ${invalid(f)}
        >
${form[f]}</textarea>
        ${problem(f)}`;
    const title = code ? `Sửa thủ tục: ${form.name}` : 'Thêm thủ tục của xã';
    ctx.render({
      title,
      flash: opts.flash,
      status: opts.status,
      body: html`<p><a href="${code ? `/console/procedures/${code}` : '/console/procedures'}">← Quay lại</a></p>
        <h1>${title}</h1>
        <p class="muted">
          Thủ tục riêng của xã (không có trong danh mục quốc gia). Trợ lý trả lời người dân theo đúng nội dung ở đây ngay sau khi
          lưu.
        </p>
        <form
          method="post"
          action="${code ? `/console/procedures/local/${code.slice('local.'.length)}` : '/console/procedures/local'}"
          class="card"
        >
          ${csrfField(ctx)} ${input('name', 300, 'required')} ${input('field', 200)} ${input('agency', 300)}
          ${area('subjects', '', 2)} ${area('conditions', '', 3)} ${area('documents', 'Mỗi giấy tờ một dòng.', 5)}
          ${area('steps', 'Mỗi bước một dòng, theo thứ tự.', 5)}
          <fieldset ${errors.channels ? html`aria-describedby="e-channels"` : ''}>
            <legend>${LABELS.channels}</legend>
            ${CHANNELS.map(
              (c) =>
                html`<label
                  ><input type="checkbox" name="channels" value="${c}" ${form.channels.includes(c) ? 'checked' : ''} />
                  ${CHANNEL_LABELS[c]}</label
                >`,
            )}
          </fieldset>
          ${problem('channels')} ${input('timeText', 200, html`aria-describedby="h-timeText"`)}
          <p class="muted" id="h-timeText">Ví dụ: 3 ngày làm việc.</p>
          ${input('feeText', 500)} ${input('receptionAddress', 500)} ${input('portalUrl', 500)} ${area('result', '', 2)}
          ${area('note', 'Người dân đọc ghi chú này cùng thủ tục.', 3)}
          <div class="actions"><button type="submit">${code ? 'Lưu thay đổi' : 'Thêm thủ tục'}</button></div>
        </form>`,
    });
  }

  function refused(ctx: ConsoleContext, form: LocalForm, errors: Partial<Record<FormField, string>>, code?: string) {
    const listed = (Object.keys(LABELS) as FormField[])
      .filter((f) => errors[f])
      .map((f) => `${LABELS[f]}: ${errors[f]}`)
      .join('; ');
    formPage(ctx, { form, code, errors, flash: { kind: 'error', text: `Chưa lưu. ${listed}` }, status: 422 });
  }

  /** The note lives in the commune's override of the procedure, beside hours and phone. */
  async function saveNote(ctx: ConsoleContext, code: string, note: string, override: ProcedureOverride | undefined) {
    if ((override?.note ?? '') === note) return;
    const { updatedAt: _updatedAt, ...fields } = override ?? {};
    const next = { ...fields, note: note || null };
    if (Object.values(next).every((v) => !v)) await removeOverride(db, ctx.communeId, code);
    else await setOverride(db, { communeId: ctx.communeId, code, input: next, actor: actorOf(ctx.principal) });
  }

  // The record as the commune wrote it: the override (fee, address) applied over it would otherwise be saved into it.
  const localOf = async (ctx: ConsoleContext, slug: string) => {
    const code = codeOfSlug(slug);
    const procedure = PROCEDURE_CODE.test(code) ? await findLocalProcedure(db, ctx.communeId, code) : undefined;
    return procedure && { procedure, override: await findOverride(db, ctx.communeId, code) };
  };
  const notFound = (ctx: ConsoleContext, slug: string) =>
    ctx.render({
      title: 'Không tìm thấy',
      status: 404,
      body: html`<p><a href="/console/procedures">← Thủ tục</a></p>
        <h1>Không tìm thấy thủ tục local.${slug}</h1>`,
    });

  const empty: LocalForm = {
    ...(Object.fromEntries(Object.keys(LABELS).map((k) => [k, ''])) as unknown as LocalForm),
    channels: ['truc_tiep'],
  };

  router.get(
    '/console/procedures/local/new',
    consolePage('procedures', async (_req, _res, ctx) => formPage(ctx, { form: empty })),
  );

  router.post(
    '/console/procedures/local',
    consolePage('procedures', async (req, _res, ctx) => {
      const form = readLocalForm(req.body);
      const parsed = parseLocalForm(form);
      if (!parsed.ok) return refused(ctx, form, parsed.errors);
      const code = buildLocalProcedure(parsed.input).code;
      const existing = await getProcedure(db, ctx.communeId, code);
      if (existing)
        return formPage(ctx, {
          form,
          errors: { name: 'đã có thủ tục trùng tên' },
          flash: {
            kind: 'error',
            text: `Chưa lưu. Xã đã có thủ tục “${existing.name}” (mã ${code}); anh/chị sửa thủ tục đó hoặc đặt tên khác.`,
          },
          status: 409,
        });
      const { procedure } = await saveLocalProcedure(db, ctx.communeId, parsed.input);
      await saveNote(ctx, procedure.code, parsed.note, undefined);
      await writeAudit(db, {
        communeId: ctx.communeId,
        actor: actorOf(ctx.principal),
        action: 'procedure.local_created',
        subject: procedure.code,
        details: { name: procedure.name },
      });
      await deps.refresh(ctx.communeId);
      return deps.detail(ctx, procedure.code, {
        kind: 'ok',
        text: 'Đã thêm thủ tục của xã. Trợ lý tìm thấy thủ tục này ngay từ câu hỏi tiếp theo.',
      });
    }),
  );

  router.get(
    '/console/procedures/local/:slug/edit',
    consolePage('procedures', async (req, _res, ctx) => {
      const slug = slugOf(req);
      const found = await localOf(ctx, slug);
      if (!found) return notFound(ctx, slug);
      return formPage(ctx, { form: formOf(found.procedure, found.override), code: found.procedure.code });
    }),
  );

  router.post(
    '/console/procedures/local/:slug',
    consolePage('procedures', async (req, _res, ctx) => {
      const slug = slugOf(req);
      const found = await localOf(ctx, slug);
      if (!found) return notFound(ctx, slug);
      const before = found.procedure;
      const form = readLocalForm(req.body);
      const parsed = parseLocalForm(form, before);
      if (!parsed.ok) return refused(ctx, form, parsed.errors, before.code);
      // The code stays as it was (links, posters and aliases point to it), whatever the new name.
      await saveLocalProcedure(db, ctx.communeId, { ...parsed.input, slug });
      await saveNote(ctx, before.code, parsed.note, found.override);
      await writeAudit(db, {
        communeId: ctx.communeId,
        actor: actorOf(ctx.principal),
        action: 'procedure.local_updated',
        subject: before.code,
        details: { name: parsed.input.name },
      });
      await deps.refresh(ctx.communeId);
      return deps.detail(ctx, before.code, {
        kind: 'ok',
        text: 'Đã lưu. Trợ lý trả lời theo nội dung mới ngay từ câu hỏi tiếp theo.',
      });
    }),
  );

  router.get(
    '/console/procedures/local/:slug/delete',
    consolePage('procedures', async (req, _res, ctx) => {
      const slug = slugOf(req);
      const p = (await localOf(ctx, slug))?.procedure;
      if (!p) return notFound(ctx, slug);
      ctx.render({
        title: `Xóa thủ tục: ${p.name}`,
        body: html`<p><a href="/console/procedures/${p.code}">← Quay lại</a></p>
          <h1>Xóa thủ tục “${p.name}”?</h1>
          <div class="card">
            <p>
              Người dân sẽ không còn tìm thấy thủ tục này; thông tin riêng của xã và các từ người dân hay dùng cho thủ tục này
              cũng bị xóa. Không hoàn tác được.
            </p>
            <div class="actions">
              <form method="post" action="/console/procedures/local/${slug}/delete">
                ${csrfField(ctx)}<button class="danger" type="submit">Xóa thủ tục</button>
              </form>
              <a class="button secondary" href="/console/procedures/${p.code}">Không xóa</a>
            </div>
          </div>`,
      });
    }),
  );

  router.post(
    '/console/procedures/local/:slug/delete',
    consolePage('procedures', async (req, _res, ctx) => {
      const slug = slugOf(req);
      const p = (await localOf(ctx, slug))?.procedure;
      if (!p) return notFound(ctx, slug);
      await deleteLocalProcedure(db, { communeId: ctx.communeId, code: p.code, name: p.name, actor: actorOf(ctx.principal) });
      await deps.refresh(ctx.communeId);
      return deps.list(ctx, { kind: 'ok', text: `Đã xóa thủ tục “${p.name}”.` });
    }),
  );
}

/** The commune's own procedures, for the "Thủ tục" page. */
export async function localProceduresCard(db: Db, ctx: ConsoleContext): Promise<SafeHtml> {
  const local = await listLocalProcedures(db, ctx.communeId);
  return html`<section class="card" aria-labelledby="local-heading">
    <h2 id="local-heading">Thủ tục riêng của xã</h2>
    ${
      local.length
        ? html`<ul class="list">
            ${local.map(
              (p) =>
                html`<li>
                  <a class="item" href="/console/procedures/${p.code}"
                    ><span class="title">${p.name}</span><br /><span class="muted"
                      >${p.code}${p.field ? ` · ${p.field}` : ''}</span
                    ></a
                  >
                </li>`,
            )}
          </ul>`
        : html`<p class="muted">Xã chưa thêm thủ tục riêng nào.</p>`
    }
    <div class="actions"><a class="button" href="/console/procedures/local/new">Thêm thủ tục của xã</a></div>
  </section>`;
}
