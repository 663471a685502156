/**
 * Where a byte buffer stops being UTF-8: so a refused file can be fixed at the right
 * place instead of having its bad bytes silently replaced with U+FFFD. Pure.
 */

/**
 * Byte offset of the first byte that does not start a well-formed UTF-8 sequence
 * (overlong forms, surrogates, code points past U+10FFFF and cut-off sequences included),
 * or -1 when the whole buffer is UTF-8.
 * @example invalidUtf8Offset(Buffer.from([0x61, 0xff])) // 1
 */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) need = 2;
    else if (b >= 0xf0 && b <= 0xf4) need = 3;
    else return i;
    if (i + need >= n) return i;
    // The second byte's range excludes overlong forms, surrogates and > U+10FFFF.
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    const b1 = bytes[i + 1]!;
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k <= need; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return -1;
}
