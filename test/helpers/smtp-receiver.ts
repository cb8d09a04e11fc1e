import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

/** One mail the receiver took, parsed by mailparser. */
export interface ReceivedMail {
  /** The envelope's MAIL FROM. */
  envelopeFrom: string;
  /** The envelope's RCPT TO addresses. */
  envelopeTo: string[];
  /** The SMTP user that signed in ("" when none did). */
  user: string;
  /** The message as it came over the wire. */
  raw: string;
  parsed: ParsedMail;
  subject: string;
  text: string;
  /** The HTML body ("" when there is none). */
  html: string;
  messageId: string;
  /** A header's value as sent (unfolded), by lower-case name; undefined when absent. */
  header(name: string): string | undefined;
}

/** How the receiver answers now: take mail, or refuse it with a temporary failure (451). */
export type SmtpReceiverMode = "accept" | "refuse";

/**
 * A real SMTP server (the `smtp-server` library) on 127.0.0.1 in the test process. It takes
 * every mail (optionally only after AUTH with the given user and password), parses it with
 * `mailparser` and keeps it. `stop()` and `start()` simulate an outage on the same port; `mode`
 * makes it refuse mail while still answering.
 */
export class SmtpReceiver {
  readonly mails: ReceivedMail[] = [];
  /** How many DATA commands arrived while refusing. */
  refused = 0;
  mode: SmtpReceiverMode = "accept";
  port = 0;
  private server: SMTPServer | undefined;
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly auth: { user: string; pass: string } | undefined) {}

  /** Starts a receiver on a free port; with `auth`, only that user and password may send. */
  static async start(options: { auth?: { user: string; pass: string } } = {}): Promise<SmtpReceiver> {
    const receiver = new SmtpReceiver(options.auth);
    await receiver.start();
    return receiver;
  }

  /** The `--smtp-url` that reaches this receiver (with the user and password when it has them). */
  get url(): string {
    const auth = this.auth ? `${encodeURIComponent(this.auth.user)}:${encodeURIComponent(this.auth.pass)}@` : "";
    return `smtp://${auth}127.0.0.1:${this.port}`;
  }

  /** Listens (again) on its port, or on a free one the first time. */
  async start(): Promise<void> {
    if (this.server) return;
    const auth = this.auth;
    const server = new SMTPServer({
      // Plain SMTP on loopback: no certificate to trust, and nodemailer does not try STARTTLS.
      disabledCommands: auth ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
      authOptional: !auth,
      allowInsecureAuth: true,
      logger: false,
      closeTimeout: 100,
      onAuth(attempt, _session, callback) {
        if (auth && attempt.username === auth.user && attempt.password === auth.pass) callback(null, { user: attempt.username });
        else callback(new Error("535 authentication failed"));
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          if (this.mode === "refuse") {
            this.refused++;
            const error = Object.assign(new Error("451 try again later"), { responseCode: 451 });
            callback(error);
            return;
          }
          const raw = Buffer.concat(chunks).toString("utf8");
          void simpleParser(raw).then(
            (parsed) => {
              this.mails.push(toReceived(raw, parsed, session));
              for (const wake of this.waiters) wake();
              callback();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening (connections are refused) until `start()`. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Mails to `address` (envelope recipient), in arrival order. */
  to(address: string): ReceivedMail[] {
    return this.mails.filter((m) => m.envelopeTo.includes(address.toLowerCase()));
  }

  /** The first mail (already here or still to come) that `predicate` accepts; rejects after `timeoutMs`. */
  async waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs = 10_000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.mails.find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no such mail within ${timeoutMs} ms; got: ${JSON.stringify(this.mails.map((m) => [m.envelopeTo, m.subject]))}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, 200));
        this.waiters.add(wake);
      });
    }
  }
}

function toReceived(
  raw: string,
  parsed: ParsedMail,
  session: { envelope: { mailFrom: false | { address: string }; rcptTo: Array<{ address: string }> }; user?: unknown },
): ReceivedMail {
  const lines = new Map<string, string>();
  for (const line of parsed.headerLines)
    lines.set(
      line.key.toLowerCase(),
      line.line
        .slice(line.line.indexOf(":") + 1)
        .replace(/\r?\n[ \t]+/g, " ")
        .trim(),
    );
  return {
    envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
    envelopeTo: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
    user: typeof session.user === "string" ? session.user : "",
    raw,
    parsed,
    subject: parsed.subject ?? "",
    text: parsed.text ?? "",
    html: typeof parsed.html === "string" ? parsed.html : "",
    messageId: parsed.messageId ?? "",
    header: (name) => lines.get(name.toLowerCase()),
  };
}
