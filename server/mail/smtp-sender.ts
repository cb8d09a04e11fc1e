import type { QueuedMail } from "../store/mail-store.js";

/** Sends one queued mail; resolves with "" when the SMTP server took it, else why not. Never rejects. */
export type SendMail = (mail: QueuedMail) => Promise<string>;

/** How long to wait for the SMTP server to connect, greet and answer each command. */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/** Replaces anything shaped like an address, so an SMTP error ("550 <x@y> unknown") never puts one in a log or row. */
export function withoutAddresses(message: string): string {
  return message.replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g, "<address>").slice(0, 500);
}

/**
 * Sends with nodemailer over `smtpUrl` (`smtp://user:pass@host:587`, which upgrades with
 * STARTTLS when the server offers it, or `smtps://…:465`), one connection per mail. The URL's
 * password stays inside the transport: nothing here logs or returns it.
 */
export async function createSmtpSender(smtpUrl: string, from: string): Promise<{ send: SendMail; close(): void }> {
  // Loaded here, at start-up with --smtp-url, and never without: nodemailer is ~2 MB of heap.
  const { default: nodemailer } = await import("nodemailer");
  const url = new URL(smtpUrl);
  const transport = nodemailer.createTransport({
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port ? Number(url.port) : url.protocol === "smtps:" ? 465 : 587,
    secure: url.protocol === "smtps:",
    ...(url.username && { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }),
    pool: true,
    maxConnections: 4,
    ...TIMEOUTS,
  });
  return {
    async send(mail) {
      try {
        await transport.sendMail({
          from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: mail.messageId,
          headers: mail.headers,
        });
        return "";
      } catch (error) {
        return withoutAddresses(error instanceof Error ? error.message : String(error)) || "sending failed";
      }
    },
    close() {
      transport.close();
    },
  };
}
