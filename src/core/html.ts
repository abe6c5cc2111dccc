/**
 * Escape text for HTML element content and quoted attribute values (staff
 * pages, posters, the web chat page). Telegram's HTML parse mode has its own,
 * narrower escaper in `channels/telegram/render.ts`: quotes are plain text
 * there and an entity would count against the message length limit.
 */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML that is already safe: built by {@link html} (which escaped every value) or by {@link raw}. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function htmlValue(v: HtmlValue): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(htmlValue).join('');
  return escapeHtml(String(v));
}

/**
 * Templates that escape by default: every interpolated value is escaped
 * unless it is itself `html`-built (or `raw`); arrays are joined; null,
 * undefined and false render nothing. The console's pages are written with it.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += htmlValue(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/** Trusted markup (constants of our own); never pass it anything a person typed. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
