import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { communes } from '../db/schema/index.js';
import { StaffInputError } from './accounts.js';

/** What a commune's admin may change: the facts the bot tells residents. */
export interface CommuneSettingsInput {
  name: string;
  address: string;
  phone: string;
  hoursText: string;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The input cleaned and checked; a {@link StaffInputError} names the first bad field. */
export function checkCommuneSettings(input: CommuneSettingsInput): CommuneSettingsInput {
  const name = oneLine(input.name);
  const address = oneLine(input.address);
  const phone = oneLine(input.phone);
  const hoursText = oneLine(input.hoursText);
  if (name.length < 3 || name.length > 100) throw new StaffInputError('Tên xã cần từ 3 đến 100 ký tự.', 'name');
  if (address.length < 5 || address.length > 300) throw new StaffInputError('Địa chỉ cần từ 5 đến 300 ký tự.', 'address');
  if (!/^\+?[0-9][0-9 .()-]{5,24}$/.test(phone) || phone.replace(/\D/g, '').length < 6)
    throw new StaffInputError(
      'Số điện thoại chỉ gồm chữ số (có thể có dấu cách, chấm, gạch ngang), ví dụ 0236 3812 345.',
      'phone',
    );
  if (hoursText.length < 5 || hoursText.length > 300)
    throw new StaffInputError('Giờ làm việc cần từ 5 đến 300 ký tự.', 'hoursText');
  return { name, address, phone, hoursText };
}

type Listener = (communeId: number) => void;
const listeners = new Set<WeakRef<Listener>>();

/**
 * Who caches communes (the commune directory, wired in wiring/communes.ts)
 * hears of a change here and drops its copy, so the bot's next answer uses
 * the new facts. Held weakly: a directory that is gone is forgotten.
 */
export function onCommuneChanged(listener: Listener): void {
  listeners.add(new WeakRef(listener));
}

function communeChanged(communeId: number): void {
  for (const ref of listeners) {
    const listener = ref.deref();
    if (listener) listener(communeId);
    else listeners.delete(ref);
  }
}

/** Save a commune's public facts; returns the row as it was before (for the audit) or undefined when unknown. */
export async function updateCommuneSettings(db: Db, communeId: number, input: CommuneSettingsInput) {
  const values = checkCommuneSettings(input);
  const [before] = await db
    .select({ name: communes.name, address: communes.address, phone: communes.phone, hoursText: communes.hoursText })
    .from(communes)
    .where(eq(communes.id, communeId));
  if (!before) return undefined;
  await db.update(communes).set(values).where(eq(communes.id, communeId));
  communeChanged(communeId);
  return { before, after: values };
}

export async function loadCommuneSettings(db: Db, communeId: number) {
  const [row] = await db
    .select({
      slug: communes.slug,
      name: communes.name,
      address: communes.address,
      phone: communes.phone,
      hoursText: communes.hoursText,
    })
    .from(communes)
    .where(eq(communes.id, communeId));
  return row;
}
