// cpex AssemblyScript SDK: write a sandboxed CPEX plugin in AssemblyScript against the WebAssembly ABI v1
// (docs/abi.md). See docs/writing-an-assemblyscript-plugin.md.

export { cpexAbort } from "./abort";
export {
  Extensions,
  equalsIgnoreAsciiCase,
  Headers,
  HttpExtension,
  MetaExtension,
  SecurityExtension,
  strings,
  toAsciiLower,
} from "./extensions";
export { Input, readInput } from "./host";
export { LogLevel, logAt, logDebug, logError, logInfo, logWarn, nowMs } from "./log";
export { Decoded, decode, MAX_DEPTH } from "./msgpack-reader";
export { encode, Writer } from "./msgpack-writer";
export {
  Hooks,
  MessagePayload,
  PromptPosthookPayload,
  PromptPrehookPayload,
  ResourcePostFetchPayload,
  ResourcePreFetchPayload,
  ToolPostInvokePayload,
  ToolPreInvokePayload,
} from "./payloads";
export { cpex_abi_version, cpex_handle, cpex_init, Outcome, Plugin, registerPlugin } from "./plugin";
export { PluginContext, PluginError, PluginResult, PluginViolation } from "./types";
export { Kind, Value, ValueMap } from "./value";
