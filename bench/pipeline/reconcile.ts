import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { execRows, type Database } from '../../src/db/client.js';
import type { LoadResult, SentUpdate } from './load.js';
import type { ArrivalRecord } from './platform.js';

export interface RunStats {
  /** Webhooks the server acknowledged (200). */
  sent: number;
  /** Of those, questions whose every reply message the platform accepted. */
  replied: number;
  /** Acknowledged questions with a reply missing after the drain timeout (or webhooks never acknowledged). */
  lost: number;
  /** Messages the platform accepted beyond the expected ones (a resident saw the same message twice). */
  duplicates: number;
  /** Reply messages the platform accepted per question (expected, without duplicates). */
  messagesPerQuestion: number;
  /** Questions fully answered per second: replied / (last reply - first webhook due). */
  throughputPerS: number;
  /** Webhook due -> last message of its answer accepted by the platform (warm-up excluded). */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Per second of the schedule: replies, p50 and p99 latency (ms). */
  timeline?: { n: number; p50: number; p99: number }[];
  maxMs: number;
  /** Webhook due -> 200 from the server (durable ingest). */
  ackP50Ms: number;
  ackP99Ms: number;
  webhookRetries: number;
  /** sendMessage calls refused by the fake's flood limit (429 from the platform itself). */
  platform429: number;
  /** Replies produced by the error fallback (handler threw). */
  handlerFailures: number;
  /** Why lost questions were lost (first reason per question). */
  lostReasons: Record<string, number>;
  /**
   * Where the time went (pipeline runs), p50 and p99 of each stage and the stages' mean over the slowest 1 %:
   * due → recording statement began (HTTP, webhook handler, linger, waiting for a recording slot),
   * → processing transaction began (recorded and acknowledged, waiting for a processing slot),
   * → last reply accepted by the platform (processing, commit, send).
   */
  stages?: { name: string; p50: number; p99: number; slowest1pct: number }[];
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

const key = (token: string, chatId: string | number, messageId: number | string) => `${token}|${chatId}|${messageId}`;

/** This run's sendMessage calls: the accepted ones by (bot, chat, message id), and the fake's own 429s. */
function runArrivals(arrivals: ArrivalRecord[], updates: SentUpdate[]) {
  const chats = new Set(updates.map((u) => String(u.chatId)));
  const accepted = new Map<string, ArrivalRecord>();
  let platform429 = 0;
  for (const a of arrivals) {
    if (a.method !== 'sendMessage' || !chats.has(a.chatId)) continue;
    if (a.status === 429) platform429++;
    if (a.messageId !== undefined) accepted.set(key(a.token, a.chatId, a.messageId), a);
  }
  return { accepted, platform429 };
}

function summarize(
  load: LoadResult,
  perUpdate: { u: SentUpdate; lastAt?: number; lostReason?: string; messages: number }[],
  extra: { duplicates: number; platform429: number; handlerFailures: number },
): RunStats {
  const latencies: number[] = [];
  const bySecond: number[][] = [];
  const acks: number[] = [];
  const lostReasons: Record<string, number> = {};
  let replied = 0;
  let messages = 0;
  let lastReply = 0;
  for (const r of perUpdate) {
    if (r.u.status === 200) acks.push(r.u.ackedAt - r.u.scheduledAt);
    if (r.lostReason) {
      lostReasons[r.lostReason] = (lostReasons[r.lostReason] ?? 0) + 1;
      continue;
    }
    replied++;
    messages += r.messages;
    lastReply = Math.max(lastReply, r.lastAt!);
    if (!r.u.warmup) latencies.push(r.lastAt! - r.u.scheduledAt);
    const second = Math.floor((r.u.scheduledAt - (load.updates[0]?.scheduledAt ?? load.startedAt)) / 1000);
    (bySecond[second] ??= []).push(r.lastAt! - r.u.scheduledAt);
  }
  const timeline = bySecond.map((l) => {
    const sorted = (l ?? []).sort((a, b) => a - b);
    return { n: sorted.length, p50: Math.round(percentile(sorted, 50)), p99: Math.round(percentile(sorted, 99)) };
  });
  latencies.sort((a, b) => a - b);
  acks.sort((a, b) => a - b);
  const first = load.updates[0]?.scheduledAt ?? load.startedAt;
  const r1 = (n: number) => Math.round(n * 10) / 10;
  return {
    sent: load.updates.filter((u) => u.status === 200).length,
    replied,
    lost: perUpdate.length - replied,
    duplicates: extra.duplicates,
    messagesPerQuestion: replied ? Math.round((messages / replied) * 100) / 100 : 0,
    throughputPerS: replied && lastReply > first ? Math.round(replied / ((lastReply - first) / 1000)) : 0,
    p50Ms: r1(percentile(latencies, 50)),
    p95Ms: r1(percentile(latencies, 95)),
    p99Ms: r1(percentile(latencies, 99)),
    maxMs: r1(latencies.at(-1) ?? NaN),
    ackP50Ms: r1(percentile(acks, 50)),
    ackP99Ms: r1(percentile(acks, 99)),
    webhookRetries: load.webhookRetries,
    platform429: extra.platform429,
    handlerFailures: extra.handlerFailures,
    lostReasons,
    timeline,
  };
}

interface JoinedRow {
  external_id: string;
  status: string;
  commune_id: number;
  chat_id: string;
  oid: number | null;
  ostatus: string | null;
  platform_message_ids: string[] | null;
  received_ms: number;
  processed_ms: number | null;
}

/** The first inbound id of a run: rows after it belong to the run. */
export async function lastInboundId(database: Database): Promise<number> {
  const [r] = await execRows<{ id: number | null }>(database.db, sql`select max(id)::bigint as id from inbound_messages`);
  return Number(r?.id ?? 0);
}

/**
 * Wait until the pipeline has nothing left for this run (every question
 * processed, no reply pending), or the timeout. Returns the time waited.
 */
export async function drainPipeline(
  database: Database,
  afterInboundId: number,
  expected: number,
  timeoutMs: number,
): Promise<{ waitedMs: number; stuck: Record<string, unknown>[] }> {
  const start = performance.now();
  for (;;) {
    const [r] = await execRows<{ inbound: number; received: number; pending: number }>(
      database.db,
      sql`select
            (select count(*)::int from inbound_messages where id > ${afterInboundId}) as inbound,
            (select count(*)::int from inbound_messages where id > ${afterInboundId} and status = 'received') as received,
            (select count(*)::int from outbound_messages o join inbound_messages i on i.id = o.inbound_id
               where i.id > ${afterInboundId} and o.status = 'pending') as pending`,
    );
    if (r.inbound >= expected && r.received === 0 && r.pending === 0) return { waitedMs: performance.now() - start, stuck: [] };
    if (performance.now() - start > timeoutMs) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  // What is still pending, so the report can say why.
  const stuck = await execRows<Record<string, unknown>>(
    database.db,
    sql`select o.status, o.attempts, left(o.last_error, 60) as last_error,
               count(*)::int as n,
               round(extract(epoch from min(o.next_attempt_at) - now()))::int as next_attempt_in_s,
               round(extract(epoch from max(o.locked_until) - now()))::int as locked_for_s,
               bool_or(exists (select 1 from outbound_messages p where p.commune_id = o.commune_id and p.chat_id = o.chat_id
                                 and p.status = 'pending' and p.id < o.id)) as behind_older
        from outbound_messages o join inbound_messages i on i.id = o.inbound_id
        where i.id > ${afterInboundId} and o.status = 'pending'
        group by 1, 2, 3 order by n desc limit 10`,
  );
  return { waitedMs: performance.now() - start, stuck };
}

/**
 * Match every question to its replies through the database: the outbox row
 * records which inbound message it answers and, once sent, the message ids
 * the platform returned. A question is replied when all its outbox rows are
 * sent and each of their message ids was accepted by the fake; an accepted
 * message no row refers to is a duplicate (sent again after a lost response).
 */
export async function reconcilePipeline(
  database: Database,
  afterInboundId: number,
  load: LoadResult,
  arrivals: ArrivalRecord[],
  tokenOfCommune: Map<number, string>,
): Promise<RunStats> {
  const rows = await execRows<JoinedRow>(
    database.db,
    sql`select i.external_id, i.status, i.commune_id, i.chat_id, o.id as oid, o.status as ostatus, o.platform_message_ids,
               extract(epoch from i.received_at)::float8 * 1000 as received_ms,
               extract(epoch from i.processed_at)::float8 * 1000 as processed_ms
        from inbound_messages i left join outbound_messages o on o.inbound_id = i.id
        where i.id > ${afterInboundId} and i.channel = 'telegram'
        order by i.id, o.id`,
  );
  const byExternal = new Map<string, JoinedRow[]>();
  for (const r of rows) {
    const list = byExternal.get(r.external_id) ?? [];
    list.push(r);
    byExternal.set(r.external_id, list);
  }
  const { accepted, platform429 } = runArrivals(arrivals, load.updates);
  const referenced = new Set<string>();
  let handlerFailures = 0;
  const perUpdate = load.updates.map((u) => {
    const list = byExternal.get(String(u.updateId));
    const out: { u: SentUpdate; lastAt?: number; lostReason?: string; messages: number } = { u, messages: 0 };
    if (u.status !== 200) return { ...out, lostReason: 'webhook not acknowledged' };
    if (!list) return { ...out, lostReason: 'not recorded' };
    if (list[0].status === 'received') return { ...out, lostReason: 'not processed' };
    if (list[0].status === 'failed') handlerFailures++;
    let lastAt = 0;
    for (const r of list) {
      if (r.oid === null) return { ...out, lostReason: 'no reply written' };
      if (r.ostatus !== 'sent') return { ...out, lostReason: `reply ${r.ostatus}` };
      const token = tokenOfCommune.get(Number(r.commune_id))!;
      for (const mid of r.platform_message_ids ?? []) {
        const k = key(token, r.chat_id, mid);
        const a = accepted.get(k);
        if (!a) return { ...out, lostReason: 'marked sent, not at platform' };
        referenced.add(k);
        lastAt = Math.max(lastAt, a.at);
        out.messages++;
      }
    }
    return { ...out, lastAt };
  });
  let duplicates = 0;
  for (const k of accepted.keys()) if (!referenced.has(k)) duplicates++;
  const stats = summarize(load, perUpdate, { duplicates, platform429, handlerFailures });
  stats.stages = stageBreakdown(load, perUpdate, byExternal);
  return stats;
}

/** Stage times per answered question (database timestamps put on the load generator's clock). */
function stageBreakdown(
  load: LoadResult,
  perUpdate: { u: SentUpdate; lastAt?: number }[],
  byExternal: Map<string, JoinedRow[]>,
): RunStats['stages'] {
  const rows: { total: number; parts: number[] }[] = [];
  for (const { u, lastAt } of perUpdate) {
    const r = byExternal.get(String(u.updateId))?.[0];
    if (u.warmup || lastAt === undefined || !r || r.processed_ms === null) continue;
    const received = Number(r.received_ms) - load.timeOrigin;
    const processed = Number(r.processed_ms) - load.timeOrigin;
    rows.push({ total: lastAt - u.scheduledAt, parts: [received - u.scheduledAt, processed - received, lastAt - processed] });
  }
  if (!rows.length) return undefined;
  rows.sort((a, b) => a.total - b.total);
  const slow = rows.slice(Math.floor(rows.length * 0.99));
  const names = ['due → recording began', 'recording → processing began', 'processing → reply at platform'];
  const r1 = (n: number) => Math.round(n * 10) / 10;
  return names.map((name, i) => {
    const v = rows.map((r) => r.parts[i]).sort((a, b) => a - b);
    return {
      name,
      p50: r1(percentile(v, 50)),
      p99: r1(percentile(v, 99)),
      slowest1pct: r1(slow.reduce((a, r) => a + r.parts[i], 0) / slow.length),
    };
  });
}

/** The baseline replies to the resident's message: match by reply_parameters.message_id (= update_id). */
export function reconcileBaseline(load: LoadResult, arrivals: ArrivalRecord[]): RunStats {
  const { accepted, platform429 } = runArrivals(arrivals, load.updates);
  const byQuestion = new Map<number, ArrivalRecord[]>();
  for (const a of accepted.values()) {
    const q = Number(a.replyTo);
    const list = byQuestion.get(q) ?? [];
    list.push(a);
    byQuestion.set(q, list);
  }
  let duplicates = 0;
  const perUpdate = load.updates.map((u) => {
    const list = byQuestion.get(u.updateId);
    if (u.status !== 200) return { u, messages: 0, lostReason: 'webhook not acknowledged' };
    if (!list) return { u, messages: 0, lostReason: 'no reply at platform' };
    duplicates += list.length - 1;
    return { u, messages: 1, lastAt: list[0].at };
  });
  return summarize(load, perUpdate, { duplicates, platform429, handlerFailures: 0 });
}
