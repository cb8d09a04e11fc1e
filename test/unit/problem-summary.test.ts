import { describe, expect, it } from "vitest";
import { StatusKind } from "../../shared/gen/statusthing/v1/types_pb.js";
import { problemSummary } from "../../shared/problem-summary.js";

const { UP, DOWN, WARNING, INVESTIGATING, OBSERVING, DECOMM } = StatusKind;
const items = (...pairs: Array<[string, StatusKind | undefined]>) => pairs.map(([name, kind]) => ({ name, kind }));

describe("problemSummary", () => {
  it("names the items with problems instead of counting them", () => {
    expect(problemSummary(items(["Website", UP], ["Payments", DOWN], ["Search", DOWN]))).toBe("Payments and Search are down");
    expect(problemSummary(items(["Payments", DOWN], ["Website", UP]))).toBe("Payments is down");
    expect(problemSummary(items(["A", DOWN], ["B", DOWN], ["C", DOWN]))).toBe("A, B and C are down");
  });

  it("names a few and counts the rest when many have the same problem", () => {
    const many = items(["Payments", DOWN], ["Search", DOWN], ...[1, 2, 3, 4, 5].map((n): [string, StatusKind] => [`S${n}`, DOWN]));
    expect(problemSummary(many)).toBe("Payments, Search and 5 more are down");
  });

  it("gives mixed kinds a clause each, worst first, and counts kinds beyond two", () => {
    expect(problemSummary(items(["Search", WARNING], ["Payments", DOWN]))).toBe("Payments is down; Search is degraded");
    expect(problemSummary(items(["Search", WARNING], ["Payments", DOWN], ["API", DOWN], ["Mail", DOWN]))).toBe("Payments and 2 more are down; Search is degraded");
    expect(problemSummary(items(["Payments", DOWN], ["Search", WARNING], ["Mail", OBSERVING], ["SSO", INVESTIGATING]))).toBe(
      "Payments is down; Search is degraded; 2 more have problems",
    );
    expect(problemSummary(items(["Payments", DOWN], ["Search", WARNING], ["Mail", OBSERVING]))).toBe("Payments is down; Search is degraded; 1 more has a problem");
  });

  it("is undefined when nothing has a problem", () => {
    expect(problemSummary(items(["Website", UP], ["Old", DECOMM], ["New", undefined]))).toBeUndefined();
    expect(problemSummary([])).toBeUndefined();
  });
});
