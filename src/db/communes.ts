import { eq } from 'drizzle-orm';
import type { CommuneInfo } from '../core/commune.js';
import type { Db } from './client.js';
import { communes } from './schema/index.js';

/** The public facts of a commune row, as handlers and presenters see them. */
export function toCommuneInfo(row: typeof communes.$inferSelect): CommuneInfo {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    province: row.province,
    address: row.address,
    phone: row.phone,
    hoursText: row.hoursText,
  };
}

export async function loadCommuneInfo(db: Db, communeId: number): Promise<CommuneInfo> {
  const [row] = await db.select().from(communes).where(eq(communes.id, communeId));
  if (!row) throw new Error(`unknown commune ${communeId}`);
  return toCommuneInfo(row);
}
