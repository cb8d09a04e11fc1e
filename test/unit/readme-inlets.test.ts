/** The README's "Connect your monitoring" shows the very files the inlet tests use (docs/inlets/), so they cannot drift. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const doc = (name: string) => readFileSync(new URL(`../../docs/inlets/${name}`, import.meta.url), "utf8").trimEnd();

describe("README, Connect your monitoring", () => {
  it.each(["alertmanager.yml", "grafana-contact-point.yml", "heartbeat.cron"])("shows docs/inlets/%s as it is", (name) => {
    expect(readme).toContain(doc(name));
  });
});
