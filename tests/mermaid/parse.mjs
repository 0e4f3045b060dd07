// Parse Mermaid files with Mermaid's own parser (in node, with jsdom standing in for a browser).
// Usage: node tests/mermaid/parse.mjs FILE...   Prints "ok FILE TYPE" or "FAIL FILE: why"; exit 1 on a failure.
import { JSDOM } from "jsdom";
import { readFileSync } from "node:fs";

const dom = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const name of ["DOMParser", "Element", "HTMLElement", "Node"]) {
  if (!(name in globalThis)) globalThis[name] = dom.window[name];
}
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });

let failed = 0;
for (const path of process.argv.slice(2)) {
  try {
    const parsed = await mermaid.parse(readFileSync(path, "utf8"));
    console.log(`ok ${path} ${parsed && parsed.diagramType}`);
  } catch (error) {
    failed++;
    console.log(`FAIL ${path}: ${String(error.message || error).split("\n").slice(0, 3).join(" | ")}`);
  }
}
process.exit(failed ? 1 : 0);
