import { index, integer, jsonb, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { communes } from './core.js';

/**
 * The national procedure catalog (thủ tục hành chính), one row per national
 * code. `data` holds the normalized Procedure; `content_hash` lets a re-import
 * tell changed records from unchanged ones. Commune edits never live here.
 */
export const procedures = pgTable(
  'procedures',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    field: text('field').notNull().default(''),
    levels: text('levels').array().notNull().default([]),
    /** Ministry folder of the source record (bo-tu-phap…). */
    source: text('source').notNull().default(''),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    contentHash: text('content_hash').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('procedures_field').on(t.field)],
);

/**
 * A commune's local facts about one procedure (national or local): the fee
 * its province set, where to go, hours, phone, a note, the online link.
 * Null means "use the catalog's value". Kept apart from `procedures` so a
 * re-import of the national catalog never touches it.
 */
export const procedureOverrides = pgTable(
  'procedure_overrides',
  {
    id: serial('id').primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    code: text('code').notNull(),
    fee: text('fee'),
    receptionAddress: text('reception_address'),
    hours: text('hours'),
    phone: text('phone'),
    note: text('note'),
    onlineUrl: text('online_url'),
    updatedBy: text('updated_by'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('procedure_overrides_commune_code').on(t.communeId, t.code)],
);

/**
 * Procedures a commune handles that the national catalog lacks (e.g. social
 * protection). Code is `local.<slug>`; `data` is a full Procedure.
 */
export const localProcedures = pgTable(
  'local_procedures',
  {
    id: serial('id').primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    code: text('code').notNull(),
    name: text('name').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('local_procedures_commune_code').on(t.communeId, t.code)],
);

/**
 * A commune's own word for a procedure ("sổ đỏ", "giấy độc thân"), added by
 * staff: the search reads a question containing it as naming the procedure.
 */
export const procedureAliases = pgTable(
  'procedure_aliases',
  {
    id: serial('id').primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    code: text('code').notNull(),
    alias: text('alias').notNull(),
    /** Lower-case, without diacritics, single-spaced: what the search matches. */
    folded: text('folded').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('procedure_aliases_folded').on(t.communeId, t.folded)],
);
