import type { Request, Response, Router as HttpRouter } from 'express';
import type { SafeHtml } from './html.js';

/**
 * Staff roles. A commune's staff are few: the admin manages accounts and
 * settings, officers work the one-stop counter, the registrar (tư pháp – hộ
 * tịch) does what officers do plus civil-status work, and the leader reads
 * (statistics, queues) and approves notices where the commune requires it.
 */
export const STAFF_ROLES = ['admin', 'officer', 'registrar', 'leader'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Vietnamese names of the roles, as the console shows them. */
export const ROLE_LABELS: Record<StaffRole, string> = {
  admin: 'Quản trị',
  officer: 'Cán bộ một cửa',
  registrar: 'Tư pháp – hộ tịch',
  leader: 'Lãnh đạo (xem, duyệt thông báo)',
};

/** What a request may do. Routes ask for a permission, never for a role. */
export type Permission =
  | 'inbox'
  | 'dossiers'
  /** The one-stop system writes dossiers and their events. */
  | 'dossier-sync'
  | 'procedures'
  | 'deliveries'
  | 'stats'
  /** Reading civil-record copy requests and their copies. */
  | 'civil-records'
  /** Approving or rejecting them, recording payment, revoking a copy. */
  | 'civil-records-decide'
  /** Composing, sending and cancelling notices to residents; managing hamlets and topics. */
  | 'notices'
  /** Reading notices and their delivery reports. */
  | 'notices-read'
  /** Approving or rejecting notices where the commune requires approval before sending. */
  | 'notices-approve'
  /** Handling residents' reports (phản ánh): status, assignment, merging duplicates. */
  | 'reports'
  /** Reading residents' reports. */
  | 'reports-read'
  | 'staff'
  | 'settings'
  | 'audit';

const OFFICER: Permission[] = [
  'inbox',
  'dossiers',
  'procedures',
  'deliveries',
  'stats',
  'notices',
  'notices-read',
  'reports',
  'reports-read',
];
// Dossier writes come from the one-stop system (integration keys), not from a person.
const GRANTS: Record<StaffRole, ReadonlySet<Permission>> = {
  admin: new Set<Permission>([
    ...OFFICER,
    'notices-approve',
    'civil-records',
    'civil-records-decide',
    'staff',
    'settings',
    'audit',
  ]),
  officer: new Set(OFFICER),
  registrar: new Set<Permission>([...OFFICER, 'civil-records', 'civil-records-decide']),
  // Leaders read the civil-record queue, the notices and residents' reports (oversight); others act on them,
  // except approving notices where the commune requires it.
  leader: new Set<Permission>(['stats', 'civil-records', 'notices-read', 'notices-approve', 'reports-read']),
};

export function roleAllows(role: StaffRole, permission: Permission): boolean {
  return GRANTS[role]?.has(permission) ?? false;
}

/**
 * Who is making a staff request: a signed-in staff member, a commune's
 * integration key, or the installation's bootstrap key (ADMIN_API_KEY).
 * `communeId` null means every commune (province administrator, bootstrap
 * key); the `?commune=` slug then picks one.
 */
export type StaffPrincipal =
  | { kind: 'staff'; staffId: number; username: string; displayName: string; role: StaffRole; communeId: number | null }
  | { kind: 'api-key'; keyId: number; communeId: number }
  | { kind: 'integration'; communeId: null }
  | { kind: 'bootstrap'; communeId: null };

/** The audit actor of a principal: `staff:<id>`, `api-key:<id>`, `admin`. */
export function actorOf(p: StaffPrincipal): string {
  if (p.kind === 'staff') return `staff:${p.staffId}`;
  if (p.kind === 'api-key') return `api-key:${p.keyId}`;
  return p.kind === 'integration' ? 'integration' : 'admin';
}

export function principalAllows(p: StaffPrincipal, permission: Permission): boolean {
  if (p.kind === 'bootstrap') return true;
  // Integration keys are for the one-stop system: dossiers and the read-only views it reports on.
  if (p.kind === 'api-key') return permission === 'dossier-sync' || permission === 'dossiers' || permission === 'stats';
  // The installation-wide INTEGRATION_API_KEY of earlier versions: dossier writes only.
  if (p.kind === 'integration') return permission === 'dossier-sync';
  return roleAllows(p.role, permission);
}

const principals = new WeakMap<Request, StaffPrincipal>();

/** Set by the staff authentication middleware. */
export function setPrincipal(req: Request, principal: StaffPrincipal): void {
  principals.set(req, principal);
}

/** The authenticated principal of a request, if the staff middleware ran and accepted it. */
export function principalOf(req: Request): StaffPrincipal | undefined {
  return principals.get(req);
}

/** One entry of the console's menu, contributed by a feature module. */
export interface ConsoleMenuEntry {
  /** Under /console, e.g. `/console/inbox`. */
  href: string;
  label: string;
  /** Shown only to whom this permission is granted. */
  permission: Permission;
  /** Smaller first. */
  order: number;
}

/** A feature's part of the staff console: menu entries and an Express router mounted behind sign-in. */
export interface ConsoleContribution {
  menu: ConsoleMenuEntry[];
  router: HttpRouter;
}

/** What a console page hands the shell to render inside the layout. */
export interface ConsoleView {
  title: string;
  body: SafeHtml;
  /** Shown above the content (after a form was saved or refused). */
  flash?: { kind: 'ok' | 'error'; text: string };
  /** HTTP status (default 200). */
  status?: number;
}

/** What a console page can use: who is signed in, the commune in view, the CSRF token, and the layout. */
export interface ConsoleContext {
  principal: StaffPrincipal & { kind: 'staff' };
  /** The commune whose data this page shows (a province admin picks one with ?commune=). */
  communeId: number;
  communeName: string;
  csrfToken: string;
  render(view: ConsoleView): void;
}

const consoleContexts = new WeakMap<Response, ConsoleContext>();

export function setConsoleContext(res: Response, ctx: ConsoleContext): void {
  consoleContexts.set(res, ctx);
}

/** The console context of a page request (set by the console shell before any page router runs). */
export function consoleOf(res: Response): ConsoleContext {
  const ctx = consoleContexts.get(res);
  if (!ctx) throw new Error('console page reached without the console shell');
  return ctx;
}
