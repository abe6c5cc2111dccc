import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { civilRecords } from '../../db/schema/index.js';
import { foldName } from './records.js';
import type { RecordRow, RequestRow } from './service.js';

// Which of the commune's registrations a request may be about, best first (staff decide).

/** A record candidate for a request, with what matches what the resident gave. */
export interface Candidate {
  record: RecordRow;
  nameMatches: boolean;
  dateMatches: boolean;
  numberMatches: boolean;
  /** The requester's CCCD equals the personal identification number of a person on the record. */
  idMatches: boolean;
}

/** Registrations of the request's kind that share its name or register number; best matches first. Staff only. */
export async function findCandidates(db: Db, req: RequestRow): Promise<Candidate[]> {
  const name = foldName(req.subjectName);
  const rows = await db
    .select()
    .from(civilRecords)
    .where(
      and(
        eq(civilRecords.communeId, req.communeId),
        eq(civilRecords.kind, req.kind),
        req.registerNumber
          ? sql`(${name} = any(${civilRecords.foldedNames}) or ${civilRecords.number} = ${req.registerNumber})`
          : sql`${name} = any(${civilRecords.foldedNames})`,
      ),
    )
    .limit(20);
  return rows
    .map((record) => ({
      record,
      nameMatches: record.foldedNames.includes(name),
      dateMatches: record.eventDate === req.subjectDate || record.persons.some((p) => p.birthDate === req.subjectDate),
      numberMatches: Boolean(req.registerNumber) && record.number === req.registerNumber,
      idMatches: Boolean(req.requesterIdNumber) && record.persons.some((p) => p.idNumber === req.requesterIdNumber),
    }))
    .sort((a, b) => score(b) - score(a));
}

function score(c: Candidate): number {
  return (c.nameMatches ? 4 : 0) + (c.dateMatches ? 4 : 0) + (c.numberMatches ? 2 : 0) + (c.idMatches ? 1 : 0);
}
