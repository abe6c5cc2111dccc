/**
 * Deleting a commune's own procedure, the same from the console and the API: the procedure, and what
 * pointed at it (the commune's override and its aliases), so a new procedure of the same name starts
 * clean; audited as `procedure.local_deleted`.
 */
import type { Db } from '../../db/client.js';
import { writeAudit } from '../../db/audit.js';
import { listAliases, removeAlias } from './aliases.js';
import { removeLocalProcedure, removeOverride } from './service.js';

/** False when the commune has no such procedure (nothing is changed). */
export async function deleteLocalProcedure(
  db: Db,
  input: { communeId: number; code: string; name?: string; actor: string },
): Promise<boolean> {
  const { communeId, code, actor } = input;
  if (!(await removeLocalProcedure(db, communeId, code))) return false;
  await removeOverride(db, communeId, code);
  for (const a of await listAliases(db, communeId, code)) await removeAlias(db, { communeId, id: a.id, actor });
  await writeAudit(db, {
    communeId,
    actor,
    action: 'procedure.local_deleted',
    subject: code,
    details: input.name ? { name: input.name } : {},
  });
  return true;
}
