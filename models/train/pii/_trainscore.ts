// Scores the shipped pack on the TRAINING split (where the model is fitted) to check that a rule's
// effect is not dev-only: npx tsx models/train/pii/_trainscore.ts
import { loadPiiRows, splitPii } from './data.ts';
import { formatReport } from './metrics.ts';
import { loadPiiDetector, scoreRows } from './pack-eval.ts';
const det = await loadPiiDetector('pii');
const r = await scoreRows(det, splitPii(loadPiiRows()).train);
console.log(formatReport('train presidio', r.presidio));
console.log(formatReport('train wnut', r.informal));
