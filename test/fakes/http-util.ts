import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface MultipartFile {
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface ParsedBody {
  kind: 'json' | 'form' | 'multipart' | 'none' | 'invalid';
  fields: Record<string, unknown>;
  files: Record<string, MultipartFile>;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Parse a request body the way the real servers read it: JSON, urlencoded form or multipart. */
export function parseBody(raw: Buffer, contentType: string | undefined): ParsedBody {
  const ct = (contentType ?? '').toLowerCase();
  if (!raw.length) return { kind: 'none', fields: {}, files: {} };
  if (ct.startsWith('application/json')) {
    try {
      return { kind: 'json', fields: JSON.parse(raw.toString('utf8')) as Record<string, unknown>, files: {} };
    } catch {
      return { kind: 'invalid', fields: {}, files: {} };
    }
  }
  if (ct.startsWith('application/x-www-form-urlencoded')) {
    return { kind: 'form', fields: Object.fromEntries(new URLSearchParams(raw.toString('utf8'))), files: {} };
  }
  if (ct.startsWith('multipart/form-data')) return parseMultipart(raw, contentType ?? '');
  return { kind: 'invalid', fields: {}, files: {} };
}

/** Minimal multipart/form-data parser (enough for the fakes). JSON-looking text fields are decoded. */
export function parseMultipart(raw: Buffer, contentType: string): ParsedBody {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!m) return { kind: 'invalid', fields: {}, files: {} };
  const delimiter = Buffer.from(`--${m[1] ?? m[2]}`);
  const fields: Record<string, unknown> = {};
  const files: Record<string, MultipartFile> = {};
  let pos = raw.indexOf(delimiter);
  while (pos !== -1) {
    let start = pos + delimiter.length;
    if (raw.subarray(start, start + 2).toString() === '--') break;
    if (raw.subarray(start, start + 2).toString() === '\r\n') start += 2;
    const next = raw.indexOf(delimiter, start);
    if (next === -1) break;
    let end = next;
    if (raw.subarray(end - 2, end).toString() === '\r\n') end -= 2;
    const part = raw.subarray(start, end);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const data = part.subarray(headerEnd + 4);
      const name = /name="([^"]*)"/i.exec(headers)?.[1];
      const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
      const ctype = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1] ?? 'application/octet-stream';
      if (name !== undefined) {
        if (filename !== undefined) files[name] = { filename, contentType: ctype.trim(), data: Buffer.from(data) };
        else fields[name] = decodeField(data.toString('utf8'));
      }
    }
    pos = next;
  }
  return { kind: 'multipart', fields, files };
}

function decodeField(v: string): unknown {
  if (/^[[{]/.test(v)) {
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  }
  return v;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Track sockets and hung responses so close()/reset() never wait on them. */
export function trackConnections(server: Server) {
  const sockets = new Set<Socket>();
  const hung = new Set<ServerResponse>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    hang(res: ServerResponse) {
      hung.add(res);
      res.on('close', () => hung.delete(res));
    },
    releaseHung() {
      for (const res of hung) res.destroy();
      hung.clear();
    },
    async close() {
      for (const res of hung) res.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : 0);
    });
  });
}
