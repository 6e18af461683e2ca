/**
 * Tests that need a tool the machine may lack (Java for a private broker the test can stop).
 * Locally they are skipped with a line saying why; in CI (CI set) a missing tool fails the run,
 * so a suite never passes by quietly not running.
 */
import { dedicatedKafkaAvailable } from "./dedicated-kafka";

export function describeNeedingJava(name: string, fn: () => void): void {
  if (dedicatedKafkaAvailable()) {
    describe(name, fn);
    return;
  }
  const why = `${name}: needs Java for a private Kafka broker the test can stop`;
  if (process.env.CI) {
    describe(name, () => {
      it("has the tools it needs", () => {
        throw new Error(`${why}, and CI must run it (install a JRE, see docs/runbooks/local-infrastructure.md)`);
      });
    });
    return;
  }
  process.stderr.write(`${why}; skipped (not CI)\n`);
}
