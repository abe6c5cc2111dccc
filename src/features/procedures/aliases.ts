import { and, asc, eq } from 'drizzle-orm';
import { foldVietnamese } from '../../core/fold.js';
import type { Db } from '../../db/client.js';
import { writeAudit } from '../../db/audit.js';
import { procedureAliases } from '../../db/schema/index.js';

/** An alias as the search matches it: lower-case, no diacritics, words separated by one space. */
export function foldAlias(text: string): string {
  return foldVietnamese(text)
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

export interface AliasRule {
  folded: string;
  code: string;
}

export async function listAliases(db: Db, communeId: number, code?: string) {
  return db
    .select()
    .from(procedureAliases)
    .where(
      code
        ? and(eq(procedureAliases.communeId, communeId), eq(procedureAliases.code, code))
        : eq(procedureAliases.communeId, communeId),
    )
    .orderBy(asc(procedureAliases.alias));
}

export class AliasInputError extends Error {}

/** Add a commune's word for a procedure; one alias names one procedure in a commune. */
export async function addAlias(db: Db, input: { communeId: number; code: string; alias: string; actor: string }) {
  const alias = input.alias.trim().replace(/\s+/g, ' ');
  const folded = foldAlias(alias);
  if (folded.length < 3 || alias.length > 80) throw new AliasInputError('Từ gọi khác cần từ 3 đến 80 ký tự (chữ hoặc số).');
  const [row] = await db
    .insert(procedureAliases)
    .values({ communeId: input.communeId, code: input.code, alias, folded })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new AliasInputError(`Từ “${alias}” đã được dùng cho một thủ tục khác (hoặc thủ tục này) của xã.`);
  await writeAudit(db, {
    communeId: input.communeId,
    actor: input.actor,
    action: 'procedure.alias_added',
    subject: input.code,
    details: { alias },
  });
  return row;
}

export async function removeAlias(db: Db, input: { communeId: number; id: number; actor: string }): Promise<boolean> {
  const rows = await db
    .delete(procedureAliases)
    .where(and(eq(procedureAliases.communeId, input.communeId), eq(procedureAliases.id, input.id)))
    .returning();
  if (rows[0])
    await writeAudit(db, {
      communeId: input.communeId,
      actor: input.actor,
      action: 'procedure.alias_removed',
      subject: rows[0].code,
      details: { alias: rows[0].alias },
    });
  return rows.length > 0;
}

/**
 * A question with a commune's alias in it, asked as if it named the
 * procedure: the alias (whole words, longest first) is replaced by the
 * procedure's name, folded. Returns undefined when no alias occurs.
 */
export function rewriteWithAliases(
  query: string,
  rules: readonly AliasRule[],
  nameOf: (code: string) => string | undefined,
): string | undefined {
  if (rules.length === 0) return undefined;
  let folded = ` ${foldAlias(query)} `;
  let changed = false;
  for (const rule of rules) {
    const needle = ` ${rule.folded} `;
    if (!folded.includes(needle)) continue;
    const name = nameOf(rule.code);
    if (!name) continue;
    folded = folded.replace(needle, ` ${foldAlias(name)} `);
    changed = true;
  }
  return changed ? folded.trim() : undefined;
}
