import { html, type SafeHtml } from '../../core/html.js';
import { principalAllows, ROLE_LABELS, type ConsoleMenuEntry, type ConsoleView, type StaffPrincipal } from '../../core/staff.js';

export const ASSET_VERSION = '1';

/** The document around every console page: header, menu, flash, content. */
export function renderLayout(opts: {
  view: ConsoleView;
  principal?: StaffPrincipal & { kind: 'staff' };
  communeName?: string;
  menu?: ConsoleMenuEntry[];
  currentPath?: string;
  csrfToken?: string;
  /** Appended to menu links (`?commune=…` for a province administrator). */
  query?: string;
}): string {
  const { view, principal } = opts;
  const visible = principal ? (opts.menu ?? []).filter((m) => principalAllows(principal, m.permission)) : [];
  const q = opts.query ?? '';
  const inbox = visible.some((m) => m.href === '/console/inbox');
  const nav = visible.length
    ? html`<nav class="menu" aria-label="Chức năng">
        <ul>
          ${visible.map(
            (m) =>
              html`<li>
                <a href="${m.href}${q}" ${opts.currentPath?.startsWith(m.href) ? html`aria-current="page"` : ''}
                  >${m.label}${m.href === '/console/inbox' ? html`<span class="badge" data-inbox-count hidden></span>` : ''}</a
                >
              </li>`,
          )}
        </ul>
      </nav>`
    : '';
  const who = principal
    ? html`<div class="who">
        <span>${principal.displayName} · ${ROLE_LABELS[principal.role]}</span>
        <a href="/console/account${q}">Tài khoản</a>
        <form method="post" action="/console/logout">
          <input type="hidden" name="_csrf" value="${opts.csrfToken ?? ''}" />
          <button class="link" type="submit">Đăng xuất</button>
        </form>
      </div>`
    : '';
  const flash: SafeHtml | string = view.flash
    ? html`<div class="flash ${view.flash.kind}" role="${view.flash.kind === 'error' ? 'alert' : 'status'}">
        ${view.flash.text}
      </div>`
    : '';
  const doc = html`<!doctype html>
    <html lang="vi">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${view.title} · ${opts.communeName ?? 'Trợ lý Xã'}</title>
        <link rel="stylesheet" href="/console/assets/console.css?v=${ASSET_VERSION}" />
        <script src="/console/assets/console.js?v=${ASSET_VERSION}" defer></script>
      </head>
      <body ${inbox ? html`data-count-url="/console/inbox/count${q}"` : ''}>
        <a class="skip" href="#content">Bỏ qua menu</a>
        <header class="top">
          <a class="brand" href="/console${q}">Trợ lý Xã${opts.communeName ? html` · ${opts.communeName}` : ''}</a>
          ${who}
        </header>
        ${nav}
        <main id="content" tabindex="-1">${flash}${view.body}</main>
      </body>
    </html>`;
  return doc.value;
}
