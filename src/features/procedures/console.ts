import express, { type Request } from 'express';
import { fieldErrorsOf } from '../../core/http-errors.js';
import { consolePage, csrfField, formText } from '../../core/console-kit.js';
import { html } from '../../core/html.js';
import { actorOf, type ConsoleContext, type ConsoleContribution } from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import { formatLocalDateVi } from '../../core/format-vi.js';
import { addAlias, AliasInputError, listAliases, removeAlias } from './aliases.js';
import { localProceduresCard, registerLocalProcedurePages } from './console-local.js';
import { overrideFieldNames, overrideForm, PROCEDURE_CODE } from './http.js';
import { readCatalogDate } from './repo.js';
import type { ProcedureReader } from './service.js';
import { isLocalCode } from './local-code.js';
import { getProcedure, removeOverride, setOverride } from './service.js';
import type { ProcedureSearchService } from './search-service.js';

const FIELD_LABELS: Record<(typeof overrideFieldNames)[number], string> = {
  fee: 'Lệ phí tại xã',
  receptionAddress: 'Nơi nộp hồ sơ',
  hours: 'Giờ tiếp nhận',
  phone: 'Số điện thoại hỏi đáp',
  note: 'Ghi chú của xã',
  onlineUrl: 'Đường dẫn nộp trực tuyến',
};

/**
 * "Thủ tục": search the catalog as residents are answered from it, set the
 * commune's own facts over a national record (fee, address, hours, phone,
 * note, online link), and add the words residents use for a procedure
 * (aliases), which the search uses from the next question on.
 */
export function createProceduresConsole(deps: {
  db: Db;
  search: ProcedureSearchService;
  procedures: ProcedureReader;
}): ConsoleContribution {
  const { db } = deps;
  const router = express.Router();
  const refresh = async (communeId: number) => {
    deps.procedures.invalidate(communeId);
    await deps.search.refreshCommune(communeId);
  };

  async function list(ctx: ConsoleContext, q: string, flash?: { kind: 'ok' | 'error'; text: string }) {
    const found = q ? deps.search.search(ctx.communeId, q, 10) : undefined;
    const catalogDate = await readCatalogDate(db);
    ctx.render({
      title: 'Thủ tục',
      flash,
      body: html`<h1>Thủ tục hành chính</h1>
        <p class="muted">
          Danh mục thủ tục quốc gia${catalogDate ? html` cập nhật ngày ${formatLocalDateVi(catalogDate)}` : ''}. Tìm như người dân
          hỏi, rồi mở thủ tục để sửa thông tin riêng của xã hoặc thêm từ người dân hay dùng.
        </p>
        <form method="get" action="/console/procedures" class="row" role="search">
          <div><label for="q">Tìm thủ tục</label><input id="q" name="q" type="search" value="${q}" /></div>
          <button type="submit">Tìm</button>
        </form>
        ${
          found
            ? found.results.length
              ? html`<ul class="list">
                  ${found.results.map(
                    (r) =>
                      html`<li>
                        <a class="item" href="/console/procedures/${r.code}"
                          ><span class="title">${r.name}</span><br /><span class="muted">${r.code} · ${r.field}</span></a
                        >
                      </li>`,
                  )}
                </ul>`
              : html`<p class="card muted">Không tìm thấy thủ tục phù hợp.</p>`
            : ''
        }
        ${await localProceduresCard(db, ctx)}`,
    });
  }

  router.get(
    '/console/procedures',
    consolePage('procedures', async (req, _res, ctx) => list(ctx, formText(req.query.q, 200))),
  );

  async function detail(ctx: ConsoleContext, code: string, flash?: { kind: 'ok' | 'error'; text: string }, status?: number) {
    const procedure = PROCEDURE_CODE.test(code) ? await getProcedure(db, ctx.communeId, code) : undefined;
    if (!procedure) {
      ctx.render({ title: 'Không tìm thấy', status: 404, body: html`<h1>Không tìm thấy thủ tục ${code}</h1>` });
      return;
    }
    const aliases = await listAliases(db, ctx.communeId, code);
    const o = procedure.override ?? {};
    ctx.render({
      title: procedure.name,
      flash,
      status,
      body: html`<p><a href="/console/procedures">← Thủ tục</a></p>
        <h1>${procedure.name}</h1>
        <p class="muted">Mã ${procedure.code} · ${procedure.field} · <a href="/posters/${procedure.code}">In áp phích QR</a></p>
        ${
          isLocalCode(procedure.code)
            ? html`<div class="card">
                <h2>Thủ tục riêng của xã</h2>
                <p class="muted">Giấy tờ, các bước, thời hạn, phí và nơi nộp do xã soạn.</p>
                <div class="actions">
                  <a class="button" href="/console/procedures/local/${procedure.code.slice('local.'.length)}/edit"
                    >Sửa nội dung</a
                  >
                  <a class="button secondary" href="/console/procedures/local/${procedure.code.slice('local.'.length)}/delete"
                    >Xóa thủ tục</a
                  >
                </div>
              </div>`
            : ''
        }
        <form method="post" action="/console/procedures/${procedure.code}/override" class="card">
          ${csrfField(ctx)}
          <h2>Thông tin riêng của xã</h2>
          <p class="muted">Để trống ô nào thì trợ lý dùng thông tin của danh mục quốc gia cho ô đó.</p>
          ${overrideFieldNames.map(
            (f) =>
              html`<label for="o-${f}">${FIELD_LABELS[f]}</label> ${
                  f === 'note'
                    ? html`<textarea id="o-${f}" name="${f}" maxlength="2000">${o[f] ?? ''}</textarea>`
                    : html`<input id="o-${f}" name="${f}" type="text" value="${o[f] ?? ''}" />`
                }`,
          )}
          <div class="actions"><button type="submit">Lưu thông tin của xã</button></div>
        </form>
        <div class="card">
          <h2>Người dân hay gọi thủ tục này là</h2>
          ${aliases.length === 0 ? html`<p class="muted">Chưa có từ nào.</p>` : ''}
          <ul>
            ${aliases.map(
              (a) =>
                html`<li>
                  ${a.alias}
                  <form method="post" action="/console/procedures/${procedure.code}/aliases/${a.id}/delete" class="inline">
                    ${csrfField(ctx)}<button class="secondary" type="submit" aria-label="Xóa từ ${a.alias}">Xóa</button>
                  </form>
                </li>`,
            )}
          </ul>
          <form method="post" action="/console/procedures/${procedure.code}/aliases" class="row">
            ${csrfField(ctx)}
            <div>
              <label for="alias">Thêm từ (ví dụ: sổ đỏ, giấy độc thân)</label
              ><input id="alias" name="alias" type="text" required maxlength="80" />
            </div>
            <button type="submit">Thêm</button>
          </form>
        </div>`,
    });
  }

  // Before '/console/procedures/:code', which would take 'local' for a code.
  registerLocalProcedurePages(router, { db, refresh, detail, list: (ctx, flash) => list(ctx, '', flash) });

  const codeOf = (req: Request) => String(req.params.code ?? '').slice(0, 80);
  router.get(
    '/console/procedures/:code',
    consolePage('procedures', async (req, _res, ctx) => detail(ctx, codeOf(req))),
  );

  router.post(
    '/console/procedures/:code/override',
    consolePage('procedures', async (req, _res, ctx) => {
      const code = codeOf(req);
      if (!PROCEDURE_CODE.test(code) || !(await getProcedure(db, ctx.communeId, code))) return detail(ctx, code);
      const input = Object.fromEntries(overrideFieldNames.map((f) => [f, formText(req.body?.[f], 3000)]));
      const parsed = overrideForm.safeParse(input);
      if (!parsed.success) {
        const errors = fieldErrorsOf(parsed.error);
        const text = Object.entries(errors)
          .map(([f, m]) => `${FIELD_LABELS[f as keyof typeof FIELD_LABELS] ?? f}: ${m}`)
          .join('; ');
        return detail(ctx, code, { kind: 'error', text: `Chưa lưu. ${text}` }, 422);
      }
      const empty = Object.values(parsed.data).every((v) => v === null || v === undefined);
      if (empty) await removeOverride(db, ctx.communeId, code);
      else await setOverride(db, { communeId: ctx.communeId, code, input: parsed.data, actor: actorOf(ctx.principal) });
      await refresh(ctx.communeId);
      return detail(ctx, code, { kind: 'ok', text: 'Đã lưu. Trợ lý trả lời theo thông tin mới ngay từ câu hỏi tiếp theo.' });
    }),
  );

  router.post(
    '/console/procedures/:code/aliases',
    consolePage('procedures', async (req, _res, ctx) => {
      const code = codeOf(req);
      if (!PROCEDURE_CODE.test(code) || !(await getProcedure(db, ctx.communeId, code))) return detail(ctx, code);
      try {
        await addAlias(db, {
          communeId: ctx.communeId,
          code,
          alias: formText(req.body?.alias, 200),
          actor: actorOf(ctx.principal),
        });
      } catch (e) {
        if (e instanceof AliasInputError) return detail(ctx, code, { kind: 'error', text: e.message }, 400);
        throw e;
      }
      await refresh(ctx.communeId);
      return detail(ctx, code, { kind: 'ok', text: 'Đã thêm. Trợ lý hiểu từ này ngay từ câu hỏi tiếp theo.' });
    }),
  );

  router.post(
    '/console/procedures/:code/aliases/:id/delete',
    consolePage('procedures', async (req, _res, ctx) => {
      const ok = await removeAlias(db, {
        communeId: ctx.communeId,
        id: Number(req.params.id) || -1,
        actor: actorOf(ctx.principal),
      });
      if (ok) await refresh(ctx.communeId);
      return detail(
        ctx,
        codeOf(req),
        ok ? { kind: 'ok', text: 'Đã xóa từ.' } : { kind: 'error', text: 'Không tìm thấy từ này.' },
        ok ? 200 : 404,
      );
    }),
  );

  return { menu: [{ href: '/console/procedures', label: 'Thủ tục', permission: 'procedures', order: 30 }], router };
}
