/**
 * Cutting a step's items into batches (one Transfer task each) as they stream in, keeping their
 * order, and finding items that share a destination. Built for a million items: an item is kept
 * as given until its batch is full, then the batch becomes one compact string of JSON lines
 * (`ItemsJson`) and is fingerprinted at once; the duplicate index is a typed-array hash table of
 * item numbers rather than a `Map` of strings (about half the time and memory).
 */
import { ITEM_OVERHEAD_BYTES, type PlanTransferItem } from "./Plan.ts";

/** Characters JSON.stringify escapes, and surrogates (it escapes lone ones). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what JSON escapes.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** As {@link NEEDS_ESCAPE}, without `"` and `\`, and with the line feed that separates lines. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what JSON escapes.
const CONTROL_IN_TEXT = /[\u0000-\u0009\u000b-\u001f\ud800-\udfff]/;

/** Whether JSON.stringify writes `text` between quotes unchanged. */
export const isPlainJsonString = (text: string): boolean => !NEEDS_ESCAPE.test(text);

/**
 * Whether a batch-file line is free of `"`, `'` and `\`: then the paths the line parser gives
 * hold no quote, backslash or line break (unquoted whitespace separates words), and can go to
 * `addPair` / `addString`. Three native scans instead of a regex per path.
 */
export const hasNoQuotes = (line: string): boolean =>
  line.indexOf('"') < 0 && line.indexOf("'") < 0 && line.indexOf("\\") < 0;

/** `JSON.stringify(item)`, fast for a plain string or a pair of plain strings. */
export const itemJson = (item: unknown): string => {
  if (typeof item === "string") {
    return NEEDS_ESCAPE.test(item) ? JSON.stringify(item) : `"${item}"`;
  }
  if (Array.isArray(item) && item.length === 2) {
    const [source, destination] = item;
    if (
      typeof source === "string" &&
      typeof destination === "string" &&
      !NEEDS_ESCAPE.test(source) &&
      !NEEDS_ESCAPE.test(destination)
    ) {
      return `["${source}","${destination}"]`;
    }
  }
  return JSON.stringify(item) ?? "null";
};

/** A transfer item tuple with unset trailing fields left off (see `PlanTransferItem`). */
export const transferTuple = (
  source: string,
  destination: string,
  recursive: boolean | undefined,
  externalChecksum: string | undefined,
  checksumAlgorithm: string | undefined,
): PlanTransferItem =>
  checksumAlgorithm !== undefined
    ? [source, destination, recursive ?? null, externalChecksum ?? null, checksumAlgorithm]
    : externalChecksum !== undefined
      ? [source, destination, recursive ?? null, externalChecksum]
      : recursive !== undefined
        ? [source, destination, recursive]
        : [source, destination];

/** How big a batch may get. */
export interface BatchLimits {
  /** Items per batch, at least 1. */
  readonly maxItems: number;
  /**
   * Estimated request bytes per batch: each item's JSON line length plus `ITEM_OVERHEAD_BYTES`
   * (a character JSON escapes may count as one). A single larger item gets a batch of its own.
   */
  readonly maxBytes: number;
}

/** A batch as the collector gives it back (the shape of `PlanBatch`). */
export interface CollectedBatch {
  /** From the collector's `seal`. */
  readonly fingerprint: string;
  readonly itemCount: number;
  /** The items' JSON lines joined by `",\n"`. */
  readonly itemsJson: string;
}

/**
 * Collects one step's items in order, cutting batches as they come, and refuses an item whose key
 * (a destination, or a path) an earlier item has. A full batch is written as one string and
 * sealed (fingerprinted) at once, so only the open batch holds per-item strings. Memory per item:
 * its line inside its batch's text, and about 30 bytes of index.
 */
export interface BatchCollector {
  /**
   * Adds an item, given as its JSON line and its key, unless an earlier item has the same key;
   * returns -1 when added, else the earlier item's number (for `lineAt` / `originAt`). `origin`
   * is any integer the caller wants back later (where the item came from).
   */
  readonly add: (line: string, key: string, origin: number) => number;
  /**
   * `add` for the item `[first, second]`, keyed by `second`. Neither string may hold `"`, `\` or a
   * line feed (see `hasNoQuotes`); control characters and surrogates are found and escaped when
   * the batch is sealed, so the common item costs no scan of its own.
   */
  readonly addPair: (first: string, second: string, origin: number) => number;
  /** `add` for the item `text` (a path), keyed by itself; the same rule as `addPair`. */
  readonly addString: (text: string, origin: number) => number;
  /**
   * After an `add…` that returned an earlier item: whether that item is identical (a duplicate)
   * rather than only sharing the key (a conflict).
   */
  readonly wasIdentical: () => boolean;
  /** The JSON line of the `n`-th item added (0-based). */
  readonly lineAt: (n: number) => string;
  /** The origin given with the `n`-th item. */
  readonly originAt: (n: number) => number;
  /** Items added. */
  readonly size: () => number;
  /** The batches, in order; the collector is done after this. */
  readonly finish: () => CollectedBatch[];
}

/**
 * Keys compare with one trailing `/` dropped (`/a/b/` and `/a/b` are the same destination), except
 * the root `/`.
 */
const keyLength = (path: string): number =>
  path.length > 1 && path.charCodeAt(path.length - 1) === 47 ? path.length - 1 : path.length;

/** Whether `a` and `b` are the same key. */
export const sameKey = (a: string, b: string): boolean => {
  if (a === b) return true;
  const length = keyLength(a);
  if (length !== keyLength(b)) return false;
  // Same key length, different strings: equal only if exactly one has the trailing "/".
  return a.length > b.length ? a.startsWith(b) : b.startsWith(a);
};

/** FNV-1a over the key's UTF-16 code units. */
const hashKey = (key: string): number => {
  const n = keyLength(key);
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h;
};

const SEPARATOR = ",\n";

const NON_ASCII = /[\u0080-\uffff]/;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/**
 * The same text, stored compactly: a string built from pieces of two-byte strings (a streaming
 * `TextDecoder` gives those, even for ASCII) is two-byte too, twice the memory of the one-byte
 * string decoding its UTF-8 gives. Only for text without lone surrogates, which UTF-8 cannot hold.
 */
const compactText = (text: string): string => utf8Decoder.decode(utf8Encoder.encode(text));

const INITIAL_TABLE = 1 << 10;

/** How an open-batch item was given. */
const LINE = 0;
const PAIR = 1;
const STRING = 2;

/** The quick line of a pair or string item, exact unless a string has a control character. */
const quickLine = (kind: number, first: string, second: string): string =>
  kind === PAIR ? `["${first}","${second}"]` : `"${first}"`;

/** The exact line of a pair or string item. */
const exactLine = (kind: number, first: string, second: string): string => {
  const quick = quickLine(kind, first, second);
  return CONTROL_IN_TEXT.test(quick)
    ? JSON.stringify(kind === PAIR ? [first, second] : first)
    : quick;
};

const grown = (array: Int32Array): Int32Array<ArrayBuffer> => {
  const next = new Int32Array(array.length * 2);
  next.set(array);
  return next;
};

/**
 * A collector cut by `limits`. `keyOfLine` gives the key back from an item's line; it is called
 * only when two keys hash alike, so it may be slow (`JSON.parse`). `seal` fingerprints a full
 * batch's text.
 */
export const makeBatchCollector = (
  keyOfLine: (line: string) => string,
  seal: (itemsJson: string) => string,
  limits: BatchLimits,
): BatchCollector => {
  const batches: CollectedBatch[] = [];
  /** Number of the first item of each sealed batch. */
  const starts: number[] = [];
  // The open batch: each item as given (a line, a pair, a string); its text is built when sealed.
  let kinds: number[] = [];
  let firsts: string[] = [];
  let seconds: string[] = [];
  let currentStart = 0;
  let currentBytes = 0;
  let currentChars = 0;
  let size = 0;
  // Open addressing with linear probing. Slot i is table[2i] = item number + 1 (0: empty) and
  // table[2i + 1] = the key's hash, side by side so a probe touches one cache line.
  let table = new Int32Array(INITIAL_TABLE * 2);
  let mask = INITIAL_TABLE - 1;
  let origins = new Int32Array(INITIAL_TABLE);
  /** Where each item's line starts in its batch's text. */
  let offsets = new Int32Array(INITIAL_TABLE);

  const close = (): void => {
    const count = kinds.length;
    if (count === 0) return;
    // Written here rather than item by item, so the pieces die young.
    let itemsJson = "";
    for (let i = 0; i < count; i++) {
      const kind = kinds[i];
      const line =
        kind === PAIR
          ? `["${firsts[i]}","${seconds[i]}"]`
          : kind === STRING
            ? `"${firsts[i]}"`
            : (firsts[i] ?? "");
      itemsJson = i === 0 ? line : `${itemsJson}${SEPARATOR}${line}`;
    }
    if (!CONTROL_IN_TEXT.test(itemsJson)) {
      // ASCII pieces (the line reader's) are one-byte strings already: re-encoding is only worth
      // it when some character is not ASCII.
      if (NON_ASCII.test(itemsJson)) itemsJson = compactText(itemsJson);
    } else {
      // Rare: a path with a control character or a surrogate. Make those lines exact.
      const exact: string[] = [];
      let offset = 0;
      for (let i = 0; i < count; i++) {
        const kind = kinds[i] ?? LINE;
        const line =
          kind === LINE ? (firsts[i] ?? "") : exactLine(kind, firsts[i] ?? "", seconds[i] ?? "");
        exact.push(line);
        offsets[currentStart + i] = offset;
        offset += line.length + SEPARATOR.length;
      }
      itemsJson = exact.join(SEPARATOR);
    }
    batches.push({ fingerprint: seal(itemsJson), itemCount: count, itemsJson });
    starts.push(currentStart);
    currentStart = size;
    kinds = [];
    firsts = [];
    seconds = [];
    currentBytes = 0;
    currentChars = 0;
  };

  const lineAt = (n: number): string => {
    if (n >= currentStart) {
      const i = n - currentStart;
      const first = firsts[i];
      if (first === undefined) throw new Error(`batch collector: no item ${n}`);
      const kind = kinds[i] ?? LINE;
      return kind === LINE ? first : exactLine(kind, first, seconds[i] ?? "");
    }
    // The last sealed batch whose first item is ≤ n.
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= n) lo = mid;
      else hi = mid - 1;
    }
    const text = batches[lo]?.itemsJson ?? "";
    const next = lo + 1 < starts.length ? (starts[lo + 1] ?? 0) : currentStart;
    const from = offsets[n] ?? 0;
    const to = n + 1 < next ? (offsets[n + 1] ?? 0) - SEPARATOR.length : text.length;
    return text.slice(from, to);
  };

  /** Doubles the table, moving every entry (with its stored hash) to its new slot. */
  const rehash = (): void => {
    const capacity = (mask + 1) * 2;
    const next = new Int32Array(capacity * 2);
    const nextMask = capacity - 1;
    for (let old = 0; old < table.length; old += 2) {
      const entry = table[old] ?? 0;
      if (entry === 0) continue;
      const h = table[old + 1] ?? 0;
      let slot = h & nextMask;
      while (next[slot * 2] !== 0) slot = (slot + 1) & nextMask;
      next[slot * 2] = entry;
      next[slot * 2 + 1] = h;
    }
    table = next;
    mask = nextMask;
  };

  /** Hash of the key last probed, for `place`. */
  let probedHash = 0;
  /** Whether the last probe found an identical item. */
  let identical = false;

  /** Whether item `n` is the item given as (`kind`, `first`, `second`). */
  const sameItem = (n: number, kind: number, first: string, second: string): boolean => {
    const i = n - currentStart;
    if (i >= 0 && kinds[i] === kind) {
      // Both given the same way: compare what was given, without building lines.
      return firsts[i] === first && (kind !== PAIR || seconds[i] === second);
    }
    return lineAt(n) === (kind === LINE ? first : exactLine(kind, first, second));
  };

  /** The key of item `n`. */
  const keyAt = (n: number): string => {
    const i = n - currentStart;
    const kind = i >= 0 ? kinds[i] : LINE;
    if (kind === PAIR) return seconds[i] ?? "";
    if (kind === STRING) return firsts[i] ?? "";
    return keyOfLine(lineAt(n));
  };

  /**
   * The free slot for `key`, or -(earlier item + 1) when an earlier item has this key (and
   * `identical` says whether it is the same item).
   */
  const probe = (key: string, kind: number, first: string, second: string): number => {
    const h = hashKey(key);
    probedHash = h;
    let slot = h & mask;
    for (let entry = table[slot * 2] ?? 0; entry !== 0; entry = table[slot * 2] ?? 0) {
      if (table[slot * 2 + 1] === h) {
        const n = entry - 1;
        if (sameItem(n, kind, first, second)) {
          identical = true;
          return -entry;
        }
        if (sameKey(keyAt(n), key)) {
          identical = false;
          return -entry;
        }
      }
      slot = (slot + 1) & mask;
    }
    return slot;
  };

  /** Records a new item in `slot`, sealing the open batch first if the item does not fit. */
  const place = (
    slot: number,
    origin: number,
    kind: number,
    lineLength: number,
    first: string,
    second: string,
  ): -1 => {
    const weight = ITEM_OVERHEAD_BYTES + lineLength;
    if (
      kinds.length > 0 &&
      (kinds.length >= limits.maxItems || currentBytes + weight > limits.maxBytes)
    ) {
      close();
    }
    if (size === origins.length) {
      origins = grown(origins);
      offsets = grown(offsets);
    }
    if (kinds.length > 0) currentChars += SEPARATOR.length;
    origins[size] = origin;
    offsets[size] = currentChars;
    table[slot * 2] = size + 1;
    table[slot * 2 + 1] = probedHash;
    kinds.push(kind);
    firsts.push(first);
    seconds.push(second);
    currentBytes += weight;
    currentChars += lineLength;
    size++;
    if (size * 2 > mask + 1) rehash();
    return -1;
  };

  return {
    add: (line, key, origin) => {
      const slot = probe(key, LINE, line, "");
      return slot < 0 ? -slot - 1 : place(slot, origin, LINE, line.length, line, "");
    },
    addPair: (first, second, origin) => {
      const slot = probe(second, PAIR, first, second);
      return slot < 0
        ? -slot - 1
        : place(slot, origin, PAIR, first.length + second.length + 7, first, second);
    },
    addString: (text, origin) => {
      const slot = probe(text, STRING, text, "");
      return slot < 0 ? -slot - 1 : place(slot, origin, STRING, text.length + 2, text, "");
    },
    wasIdentical: () => identical,
    lineAt,
    originAt: (n) => origins[n] ?? 0,
    size: () => size,
    finish: () => {
      close();
      return batches;
    },
  };
};
