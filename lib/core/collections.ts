/** `items` grouped by `key`: each group, and the groups, in the order of their first item. */
export function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/**
 * A copy of `s` that does not keep alive the text it was cut from: V8 makes a substring of 13 or more
 * characters a view of the whole text (a document cut from a file, a name read from its lines), so
 * keeping the piece keeps the file. JSON round trip: exact, lone surrogates included.
 */
export function detached(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}
