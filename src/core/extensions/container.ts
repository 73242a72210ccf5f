// Building, freezing and copying extension containers.
import type { Extensions, OwnedExtensions } from "./types.js";

/** Input accepted by createExtensions: like Extensions, but labels may be a plain array. */
export type ExtensionsInput = Omit<Extensions, "security"> & {
  readonly security?: Omit<NonNullable<Extensions["security"]>, "labels"> & {
    readonly labels?: Iterable<string>;
  };
};

/** Deep-freeze a container (labels sets frozen too). Returns a frozen Extensions. */
export function createExtensions(input: ExtensionsInput = {}): Extensions {
  void input;
  throw new Error("TODO");
}

/** Copy-on-write working copy: immutable slots keep identity, writable slots are fresh mutable copies. */
export function cowCopy(view: Extensions): OwnedExtensions {
  void view;
  throw new Error("TODO");
}
