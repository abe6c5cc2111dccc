import { createHmac, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { ValidationError } from '../../core/errors.js';
import type { CommuneInfo } from '../../core/router.js';
import type { Db } from '../../db/client.js';
import { communes } from '../../db/schema/index.js';
import { loadCommuneInfo } from '../../db/communes.js';
import { enqueueMessages } from '../../pipeline/outbox/index.js';
import { normalizeDossierCode } from './code-parser.js';
import { isFinal, presentStatusNotification, statusName } from './presenter.js';
import * as repo from './repo.js';
import type { DossierRow } from './repo.js';
import { weekdayCalendar, type WorkingCalendar } from './working-days.js';

/**
 * Looks up a procedure's name in the catalog (owned by the procedures
 * feature). It receives the caller's database handle: inside a handler or a
 * service transaction that is the transaction, and the lookup must use it.
 */
export type ProcedureNameLookup = (
  procedureCode: string,
  opts: { db: Db; communeId: number },
) => Promise<string | undefined> | string | undefined;

export interface DossierServiceDeps {
  /**
   * Secret for the phone HMAC. Only HMAC(key, commune, code, last 4 digits)
   * is stored. With the key secret, a database leak does not reveal the
   * digits; if the key leaks too, 10,000 candidates per dossier are trivially
   * tried, so the key must live outside the database (environment/secret store).
   */
  phoneKey: string | Buffer;
  procedureName?: ProcedureNameLookup;
  calendar?: WorkingCalendar;
  now?: () => Date;
}

export const CHANNELS = ['truc_tiep', 'truc_tuyen', 'buu_chinh'] as const;
export const RESULT_DELIVERY = ['tai_quay', 'buu_chinh', 'truc_tuyen'] as const;

/**
 * Allowed status changes (domain notes §8: 1 → 2 → 4 → (5 ↔ 4) → 9 → 10;
 * refusal ends at 3, withdrawal at 7; 8 stops and may resume).
 */
export const TRANSITIONS: Record<number, readonly number[]> = {
  1: [2, 3, 5, 7],
  2: [4, 5, 6, 7, 8, 9],
  3: [],
  4: [5, 6, 7, 8, 9],
  5: [2, 3, 4, 7, 8],
  6: [4, 7, 8, 9],
  7: [],
  8: [4, 7],
  9: [10],
  10: [],
};

export function canTransition(from: number, to: number): boolean {
  return TRANSITIONS[from]?.includes(to) ?? false;
}

// ---------------------------------------------------------------- phone

/** Domestic digits of a Vietnamese phone number ("+84 912 345 678" → "0912345678"), or undefined. */
export function normalizeApplicantPhone(input: string): string | undefined {
  let digits = input.replace(/\D/g, '');
  if (digits.startsWith('0084')) digits = `0${digits.slice(4)}`;
  else if (digits.startsWith('84') && (digits.length === 11 || digits.length === 12)) digits = `0${digits.slice(2)}`;
  else if (!digits.startsWith('0') && digits.length === 9) digits = `0${digits}`;
  if (!/^0\d{8,10}$/.test(digits)) return undefined;
  return digits;
}

/** The stored form of the last four digits. Bound to the commune and code so equal digits never look alike. */
export function phoneDigitsHmac(key: string | Buffer, communeId: number, code: string, last4: string): string {
  return createHmac('sha256', key).update(`dossier-phone-v1\n${communeId}\n${code}\n${last4}`).digest('hex');
}

/** "0912345678" → "091x xxx xxx": the carrier prefix only, none of the verification digits. */
export function phoneHint(phone: string): string {
  const rest = phone.length - 3;
  const masked = 'x'.repeat(rest);
  return `${phone.slice(0, 3)}${masked.slice(0, 1)} ${masked.slice(1, 4)} ${masked.slice(4)}`.trim();
}

// ---------------------------------------------------------------- input schemas

const instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with offset, e.g. 2026-07-15T08:30:00+07:00' });
const optionalInstant = instant.nullable().optional();

export const dossierPutSchema = z.object({
  procedureCode: z
    .string()
    .trim()
    .regex(/^[0-9A-Za-z][0-9A-Za-z.\-]{1,39}$/, 'must be a procedure code such as 1.001193'),
  procedureName: z.string().trim().min(1).max(300).nullable().optional(),
  status: z.number({ error: 'must be a status number 1–10' }).int().min(1).max(10),
  channel: z.enum(CHANNELS, { error: 'must be truc_tiep, truc_tuyen or buu_chinh' }),
  receivedAt: instant,
  dueAt: optionalInstant,
  finishedAt: optionalInstant,
  returnedAt: optionalInstant,
  statusAt: optionalInstant,
  applicantName: z.string().trim().min(1).max(200),
  applicantPhone: z.string().trim().min(1).max(32),
  reason: z.string().trim().max(2000).nullable().optional(),
  feeAmount: z.number().int().min(0).max(1e12).nullable().optional(),
  resultDelivery: z.enum(RESULT_DELIVERY).optional(),
});
export type DossierPutInput = z.infer<typeof dossierPutSchema>;

const dossierPatchSchema = dossierPutSchema.partial();
const REQUIRED_ON_CREATE = ['procedureCode', 'status', 'channel', 'receivedAt', 'applicantName', 'applicantPhone'] as const;

export const dossierEventSchema = z.object({
  status: z.number({ error: 'must be a status number 1–10' }).int().min(1).max(10),
  at: instant,
  note: z.string().trim().max(2000).nullable().optional(),
  /** A new promised date (Phiếu xin lỗi và hẹn lại ngày trả kết quả). */
  dueAt: optionalInstant,
  feeAmount: z.number().int().min(0).max(1e12).nullable().optional(),
  resultDelivery: z.enum(RESULT_DELIVERY).optional(),
});
export type DossierEventInput = z.infer<typeof dossierEventSchema>;

function fieldErrorsOf(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join('.') : '_';
    if (!out[key]) out[key] = issue.message;
  }
  return out;
}

function requireCode(raw: string): string {
  const code = normalizeDossierCode(raw ?? '');
  if (!code) {
    throw new ValidationError('invalid dossier code', {
      code: 'must look like 000.33.12.H56-260715-0007 ({agency id}-{yyMMdd}-{NNNN})',
    });
  }
  return code;
}

const d = (s: string | null | undefined): Date | null | undefined => (s === undefined ? undefined : s === null ? null : new Date(s));

// ---------------------------------------------------------------- ingestion

export interface IngestResult {
  code: string;
  created: boolean;
  /** False when the request repeated what is already recorded. */
  changed: boolean;
  status: number;
  /** Notifications queued for followers; pass to the delivery worker after commit. */
  outboxIds: number[];
}

export interface IngestInput {
  communeId: number;
  code: string;
  body: unknown;
  /** api | import */
  source: string;
  /** Audit actor, e.g. `integration`. */
  actor: string;
}

/**
 * Create or update a dossier from the one-stop system (PUT semantics with
 * partial updates allowed). A status change is validated, recorded in the
 * history and notified to followers in the same transaction. Repeating a
 * request changes nothing; a rejected request changes nothing either.
 */
export async function upsertDossier(db: Db, input: IngestInput, deps: DossierServiceDeps): Promise<IngestResult> {
  const code = requireCode(input.code);
  const parsed = dossierPatchSchema.safeParse(input.body ?? {});
  if (!parsed.success) throw new ValidationError('invalid dossier', fieldErrorsOf(parsed.error));
  const body = parsed.data;
  const now = (deps.now ?? (() => new Date()))();

  const fieldErrors: Record<string, string> = {};
  let phone: string | undefined;
  if (body.applicantPhone !== undefined) {
    phone = normalizeApplicantPhone(body.applicantPhone);
    if (!phone) fieldErrors.applicantPhone = 'must be a Vietnamese phone number, e.g. 0912345678';
  }
  const receivedAt = d(body.receivedAt);
  const dueAt = d(body.dueAt);
  if (receivedAt && dueAt && dueAt < receivedAt) fieldErrors.dueAt = 'must not be before receivedAt';
  if (receivedAt && receivedAt.getTime() > now.getTime() + 10 * 60_000) fieldErrors.receivedAt = 'must not be in the future';
  if (Object.keys(fieldErrors).length) throw new ValidationError('invalid dossier', fieldErrors);

  return db.transaction(async (txRaw) => {
    const tx = txRaw as unknown as Db;
    let existing = await repo.lockDossierByCode(tx, input.communeId, code);
    if (!existing) {
      const missing = REQUIRED_ON_CREATE.filter((k) => body[k] === undefined);
      if (missing.length) {
        throw new ValidationError(
          'missing fields for a new dossier',
          Object.fromEntries(missing.map((k) => [k, 'required when the dossier is created'])),
        );
      }
      const status = body.status!;
      const statusAt =
        d(body.statusAt) ??
        (status === 10 ? d(body.returnedAt) : status === 9 ? d(body.finishedAt) : null) ??
        // Unknown start of the current status: the receipt time is the safe lower bound for later events.
        receivedAt!;
      const finishedAt = d(body.finishedAt) ?? (status >= 9 ? statusAt : null);
      const returnedAt = d(body.returnedAt) ?? (status === 10 ? statusAt : null);
      const last4 = phone!.slice(-4);
      const row = await repo.insertDossier(tx, {
        communeId: input.communeId,
        code,
        procedureCode: body.procedureCode!,
        procedureName: body.procedureName ?? null,
        channel: body.channel!,
        status,
        statusAt,
        receivedAt: receivedAt!,
        dueAt: dueAt ?? null,
        finishedAt,
        returnedAt,
        applicantName: body.applicantName!,
        phoneLast4Hmac: phoneDigitsHmac(deps.phoneKey, input.communeId, code, last4),
        phoneHint: phoneHint(phone!),
        reason: body.reason ?? null,
        feeAmount: body.feeAmount ?? null,
        resultDelivery: body.resultDelivery ?? (body.channel === 'buu_chinh' ? 'buu_chinh' : 'tai_quay'),
      });
      if (row) {
        await repo.insertEvent(tx, {
          communeId: input.communeId,
          dossierId: row.id,
          status,
          at: statusAt,
          note: body.reason ?? null,
          source: input.source,
        });
        await repo.writeAudit(tx, {
          communeId: input.communeId,
          actor: input.actor,
          action: 'dossier.created',
          subject: code,
          details: { status, source: input.source },
        });
        return { code, created: true, changed: true, status, outboxIds: [] };
      }
      // A concurrent request created it first: continue as an update.
      existing = await repo.lockDossierByCode(tx, input.communeId, code);
      if (!existing) throw new Error('dossier vanished during upsert');
    }

    const patch: Partial<repo.NewDossierRow> = {};
    let statusChange: { status: number; at: Date; note: string | null } | undefined;
    if (body.status !== undefined && body.status !== existing.status) {
      const at = d(body.statusAt) ?? (body.status === 10 ? d(body.returnedAt) : body.status === 9 ? d(body.finishedAt) : null) ?? now;
      checkTransition(existing, body.status, at, now);
      statusChange = { status: body.status, at, note: body.reason ?? null };
      Object.assign(patch, statusEffects(existing, body.status, at, body.reason ?? null));
    }
    const setIfChanged = <K extends keyof repo.NewDossierRow>(key: K, value: repo.NewDossierRow[K] | undefined) => {
      if (value === undefined) return;
      const current = existing![key as keyof DossierRow] as unknown;
      const same =
        current instanceof Date && value instanceof Date ? current.getTime() === value.getTime() : current === value;
      if (!same) patch[key] = value;
    };
    setIfChanged('procedureCode', body.procedureCode);
    setIfChanged('procedureName', body.procedureName);
    setIfChanged('channel', body.channel);
    setIfChanged('receivedAt', receivedAt ?? undefined);
    setIfChanged('dueAt', dueAt);
    setIfChanged('applicantName', body.applicantName);
    setIfChanged('reason', body.reason);
    setIfChanged('feeAmount', body.feeAmount);
    setIfChanged('resultDelivery', body.resultDelivery);
    if (phone) setIfChanged('phoneLast4Hmac', phoneDigitsHmac(deps.phoneKey, input.communeId, code, phone.slice(-4)));
    if (phone) setIfChanged('phoneHint', phoneHint(phone));

    if (body.status === undefined || body.status === existing.status) {
      setIfChanged('finishedAt', d(body.finishedAt));
      setIfChanged('returnedAt', d(body.returnedAt));
    }
    if (Object.keys(patch).length === 0) {
      return { code, created: false, changed: false, status: existing.status, outboxIds: [] };
    }
    const updated = await repo.updateDossier(tx, existing.id, patch);
    let outboxIds: number[] = [];
    if (statusChange) {
      await repo.insertEvent(tx, {
        communeId: input.communeId,
        dossierId: existing.id,
        status: statusChange.status,
        at: statusChange.at,
        note: statusChange.note,
        source: input.source,
      });
      outboxIds = await notifyFollowers(tx, updated, deps);
    }
    await repo.writeAudit(tx, {
      communeId: input.communeId,
      actor: input.actor,
      action: 'dossier.updated',
      subject: code,
      details: { fields: Object.keys(patch).filter((k) => !/phone|applicant/i.test(k)), status: updated.status, source: input.source },
    });
    return { code, created: false, changed: true, status: updated.status, outboxIds };
  });
}

export interface EventResult extends IngestResult {
  duplicate: boolean;
}

/**
 * Record a status change from the one-stop system. The same event twice
 * (same status and time) is recognised and changes nothing, notifies nobody.
 */
export async function recordDossierEvent(
  db: Db,
  input: IngestInput,
  deps: DossierServiceDeps,
): Promise<EventResult> {
  const code = requireCode(input.code);
  const parsed = dossierEventSchema.safeParse(input.body ?? {});
  if (!parsed.success) throw new ValidationError('invalid event', fieldErrorsOf(parsed.error));
  const ev = parsed.data;
  const at = new Date(ev.at);
  const now = (deps.now ?? (() => new Date()))();

  return db.transaction(async (txRaw) => {
    const tx = txRaw as unknown as Db;
    const existing = await repo.lockDossierByCode(tx, input.communeId, code);
    if (!existing) throw new ValidationError('dossier not found', { code: 'no dossier with this code; PUT it first' }, 404);
    const same = { code, created: false, changed: false, status: existing.status, outboxIds: [] };
    if (await repo.eventExists(tx, existing.id, ev.status, at)) return { ...same, duplicate: true };
    if (ev.status === existing.status) {
      // Already in this status: nothing to record, nobody to notify.
      return { ...same, duplicate: false };
    }
    checkTransition(existing, ev.status, at, now);
    const patch: Partial<repo.NewDossierRow> = statusEffects(existing, ev.status, at, ev.note ?? null);
    if (ev.dueAt !== undefined) patch.dueAt = d(ev.dueAt);
    if (ev.feeAmount !== undefined) patch.feeAmount = ev.feeAmount;
    if (ev.resultDelivery !== undefined) patch.resultDelivery = ev.resultDelivery;
    const inserted = await repo.insertEvent(tx, {
      communeId: input.communeId,
      dossierId: existing.id,
      status: ev.status,
      at,
      note: ev.note ?? null,
      source: input.source,
    });
    if (!inserted) return { ...same, duplicate: true };
    const updated = await repo.updateDossier(tx, existing.id, patch);
    const outboxIds = await notifyFollowers(tx, updated, deps);
    await repo.writeAudit(tx, {
      communeId: input.communeId,
      actor: input.actor,
      action: 'dossier.status_changed',
      subject: code,
      details: { from: existing.status, to: ev.status, source: input.source, notified: outboxIds.length },
    });
    return { code, created: false, changed: true, status: ev.status, outboxIds, duplicate: false };
  });
}

function checkTransition(existing: DossierRow, to: number, at: Date, now: Date): void {
  if (!canTransition(existing.status, to)) {
    const allowed = TRANSITIONS[existing.status] ?? [];
    throw new ValidationError('status transition not allowed', {
      status:
        `cannot change from ${existing.status} (${statusName(existing.status)}) to ${to} (${statusName(to)})` +
        (allowed.length ? `; allowed: ${allowed.join(', ')}` : '; the dossier is closed'),
    });
  }
  if (at.getTime() < existing.statusAt.getTime()) {
    throw new ValidationError('event older than the current status', {
      at: `must not be before the current status time ${existing.statusAt.toISOString()}`,
    });
  }
  if (at.getTime() > now.getTime() + 10 * 60_000) {
    throw new ValidationError('event in the future', { at: 'must not be in the future' });
  }
}

function statusEffects(existing: DossierRow, status: number, at: Date, note: string | null): Partial<repo.NewDossierRow> {
  const patch: Partial<repo.NewDossierRow> = { status, statusAt: at, reason: note };
  if (status === 9) patch.finishedAt = existing.finishedAt ?? at;
  if (status === 10) {
    patch.finishedAt = existing.finishedAt ?? at;
    patch.returnedAt = at;
  }
  if (existing.status === 6 && status !== 6) patch.feeAmount = null;
  return patch;
}

/** Queue the new status for every follower (same transaction), audit each disclosure; stop following final dossiers. */
async function notifyFollowers(tx: Db, dossier: DossierRow, deps: DossierServiceDeps): Promise<number[]> {
  const followers = await repo.listFollowers(tx, dossier.id);
  if (followers.length === 0) return [];
  const commune = await loadCommuneInfo(tx, dossier.communeId);
  const procedureName = dossier.procedureName
    ? undefined
    : await deps.procedureName?.(dossier.procedureCode, { db: tx, communeId: dossier.communeId });
  const reply = presentStatusNotification(dossier, {
    commune,
    procedureName,
    now: (deps.now ?? (() => new Date()))(),
    following: true,
    calendar: deps.calendar ?? weekdayCalendar,
  });
  const ids: number[] = [];
  for (const f of followers) {
    const to = { communeId: f.communeId, channel: f.channel as never, chatId: f.chatId, userId: f.userId };
    ids.push(...(await enqueueMessages(tx, to, [reply], f.conversationId ?? undefined)));
    await repo.writeAudit(tx, {
      communeId: dossier.communeId,
      actor: `resident:${f.channel}:${f.userId}`,
      action: 'dossier.disclosed',
      subject: dossier.code,
      details: { via: 'notification', status: dossier.status },
    });
  }
  if (isFinal(dossier.status)) await repo.deleteFollowersOf(tx, dossier.id);
  return ids;
}


// ---------------------------------------------------------------- verification

export const VERIFY_LIMITS = {
  perResident: { max: 5, windowMs: 60 * 60_000 },
  perCode: { max: 5, windowMs: 24 * 60 * 60_000 },
  /** A verified chat may see the dossier again without the digits for this long. */
  accessMs: 30 * 60_000,
} as const;

export type LockState = { locked: false; remaining: number } | { locked: true; until: Date };

/** Is this resident or this code (existing or not) locked out right now? */
export async function verificationLock(
  db: Db,
  q: { communeId: number; channel: string; userId: string; code?: string; now: Date },
): Promise<LockState> {
  const r = await repo.residentFailures(db, {
    communeId: q.communeId,
    channel: q.channel,
    userId: q.userId,
    since: new Date(q.now.getTime() - VERIFY_LIMITS.perResident.windowMs),
  });
  const untils: Date[] = [];
  if (r.count >= VERIFY_LIMITS.perResident.max && r.oldest) {
    untils.push(new Date(r.oldest.getTime() + VERIFY_LIMITS.perResident.windowMs));
  }
  let remaining = VERIFY_LIMITS.perResident.max - r.count;
  if (q.code) {
    const c = await repo.codeFailures(db, {
      communeId: q.communeId,
      code: q.code,
      since: new Date(q.now.getTime() - VERIFY_LIMITS.perCode.windowMs),
    });
    if (c.count >= VERIFY_LIMITS.perCode.max && c.oldest) {
      untils.push(new Date(c.oldest.getTime() + VERIFY_LIMITS.perCode.windowMs));
    }
    remaining = Math.min(remaining, VERIFY_LIMITS.perCode.max - c.count);
  }
  if (untils.length) return { locked: true, until: new Date(Math.max(...untils.map((u) => u.getTime()))) };
  return { locked: false, remaining };
}

export type VerifyResult =
  | { ok: true; dossier: DossierRow }
  /** `failed`: this attempt was wrong and used the last try; otherwise the lock was already on. */
  | { ok: false; locked: true; until: Date; failed: boolean }
  | { ok: false; locked: false; remaining: number };

const DUMMY_HMAC = '0'.repeat(64);

/**
 * Check the last four phone digits for a code. "No such code" and "wrong
 * digits" are the same outcome, counted the same way (per resident per hour,
 * per code per day), so replies cannot be used to discover which codes exist.
 */
export async function verifyDossierAccess(
  db: Db,
  q: { communeId: number; channel: string; userId: string; code: string; digits: string; now: Date },
  deps: Pick<DossierServiceDeps, 'phoneKey'>,
): Promise<VerifyResult> {
  await repo.lockCodeForVerification(db, q.communeId, q.code);
  const lock = await verificationLock(db, q);
  if (lock.locked) return { ok: false, locked: true, until: lock.until, failed: false };
  const dossier = await repo.findDossierByCode(db, q.communeId, q.code);
  const given = Buffer.from(phoneDigitsHmac(deps.phoneKey, q.communeId, q.code, q.digits), 'hex');
  const expected = Buffer.from(dossier?.phoneLast4Hmac ?? DUMMY_HMAC, 'hex');
  const match = Boolean(dossier) && expected.length === given.length && timingSafeEqual(expected, given);
  await repo.insertAttempt(db, {
    communeId: q.communeId,
    code: q.code,
    channel: q.channel,
    userId: q.userId,
    success: match,
    at: q.now,
  });
  if (match && dossier) return { ok: true, dossier };
  const after = await verificationLock(db, q);
  if (after.locked) return { ok: false, locked: true, until: after.until, failed: true };
  return { ok: false, locked: false, remaining: after.remaining };
}
