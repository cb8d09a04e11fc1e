import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";
import { describe, expect, it } from "vitest";
import { generateApiTokenSecret, generateSessionToken, hashSecret } from "../../server/auth/secrets.js";

// How secrets were hashed before: stored hashes (sessions, API tokens, heartbeats) must still match.
const hashedBefore = (secret: string) => encodeHexLowerCase(sha256(new TextEncoder().encode(secret)));

describe("hashSecret", () => {
  it("is the hex SHA-256 of the secret's UTF-8 bytes", () => {
    expect(hashSecret("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(hashSecret("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("gives the stored hashes of secrets hashed before, whatever their characters", () => {
    const secrets = [generateSessionToken(), generateApiTokenSecret(), "st_ünïcødé ✓ 🚦", "a lone \ud800 surrogate", "x".repeat(1_000)];
    for (const secret of secrets) expect(hashSecret(secret)).toBe(hashedBefore(secret));
  });
});
