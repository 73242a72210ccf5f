// Insert-only set. Used for security labels: a plugin can add labels but never remove one. Removal needs a
// DeclassifierToken, which only the core can mint and never hands to plugins.
//
// A set reachable from a canonical container is frozen (`freeze()`), so a plugin holding the view cannot add to
// the canonical labels behind the executor's back; it works on `clone()` (what `cowCopy` does).

const declassifierBrand = Symbol("cpex.declassifier");

/** Privileged capability to remove labels. Constructed only through `mintDeclassifierToken` (core-internal). */
export class DeclassifierToken {
  readonly #brand: symbol;
  private constructor(brand: symbol) {
    if (brand !== declassifierBrand)
      throw new TypeError("DeclassifierToken cannot be constructed by plugins");
    this.#brand = brand;
  }
  /** @internal */
  static mint(brand: symbol): DeclassifierToken {
    return new DeclassifierToken(brand);
  }
  /** @internal */
  isGenuine(): boolean {
    return this.#brand === declassifierBrand;
  }
}

/** Core-internal: not re-exported from the package entry point. */
export function mintDeclassifierToken(): DeclassifierToken {
  return DeclassifierToken.mint(declassifierBrand);
}

export class MonotonicSet implements Iterable<string> {
  readonly #items: Set<string>;
  #lower: Set<string> | undefined;
  #frozen = false;

  constructor(items?: Iterable<string>) {
    this.#items = new Set(items);
  }

  /** @deprecated Nothing in cpex uses it; use `new MonotonicSet(items)` (or `clone()`). Kept for compatibility. */
  static from(items: Iterable<string>): MonotonicSet {
    return items instanceof MonotonicSet ? items.clone() : new MonotonicSet(items);
  }

  get size(): number {
    return this.#items.size;
  }

  get isFrozen(): boolean {
    return this.#frozen;
  }

  /** Insert a value. Returns true if it was new. Throws on a frozen set (a canonical or view set). */
  add(value: string): boolean {
    if (this.#frozen)
      throw new TypeError("MonotonicSet is frozen: call cowCopy() on the extensions to write");
    if (this.#items.has(value)) return false;
    this.#items.add(value);
    this.#lower?.add(value.toLowerCase());
    return true;
  }

  /** Alias of `add` matching CPEX's `add_label`. */
  addLabel(label: string): boolean {
    return this.add(label);
  }

  /** Exact membership. */
  has(value: string): boolean {
    return this.#items.has(value);
  }

  /** Case-insensitive membership, as CPEX `has_label`. */
  hasLabel(label: string): boolean {
    if (this.#items.has(label)) return true;
    if (this.#lower === undefined) {
      this.#lower = new Set();
      for (const v of this.#items) this.#lower.add(v.toLowerCase());
    }
    return this.#lower.has(label.toLowerCase());
  }

  /** True if every element of `other` is in this set (exact comparison). */
  isSupersetOf(other: Iterable<string>): boolean {
    for (const v of other) if (!this.#items.has(v)) return false;
    return true;
  }

  /** Remove a value; only with the core's declassifier token. Works on frozen sets too (it is the core acting). */
  remove(value: string, token: DeclassifierToken): boolean {
    if (!(token instanceof DeclassifierToken) || !token.isGenuine()) {
      throw new TypeError("MonotonicSet.remove requires a declassifier token");
    }
    const removed = this.#items.delete(value);
    if (removed) this.#lower = undefined;
    return removed;
  }

  /** Mutable copy (never frozen). */
  clone(): MonotonicSet {
    return new MonotonicSet(this.#items);
  }

  freeze(): this {
    this.#frozen = true;
    return this;
  }

  values(): IterableIterator<string> {
    return this.#items.values();
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.#items.values();
  }

  toArray(): string[] {
    return [...this.#items];
  }

  /** Serialises as a plain array (as CPEX does). */
  toJSON(): string[] {
    return this.toArray();
  }
}
