import { createLogger } from "../logging/logger";
import { PeriodicWork } from "./periodic";

const logger = createLogger({ level: "silent" });
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("periodic work", () => {
  it("never overlaps a run still going, and stop waits for it", async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    let runs = 0;
    const work = new PeriodicWork({
      name: "slow",
      intervalMs: 5,
      logger,
      run: async () => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await wait(40);
        concurrent--;
        runs++;
        return 1;
      },
    });
    work.start();
    await wait(120);
    await work.stop();
    expect(maxConcurrent).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(concurrent).toBe(0);
  });

  it("tries again at the next interval after a failed run", async () => {
    let calls = 0;
    const work = new PeriodicWork({
      name: "flaky",
      intervalMs: 5,
      logger,
      run: async () => {
        calls++;
        if (calls === 1) throw new Error("database down");
        return 0;
      },
    });
    work.start();
    await wait(60);
    await work.stop();
    expect(calls).toBeGreaterThanOrEqual(2);
  });
});
