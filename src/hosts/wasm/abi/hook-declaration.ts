// The `cpex.hooks` custom section (docs/abi.md §1.1): the hooks a guest module says it handles. Without it a YAML
// `hooks:` typo loads fine and then fails every call, silently disabling a guard; with it the mismatch is a load
// error. Pure functions: the loader reads the compiled module and reports the messages.

import { CpexError } from "../../../core/cpex-error.js";
import { BinaryError, Reader, Writer } from "../binary/bytes.js";

export const HOOK_SECTION = "cpex.hooks";
export const HOOK_SECTION_VERSION = 1;
export const MAX_DECLARED_HOOKS = 64;
export const MAX_HOOK_NAME_BYTES = 128;

/** A `cpex.hooks` section that does not follow docs/abi.md §1.1; the module must not load. */
export class HookDeclarationError extends CpexError<"hook_declaration_invalid"> {
  constructor(message: string) {
    super("hook_declaration_invalid", `${HOOK_SECTION} section: ${message}`);
    this.name = "HookDeclarationError";
  }
}

const NAME_BYTE = (b: number): boolean =>
  (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x5f || b === 0x2e; // a-z 0-9 _ .

/**
 * The hooks declared by `module`'s `cpex.hooks` section, in declaration order, or `undefined` when the module has
 * no such section (built with an SDK that predates it). Throws `HookDeclarationError` on a malformed section.
 */
export function readHookDeclaration(module: WebAssembly.Module): readonly string[] | undefined {
  const sections = WebAssembly.Module.customSections(module, HOOK_SECTION);
  if (sections.length === 0) return undefined;
  if (sections.length > 1)
    throw new HookDeclarationError(`the module has ${sections.length}; at most one is allowed`);
  return decodeHookDeclaration(new Uint8Array(sections[0]!));
}

/** Decode the content of one `cpex.hooks` section (exported for tests and tools that hold raw bytes). */
export function decodeHookDeclaration(content: Uint8Array): readonly string[] {
  const r = new Reader(content);
  try {
    if (r.done) throw new HookDeclarationError("empty");
    const version = r.byte();
    if (version !== HOOK_SECTION_VERSION) {
      throw new HookDeclarationError(
        `format version ${version} is not supported (expected ${HOOK_SECTION_VERSION})`,
      );
    }
    const count = r.u32();
    if (count === 0 || count > MAX_DECLARED_HOOKS) {
      throw new HookDeclarationError(`declares ${count} hooks; expected 1 to ${MAX_DECLARED_HOOKS}`);
    }
    const names: string[] = [];
    for (let i = 0; i < count; i++) {
      const length = r.u32();
      if (length === 0 || length > MAX_HOOK_NAME_BYTES) {
        throw new HookDeclarationError(
          `hook ${i} has a ${length}-byte name; expected 1 to ${MAX_HOOK_NAME_BYTES}`,
        );
      }
      const start = r.pos;
      r.skip(length);
      const bytes = content.subarray(start, start + length);
      // Checked before decoding: only ASCII is allowed, so the bytes are the characters.
      if (!bytes.every(NAME_BYTE)) {
        throw new HookDeclarationError(
          `hook ${i} has a name outside [a-z0-9_.]: ${JSON.stringify(latin1(bytes))}`,
        );
      }
      const name = latin1(bytes);
      if (names.includes(name)) throw new HookDeclarationError(`hook '${name}' is declared twice`);
      names.push(name);
    }
    if (!r.done) throw new HookDeclarationError(`${content.length - r.pos} bytes after the last hook name`);
    return names;
  } catch (err) {
    if (err instanceof BinaryError) throw new HookDeclarationError(`truncated (${err.message})`);
    throw err;
  }
}

function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

/**
 * Compare the plugin's YAML `hooks:` with the module's declaration. Every configured hook must be declared;
 * declaring more is fine (the operator may enable a subset). A module without the section loads with a warning.
 * Messages do not name the plugin: the loader reports them as errors of the plugin's `hooks` field.
 */
export function checkDeclaredHooks(
  configHooks: readonly string[],
  declared: readonly string[] | undefined,
): { errors: string[]; warnings: string[] } {
  if (declared === undefined) {
    return {
      errors: [],
      warnings: [
        `the module does not declare its hooks (no ${HOOK_SECTION} section); rebuild with a current SDK`,
      ],
    };
  }
  const list = declared.map((h) => `'${h}'`).join(", ");
  const errors: string[] = [];
  for (const hook of configHooks) {
    if (declared.includes(hook)) continue;
    const suggestion = closestName(hook, declared);
    errors.push(
      `hook '${hook}' is not handled by the module, which declares ${list}` +
        (suggestion === undefined ? "" : `; did you mean '${suggestion}'?`),
    );
  }
  return { errors, warnings: [] };
}

/** The candidate nearest to `name` if it is close: edit distance at most 2, or at most a third of the length. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const d = levenshtein(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Edit distance (insertions, deletions, substitutions), one row at a time. */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The `cpex.hooks` section's content for `hooks` (for guests built by hand, e.g. from WAT, and for tests). */
export function encodeHookDeclaration(hooks: readonly string[]): Uint8Array {
  const w = new Writer(64);
  w.byte(HOOK_SECTION_VERSION);
  w.u32(hooks.length);
  for (const h of hooks) w.name(h);
  return w.result();
}

/** `module` with a `cpex.hooks` custom section declaring `hooks` appended (custom sections may go anywhere). */
export function withHookDeclaration(module: Uint8Array, hooks: readonly string[]): Uint8Array {
  const content = encodeHookDeclaration(hooks);
  const w = new Writer(module.length + content.length + 32);
  w.bytes(module);
  w.byte(0); // custom section
  const body = new Writer(content.length + 16);
  body.name(HOOK_SECTION);
  body.bytes(content);
  w.sized(body.result());
  return w.result();
}
