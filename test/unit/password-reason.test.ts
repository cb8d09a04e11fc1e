import { describe, expect, it } from "vitest";
import { PasswordChangeReason } from "../../shared/gen/statusthing/v1/auth_pb.js";
import { forcedChangeMessage } from "../../web/src/lib/admin/password-reason.js";

describe("the forced password change's wording", () => {
  it("says the default password is known to everyone only when that is the reason", () => {
    expect(forcedChangeMessage(PasswordChangeReason.DEFAULT_PASSWORD)).toMatch(/default password, which everyone knows/);
    const setByAdmin = forcedChangeMessage(PasswordChangeReason.SET_BY_ADMIN);
    expect(setByAdmin).toMatch(/An administrator set this password/);
    expect(setByAdmin).not.toMatch(/default|everyone/);
    expect(forcedChangeMessage(PasswordChangeReason.UNSPECIFIED)).not.toMatch(/default|everyone|administrator/);
  });
});
