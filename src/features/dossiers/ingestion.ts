import { ValidationError } from '../../core/errors.js';
import type { Db } from '../../db/client.js';
import { loadCommuneInfo } from '../../db/communes.js';
import { normalizeDomesticPhone } from '../../core/phone.js';
import { fieldErrorsOf } from '../../core/http-errors.js';
import { enqueueMessages } from '../../pipeline/outbox/index.js';
import { loadCommuneCalendar } from '../calendar/index.js';
import { getProcedure } from '../procedures/index.js';
import {
  canTransition,
  dossierEventSchema,
  dossierPatchSchema,
  REQUIRED_ON_CREATE,
  requireCode,
  TRANSITIONS,
} from './dossier-input.js';
import { phoneDigitsHmac, phoneHint } from './phone.js';
import { NoWorkingDayError, promisedDueAt, statedWorkingDays } from './working-days.js';
import { isFinal, presentStatusNotification, statusName } from './presenter.js';
import * as repo from './repo.js';
import type { DossierRow } from './repo.js';
import type { DossierServiceDeps } from './service.js';

// Dossiers from the one-stop system: created or updated, status events, and the followers told of each change.

const d = (s: string | null | undefined): Date | null | undefined =>
  s === undefined ? undefined : s === null ? null : new Date(s);

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
    phone = normalizeDomesticPhone(body.applicantPhone);
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
      // No promised date sent (and not an explicit null): the procedure's stated working days, the cut-off applied.
      const computedDueAt =
        body.dueAt === undefined
          ? await computeDueAt(tx, input.communeId, body.procedureCode!, body.channel!, receivedAt!)
          : null;
      const row = await repo.insertDossier(tx, {
        communeId: input.communeId,
        code,
        procedureCode: body.procedureCode!,
        procedureName: body.procedureName ?? null,
        channel: body.channel!,
        status,
        statusAt,
        receivedAt: receivedAt!,
        dueAt: dueAt ?? computedDueAt,
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
          details: { status, source: input.source, ...(computedDueAt ? { dueAt: 'computed' } : {}) },
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
      const at =
        d(body.statusAt) ?? (body.status === 10 ? d(body.returnedAt) : body.status === 9 ? d(body.finishedAt) : null) ?? now;
      checkTransition(existing, body.status, at, now);
      statusChange = { status: body.status, at, note: body.reason ?? null };
      Object.assign(patch, statusEffects(existing, body.status, at, body.reason ?? null));
    }
    const setIfChanged = <K extends keyof repo.NewDossierRow>(key: K, value: repo.NewDossierRow[K] | undefined) => {
      if (value === undefined) return;
      const current = existing![key as keyof DossierRow] as unknown;
      const same = current instanceof Date && value instanceof Date ? current.getTime() === value.getTime() : current === value;
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
      details: {
        fields: Object.keys(patch).filter((k) => !/phone|applicant/i.test(k)),
        status: updated.status,
        source: input.source,
      },
    });
    return { code, created: false, changed: true, status: updated.status, outboxIds };
  });
}

/**
 * The promised instant of a new dossier the one-stop system sent without one:
 * received time, the 15:00 cut-off and the working days the procedure states
 * for the dossier's channel, in the commune's calendar as it stands at
 * creation (stored, so a later calendar edit does not move it; the one-stop
 * system's own date replaces it when it sends one). Null when the procedure
 * is unknown or states no clear working days.
 */
async function computeDueAt(db: Db, communeId: number, procedureCode: string, channel: string, receivedAt: Date) {
  const procedure = await getProcedure(db, communeId, procedureCode);
  const days = procedure ? statedWorkingDays(procedure.channels, channel) : undefined;
  if (days === undefined) return null;
  try {
    return promisedDueAt(receivedAt, days, await loadCommuneCalendar(db, communeId));
  } catch (error) {
    if (error instanceof NoWorkingDayError) return null; // the commune's calendar has no working days: no date
    throw error;
  }
}

export interface EventResult extends IngestResult {
  duplicate: boolean;
}

/**
 * Record a status change from the one-stop system. The same event twice
 * (same status and time) is recognised and changes nothing, notifies nobody.
 */
export async function recordDossierEvent(db: Db, input: IngestInput, deps: DossierServiceDeps): Promise<EventResult> {
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
    calendar: deps.calendar ?? (await loadCommuneCalendar(tx, dossier.communeId)),
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
