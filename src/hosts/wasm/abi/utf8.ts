// Strict UTF-8 for MessagePack `str`: invalid sequences (overlong forms, surrogates, code points past U+10FFFF,
// stray or missing continuation bytes) are refused, never replaced, so a guest cannot smuggle bytes that decode
// differently elsewhere. A leading byte-order mark is kept as data (U+FEFF), not stripped.

const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

// Below this many bytes, pure-ASCII strings are built in JS: the TextDecoder call costs more than the loop there,
// and less above (measured on Node 20; 12 is also where V8 starts building concatenations as rope strings).
const SHORT = 12;

/** The string encoded by `bytes[start, end)`, or undefined when it is not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string | undefined {
  const n = end - start;
  if (n === 0) return "";
  if (n < SHORT) {
    let s = "";
    let i = start;
    for (; i < end; i++) {
      const c = bytes[i]!;
      if (c >= 0x80) break;
      s += String.fromCharCode(c);
    }
    if (i === end) return s;
  }
  try {
    return fatal.decode(bytes.subarray(start, end));
  } catch {
    return undefined;
  }
}

// Map keys repeat (every record of an array has the same ones), so short keys are looked up by their bytes before
// being decoded. Besides skipping the decode, returning the same string object each time lets V8 reuse its
// internalized form for the property store. Entries are compared byte for byte, so a hit is always exact.
const CACHE_SLOTS = 4096;
const MAX_CACHED_KEY = 16;
const cachedBytes: Array<Uint8Array | undefined> = new Array(CACHE_SLOTS).fill(undefined);
const cachedStrings: Array<string | undefined> = new Array(CACHE_SLOTS).fill(undefined);

/** decodeUtf8 for map keys, through the cache. */
export function decodeKey(bytes: Uint8Array, start: number, end: number): string | undefined {
  const n = end - start;
  if (n > MAX_CACHED_KEY || n === 0) return decodeUtf8(bytes, start, end);
  const slot = ((n << 7) ^ (bytes[start]! << 4) ^ bytes[end - 1]! ^ (bytes[start + (n >> 1)]! << 1)) & 0xfff;
  const known = cachedBytes[slot];
  if (known !== undefined && known.length === n) {
    let i = 0;
    while (i < n && known[i] === bytes[start + i]) i++;
    if (i === n) return cachedStrings[slot];
  }
  const s = decodeUtf8(bytes, start, end);
  if (s !== undefined) {
    cachedBytes[slot] = bytes.slice(start, end);
    cachedStrings[slot] = s;
  }
  return s;
}
