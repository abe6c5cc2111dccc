/**
 * Procedures REST API and QR posters.
 *
 *   GET    /api/v1/procedures/:code                  public: the record as this commune presents it
 *   PUT    /api/v1/procedures/:code/override         staff: set the commune's fee/address/hours/phone/note/link
 *   DELETE /api/v1/procedures/:code/override         staff
 *   POST   /api/v1/procedures/local                  staff: create a commune-owned procedure (local.<slug>)
 *   PUT    /api/v1/procedures/local/:slug            staff: replace it
 *   DELETE /api/v1/procedures/local/:slug            staff
 *   POST   /api/v1/procedures/overrides/import       staff: CSV (text/csv) or JSON array, all or nothing
 *   GET    /posters/:code                            printable A4 poster with QR codes
 *
 * `/api/v1/procedures/search` is not served here: GET /:code passes anything
 * that is not a procedure code on to the next router.
 */
import { sendHtmlPage } from '../../core/html-page.js';
import { PUBLIC_LIMITS, publicRateLimit } from '../../core/rate-limit.js';
import { parse as parseCsv } from 'csv-parse/sync';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { actorOf as actorOfPrincipal, principalOf, type Permission } from '../../core/staff.js';
import { z } from 'zod';
import { apiRoute, type ApiRouteSpec } from '../../core/api-route.js';
import { ValidationError } from '../../core/errors.js';
import { fieldErrorsOf, httpErrors } from '../../core/http-errors.js';
import { validTextReviver } from '../../core/text-input.js';
import type { Db } from '../../db/client.js';
import { parseTime } from './importer/parse.js';
import { buildPosterLinks, renderPosterHtml, type PosterLinkBase } from './poster.js';
import { deleteLocalProcedure } from './local-removal.js';
import { findCommune } from './repo.js';
import { writeAudit } from '../../db/audit.js';
import {
  buildLocalProcedure,
  getProcedure,
  importOverrides,
  removeOverride,
  saveLocalProcedure,
  setOverride,
  ProcedureNotFoundError,
  readFeeText,
  type LocalProcedureInput,
  type OverrideImportRow,
} from './service.js';
import type { ChannelInfo } from './types.js';

export interface ProceduresApiDeps {
  db: Db;
  /** Rejects non-staff requests itself; may set `res.locals.actor` for the audit trail. */
  requireStaff: (permission: Permission) => RequestHandler;
  /** Ranking hook owned by the search feature; its route is mounted by the procedures module (index.ts). */
  search?: (communeId: number, q: string, limit: number) => { results: unknown[]; confident: boolean };
  resolveCommuneId: (req: Request) => number | Promise<number>;
  /** Per-commune link settings for posters; without it /posters is not served. */
  posterLinks?: (communeId: number) => PosterLinkBase | Promise<PosterLinkBase>;
}

const codeParams = z.object({
  code: z.string().describe('A national code such as 1.001193, or local.<slug> for a procedure of the commune.'),
});
const slugParams = z.object({ slug: z.string().describe('The slug of local.<slug> (the prefix may be included).') });

/** National codes look like 1.001193; commune-owned ones like local.tro-cap-xa-hoi. */
export const PROCEDURE_CODE = /^(?:\d{1,2}\.\d{3,7}|local\.[a-z0-9-]{1,60})$/;
const MAX_IMPORT_ROWS = 5000;

// ---------------------------------------------------------------- validation

const emptyToNull = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? null : v);
const optionalText = (max: number) =>
  z.preprocess(emptyToNull, z.string().trim().max(max, `tối đa ${max} ký tự`).nullable().optional());
const optionalPhone = z.preprocess(
  emptyToNull,
  z
    .string()
    .trim()
    .regex(/^[0-9+().\s-]{6,30}$/, 'số điện thoại không hợp lệ')
    .nullable()
    .optional(),
);
const optionalUrl = z.preprocess(
  emptyToNull,
  z
    .string()
    .trim()
    .max(500)
    .regex(/^https?:\/\/[^\s]+$/i, 'phải là đường dẫn http:// hoặc https://')
    .nullable()
    .optional(),
);

const overrideFields = {
  fee: optionalText(500),
  receptionAddress: optionalText(500),
  hours: optionalText(300),
  phone: optionalPhone,
  note: optionalText(2000),
  onlineUrl: optionalUrl,
};
const OVERRIDE_KEYS = Object.keys(overrideFields) as (keyof typeof overrideFields)[];
const atLeastOne = (o: Record<string, unknown>) => OVERRIDE_KEYS.some((k) => o[k] !== null && o[k] !== undefined);
const AT_LEAST_ONE = 'cần ít nhất một trong: fee, receptionAddress, hours, phone, note, onlineUrl';

const overrideBody = z.object(overrideFields).strict().refine(atLeastOne, { message: AT_LEAST_ONE });
/** The console's override form: the same fields and rules; an all-empty form removes the override. */
export const overrideForm = z.object(overrideFields);
export const overrideFieldNames = OVERRIDE_KEYS;
const overrideImportRow = z
  .object({ code: z.string().trim().regex(PROCEDURE_CODE, 'mã thủ tục không hợp lệ'), ...overrideFields })
  .strict()
  .refine(atLeastOne, { message: AT_LEAST_ONE });

const channelInput = z
  .object({
    channel: z.enum(['truc_tiep', 'truc_tuyen', 'buu_chinh']),
    timeText: z.string().trim().max(200).default(''),
    feeText: z.string().trim().max(500).default(''),
    description: z.string().trim().max(2000).optional(),
  })
  .strict();
const localBody = z
  .object({
    slug: z
      .string()
      .regex(/^[a-z0-9-]{2,40}$/, 'tối đa 40 ký tự, chỉ gồm chữ thường không dấu, số và dấu gạch ngang')
      .optional(),
    name: z.string().trim().min(3, 'tên thủ tục quá ngắn').max(300),
    field: z.string().trim().max(200).optional(),
    agency: z.string().trim().max(300).optional(),
    subjects: z.string().trim().max(500).optional(),
    result: z.string().trim().max(1000).optional(),
    conditions: z.string().trim().max(4000).optional(),
    receptionAddress: z.string().trim().max(500).optional(),
    portalUrl: optionalUrl,
    steps: z.array(z.string().trim().min(1).max(2000)).max(50).optional(),
    documentGroups: z
      .array(
        z
          .object({
            title: z.string().trim().max(300).default(''),
            documents: z
              .array(
                z
                  .object({
                    name: z.string().trim().min(1).max(1000),
                    form: z.string().trim().max(300).optional(),
                    quantity: z.string().trim().max(100).optional(),
                  })
                  .strict(),
              )
              .max(100),
          })
          .strict(),
      )
      .max(20)
      .optional(),
    channels: z.array(channelInput).max(10).optional(),
    legalBasis: z
      .array(z.object({ title: z.string().trim().min(1).max(1000), code: z.string().trim().max(100).optional() }).strict())
      .max(50)
      .optional(),
  })
  .strict();

function validate<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ValidationError('Dữ liệu gửi lên chưa hợp lệ.', fieldErrorsOf(parsed.error));
  return parsed.data;
}

function toLocalInput(body: z.infer<typeof localBody>): LocalProcedureInput {
  const channels: ChannelInfo[] | undefined = body.channels?.map((c) => {
    const fee = readFeeText(c.feeText);
    const info: ChannelInfo = {
      channel: c.channel,
      timeText: c.timeText,
      feeText: c.feeText,
      feeAmounts: fee.amounts,
      free: fee.free,
    };
    const time = parseTime(c.timeText);
    if (time) info.time = time;
    if (c.description) info.description = c.description;
    return info;
  });
  return {
    ...body,
    portalUrl: body.portalUrl ?? undefined,
    channels,
    documentGroups: body.documentGroups,
    legalBasis: body.legalBasis,
  };
}

// ---------------------------------------------------------------- CSV

const CSV_HEADERS: Record<string, keyof OverrideImportRow> = {
  code: 'code',
  ma: 'code',
  ma_thu_tuc: 'code',
  'mã thủ tục': 'code',
  fee: 'fee',
  'lệ phí': 'fee',
  le_phi: 'fee',
  receptionaddress: 'receptionAddress',
  reception_address: 'receptionAddress',
  address: 'receptionAddress',
  'địa chỉ': 'receptionAddress',
  dia_chi: 'receptionAddress',
  hours: 'hours',
  'giờ tiếp nhận': 'hours',
  gio_tiep_nhan: 'hours',
  phone: 'phone',
  'điện thoại': 'phone',
  dien_thoai: 'phone',
  note: 'note',
  'ghi chú': 'note',
  ghi_chu: 'note',
  onlineurl: 'onlineUrl',
  online_url: 'onlineUrl',
  link: 'onlineUrl',
};

function rowsFromCsv(text: string): Record<string, unknown>[] {
  let records: string[][];
  try {
    records = parseCsv(validTextReviver('', text) as string, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: false,
      trim: true,
    }) as string[][];
  } catch (err) {
    throw new ValidationError('Tệp CSV không đọc được.', { body: (err as Error).message });
  }
  if (records.length === 0) return [];
  const header = records[0].map((h) => h.normalize('NFC').trim().toLowerCase());
  // Own keys only: a column named `__proto__` or `constructor` is unknown, not a property of every object.
  const unknown = header.filter((h) => !Object.hasOwn(CSV_HEADERS, h));
  if (unknown.length) {
    throw new ValidationError('Tệp CSV có cột không nhận ra.', {
      header: `cột không hợp lệ: ${unknown.join(', ')} (dùng: code, fee, receptionAddress, hours, phone, note, onlineUrl)`,
    });
  }
  return records.slice(1).map((cells) => {
    const row: Record<string, unknown> = {};
    header.forEach((h, i) => {
      row[CSV_HEADERS[h]] = cells[i] ?? '';
    });
    return row;
  });
}

// ---------------------------------------------------------------- router

function notFound(res: Response, code: string): void {
  res.status(404).json({ error: `Không tìm thấy thủ tục có mã ${code}.` });
}

/** The audit actor of a staff request (the route's guard has set the principal). */
function actorOf(req: Request): string {
  const p = principalOf(req);
  return p ? actorOfPrincipal(p) : 'staff';
}

export function createProceduresApi(deps: ProceduresApiDeps): express.Router {
  const router = express.Router();
  const { db, requireStaff } = deps;
  const wrap =
    (fn: (req: Request, res: Response, next: NextFunction) => Promise<void>): RequestHandler =>
    (req, res, next) => {
      fn(req, res, next).catch(next);
    };
  const communeOf = async (req: Request) => deps.resolveCommuneId(req);
  const codeParam = (req: Request) => String(req.params.code ?? '');

  const staff: Pick<ApiRouteSpec, 'tags' | 'auth' | 'permission'> = {
    tags: ['procedures'],
    auth: 'staff',
    permission: 'procedures',
  };
  const localSaved = z.object({ code: z.string(), procedure: z.looseObject({ code: z.string(), name: z.string() }) });

  apiRoute(
    router,
    {
      ...staff,
      method: 'post',
      path: '/api/v1/procedures/overrides/import',
      summary: "Import the commune's own fee, address, hours, phone, note and link for many procedures",
      description:
        'A JSON array or a CSV file (`text/csv`; headers in English or Vietnamese), at most 5,000 rows, all or ' +
        'nothing: any bad row or unknown code and nothing is imported (422, `fieldErrors` by row).',
      body: z.array(overrideImportRow),
      bodyMediaTypes: ['text/csv'],
      bodyValidatedBy: 'handler',
      responses: {
        200: {
          description: 'Imported.',
          schema: z.object({ total: z.number().int(), created: z.number().int(), updated: z.number().int() }),
        },
        413: { description: 'Larger than 2 MB.' },
        422: { description: 'A row is invalid or names an unknown procedure; nothing was imported.' },
      },
    },
    requireStaff('procedures'),
    express.text({ type: ['text/csv', 'text/plain'], limit: '2mb' }),
    express.json({ limit: '2mb', reviver: validTextReviver }),
    async (req, res) => {
      const raw: unknown[] = typeof req.body === 'string' ? rowsFromCsv(req.body) : req.body;
      if (!Array.isArray(raw)) throw new ValidationError('Cần một mảng JSON hoặc tệp CSV.', { body: 'expected an array' });
      if (raw.length === 0) throw new ValidationError('Không có dòng nào để nhập.', { body: 'empty' });
      if (raw.length > MAX_IMPORT_ROWS)
        throw new ValidationError(`Tối đa ${MAX_IMPORT_ROWS} dòng mỗi lần.`, { body: 'too many rows' });
      const fieldErrors: Record<string, string> = {};
      const rows: OverrideImportRow[] = [];
      const seen = new Map<string, number>();
      raw.forEach((item, i) => {
        const parsed = overrideImportRow.safeParse(item);
        if (!parsed.success) {
          Object.assign(fieldErrors, fieldErrorsOf(parsed.error, `rows[${i}]`));
          return;
        }
        const first = seen.get(parsed.data.code);
        if (first !== undefined) fieldErrors[`rows[${i}].code`] = `mã ${parsed.data.code} trùng với dòng ${first + 1}`;
        seen.set(parsed.data.code, i);
        rows.push(parsed.data as OverrideImportRow);
      });
      if (Object.keys(fieldErrors).length) throw new ValidationError('Có dòng chưa hợp lệ; chưa nhập dòng nào.', fieldErrors);
      const communeId = await communeOf(req);
      const result = await importOverrides(db, { communeId, rows, actor: actorOf(req) });
      if (result.unknownCodes.length) {
        const errors: Record<string, string> = {};
        rows.forEach((r, i) => {
          if (result.unknownCodes.includes(r.code)) errors[`rows[${i}].code`] = `không có thủ tục mã ${r.code}`;
        });
        throw new ValidationError('Có mã thủ tục không tồn tại; chưa nhập dòng nào.', errors);
      }
      res.json({ total: rows.length, created: result.created, updated: result.updated });
    },
  );

  apiRoute(
    router,
    {
      ...staff,
      method: 'post',
      path: '/api/v1/procedures/local',
      summary: 'Create a procedure of the commune (its code: local.<slug>)',
      body: localBody,
      invalid: { status: 422 },
      responses: {
        201: { description: 'Created.', schema: localSaved },
        409: { description: 'A procedure with this code exists; use PUT to change it.' },
      },
    },
    requireStaff('procedures'),
    express.json({ limit: '256kb', reviver: validTextReviver }),
    async (req, res, { body }) => {
      const input = toLocalInput(body);
      const communeId = await communeOf(req);
      const code = buildLocalProcedure(input).code;
      if (await getProcedure(db, communeId, code)) {
        res.status(409).json({ error: `Thủ tục ${code} đã có; dùng PUT để sửa.`, code });
        return;
      }
      const { procedure } = await saveLocalProcedure(db, communeId, input);
      await writeAudit(db, {
        communeId,
        actor: actorOf(req),
        action: 'procedure.local_created',
        subject: procedure.code,
        details: { name: procedure.name },
      });
      res.status(201).json({ code: procedure.code, procedure });
    },
  );

  apiRoute(
    router,
    {
      ...staff,
      method: 'put',
      path: '/api/v1/procedures/local/:slug',
      summary: 'Replace a procedure of the commune',
      params: slugParams,
      body: localBody,
      invalid: { status: 422 },
      responses: {
        200: { description: 'Saved.', schema: localSaved },
        404: { description: 'No such procedure of the commune.' },
      },
    },
    requireStaff('procedures'),
    express.json({ limit: '256kb', reviver: validTextReviver }),
    async (req, res, { body }) => {
      const slug = String(req.params.slug ?? '').replace(/^local\./, '');
      const communeId = await communeOf(req);
      const code = `local.${slug}`;
      if (!PROCEDURE_CODE.test(code) || !(await getProcedure(db, communeId, code))) return notFound(res, code);
      const { procedure } = await saveLocalProcedure(db, communeId, { ...toLocalInput(body), slug });
      await writeAudit(db, {
        communeId,
        actor: actorOf(req),
        action: 'procedure.local_updated',
        subject: procedure.code,
        details: { name: procedure.name },
      });
      res.json({ code: procedure.code, procedure });
    },
  );

  apiRoute(
    router,
    {
      ...staff,
      method: 'delete',
      path: '/api/v1/procedures/local/:slug',
      summary: 'Delete a procedure of the commune',
      params: slugParams,
      responses: { 204: { description: 'Deleted.' }, 404: { description: 'No such procedure of the commune.' } },
    },
    requireStaff('procedures'),
    async (req, res) => {
      const code = `local.${String(req.params.slug ?? '').replace(/^local\./, '')}`;
      const deleted = await deleteLocalProcedure(db, { communeId: await communeOf(req), code, actor: actorOf(req) });
      if (!deleted) return notFound(res, code);
      res.status(204).end();
    },
  );

  apiRoute(
    router,
    {
      ...staff,
      method: 'put',
      path: '/api/v1/procedures/:code/override',
      summary: "Set the commune's own fee, address, hours, phone, note or link for a procedure",
      description: 'At least one field; an empty string clears that field. Bad fields: 422 with `fieldErrors`.',
      params: codeParams,
      body: overrideBody,
      bodyValidatedBy: 'handler',
      responses: {
        200: { description: 'Saved.', schema: z.object({ code: z.string(), override: z.looseObject({}) }) },
        404: { description: 'No such procedure.' },
        422: { description: 'A field is invalid, or none was given.' },
      },
    },
    requireStaff('procedures'),
    express.json({ limit: '64kb' }),
    async (req, res) => {
      const code = codeParam(req);
      if (!PROCEDURE_CODE.test(code)) return notFound(res, code);
      const input = validate(overrideBody, req.body);
      const communeId = await communeOf(req);
      try {
        const override = await setOverride(db, { communeId, code, input, actor: actorOf(req) });
        res.json({ code, override });
      } catch (err) {
        if (err instanceof ProcedureNotFoundError) return notFound(res, code);
        throw err;
      }
    },
  );

  apiRoute(
    router,
    {
      ...staff,
      method: 'delete',
      path: '/api/v1/procedures/:code/override',
      summary: "Remove the commune's own information of a procedure",
      params: codeParams,
      responses: { 204: { description: 'Removed.' }, 404: { description: 'The procedure has none.' } },
    },
    requireStaff('procedures'),
    async (req, res) => {
      const code = codeParam(req);
      const deleted = PROCEDURE_CODE.test(code) && (await removeOverride(db, await communeOf(req), code));
      if (!deleted) {
        res.status(404).json({ error: `Thủ tục ${code} chưa có thông tin riêng của xã.` });
        return;
      }
      res.status(204).end();
    },
  );

  apiRoute(
    router,
    {
      method: 'get',
      path: '/api/v1/procedures/:code',
      summary: 'One procedure as this commune presents it',
      tags: ['procedures'],
      auth: 'public',
      params: codeParams,
      query: z.object({ commune: z.string().optional() }),
      responses: {
        200: {
          description: 'The procedure with the commune’s own information applied.',
          schema: z.looseObject({ code: z.string(), name: z.string() }),
        },
        404: { description: 'No such procedure.' },
      },
    },
    publicRateLimit(PUBLIC_LIMITS.read),
    async (req, res, _input, next) => {
      const code = codeParam(req);
      if (!PROCEDURE_CODE.test(code)) return next(); // e.g. /search, served by another router
      const procedure = await getProcedure(db, await communeOf(req), code);
      if (!procedure) return notFound(res, code);
      res.json(procedure);
    },
  );

  if (deps.posterLinks) {
    const posterLinks = deps.posterLinks;
    router.get(
      '/posters/:code',
      publicRateLimit(PUBLIC_LIMITS.poster, 'text'),
      wrap(async (req, res) => {
        const code = codeParam(req);
        const communeId = await communeOf(req);
        const procedure = PROCEDURE_CODE.test(code) ? await getProcedure(db, communeId, code) : undefined;
        const commune = await findCommune(db, communeId);
        if (!procedure || !commune) {
          res.status(404).type('text/plain; charset=utf-8').send(`Không tìm thấy thủ tục có mã ${code}.`);
          return;
        }
        const links = buildPosterLinks(await posterLinks(communeId), procedure.code);
        sendHtmlPage(res, await renderPosterHtml({ procedure, commune, links }));
      }),
    );
  }

  // Errors of these routes, mapped here (by the one HTTP error map) so the router behaves the same wherever it is mounted.
  router.use(httpErrors({ tooLarge: 'Nội dung gửi lên quá lớn.' }));

  return router;
}
