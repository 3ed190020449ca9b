// How the joined-turns scan is bounded (src/guard/turns.ts), chosen on the training side only:
//   nice npx tsx models/train/eval-turns-choice.ts
// Scores eval-turns.ts's multi-turn sets built from the train-side calibration slice (cluster-respecting
// 20%, salt semroute-calib-v1, as train-classifier.ts calibrates on) with the pack's own calibration
// model: L-BFGS on the train side minus that slice, threshold calibrated on the slice and moved to 0.7
// by the bias shift, as train-classifier.ts does before its final fit (jailbreak-heldout.ts). The
// shipped pack trained on the whole train side, so its train-side figures are in-sample (per-message
// recall 0.99); this model never saw the slice. Dev is scored afterwards with `npm run eval -- jailbreak
// dev --guard --turns`, never here.
import { jailbreakHeldOut } from './jailbreak-heldout.ts';
import { evaluateTurnsOn, printTurns } from './eval-turns.ts';

const { classifier: clf, cal } = jailbreakHeldOut();
for (const maxTurns of [2, 3, 4, 6]) {
  for (const maxChars of [2048, 4096, 8192]) printTurns(await evaluateTurnsOn(clf, cal, 'train-side calibration slice', { maxTurns, maxChars }));
}
