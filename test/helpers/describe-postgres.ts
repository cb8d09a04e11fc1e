import { describe, expect, it } from "vitest";
import { postgresUnavailable } from "./postgres.js";

/**
 * The `describe` for suites that need PostgreSQL (`what` names them): in CI they must run, so a
 * test that fails saying why stands in for them when PostgreSQL cannot be reached; elsewhere they
 * skip, saying why once.
 */
export async function describeWithPostgres(what: string): Promise<(name: string, suite: () => void) => void> {
  const unavailable = await postgresUnavailable();
  const inCi = process.env.CI === "true";
  if (unavailable && !inCi) console.warn(`skipping ${what}: ${unavailable}`);
  describe.runIf(inCi)(`PostgreSQL for ${what}`, () => {
    it("is reachable (the tests never skip in CI)", () => {
      expect(unavailable).toBeUndefined();
    });
  });
  return (name, suite) => (unavailable === undefined ? describe : describe.skip)(name, suite);
}
