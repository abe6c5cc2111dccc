import { z } from 'zod';
import { ValidationError } from '../../core/errors.js';
import { normalizeDossierCode } from './code-parser.js';

// The one-stop system's dossier data as the API accepts it, and the status rules it must follow.

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

const instant = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 date-time with offset, e.g. 2026-07-15T08:30:00+07:00',
});
const optionalInstant = instant.nullable().optional();

export const dossierPutSchema = z.object({
  procedureCode: z
    .string()
    .trim()
    .regex(/^[0-9A-Za-z][0-9A-Za-z.-]{1,39}$/, 'must be a procedure code such as 1.001193'),
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

export const dossierPatchSchema = dossierPutSchema.partial();
export const REQUIRED_ON_CREATE = [
  'procedureCode',
  'status',
  'channel',
  'receivedAt',
  'applicantName',
  'applicantPhone',
] as const;

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

export function requireCode(raw: string): string {
  const code = normalizeDossierCode(raw ?? '');
  if (!code) {
    throw new ValidationError('invalid dossier code', {
      code: 'must look like 000.33.12.H56-260715-0007 ({agency id}-{yyMMdd}-{NNNN})',
    });
  }
  return code;
}
