// `npx tsx models/train/pii/main.ts [--seed N]`: trains the PII pack into models/pii (see index.ts).
// models/train/index.ts (another owner's file) does not dispatch "pii" yet; this is the entry point.
import { trainPii } from './index.ts';

const i = process.argv.indexOf('--seed');
const seed = i >= 0 ? Number(process.argv[i + 1]) : 1;
const r = await trainPii({ seed });
console.log(`pii: dev micro-F1 ${r.microF1.toFixed(4)} -> ${r.outDir}`);
