import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { civilRecords } from '../../db/schema/index.js';
import { validateRecordFile, type RowError } from './records.js';
import { insertRecords } from './service.js';

export type ImportOutcome = { ok: true; inserted: number } | { ok: false; errors: RowError[] };

/**
 * Import a commune's export of registrations (CSV or JSON), all or nothing:
 * every row is validated, and a row that repeats one already in the database
 * (same kind, book and number) is an error too; only a file without a single
 * error is written, in one transaction.
 */
export async function importRecordFile(
  db: Db,
  communeId: number,
  content: string,
  format: 'csv' | 'json',
): Promise<ImportOutcome> {
  let parsed: ReturnType<typeof validateRecordFile>;
  try {
    parsed = validateRecordFile(content, format);
  } catch (error) {
    const reason = (error as Error).message;
    return {
      ok: false,
      errors: [{ line: 0, field: '', vi: `không đọc được tệp (${reason})`, en: `the file cannot be read (${reason})` }],
    };
  }
  const errors = [...parsed.errors];
  if (parsed.records.length) {
    const numbers = [...new Set(parsed.records.map((r) => r.number))];
    const existing = await db
      .select({ kind: civilRecords.kind, book: civilRecords.book, number: civilRecords.number })
      .from(civilRecords)
      .where(and(eq(civilRecords.communeId, communeId), inArray(civilRecords.number, numbers)));
    const taken = new Set(existing.map((e) => `${e.kind}|${e.book}|${e.number}`));
    parsed.records.forEach((r, i) => {
      if (taken.has(`${r.kind}|${r.book}|${r.number}`))
        errors.push({
          line: parsed.lines[i],
          field: 'number',
          vi: 'đăng ký này (loại, quyển số, số) đã có trong cơ sở dữ liệu',
          en: 'this registration (kind, book, number) is already in the database',
        });
    });
  }
  if (errors.length) return { ok: false, errors: errors.sort((a, b) => a.line - b.line) };
  return { ok: true, inserted: await insertRecords(db, communeId, parsed.records) };
}

export function formatRowError(e: RowError): string {
  const where = e.line > 0 ? `Dòng ${e.line} / line ${e.line}` : 'Tệp / file';
  return `${where}${e.field ? ` (${e.field})` : ''}: ${e.vi} / ${e.en}`;
}
