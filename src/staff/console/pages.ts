import express from 'express';
import type { ConsoleContribution } from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import { registerAccountPage } from './account-page.js';
import { registerAuditPage } from './audit-page.js';
import { registerSettingsPage } from './settings-page.js';
import { registerStaffPage } from './staff-page.js';

/** The shell's own pages: the signed-in member's account, staff and keys (admin), the audit log (admin), the commune's settings (admin). */
export function createStaffPages(deps: { db: Db }): ConsoleContribution {
  const router = express.Router();
  registerAccountPage(router, deps.db);
  registerStaffPage(router, deps.db);
  registerAuditPage(router, deps.db);
  registerSettingsPage(router, deps.db);
  return {
    menu: [
      { href: '/console/staff', label: 'Cán bộ', permission: 'staff', order: 90 },
      { href: '/console/settings', label: 'Thông tin xã', permission: 'settings', order: 92 },
      { href: '/console/audit', label: 'Nhật ký', permission: 'audit', order: 95 },
    ],
    router,
  };
}
