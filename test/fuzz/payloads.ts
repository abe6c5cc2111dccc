/**
 * Hostile values for the fuzz suite, drawn from a seeded generator so a failing run can be replayed
 * with the same FUZZ_SEED. Everything here is synthetic.
 */

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same payloads. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** The kinds of hostility the suite tries; each request is counted under one. */
export const CATEGORIES = [
  'bad-signature',
  'truncated-json',
  'oversized-body',
  'wrong-types',
  'deep-nesting',
  'invalid-utf8',
  'lone-surrogate',
  'nul-and-control',
  'sql-injection',
  'html-injection',
  'path-traversal',
  'huge-id',
  'prototype-keys',
] as const;
export type Category = (typeof CATEGORIES)[number];

const SQL = [
  "' OR '1'='1",
  "'; DROP TABLE inbound_messages; --",
  '1; SELECT pg_sleep(0) --',
  "Nguyễn Văn Thử'); DELETE FROM dossiers; --",
  '" OR ""="',
  "1' UNION SELECT password_hash FROM staff_accounts --",
  '$$; TRUNCATE audit_log; $$',
  "\\'; COPY staff_accounts TO '/tmp/x'; --",
];
const HTML = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "javascript:alert('x')",
  '<svg/onload=alert(1)>',
  '{{constructor.constructor("alert(1)")()}}',
  '<iframe src="https://example.invalid"></iframe>',
  '=HYPERLINK("https://example.invalid","bấm vào")',
  '+cmd|" /C calc"!A0',
  '@SUM(1+1)*cmd|" /C calc"!A0',
];
const TRAVERSAL = [
  '../../../../etc/passwd',
  '..%2f..%2f..%2fetc%2fpasswd',
  '..\\..\\windows\\win.ini',
  '%2e%2e/%2e%2e/etc/shadow',
  '/etc/passwd%00.pdf',
  'giay-khai-sinh.pdf/../../../../proc/self/environ',
  '....//....//etc/hosts',
  'C:\\boot.ini',
];
const HUGE_IDS = [
  '9007199254740993',
  '18446744073709551616',
  '-9223372036854775809',
  '1e309',
  '99999999999999999999999999999999999999',
  '0x7fffffffffffffff',
  '1'.repeat(400),
  '9'.repeat(20_000),
];
const VIETNAMESE = [
  'Cho hỏi thủ tục đăng ký khai sinh',
  'làm giấy xác nhận cư trú ở đâu',
  'Nguyễn Văn Thử',
  'số điện thoại 0900000123',
  'gặp cán bộ',
  'hồ sơ HS-261206-0001 đến đâu rồi',
];

function surrogates(rng: Rng): string {
  const lone = rng.pick(['\ud800', '\udfff', '\udbff', '\udc00']);
  return rng.pick(VIETNAMESE) + lone + rng.pick(['', 'x', '\ud800\ud800', ' đăng ký']);
}

function controls(rng: Rng): string {
  const bad = rng.pick([
    '\u0000',
    '\u0000\u0000\u0000',
    '\u0001\u0007\u001b[2J',
    '\u007f\u0085',
    '\u2028\u2029',
    '\ufeff',
    '\u202e',
  ]);
  return rng.pick(VIETNAMESE).slice(0, rng.int(0, 10)) + bad + rng.pick(VIETNAMESE);
}

/** A hostile string of one category (the JSON-level kinds fall back to text of a related kind). */
export function hostileString(rng: Rng, category: Category): string {
  switch (category) {
    case 'sql-injection':
      return rng.pick(SQL);
    case 'html-injection':
      return rng.pick(HTML);
    case 'path-traversal':
      return rng.pick(TRAVERSAL);
    case 'huge-id':
      return rng.pick(HUGE_IDS);
    case 'lone-surrogate':
      return surrogates(rng);
    case 'nul-and-control':
      return controls(rng);
    case 'prototype-keys':
      return rng.pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf']);
    case 'oversized-body':
      return 'ố'.repeat(rng.int(5_000, 70_000));
    default:
      return rng.pick([...SQL, ...HTML, ...TRAVERSAL]) + rng.pick(['', '\u0000', '\ud800']);
  }
}

/** A value of an unexpected type for a field that wants a string or a number. */
export function wrongType(rng: Rng): unknown {
  return rng.pick<unknown>([
    null,
    true,
    0,
    -1,
    1.5,
    Number.MAX_SAFE_INTEGER,
    [],
    ['a', 1],
    {},
    { $gt: '' },
    { __proto__: { admin: true } },
    'NaN',
    '',
    ' ',
  ]);
}

/** Replace one leaf (string, number or boolean) of a JSON template with `value`; returns a copy. */
export function replaceLeaf(rng: Rng, template: unknown, value: (rng: Rng) => unknown): unknown {
  const copy = structuredClone(template);
  const leaves: { parent: Record<string | number, unknown>; key: string | number }[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach((v, i) => (isLeaf(v) ? leaves.push({ parent: node as never, key: i }) : walk(v)));
    else if (node && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) {
        if (isLeaf(v)) leaves.push({ parent: node as Record<string, unknown>, key: k });
        else walk(v);
      }
  };
  walk(copy);
  if (!leaves.length) return value(rng);
  const { parent, key } = rng.pick(leaves);
  parent[key] = value(rng);
  return copy;
}

function isLeaf(v: unknown): boolean {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

/** Add a key such as `__proto__` (as JSON text, so it is a real own key after JSON.parse). */
export function withPrototypeKey(rng: Rng, json: string): string {
  const key = rng.pick(['__proto__', 'constructor', 'prototype']);
  const inner = rng.pick(['{"isAdmin":true}', '{"prototype":{"role":"admin"}}', '"x"', 'null']);
  return json.startsWith('{') && json.length > 2 ? `{"${key}":${inner},${json.slice(1)}` : json;
}

/** Bytes that are not UTF-8 (lone continuation bytes, overlongs, a truncated sequence, 0xFF). */
export function invalidUtf8(rng: Rng, text: string): Buffer {
  const bad = rng.pick([
    Buffer.from([0xc3]),
    Buffer.from([0x80, 0x80]),
    Buffer.from([0xc0, 0xaf]),
    Buffer.from([0xed, 0xa0, 0x80]),
    Buffer.from([0xff, 0xfe]),
    Buffer.from([0xf4, 0x90, 0x80, 0x80]),
  ]);
  const buf = Buffer.from(text, 'utf8');
  const at = rng.int(0, buf.length);
  return Buffer.concat([buf.subarray(0, at), bad, buf.subarray(at)]);
}

/**
 * The body of one JSON request of `category`, built from a valid `template`. Returns the bytes to send:
 * the hostile value is put in one field, or the JSON itself is broken (truncated, nested, not UTF-8, oversized).
 */
export function hostileJson(rng: Rng, category: Category, template: unknown, maxBytes = 64 * 1024): Buffer {
  const text = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8');
  switch (category) {
    case 'truncated-json': {
      const s = JSON.stringify(replaceLeaf(rng, template, (r) => r.pick(VIETNAMESE)));
      return Buffer.from(s.slice(0, rng.int(0, Math.max(0, s.length - 1))), 'utf8');
    }
    case 'oversized-body':
      return rng.chance(0.5)
        ? text(replaceLeaf(rng, template, (r) => 'ầ'.repeat(r.int(maxBytes / 3, maxBytes / 2))))
        : Buffer.from(`{"a":"${'x'.repeat(rng.int(maxBytes, maxBytes + 4096))}"}`);
    case 'wrong-types':
      return text(rng.chance(0.2) ? wrongType(rng) : replaceLeaf(rng, template, wrongType));
    case 'deep-nesting': {
      // Written as text: JSON.stringify itself overflows the stack at these depths.
      const depth = rng.pick([64, 500, 2_000, 5_000]);
      const [open, close] = rng.chance(0.5) ? ['[', ']'] : ['{"a":', '}'];
      const inner = rng.chance(0.5) ? JSON.stringify(template) : '"x"';
      return Buffer.from(open.repeat(depth) + inner + close.repeat(depth));
    }
    case 'invalid-utf8':
      return invalidUtf8(rng, JSON.stringify(template));
    case 'prototype-keys':
      return Buffer.from(withPrototypeKey(rng, JSON.stringify(replaceLeaf(rng, template, (r) => hostileString(r, category)))));
    case 'huge-id':
      return rng.chance(0.5)
        ? text(replaceLeaf(rng, template, (r) => r.pick(HUGE_IDS)))
        : Buffer.from(JSON.stringify(template).replace(/"(\d{3,})"/, () => rng.pick(['9007199254740993', '1e400', '-0'])));
    default:
      return text(replaceLeaf(rng, template, (r) => hostileString(r, category)));
  }
}

/** Form fields (urlencoded) with one or several hostile values; `fixed` fields (such as `_csrf`) are kept. */
export function hostileForm(rng: Rng, category: Category, fields: string[], fixed: Record<string, string>): Buffer {
  const params = new URLSearchParams();
  for (const name of fields) {
    if (name in fixed) continue;
    const hostile = rng.chance(0.6);
    params.append(name, hostile ? hostileString(rng, category) : rng.pick(VIETNAMESE));
    if (rng.chance(0.05)) params.append(name, hostileString(rng, category)); // a repeated field becomes an array
  }
  if (category === 'prototype-keys') params.append(rng.pick(['__proto__', 'constructor[prototype][x]', '__proto__[admin]']), '1');
  for (const [k, v] of Object.entries(fixed)) params.append(k, v);
  const body = params.toString();
  if (category === 'invalid-utf8')
    return Buffer.from(body.replace(/%[0-9A-F]{2}/, rng.pick(['%C3', '%FF', '%ED%A0%80', '%E1%BB'])));
  if (category === 'truncated-json') return Buffer.from(body.slice(0, rng.int(0, body.length)).replace(/%[0-9A-F]?$/, '%'));
  return Buffer.from(body);
}

/** A query-string or path value of the category, percent-encoded (lone surrogates and bad bytes as raw escapes). */
export function hostileUrlPart(rng: Rng, category: Category): string {
  switch (category) {
    case 'invalid-utf8':
      return rng.pick(['%C3', '%FF%FE', '%C0%AF', '%ED%A0%80', 'abc%E1%BB']);
    case 'lone-surrogate':
      return rng.pick(['%ED%A0%80', '%ED%BF%BF', encodeURIComponent('khai sinh') + '%ED%B0%80']);
    case 'truncated-json':
      return rng.pick(['%', '%2', '%zz', 'a%']);
    case 'oversized-body':
      return 'a'.repeat(rng.int(2_000, 7_000));
    case 'path-traversal':
      return rng.pick(['..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f%2e%2e%2f', '..%5C..%5Cwin.ini', '%00', 'local.%2e%2e']);
    default: {
      const s = category === 'wrong-types' ? String(wrongType(rng)) : hostileString(rng, category);
      return encodeURIComponent(s.slice(0, 3000).replace(/[\ud800-\udfff]/g, ''));
    }
  }
}
