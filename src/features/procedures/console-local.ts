import type express from 'express';
import { consolePage, csrfField } from '../../core/console-kit.js';
import { html, type SafeHtml } from '../../core/html.js';
import { actorOf, type ConsoleContext } from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import { PROCEDURE_CODE } from './fields.js';
import {
  CHANNEL_LABELS,
  CHANNELS,
  EMPTY_LOCAL_FORM,
  formOf,
  LABELS,
  parseLocalForm,
  readLocalForm,
  type FormErrors,
  type FormField,
  type LocalForm,
} from './local-form.js';
import { deleteLocalProcedure } from './local-removal.js';
import { findLocalProcedure, findOverride, listLocalProcedures } from './repo.js';
import { buildLocalProcedure, getProcedure, removeOverride, saveLocalProcedure, setOverride } from './service.js';
import type { ProcedureOverride } from './types.js';

type Flash = { kind: 'ok' | 'error'; text: string };

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
    opts: { form: LocalForm; code?: string; errors?: FormErrors; flash?: Flash; status?: number },
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

  function refused(ctx: ConsoleContext, form: LocalForm, errors: FormErrors, code?: string) {
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

  router.get(
    '/console/procedures/local/new',
    consolePage('procedures', async (_req, _res, ctx) => formPage(ctx, { form: EMPTY_LOCAL_FORM })),
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
      const { procedure } = await saveLocalProcedure(db, ctx.communeId, parsed.input, actorOf(ctx.principal));
      await saveNote(ctx, procedure.code, parsed.note, undefined);
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
      await saveLocalProcedure(db, ctx.communeId, { ...parsed.input, slug }, actorOf(ctx.principal));
      await saveNote(ctx, before.code, parsed.note, found.override);
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
