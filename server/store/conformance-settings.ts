/** The conformance suite's part on `Store.settings` (page settings and uploaded images): see conformance.ts. */
import type { StoredImage } from "../domain.js";
import type { TestFunctions } from "./conformance-fixtures.js";
import { EMPTY_SETTINGS } from "./settings-store.js";
import type { Store } from "./store.js";

const T0 = new Date("2024-03-01T10:00:00.000Z");
const T1 = new Date("2024-03-01T11:30:00.000Z");

const png = (seed: number): StoredImage => {
  // Every byte value, so a store that mangles binary (text encodings, nulls) shows it.
  const bytes = new Uint8Array(300);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + seed) % 256;
  return { contentType: "image/png", sha256: `sha-${seed}`, bytes };
};

/** Checks `store.settings` against the `SettingsStore` contract. `reopen` restarts the store on the same data. */
export function describeSettingsContract(current: () => Store, reopen: () => Promise<Store>, test: TestFunctions): void {
  const { describe, it, expect } = test;
  const settings = () => current().settings;

  describe("settings", () => {
    it("starts with the empty settings and no images", async () => {
      expect(await settings().get()).toEqual(EMPTY_SETTINGS);
      expect(await settings().image("logo")).toBeUndefined();
      expect(await settings().image("favicon")).toBeUndefined();
    });

    it("saves every field and an uploaded image, logs the change in revision order, and keeps both across a restart", async () => {
      const before = (await current().changeLogBounds()).latest;
      const logo = png(1);
      const saved = await settings().update({
        name: "Acme status",
        description: "Everything Acme runs",
        homeUrl: "https://acme.example",
        supportUrl: "mailto:help@acme.example",
        timeZone: "Europe/Berlin",
        accentColor: "#1A5FB4",
        logo,
        favicon: { link: "https://cdn.acme.example/favicon.png" },
        updated: T0,
      });
      const expected = {
        name: "Acme status",
        description: "Everything Acme runs",
        homeUrl: "https://acme.example",
        supportUrl: "mailto:help@acme.example",
        timeZone: "Europe/Berlin",
        accentColor: "#1A5FB4",
        logo: { kind: "upload", contentType: "image/png", sha256: "sha-1", size: 300 },
        favicon: { kind: "link", url: "https://cdn.acme.example/favicon.png" },
        updated: T0,
      };
      expect(saved).toEqual(expected);
      expect(await settings().get()).toEqual(expected);
      expect(await settings().image("logo")).toEqual(logo);
      expect(await settings().image("favicon")).toBeUndefined();
      const changes = await current().readChanges(before, 100);
      expect(changes).toEqual([{ revision: before + 1, kind: "settings_upsert", settings: expected }]);

      await reopen();
      expect(await settings().get()).toEqual(expected);
      expect(await settings().image("logo")).toEqual(logo);
    });

    it("changes only the fields given; a link or null drops an uploaded image's bytes", async () => {
      await settings().update({ name: "One", description: "first", logo: png(2), favicon: png(3), updated: T0 });
      const renamed = await settings().update({ name: "Two", favicon: null, updated: T1 });
      expect(renamed).toMatchObject({ name: "Two", description: "first", favicon: undefined, updated: T1 });
      expect(renamed.logo).toEqual({ kind: "upload", contentType: "image/png", sha256: "sha-2", size: 300 });
      expect(await settings().image("favicon")).toBeUndefined();
      await settings().update({ logo: { link: "https://example.com/logo.svg" }, updated: T1 });
      expect((await settings().get()).logo).toEqual({ kind: "link", url: "https://example.com/logo.svg" });
      expect(await settings().image("logo")).toBeUndefined();
    });

    it("keeps both of two concurrent changes to different fields", async () => {
      await Promise.all([
        settings().update({ name: "Named", updated: T0 }),
        settings().update({ accentColor: "#0B6E4F", updated: T0 }),
        settings().update({ logo: png(4), updated: T0 }),
      ]);
      const now = await settings().get();
      expect(now).toMatchObject({ name: "Named", accentColor: "#0B6E4F" });
      expect(now.logo).toMatchObject({ kind: "upload", sha256: "sha-4" });
      expect((await settings().image("logo"))?.sha256).toBe("sha-4");
    });

    it("announces a settings change after its commit, like any logged change", async () => {
      let calls = 0;
      const stop = current().onCommit(() => calls++);
      await settings().update({ description: "announced", updated: T0 });
      stop();
      expect(calls).toBe(1);
    });
  });
}
