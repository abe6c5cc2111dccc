/**
 * `base` + `path`, keeping any path prefix of the base: `new URL('/v3.0/oa/message/cs', 'https://proxy/zalo/')`
 * would drop `/zalo` (an absolute path replaces the base's), so an API behind a prefixing proxy was missed.
 */
export function joinUrl(base: string, path: string): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  return url;
}
