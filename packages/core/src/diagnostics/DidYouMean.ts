/**
 * "Did you mean …?" for misspelt keys, aliases, step ids and inputs: the closest candidate by edit
 * distance, when it is close enough to be a likely typo.
 */

/** Edit distance where swapping two neighbouring letters counts as one edit (a common typo). */
const editDistance = (a: string, b: string): number => {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const above = rows[i - 1] ?? [];
      let best = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row[j] = best;
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
};

/** The candidate closest to `word` (case-insensitive), if within a third of its length (min 1). */
export const closestMatch = (word: string, candidates: Iterable<string>): string | undefined => {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
};

/** `did you mean "x"?`, or a list of what is allowed when nothing is close. */
export const suggestion = (word: string, candidates: readonly string[]): string | undefined => {
  const match = closestMatch(word, candidates);
  if (match !== undefined) return `did you mean "${match}"?`;
  if (candidates.length === 0) return undefined;
  const shown = candidates.slice(0, 12).map((c) => `"${c}"`);
  return `expected one of ${shown.join(", ")}${candidates.length > 12 ? ", …" : ""}`;
};
