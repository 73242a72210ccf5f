// TEMPORARY shim, replaced by the strict decoder.

import { abiViolation } from "../errors.js";
import { decode } from "./msgpack.js";
export function decodeGuest(bytes: Uint8Array, what: string, onProgress: (items: number) => void): unknown {
  try {
    const v = decode(bytes);
    onProgress(0);
    return v;
  } catch (err) {
    throw abiViolation(`${what}: not a valid MessagePack value (${(err as Error).message})`);
  }
}
