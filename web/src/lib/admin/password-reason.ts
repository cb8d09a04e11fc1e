import { PasswordChangeReason } from "$shared/gen/statusthing/v1/auth_pb.js";

/**
 * What the forced password change says, by the reason the server gave: the default password is
 * known to everyone; one an administrator set is known to them. Branches on the reason, never on
 * message text.
 */
export function forcedChangeMessage(reason: PasswordChangeReason): string {
  switch (reason) {
    case PasswordChangeReason.DEFAULT_PASSWORD:
      return "Before anything else: this account still has the default password, which everyone knows. Choose your own.";
    case PasswordChangeReason.SET_BY_ADMIN:
      return "An administrator set this password, so they know it too. Choose your own before anything else.";
    default:
      return "Before anything else, choose your own password.";
  }
}
