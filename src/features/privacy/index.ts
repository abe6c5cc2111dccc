// Residents' personal data: how long it is kept (policy.ts), the server's retention job (retention.ts) and the
// erasure a resident asks for (erase.ts). No chat handlers and no routes: the runtime starts the job and the
// `resident:erase` command calls the erasure.
export { DEFAULT_RETENTION, ERASED_TEXT, type RetentionPolicy } from './policy.js';
export { createRetentionJob, runRetention, type RetentionRun } from './retention.js';
export { eraseResident, type ResidentChat, type ResidentErasure } from './erase.js';
