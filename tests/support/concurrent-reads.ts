/**
 * Reads taken while a change runs, for tests that a read sees one state of an aggregate, never
 * half of a change committed between its statements.
 */

/** Runs `change` and, until it ends, `read` again and again; returns every read. */
export async function readsDuring<T>(change: () => Promise<void>, read: () => Promise<T>): Promise<T[]> {
  let changing = true;
  const changed = change().finally(() => {
    changing = false;
  });
  const reads: T[] = [];
  try {
    while (changing) reads.push(await read());
  } catch (err) {
    await changed.catch(() => undefined); // the read's failure is the one to report
    throw err;
  }
  await changed;
  return reads;
}
