import { describe, expect, it } from "vitest";
import { StatusKind } from "../../shared/gen/statusthing/v1/types_pb.js";
import { pageOverall } from "../../shared/page-overall.js";
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

describe("problemSummary with maintenance", () => {
  const under = (name: string, kind: StatusKind) => ({ name, kind, maintenance: true });

  it("says maintenance, not a problem, for items in a window under way", () => {
    expect(problemSummary([under("Search", StatusKind.UNAVAILABLE)])).toBe("Search is under maintenance");
    expect(problemSummary([under("Search", DOWN), under("Mail", DOWN), { name: "Website", kind: UP }])).toBe("Search and Mail are under maintenance");
  });

  it("puts maintenance after the real problems, in its own clause", () => {
    expect(problemSummary([{ name: "Payments", kind: DOWN }, under("Search", DOWN)])).toBe("Payments is down; Search is under maintenance");
    const many = [{ name: "Payments", kind: DOWN }, under("A", DOWN), under("B", DOWN), under("C", DOWN)];
    expect(problemSummary(many)).toBe("Payments is down; A and 2 more are under maintenance");
  });
});

describe("pageOverall", () => {
  it("reads a page with only maintenance as maintenance in progress, with no problems", () => {
    const overall = pageOverall([
      { name: "Website", kind: UP },
      { name: "Search", kind: DOWN, maintenance: true },
    ]);
    expect(overall.banner).toBe("Maintenance in progress");
    expect(overall.worst.tone).toBe("maintenance");
    expect(overall.problems).toBe(0);
    expect(overall.total).toBe(2);
  });

  it("lets a real problem outrank maintenance", () => {
    const overall = pageOverall([
      { name: "Payments", kind: WARNING },
      { name: "Search", kind: DOWN, maintenance: true },
    ]);
    expect(overall.banner).toBe("Partial outage");
    expect(overall.problems).toBe(1);
  });
});
