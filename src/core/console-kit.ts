import type { NextFunction, Request, Response } from 'express';
import { html, type SafeHtml } from './html.js';
import { consoleOf, principalAllows, type ConsoleContext, type Permission } from './staff.js';

/** Platform names as staff read them in the console. */
export const CHANNEL_LABELS: Record<string, string> = {
  telegram: 'Telegram',
  zalo: 'Zalo OA',
  zalobot: 'Zalo Bot',
  web: 'Web chat',
};

/** A form field as text: trimmed, at most `max` characters, '' when absent or not a string. */
export function formText(v: unknown, max = 500): string {
  return typeof v === 'string' ? v.trim().slice(0, max) : '';
}

/** The hidden CSRF field every console form carries. */
export function csrfField(ctx: ConsoleContext): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrfToken}" />`;
}

/**
 * A console page handler: the console context, a 403 page for whom the
 * permission is not granted (when one is named), and errors passed on to the
 * shell's error page.
 */
export function consolePage(
  permission: Permission | undefined,
  handler: (req: Request, res: Response, ctx: ConsoleContext) => Promise<void>,
) {
  return (req: Request, res: Response, next: NextFunction) => {
    const ctx = consoleOf(res);
    if (permission && !principalAllows(ctx.principal, permission)) {
      ctx.render({
        title: 'Không có quyền',
        status: 403,
        body: html`<h1>Không có quyền</h1>
          <p>Trang này không dành cho vai trò của anh/chị.</p>`,
      });
      return;
    }
    handler(req, res, ctx).catch(next);
  };
}
