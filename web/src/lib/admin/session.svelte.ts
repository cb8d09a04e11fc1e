import { Code, ConnectError } from "@connectrpc/connect";
import type { User } from "$shared/gen/statusthing/v1/access_pb.js";
import { PasswordChangeReason } from "$shared/gen/statusthing/v1/auth_pb.js";
import type { AdminClients } from "./clients.js";

/** Where the admin is: not known yet, signed out, must change the password first, or in. */
export type SessionPhase = "checking" | "signed-out" | "must-change-password" | "signed-in" | "unreachable";

/**
 * The signed-in admin, from `AuthService/WhoAmI`. The session itself is an HttpOnly cookie the
 * server sets and clears; this only mirrors what the server says about it. Any call that comes
 * back `unauthenticated` (the session expired, or was revoked) calls `expired()`, and the console
 * shows the sign-in form again instead of failing page by page.
 */
export class AdminSession {
  phase = $state<SessionPhase>("checking");
  user = $state.raw<User | undefined>(undefined);
  /** Why the password must be changed first (phase "must-change-password"), as the server said. */
  mustChangeReason = $state<PasswordChangeReason>(PasswordChangeReason.UNSPECIFIED);
  /** Why the admin is back at the sign-in form, when it was not their choice. */
  notice = $state<string | undefined>(undefined);

  readonly #clients: AdminClients;
  readonly #onSignIn: () => void;

  constructor(clients: AdminClients, onSignIn: () => void) {
    this.#clients = clients;
    this.#onSignIn = onSignIn;
  }

  /** Asks the server who this browser is. */
  async refresh(): Promise<void> {
    try {
      const me = await this.#clients.auth.whoAmI({});
      this.#set(me.user, me.mustChangePassword, me.mustChangeReason);
    } catch (error) {
      const code = ConnectError.from(error).code;
      if (code === Code.Unauthenticated) this.#set(undefined, false);
      else this.phase = "unreachable";
    }
  }

  /** Signs in; throws what the server said, for the form to explain. */
  async login(username: string, password: string): Promise<void> {
    const response = await this.#clients.auth.login({ username, password });
    this.notice = undefined;
    this.#set(response.user, response.mustChangePassword, response.mustChangeReason);
    this.#onSignIn();
  }

  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    await this.#clients.auth.changePassword({ currentPassword, newPassword });
    await this.refresh();
  }

  async logout(): Promise<void> {
    try {
      await this.#clients.auth.logout({});
    } finally {
      this.#set(undefined, false);
    }
  }

  /** A call said the session is gone: back to the sign-in form, saying why. */
  expired(): void {
    if (this.phase === "signed-out") return;
    this.notice = "Your session has ended. Sign in again to go on.";
    this.#set(undefined, false);
  }

  #set(user: User | undefined, mustChange: boolean, reason = PasswordChangeReason.UNSPECIFIED): void {
    this.user = user;
    this.mustChangeReason = mustChange ? reason : PasswordChangeReason.UNSPECIFIED;
    this.phase = user === undefined ? "signed-out" : mustChange ? "must-change-password" : "signed-in";
  }
}
