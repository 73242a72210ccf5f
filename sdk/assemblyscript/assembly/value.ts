// A JSON-like value, what MessagePack carries between the host and the plugin (docs/abi.md §2): nil, bool,
// integers of every width, floats, strings, binary, arrays and string-keyed maps that keep their order.

export enum Kind {
  Nil,
  Bool,
  Int,
  /** An unsigned integer above the i64 range (2^63 … 2^64-1); smaller ones are `Int`. */
  UInt,
  Float,
  Str,
  Bin,
  Array,
  Map,
}

/** An ordered string-keyed map. Lookups are linear while small; an index is built once it grows. */
export class ValueMap {
  keys: string[] = [];
  values: Value[] = [];
  private index: Map<string, i32> | null = null;

  get size(): i32 {
    return this.keys.length;
  }

  indexOf(key: string): i32 {
    const index = this.index;
    if (index !== null) return index.has(key) ? index.get(key) : -1;
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] === key) return i;
    return -1;
  }

  has(key: string): bool {
    return this.indexOf(key) >= 0;
  }

  /** The value under `key`, or null when absent. */
  get(key: string): Value | null {
    const i = this.indexOf(key);
    return i < 0 ? null : this.values[i];
  }

  /** Set `key`, keeping its position when it already exists. Returns this map, for chaining. */
  set(key: string, value: Value): ValueMap {
    const i = this.indexOf(key);
    if (i >= 0) {
      this.values[i] = value;
      return this;
    }
    this.keys.push(key);
    this.values.push(value);
    let index = this.index;
    if (index === null && this.keys.length > 8) {
      index = new Map<string, i32>();
      for (let k = 0; k < this.keys.length; k++) index.set(this.keys[k], k);
      this.index = index;
    } else if (index !== null) index.set(key, this.keys.length - 1);
    return this;
  }

  /** Remove `key`; returns whether it was present. */
  delete(key: string): bool {
    const i = this.indexOf(key);
    if (i < 0) return false;
    this.keys.splice(i, 1);
    this.values.splice(i, 1);
    this.index = null;
    if (this.keys.length > 8) {
      const index = new Map<string, i32>();
      for (let k = 0; k < this.keys.length; k++) index.set(this.keys[k], k);
      this.index = index;
    }
    return true;
  }
}

export class Value {
  kind: Kind = Kind.Nil;
  bool: bool = false;
  int: i64 = 0;
  uint: u64 = 0;
  float: f64 = 0;
  str: string = "";
  bin: Uint8Array | null = null;
  items: Value[] | null = null;
  map: ValueMap | null = null;

  static nil(): Value {
    return new Value();
  }
  static fromBool(b: bool): Value {
    const v = new Value();
    v.kind = Kind.Bool;
    v.bool = b;
    return v;
  }
  static fromI64(n: i64): Value {
    const v = new Value();
    v.kind = Kind.Int;
    v.int = n;
    return v;
  }
  static fromU64(n: u64): Value {
    if (n <= <u64>i64.MAX_VALUE) return Value.fromI64(<i64>n);
    const v = new Value();
    v.kind = Kind.UInt;
    v.uint = n;
    return v;
  }
  static fromF64(f: f64): Value {
    const v = new Value();
    v.kind = Kind.Float;
    v.float = f;
    return v;
  }
  static fromString(s: string): Value {
    const v = new Value();
    v.kind = Kind.Str;
    v.str = s;
    return v;
  }
  static fromBytes(b: Uint8Array): Value {
    const v = new Value();
    v.kind = Kind.Bin;
    v.bin = b;
    return v;
  }
  static fromArray(items: Value[]): Value {
    const v = new Value();
    v.kind = Kind.Array;
    v.items = items;
    return v;
  }
  static fromMap(map: ValueMap): Value {
    const v = new Value();
    v.kind = Kind.Map;
    v.map = map;
    return v;
  }
  /** An array of strings. */
  static fromStrings(list: string[]): Value {
    const items = new Array<Value>(0);
    for (let i = 0; i < list.length; i++) items.push(Value.fromString(list[i]));
    return Value.fromArray(items);
  }
  /** A new empty map value. */
  static newMap(): Value {
    return Value.fromMap(new ValueMap());
  }

  get isNil(): bool {
    return this.kind === Kind.Nil;
  }
  get isString(): bool {
    return this.kind === Kind.Str;
  }
  get isMap(): bool {
    return this.kind === Kind.Map;
  }
  get isArray(): bool {
    return this.kind === Kind.Array;
  }
  /** Whether this is an integer or a float. */
  get isNumber(): bool {
    return this.kind === Kind.Int || this.kind === Kind.UInt || this.kind === Kind.Float;
  }
  /** Whether this is exactly `true` (as `value === true` in JavaScript). */
  get isTrue(): bool {
    return this.kind === Kind.Bool && this.bool;
  }
  /** The number as an f64 (integers converted), or NaN when this is not a number. */
  toF64(): f64 {
    if (this.kind === Kind.Int) return <f64>this.int;
    if (this.kind === Kind.UInt) return <f64>this.uint;
    if (this.kind === Kind.Float) return this.float;
    return NaN;
  }

  /** The map entry under `key`; null when absent or when this is not a map. */
  get(key: string): Value | null {
    const m = this.map;
    return this.kind === Kind.Map && m !== null ? m.get(key) : null;
  }
  /** The string under `key`; null when absent or not a string. */
  getString(key: string): string | null {
    const v = this.get(key);
    return v !== null && v.kind === Kind.Str ? v.str : null;
  }
  /** Set a map entry (this must be a map). */
  set(key: string, value: Value): Value {
    const m = this.map;
    assert(this.kind === Kind.Map && m !== null, "Value.set on a value that is not a map");
    m!.set(key, value);
    return this;
  }
  /** The items, or an empty array when this is not an array. */
  get list(): Value[] {
    const items = this.items;
    return this.kind === Kind.Array && items !== null ? items : new Array<Value>(0);
  }
}
