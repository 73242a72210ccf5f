// A test plugin for the SDK itself (test/unit/assemblyscript-sdk.test.ts): each tool name exercises one part of
// the SDK through the real host — the MessagePack reader on bytes the test chooses, the writer's limits, the
// abort handler, logging, the clock, context and allocation. Not an example to copy.

import {
  decode,
  Extensions,
  logInfo,
  nowMs,
  Outcome,
  Plugin,
  PluginContext,
  PluginError,
  PluginResult,
  registerPlugin,
  ToolPostInvokePayload,
  ToolPreInvokePayload,
  Value,
  ValueMap,
} from "../../assembly/index";

export { cpex_abi_version, cpex_handle, cpex_init } from "../../assembly/index";

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = <u8>I32.parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

function metadata(key: string, v: Value): Outcome {
  return Outcome.ok(PluginResult.allow().withMetadata(new ValueMap().set(key, v)));
}

// Kept across calls, to show that state survives between invocations and that garbage does not pile up.
let calls: i64 = 0;
const retained: Uint8Array[] = [];

class Probe extends Plugin {
  init(config: Value): PluginError | null {
    const fail = config.get("fail_init");
    if (fail !== null && fail.isTrue) return new PluginError("probe.bad_config", "fail_init is set");
    return null;
  }

  toolPreInvoke(payload: ToolPreInvokePayload, ext: Extensions, ctx: PluginContext): Outcome {
    calls++;
    const args = payload.args;
    const arg = args !== null ? args.get("value") : null;
    const tool = payload.name;
    if (tool === "decode") {
      // Decode bytes the test chose (hex), with the SDK's strict reader, and send back what it saw.
      const d = decode(hexBytes(arg !== null ? arg.str : ""));
      const err = d.error;
      if (err !== null) return metadata("error", Value.fromString(err));
      // `quiet`: only say it decoded (a value nested to the limit cannot ride inside a result map).
      const quiet = args !== null ? args.get("quiet") : null;
      return quiet !== null && quiet.isTrue
        ? metadata("ok", Value.fromBool(true))
        : metadata("value", d.value!);
    }
    if (tool === "echo") return Outcome.ok(PluginResult.modifyPayload(payload.toValue()));
    if (tool === "deep") {
      let v = Value.nil();
      for (let i = 0; i < 600; i++) v = Value.fromArray([v]);
      return metadata("deep", v);
    }
    if (tool === "text") return metadata("text", Value.fromString("a\uD800b\u00e9\u{1F600}"));
    if (tool === "numbers") {
      const list = [
        Value.fromU64(u64.MAX_VALUE),
        Value.fromI64(i64.MIN_VALUE),
        Value.fromI64(-33),
        Value.fromF64(1.5),
      ];
      return metadata("numbers", Value.fromArray(list));
    }
    if (tool === "abort") abort("probe abort requested");
    if (tool === "index") {
      const empty = new Array<i32>(0);
      return metadata("never", Value.fromI64(empty[3]));
    }
    if (tool === "log") {
      logInfo("hello from AssemblyScript");
      return Outcome.ok(PluginResult.allow());
    }
    if (tool === "clock") return metadata("now_ms", Value.fromI64(nowMs()));
    if (tool === "calls") return metadata("calls", Value.fromI64(calls));
    if (tool === "hoard") {
      retained.push(new Uint8Array(256 * 1024));
      return metadata("hoarded", Value.fromI64(retained.length));
    }
    if (tool === "garbage") {
      // About 1 MiB of short-lived allocations per call: only collection keeps memory bounded.
      let sum: i64 = 0;
      for (let i = 0; i < 64; i++) sum += new Uint8Array(16 * 1024).length;
      return metadata("allocated", Value.fromI64(sum));
    }
    if (tool === "context") {
      ctx.set("seen", Value.fromString("pre"));
      ctx.setGlobal("shared", Value.fromI64(7));
      return Outcome.ok(PluginResult.allow());
    }
    if (tool === "labels") {
      return metadata("has_pii", Value.fromBool(ext.hasLabel("pii")));
    }
    if (tool === "fail") return Outcome.fail(new PluginError("probe.failed", "asked to fail"));
    return Outcome.ok(PluginResult.allow());
  }

  toolPostInvoke(payload: ToolPostInvokePayload, _ext: Extensions, ctx: PluginContext): Outcome {
    const seen = ctx.get("seen");
    const shared = ctx.getGlobal("shared");
    const report = new ValueMap()
      .set("seen", seen !== null ? seen : Value.nil())
      .set("shared", shared !== null ? shared : Value.nil())
      .set("result", payload.result);
    return metadata("post", Value.fromMap(report));
  }
}

registerPlugin(new Probe());
