// Parses Mermaid diagrams with Mermaid's own parser (mermaid.parse), the
// way GitHub's renderer reads them. Usage: node mermaid-parse.mjs FILE...
// Prints "ok FILE" or "FAIL FILE: message" per file; exits 1 when any fails.
// Mermaid's DOMPurify needs a window, which jsdom provides.
import { JSDOM } from 'jsdom';
import fs from 'node:fs';

const dom = new JSDOM('<!DOCTYPE html><body></body>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
// GitHub keeps Mermaid's default limits; the diagram must fit them.
mermaid.initialize({ startOnLoad: false });
const maxTextSize = 50000;

let failed = 0;
for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, 'utf8');
  try {
    if (text.length > maxTextSize) {
      throw new Error(`${text.length} characters, over Mermaid's maxTextSize ${maxTextSize}`);
    }
    await mermaid.parse(text);
    console.log(`ok ${file}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${file}: ${String(e && e.message ? e.message : e).replace(/\n/g, ' ')}`);
  }
}
process.exit(failed ? 1 : 0);
