// tool_tagger in AssemblyScript: appends security labels and stamps request headers from rules on the tool name
// and argument keys; the payload is untouched. The same behaviour as the Rust plugin (../src/lib.rs) and the
// native TypeScript one, checked by the same vectors (../vectors.json). Needs `read_labels`, `append_labels`,
// `read_headers`, `write_headers`.

import {
  Extensions,
  equalsIgnoreAsciiCase,
  Outcome,
  Plugin,
  PluginContext,
  PluginError,
  PluginResult,
  registerPlugin,
  ToolPreInvokePayload,
  Value,
  ValueMap,
} from "../../../../sdk/assemblyscript/assembly/index";
import { Config, readConfig } from "./config";
import { compareCodePoints, glob } from "./match";

export { cpex_abi_version, cpex_handle, cpex_init } from "../../../../sdk/assemblyscript/assembly/index";

function containsIgnoreCase(list: string[], s: string): bool {
  for (let i = 0; i < list.length; i++) if (equalsIgnoreAsciiCase(list[i], s)) return true;
  return false;
}

class ToolTagger extends Plugin {
  config: Config = new Config();

  init(config: Value): PluginError | null {
    return readConfig(config, this.config);
  }

  toolPreInvoke(payload: ToolPreInvokePayload, ext: Extensions, _ctx: PluginContext): Outcome {
    const c = this.config;
    const args = payload.args;
    const matched = new Array<i32>(0);
    for (let i = 0; i < c.rules.length; i++) {
      const r = c.rules[i];
      let toolMatches = false;
      for (let g = 0; g < r.tools.length && !toolMatches; g++) toolMatches = glob(r.tools[g], payload.name);
      let keyMatches = r.argKeys.length === 0;
      for (let k = 0; k < r.argKeys.length && !keyMatches; k++)
        keyMatches = args !== null && args.has(r.argKeys[k]);
      if (toolMatches && keyMatches) matched.push(i);
    }

    const security = ext.security;
    const existing = security !== null ? security.labels : new Array<string>(0);
    const added = new Array<string>(0);
    for (let m = 0; m < matched.length; m++) {
      const labels = c.rules[matched[m]].labels;
      for (let l = 0; l < labels.length; l++) {
        if (!containsIgnoreCase(existing, labels[l]) && !containsIgnoreCase(added, labels[l]))
          added.push(labels[l]);
      }
    }
    const finalLabels = existing.concat(added);

    let headersChanged = false;
    const workNames = new Array<string>(0);
    const workValues = new Array<string>(0);
    const http = ext.http;
    if (http !== null) {
      const original = http.requestHeaders;
      for (let i = 0; i < original.size; i++) {
        workNames.push(original.names[i]);
        workValues.push(original.values[i]);
      }
      const opNames = c.staticNames.slice(0);
      const opValues = c.staticValues.slice(0);
      for (let m = 0; m < matched.length; m++) {
        const r = c.rules[matched[m]];
        for (let h = 0; h < r.headerNames.length; h++) {
          opNames.push(r.headerNames[h]);
          opValues.push(r.headerValues[h]);
        }
      }
      const idHeader = c.requestIdHeader;
      const id = ext.requestId;
      if (idHeader !== null && id !== null && id.length > 0) {
        opNames.push(idHeader);
        opValues.push(id);
      }
      const labelsHeader = c.labelsHeader;
      if (labelsHeader !== null && finalLabels.length > 0) {
        const sorted = finalLabels.slice(0).sort(compareCodePoints);
        const unique = new Array<string>(0);
        for (let i = 0; i < sorted.length; i++)
          if (i === 0 || sorted[i] !== sorted[i - 1]) unique.push(sorted[i]);
        opNames.push(labelsHeader);
        opValues.push(unique.join(","));
      }
      for (let o = 0; o < opNames.length; o++) {
        let pos = -1;
        for (let w = 0; w < workNames.length && pos < 0; w++)
          if (equalsIgnoreAsciiCase(workNames[w], opNames[o])) pos = w;
        if (pos >= 0 && !c.overwriteHeaders) continue;
        if (pos >= 0) {
          workNames.splice(pos, 1);
          workValues.splice(pos, 1);
        }
        workNames.push(opNames[o]);
        workValues.push(opValues[o]);
      }
      // Header names are unique on both sides, so same size and every pair found means the same set.
      headersChanged = workNames.length !== original.size;
      for (let w = 0; w < workNames.length && !headersChanged; w++) {
        let same = false;
        for (let h = 0; h < original.size && !same; h++)
          same = original.names[h] === workNames[w] && original.values[h] === workValues[w];
        headersChanged = !same;
      }
    }
    if (added.length === 0 && !headersChanged) return Outcome.ok(PluginResult.allow());

    const patch = new ValueMap();
    if (added.length > 0) patch.set("security", Value.newMap().set("labels", Value.fromStrings(finalLabels)));
    if (headersChanged) {
      const headers = new ValueMap();
      for (let w = 0; w < workNames.length; w++) headers.set(workNames[w], Value.fromString(workValues[w]));
      patch.set("http", Value.newMap().set("request_headers", Value.fromMap(headers)));
    }
    const matchedValues = new Array<Value>(0);
    for (let m = 0; m < matched.length; m++) matchedValues.push(Value.fromI64(matched[m]));
    const report = new ValueMap()
      .set("matched_rules", Value.fromArray(matchedValues))
      .set("labels_added", Value.fromStrings(added));
    const metadata = new ValueMap().set("tool_tagger", Value.fromMap(report));
    return Outcome.ok(PluginResult.modifyExtensions(patch).withMetadata(metadata));
  }
}

registerPlugin(new ToolTagger());
