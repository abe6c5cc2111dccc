import { sql } from 'drizzle-orm';
import { bigserial, index, integer, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { communes } from './core.js';

/**
 * A staff member's account. `communeId` null is a province administrator
 * (sees every commune of the installation); everyone else belongs to one
 * commune and never sees another's data. Roles: admin, officer, registrar,
 * leader (see core/staff.ts for what each may do).
 */
export const staffAccounts = pgTable(
  'staff_accounts',
  {
    id: serial('id').primaryKey(),
    communeId: integer('commune_id').references(() => communes.id),
    /** Lower-case login name, unique in the installation. */
    username: text('username').notNull(),
    displayName: text('display_name').notNull(),
    role: text('role').notNull(),
    /** `scrypt$N$r$p$salt$hash` (base64url); never logged, never sent. */
    passwordHash: text('password_hash').notNull(),
    /**
     * The TOTP secret once the second factor is enabled, encrypted with a key
     * derived from the installation's data secret (staff/totp.ts), never plain.
     */
    totpSecret: text('totp_secret'),
    /** The last 30-second step whose code was accepted: a code is never accepted twice (RFC 6238 §5.2). */
    totpLastStep: integer('totp_last_step'),
    failedLogins: integer('failed_logins').notNull().default(0),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    passwordChangedAt: timestamp('password_changed_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('staff_accounts_username').on(t.username)],
);

/** A signed-in console session; the cookie carries a random token, the table only its SHA-256. */
export const staffSessions = pgTable(
  'staff_sessions',
  {
    id: text('id').primaryKey(),
    staffId: integer('staff_id')
      .notNull()
      .references(() => staffAccounts.id, { onDelete: 'cascade' }),
    /** Synchronizer token every state-changing request must echo. */
    csrfToken: text('csrf_token').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('staff_sessions_staff').on(t.staffId)],
);

/**
 * A per-commune integration key (the one-stop system's automation): created
 * and revoked by the commune's admin, stored as a SHA-256, shown once.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    name: text('name').notNull(),
    /** The first characters of the key, shown in the list so staff can tell keys apart. */
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    createdBy: integer('created_by').references(() => staffAccounts.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('api_keys_hash').on(t.keyHash),
    index('api_keys_commune')
      .on(t.communeId)
      .where(sql`revoked_at is null`),
  ],
);
