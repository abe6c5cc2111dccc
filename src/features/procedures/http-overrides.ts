/**
 * The commune's own information (fee, address, hours, phone, note, link) over
 * a procedure, one at a time or imported in bulk.
 *
 *   PUT    /api/v1/procedures/:code/override     set it
 *   DELETE /api/v1/procedures/:code/override     remove it
 *   POST   /api/v1/procedures/overrides/import   CSV (text/csv) or JSON array, all or nothing
 */
import { parse as parseCsv } from 'csv-parse/sync';
import express, { type Request } from 'express';
import { z } from 'zod';
import { apiRoute } from '../../core/api-route.js';
import { ValidationError } from '../../core/errors.js';
import { fieldErrorsOf } from '../../core/http-errors.js';
import { validTextReviver } from '../../core/text-input.js';
import { optionalPhone, optionalText, optionalUrl, PROCEDURE_CODE } from './fields.js';
import { actorOf, codeParam, codeParams, notFound, staffRoute, type ProceduresApiDeps } from './http-common.js';
import { importOverrides, ProcedureNotFoundError, removeOverride, setOverride, type OverrideImportRow } from './service.js';

const MAX_IMPORT_ROWS = 5000;

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

function validate<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ValidationError('Dữ liệu gửi lên chưa hợp lệ.', fieldErrorsOf(parsed.error));
  return parsed.data;
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

export function createOverrideRoutes(deps: ProceduresApiDeps): express.Router {
  const router = express.Router();
  const { db, requireStaff } = deps;
  const communeOf = async (req: Request) => deps.resolveCommuneId(req);

  apiRoute(
    router,
    {
      ...staffRoute,
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
      ...staffRoute,
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
      ...staffRoute,
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

  return router;
}
