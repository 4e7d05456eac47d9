// "Did you mean" for misspelt names: the Levenshtein distance and the closest known name, compared
// without case, hyphens or underscores (so eval-every and eval_every find evalEvery).
/** Edits (insertions, deletions, substitutions) turning `a` into `b`. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

const normal = (s: string): string => s.toLowerCase().replace(/[-_]/g, '');

/** The known name closest to `word`, if one is close enough to be a slip (about a third of it). */
export function closestName(word: string, known: readonly string[]): string | undefined {
  const w = normal(word);
  const limit = Math.max(1, Math.floor(w.length / 3));
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = editDistance(w, normal(name));
    if (d <= limit && (best === undefined || d < best.d)) best = { name, d };
  }
  return best?.name;
}
