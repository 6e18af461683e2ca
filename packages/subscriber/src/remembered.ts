/**
 * A pure function of a string, remembered: the topics and sources a consumer sees are few, and
 * what is derived from them is looked up for every event. Bounded, so unexpected keys cannot
 * grow it without end. Values are shared between callers: they must not be changed.
 */
export function remembered<V>(derive: (key: string) => V, max = 1000): (key: string) => V {
  const seen = new Map<string, V>();
  return (key) => {
    if (seen.has(key)) return seen.get(key) as V;
    if (seen.size >= max) seen.clear();
    const value = derive(key);
    seen.set(key, value);
    return value;
  };
}
