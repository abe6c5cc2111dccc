import { describe, expect, it } from 'vitest';
import { CHANNEL_CAPABILITIES, PULL_CHANNELS } from '../../src/channels/capabilities.js';
import type { ChannelAdapter, InboundMessage, Recipient, Reply } from '../../src/core/types.js';

/**
 * The contract every channel adapter passes (telegram, zalo, web). Each
 * adapter test file builds a harness from its recorded fixtures and calls
 * `runAdapterContract`. Platform-specific details stay in the adapter's own
 * unit tests; this suite checks what the pipeline relies on.
 */

export interface ContractFixture {
  name: string;
  raw: unknown;
  /** Fields the neutral message must have (toMatchObject). */
  expect?: Partial<InboundMessage>;
}

export interface RenderedButton {
  label: string;
  action?: string;
  url?: string;
}

export interface AdapterContractHarness {
  adapter: ChannelAdapter;
  communeId: number;
  recipient: Recipient;
  /** Payloads that must give at least one message. */
  supported: ContractFixture[];
  /** Payloads the adapter must ignore (return []). */
  unsupported: ContractFixture[];
  /**
   * Headers that make `verify` accept `rawBody`. Omit for channels without a
   * webhook signature (web), which skips the signature checks.
   */
  sign?: (rawBody: Buffer) => Record<string, string>;
  /** True when the signature is computed over the body (Zalo), false for a shared-secret header (Telegram). */
  signatureCoversBody?: boolean;
  /** Extra wrong headers to try (e.g. a signature made with the wrong key). */
  forged?: (rawBody: Buffer) => Record<string, string>[];
  /** Longest text one platform message may carry. */
  textLimit: number;
  /** The visible text of each platform message in the rendered output. */
  textsOf(rendered: unknown[]): string[];
  /** Buttons in the rendered output. */
  buttonsOf(rendered: unknown[]): RenderedButton[];
}

const LONG_TEXT = Array.from(
  { length: 1400 },
  (_, i) => `Bước ${i + 1}: nộp tờ khai tại bộ phận một cửa của Ủy ban nhân dân xã.${i % 9 === 8 ? '\n\n' : ' '}`,
).join('');

export function runAdapterContract(name: string, factory: () => AdapterContractHarness | Promise<AdapterContractHarness>): void {
  describe(`${name}: adapter contract`, () => {
    const h = () => Promise.resolve(factory());

    describe('webhook authenticity', () => {
      it('accepts a correctly signed webhook and rejects a missing, wrong or tampered signature', async () => {
        const harness = await h();
        if (!harness.sign) return;
        const { adapter } = harness;
        const fixture = harness.supported[0];
        const rawBody = Buffer.from(JSON.stringify(fixture.raw));
        expect(adapter.verify({ rawBody, headers: harness.sign(rawBody) })).toBe(true);
        expect(adapter.verify({ rawBody, headers: {} })).toBe(false);
        const good = harness.sign(rawBody);
        const wrong = Object.fromEntries(Object.entries(good).map(([k, v]) => [k, flipLastChar(v)]));
        expect(adapter.verify({ rawBody, headers: wrong })).toBe(false);
        for (const headers of harness.forged?.(rawBody) ?? []) {
          expect(adapter.verify({ rawBody, headers })).toBe(false);
        }
        const tampered = Buffer.from(rawBody.toString('utf8').replace(/"(\w+)":/, '"$1" :'));
        // A body-bound signature rejects any change; a shared-secret header (Telegram) cannot see it.
        expect(adapter.verify({ rawBody: tampered, headers: good })).toBe(!harness.signatureCoversBody);
      });
    });

    describe('parse', () => {
      it('turns every supported payload into neutral messages with string ids', async () => {
        const { adapter, supported, communeId } = await h();
        for (const f of supported) {
          const msgs = adapter.parse(f.raw, communeId);
          expect(msgs.length, f.name).toBeGreaterThan(0);
          for (const m of msgs) {
            expect(m.channel, f.name).toBe(adapter.channel);
            expect(m.communeId, f.name).toBe(communeId);
            for (const key of ['chatId', 'userId', 'externalId'] as const) {
              expect(typeof m[key], `${f.name}.${key}`).toBe('string');
              expect(m[key].length, `${f.name}.${key}`).toBeGreaterThan(0);
            }
            expect(
              m.text !== undefined ||
                m.action !== undefined ||
                m.contact !== undefined ||
                m.event !== undefined ||
                (m.attachments?.length ?? 0) > 0,
              f.name,
            ).toBe(true);
          }
          if (f.expect) expect(msgs[0], f.name).toMatchObject(f.expect);
        }
      });

      it('gives the same ids when the same payload is delivered again', async () => {
        const { adapter, supported, communeId } = await h();
        const seen = new Map<string, string>();
        for (const f of supported) {
          const a = adapter.parse(structuredClone(f.raw), communeId);
          const b = adapter.parse(JSON.parse(JSON.stringify(f.raw)), communeId);
          expect(b.map(ids), f.name).toEqual(a.map(ids));
          for (const m of a) {
            expect(seen.get(m.externalId), `externalId ${m.externalId} of ${f.name} reused`).toBeUndefined();
            seen.set(m.externalId, f.name);
          }
        }
      });

      it('ignores unsupported events and garbage without throwing', async () => {
        const { adapter, unsupported, communeId } = await h();
        for (const f of unsupported) expect(adapter.parse(f.raw, communeId), f.name).toEqual([]);
        for (const junk of [null, undefined, 42, 'text', [], {}, { update_id: 'x' }, { event_name: 5 }]) {
          expect(() => adapter.parse(junk, communeId)).not.toThrow();
          expect(adapter.parse(junk, communeId)).toEqual([]);
        }
      });
    });

    describe('capabilities', () => {
      it("declares its platform's capabilities, so nothing outside channels/ asks for its name", async () => {
        const { adapter } = await h();
        expect(adapter.capabilities).toEqual(CHANNEL_CAPABILITIES[adapter.channel]);
        if (adapter.capabilities.delivery === 'pull') expect(PULL_CHANNELS.has(adapter.channel)).toBe(true);
      });
    });

    describe('render', () => {
      it('splits long text within the platform limit without losing words', async () => {
        const { adapter, recipient, textLimit, textsOf } = await h();
        const texts = textsOf(adapter.render([{ text: LONG_TEXT }], recipient));
        expect(texts.length).toBeGreaterThan(1);
        for (const t of texts) expect(t.length).toBeLessThanOrEqual(textLimit);
        expect(words(texts.join(' '))).toEqual(words(LONG_TEXT));
      });

      it('keeps Vietnamese text and special characters intact', async () => {
        const { adapter, recipient, textsOf } = await h();
        const text = 'Lệ phí: 0 đồng; hạn < 3 ngày & "miễn phí" cho trẻ <5 tuổi. Ủy ban nhân dân xã Mẫu.';
        expect(textsOf(adapter.render([{ text }], recipient)).join('\n')).toContain(text);
      });

      it('renders action and link buttons', async () => {
        const { adapter, recipient, buttonsOf } = await h();
        const reply: Reply = {
          text: 'Anh/chị muốn làm gì tiếp?',
          buttons: [
            { label: 'Xem hồ sơ cần chuẩn bị', action: 'proc:detail:1.001193' },
            { label: 'Gặp cán bộ', action: 'staff:handoff' },
            { label: 'Cổng dịch vụ công', url: 'https://dichvucong.gov.vn' },
          ],
        };
        const buttons = buttonsOf(adapter.render([reply], recipient));
        expect(buttons).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ label: 'Xem hồ sơ cần chuẩn bị', action: 'proc:detail:1.001193' }),
            expect.objectContaining({ label: 'Gặp cán bộ', action: 'staff:handoff' }),
            expect.objectContaining({ label: 'Cổng dịch vụ công', url: 'https://dichvucong.gov.vn' }),
          ]),
        );
      });

      it('is pure: same output twice, input untouched', async () => {
        const { adapter, recipient } = await h();
        const replies: Reply[] = [{ text: 'Xin chào', buttons: [{ label: 'Menu', action: 'menu:main' }] }, { text: 'Tạm biệt' }];
        const before = structuredClone(replies);
        expect(adapter.render(replies, recipient)).toEqual(adapter.render(replies, recipient));
        expect(replies).toEqual(before);
      });
    });
  });
}

function ids(m: InboundMessage) {
  return { chatId: m.chatId, userId: m.userId, externalId: m.externalId, action: m.action, text: m.text };
}

function words(s: string): string[] {
  return s.split(/\s+/).filter(Boolean);
}

function flipLastChar(v: string): string {
  const last = v.slice(-1);
  return v.slice(0, -1) + (last === 'a' ? 'b' : 'a');
}
