/** A procedure the commune added itself (not in the national catalog): its code is `local.<slug>`. */
export function isLocalCode(code: string): boolean {
  return code.startsWith('local.');
}
