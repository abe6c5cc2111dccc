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
