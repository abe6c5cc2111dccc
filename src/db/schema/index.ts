// Barrel of all tables; drizzle-kit reads this file. Each domain owns one file.
export * from './core.js';
export * from './inquiries.js';
export * from './procedures.js';
export * from './dossiers.js';
export * from './staff.js';
export * from './calendar.js';
export * from './civil-records.js';
export * from './notices.js';
export * from './reports.js';
export * from './staff-pings.js';
