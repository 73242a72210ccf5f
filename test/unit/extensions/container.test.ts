import { describe, expect, it } from "vitest";
import {
  cowCopy,
  createExtensions,
  EMPTY_EXTENSIONS,
  filterExtensions,
  MonotonicSet,
  toCanonicalExtensions,
  validateAndMerge,
} from "../../../src/core/extensions/index.js";

describe("containers are immutable so identity checks mean something (§15)", () => {
  it("createExtensions deep-freezes and copies its input", () => {
    const input = { request: { requestId: "r" }, security: { labels: ["A"], subject: { roles: ["x"] } } };
    const ext = createExtensions(input);
    expect(Object.isFrozen(ext.request)).toBe(true);
    expect(Object.isFrozen(ext.security?.subject?.roles)).toBe(true);
    expect(ext.security?.labels?.isFrozen).toBe(true);
    input.request.requestId = "changed";
    expect(ext.request?.requestId).toBe("r");
    expect(() => {
      (ext.request as { requestId: string }).requestId = "x";
    }).toThrow(TypeError);
  });

  it("a view cannot be used to add labels to the canonical set", () => {
    const c = createExtensions({ security: { labels: ["A"] } });
    const v = filterExtensions(c, ["read_labels"]);
    expect(() => v.security?.labels?.add("B")).toThrow(/frozen/);
    expect(Object.isFrozen(v)).toBe(true);
  });

  it("toCanonicalExtensions passes frozen containers through and copies the rest", () => {
    const c = createExtensions({ request: { requestId: "r" } });
    expect(toCanonicalExtensions(c)).toBe(c);
    expect(toCanonicalExtensions(undefined)).toBe(EMPTY_EXTENSIONS);
    const loose = { request: { requestId: "r" }, security: { labels: ["A"] } };
    const canon = toCanonicalExtensions(loose);
    expect(canon).not.toBe(loose);
    expect(Object.isFrozen(canon.request)).toBe(true);
    expect(canon.security?.labels).toBeInstanceOf(MonotonicSet);
    // shallowly frozen is not enough
    const shallow = Object.freeze({ request: { requestId: "r" } });
    expect(toCanonicalExtensions(shallow)).not.toBe(shallow);
  });

  it("merged slots are frozen copies: a plugin mutating its return afterwards changes nothing", () => {
    const c = createExtensions({
      http: { requestHeaders: { A: "1" } },
      security: { labels: ["L"] },
      custom: { k: 1 },
    });
    const caps = ["read_headers", "write_headers", "read_labels", "append_labels"];
    const o = cowCopy(filterExtensions(c, caps));
    o.http!.requestHeaders["B"] = "2";
    o.security!.labels.add("M");
    o.custom = { k: 2, nested: { x: 1 } };
    const { merged } = validateAndMerge(c, o, caps);
    o.http!.requestHeaders["C"] = "3";
    o.security!.labels.add("N");
    (o.custom["nested"] as Record<string, number>)["x"] = 99;
    expect(merged.http?.requestHeaders).toEqual({ A: "1", B: "2" });
    expect([...(merged.security?.labels ?? [])]).toEqual(["L", "M"]);
    expect(merged.custom).toEqual({ k: 2, nested: { x: 1 } });
    expect(Object.isFrozen(merged)).toBe(true);
    expect(Object.isFrozen(merged.http?.requestHeaders)).toBe(true);
    expect(merged.security?.labels?.isFrozen).toBe(true);
  });

  it("an unchanged return gives back the canonical slots (no churn)", () => {
    const c = createExtensions({
      http: { requestHeaders: { A: "1" } },
      security: { labels: ["L"] },
      custom: { k: 1 },
    });
    const caps = ["read_headers", "write_headers", "read_labels", "append_labels"];
    const { merged, dropped, rejected } = validateAndMerge(c, cowCopy(filterExtensions(c, caps)), caps);
    expect(rejected).toBeUndefined();
    expect(dropped).toEqual([]);
    expect(merged.http).toBe(c.http);
    expect(merged.security).toBe(c.security);
    expect(merged.custom).toBe(c.custom);
  });

  it("a partial return without `custom` leaves custom alone; an explicit undefined clears it", () => {
    const c = createExtensions({ custom: { k: 1 }, security: { labels: ["L"] } });
    expect(
      validateAndMerge(c, { security: { labels: new MonotonicSet(["L", "M"]) } }, ["append_labels"]).merged
        .custom,
    ).toBe(c.custom);
    expect(validateAndMerge(c, { custom: undefined }, []).merged.custom).toBeUndefined();
  });

  it("plugins cannot write raw credentials", () => {
    const c = createExtensions({ rawCredentials: { inboundTokens: { bearer: "real" } } });
    const caps = ["read_inbound_credentials"];
    const o = cowCopy(filterExtensions(c, caps));
    (o as { rawCredentials: unknown }).rawCredentials = { inboundTokens: { bearer: "forged" } };
    const out = validateAndMerge(c, o, caps);
    expect(out.merged.rawCredentials).toBe(c.rawCredentials);
    expect(out.dropped.join()).toContain("raw_credentials");
  });

  it("a non-object return is rejected", () => {
    const c = createExtensions({});
    expect(validateAndMerge(c, null as never, []).rejected).toContain("not an object");
  });

  it("write_headers without read_headers replaces the headers (CPEX semantics: declare both)", () => {
    const c = createExtensions({ http: { method: "GET", requestHeaders: { A: "1" } } });
    const o = cowCopy(filterExtensions(c, ["write_headers"]));
    expect(o.http).toBeUndefined();
    const out = validateAndMerge(c, { ...o, http: { requestHeaders: { B: "2" }, responseHeaders: {} } }, [
      "write_headers",
    ]);
    expect(out.merged.http).toEqual({ method: "GET", requestHeaders: { B: "2" }, responseHeaders: {} });
  });
});
