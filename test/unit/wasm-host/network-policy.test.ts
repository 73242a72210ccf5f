// The network grant's rules alone (no server needed): host matching, defaults, and the private-address check that
// stops an allowed DNS name from being pointed at the host's own network.
import { describe, expect, it } from "vitest";
import type { NetworkRule } from "../../../src/hosts/wasm/limits.js";
import { performHttp } from "../../../src/hosts/wasm/net/http-client.js";
import {
  addressAllowed,
  admit,
  isPrivateAddress,
  parseTarget,
  type Target,
} from "../../../src/hosts/wasm/net/network-policy.js";

const rule = (host: string, more: Partial<NetworkRule> = {}): NetworkRule => ({
  host,
  ports: [],
  schemes: ["https"],
  methods: [],
  ...more,
});
const target = (url: string, method = "GET"): Target => parseTarget(url, method) as Target;

describe("network allow rules", () => {
  it("`*.suffix` matches names below the suffix, not the apex, not look-alikes", () => {
    const rules = [rule("*.example.com")];
    expect(admit(rules, target("https://api.example.com/x")).ok).toBe(true);
    expect(admit(rules, target("https://a.b.example.com/x")).ok).toBe(true);
    expect(admit(rules, target("https://example.com/x")).ok).toBe(false);
    expect(admit(rules, target("https://evilexample.com/x")).ok).toBe(false);
    expect(admit(rules, target("https://example.com.evil.net/x")).ok).toBe(false);
  });

  it("exact hosts compare case-insensitively; ports, schemes and methods narrow a rule", () => {
    const rules = [rule("api.example.com", { ports: [8443], methods: ["GET"] })];
    expect(admit(rules, target("https://API.Example.com:8443/")).ok).toBe(true);
    expect(admit(rules, target("https://api.example.com/")).ok).toBe(false); // 443
    expect(admit(rules, target("http://api.example.com:8443/")).ok).toBe(false); // default schemes: https
    expect(admit(rules, target("https://api.example.com:8443/", "post")).ok).toBe(false);
  });

  it("private, loopback, link-local and reserved addresses are recognised (v4, v6, mapped)", () => {
    for (const a of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "fd00::1",
      "fe80::1",
      "::ffff:10.0.0.1",
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ["93.184.216.34", "8.8.8.8", "2606:4700::1111"])
      expect(isPrivateAddress(a), a).toBe(false);
  });

  it("a rule naming a DNS name admits only public addresses; one naming an IP admits that address", () => {
    expect(addressAllowed(rule("api.example.com"), "10.0.0.5")).toBe(false);
    expect(addressAllowed(rule("api.example.com"), "93.184.216.34")).toBe(true);
    expect(addressAllowed(rule("127.0.0.1"), "127.0.0.1")).toBe(true);
    expect(addressAllowed(rule("localhost"), "127.0.0.1")).toBe(true);
    expect(addressAllowed(rule("localhost"), "10.0.0.1")).toBe(false);
  });

  it("an allowed name that resolves to a private address is denied before any connection", async () => {
    const outcome = await performHttp(
      { method: "GET", url: "http://rebind.example.test/", headers: {}, body: new Uint8Array(0) },
      [rule("rebind.example.test", { schemes: ["http"] })],
      performance.timeOrigin + performance.now() + 5_000,
      { lookup: async () => ["127.0.0.1"] },
    );
    expect(outcome.kind).toBe("denied");
    expect(outcome.kind === "denied" && outcome.message).toMatch(/resolves to a private or reserved address/);
  });
});
