import type { Db } from './client.js';
import { auditLog } from './schema/index.js';

/** One entry of the audit trail staff read. */
export interface AuditEntry {
  /** Null for installation-wide events (a failed sign-in names no commune). */
  communeId: number | null;
  /** `resident:<channel>:<userId>`, `staff:<id>`, `integration`, `admin`, `system`. */
  actor: string;
  /** Namespaced, past tense: `inquiry.created`, `delivery.undeliverable`. */
  action: string;
  subject: string;
  details?: Record<string, unknown>;
}

/** The one audit writer: in the caller's transaction, so the entry commits with what it records. */
export async function writeAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({ ...entry, details: entry.details ?? {} });
}
