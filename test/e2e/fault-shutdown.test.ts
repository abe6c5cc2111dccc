import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { execRows } from '../../src/db/client.js';
import { createProcessor } from '../../src/pipeline/processor.js';
import type { BatchItem } from '../../src/pipeline/dispatcher.js';
import { onPostgres } from '../helpers/db.js';
import { startTestRuntime } from '../helpers/runtime.js';

/**
 * Issue 19: a graceful shutdown must not leave acknowledged messages waiting
 * in the processor's ready set (they were durable, but their residents waited
 * for the next start's recovery). The real dispatcher and database; the only
 * thing added is a gate that holds the first batch, so a second conversation
 * is certainly still waiting when stop() is called.
 */
let env: Awaited<ReturnType<typeof startTestRuntime>>;

beforeAll(async () => {
  env = await startTestRuntime({ SEED_CATALOG: 'false' });
}, 120_000);
afterAll(async () => {
  await env?.close();
});

describe(`graceful shutdown of the processor (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('processes what is already queued before stop() resolves, and takes nothing new', async () => {
    const { dispatcher, defaultCommune, database } = env.runtime;
    const record = (chatId: string, externalId: string) =>
      dispatcher.ingest({
        channel: 'telegram',
        communeId: defaultCommune.id,
        chatId,
        userId: chatId,
        externalId,
        text: 'giờ làm việc',
      });
    const a = await record('900000101', 'shutdown-a');
    const b = await record('900000102', 'shutdown-b');
    const late = await record('900000103', 'shutdown-late');

    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let firstBatch!: () => void;
    const started = new Promise<void>((resolve) => (firstBatch = resolve));
    const processor = createProcessor({
      log: silentLogger,
      maxConcurrent: 1,
      processBatch: async (items: BatchItem[]) => {
        firstBatch();
        await gate;
        return dispatcher.processBatch(items);
      },
    });
    processor.enqueue(a.conversationId, a.communeId);
    await started;
    // The only batch slot is taken: this one waits in the ready set.
    processor.enqueue(b.conversationId, b.communeId);
    const stopped = processor.stop();
    // After stop: not taken (recovery at the next start processes it).
    processor.enqueue(late.conversationId, late.communeId);
    open();
    await stopped;

    const rows = await execRows<{ external_id: string; status: string }>(
      database.db,
      sql`select external_id, status from inbound_messages where external_id like 'shutdown-%' order by external_id`,
    );
    expect(rows).toEqual([
      { external_id: 'shutdown-a', status: 'processed' },
      { external_id: 'shutdown-b', status: 'processed' },
      { external_id: 'shutdown-late', status: 'received' },
    ]);
  });
});
