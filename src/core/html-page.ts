import { createHash } from 'node:crypto';
import type { Response } from 'express';

/**
 * Send a self-contained public HTML page (the web chat, a procedure poster) with the security headers
 * every HTML response needs: a Content-Security-Policy that allows exactly the page's own inline
 * <script> and <style> blocks (by their SHA-256) and nothing from elsewhere, no framing (clickjacking),
 * no MIME sniffing, no referrer leaking a resident's page to the sites it links to.
 */
export function sendHtmlPage(res: Response, html: string): void {
  res.set({
    'content-security-policy': contentSecurityPolicy(html),
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.type('html').send(html);
}

/** The policy for one page: its inline blocks by hash, fetches to its own origin only. */
export function contentSecurityPolicy(html: string): string {
  const hashes = (tag: string) =>
    [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))]
      .map((m) => `'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`)
      .join(' ');
  const scripts = hashes('script');
  const styles = hashes('style');
  return [
    "default-src 'none'",
    `script-src ${scripts || "'none'"}`,
    `style-src ${styles || "'none'"}`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The same protection for a file a public link serves (a PDF copy, an attachment): no framing
 * (clickjacking) by CSP `frame-ancestors` and by `X-Frame-Options` for older browsers, no MIME sniffing,
 * no referrer. No `default-src`/`sandbox` here: Chromium's built-in PDF viewer is an embedded plugin that
 * such a policy can blank out, and a file runs no script of ours anyway.
 */
export function setFileSecurityHeaders(res: Response): void {
  res.set({
    'content-security-policy': "frame-ancestors 'none'",
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
}
