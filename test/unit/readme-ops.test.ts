/** The README quotes the permission table and the Prometheus scrape config exactly as the code and the tests have them. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { permissionTableMarkdown } from "../../server/auth/permission-table-doc.js";
import { scrapeConfig } from "../helpers/prometheus.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("the README", () => {
  it("shows the permission table the server enforces", () => {
    expect(readme).toContain(permissionTableMarkdown());
  });

  it("shows the scrape config the Prometheus test uses", () => {
    expect(readme).toContain(scrapeConfig("127.0.0.1:9000", 15));
  });
});
