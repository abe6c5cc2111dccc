import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq, like } from 'drizzle-orm';
import { auditLog, communes } from '../../../src/db/schema/index.js';
import { saveLocalProcedure } from '../../../src/features/procedures/service.js';
import { createTestDatabase } from '../../helpers/db.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let communeId: number;

beforeAll(async () => {
  database = await createTestDatabase();
  const rows = await database.db.insert(communes).values({ slug: 'xa-nhat-ky', name: 'Xã Nhật Ký (thử)' }).returning();
  communeId = rows[0].id;
});
afterAll(async () => database?.close());

const auditOf = (code: string) =>
  database.db
    .select({ actor: auditLog.actor, action: auditLog.action, subject: auditLog.subject, details: auditLog.details })
    .from(auditLog)
    .where(and(eq(auditLog.subject, code), like(auditLog.action, 'procedure.local_%')))
    .orderBy(asc(auditLog.id));

describe("saving a commune's own procedure", () => {
  it('audits a staff change once, as created and then updated, with the name saved', async () => {
    const { procedure } = await saveLocalProcedure(database.db, communeId, { name: 'Xác nhận nuôi ong (thử)' }, 'staff:41');
    await saveLocalProcedure(
      database.db,
      communeId,
      { slug: 'xac-nhan-nuoi-ong-thu', name: 'Xác nhận nuôi ong mật (thử)' },
      'staff:42',
    );
    expect(await auditOf(procedure.code)).toEqual([
      {
        actor: 'staff:41',
        action: 'procedure.local_created',
        subject: procedure.code,
        details: { name: 'Xác nhận nuôi ong (thử)' },
      },
      {
        actor: 'staff:42',
        action: 'procedure.local_updated',
        subject: procedure.code,
        details: { name: 'Xác nhận nuôi ong mật (thử)' },
      },
    ]);
  });

  it('writes no audit row when seeding (no actor)', async () => {
    const { procedure } = await saveLocalProcedure(database.db, communeId, { name: 'Thủ tục mẫu để thử' });
    expect(await auditOf(procedure.code)).toEqual([]);
  });
});
