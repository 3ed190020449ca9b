// Classifier label -> configured category, as the reference maps it (vsr.md 1.1 step 5), and the
// categories no label of the category pack reaches. Here rather than in src/pipeline/ so `--check`
// can say the latter without loading the request pipeline.
import type { Category, Config } from './schema.ts';

export interface CategoryIndex {
  /** Category for a classifier label: mmlu_categories mapping, else a case-insensitive name match. */
  byLabel(label: string): Category | undefined;
  byName(name: string): Category | undefined;
}

export function indexCategories(config: Config): CategoryIndex {
  const byLabel = new Map<string, Category>();
  const byName = new Map<string, Category>();
  for (const cat of config.categories) byName.set(cat.name.toLowerCase(), cat);
  // Explicit mappings win over name identity; the first category claiming a label keeps it.
  for (const cat of config.categories) {
    for (const label of cat.mmlu_categories ?? []) {
      const key = label.toLowerCase();
      if (!byLabel.has(key)) byLabel.set(key, cat);
    }
  }
  return {
    byLabel: (label) => byLabel.get(label.toLowerCase()) ?? byName.get(label.toLowerCase()),
    byName: (name) => byName.get(name.toLowerCase()),
  };
}

/** Labels listed in a warning before the rest are counted: packs may have hundreds. */
const LISTED_LABELS = 20;

/**
 * Warnings for the categories no label of the category pack reaches (through mmlu_categories, else the
 * category's own name): routing can never select them, so their model_scores and system_prompt do
 * nothing and their questions go to another category or default_model. A config written with the
 * reference's v0.1 spelling `computer_science`, or a typo in mmlu_categories, loaded without a word.
 */
export function unreachableCategories(config: Config, labels: readonly string[], pack: string): string[] {
  const idx = indexCategories(config);
  const reached = new Set<Category>();
  for (const l of labels) {
    const c = idx.byLabel(l);
    if (c) reached.add(c);
  }
  const shown = labels.slice(0, LISTED_LABELS).join(', ') + (labels.length > LISTED_LABELS ? `, ... (${labels.length} in all)` : '');
  const out: string[] = [];
  config.categories.forEach((c, i) => {
    if (reached.has(c)) return;
    out.push(
      `categories[${i}] "${c.name}": no label of the category pack "${pack}" maps to it (mmlu_categories, else the name, ` +
        `case-insensitive), so routing never selects it; the pack's labels: ${shown}`,
    );
  });
  return out;
}
