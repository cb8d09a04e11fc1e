/**
 * Incidents and maintenance by mail (#18 part 3 with #16): the outbox's incident and maintenance
 * events reach subscribers of the whole page, and subscribers of chosen items only when the
 * incident or window touches one of them, through a real SMTP server in the test process.
 */
import { afterEach, describe, expect, it } from "vitest";
import { rpc } from "../helpers/auth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { SmtpReceiver } from "../helpers/smtp-receiver.js";

const S = "statusthing.v1.SubscriptionsService";
const INCIDENTS = "statusthing.v1.IncidentsService";
const PUBLIC_URL = "https://status.example.com";

let server: TestServer | undefined;
let smtp: SmtpReceiver | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
  await smtp?.stop();
  smtp = undefined;
});

async function ok(url: string, procedure: string, body: object = {}, as?: "anonymous"): Promise<Record<string, unknown>> {
  const result = await rpc(url, procedure, body, as);
  expect(result.code, `${procedure}: ${result.text}`).toBe("ok");
  return result.body;
}

describe("incidents and maintenance by mail", () => {
  it("mails an incident's declaration and resolution and a window's schedule and cancellation to those whose items they touch", async () => {
    let offsetMs = 0;
    const now = () => new Date(Date.now() + offsetMs);
    smtp = await SmtpReceiver.start();
    server = await startTestServer({
      app: {
        now,
        maintenanceTickMs: 0,
        publicUrl: PUBLIC_URL,
        allowedHosts: ["*"],
        mail: { smtpUrl: smtp.url, from: "Status <status@example.com>" },
        mailDelivery: { pollMs: 100, retryDelayMs: () => 200 },
      },
    });
    const { url } = server;
    const status: Record<string, string> = {};
    for (const s of (await ok(url, "statusthing.v1.StatusService/ListStatus")).statuses as Array<{ id: string; name: string }>) status[s.name] = s.id;
    const item: Record<string, string> = {};
    for (const name of ["API", "DB", "Docs"]) item[name] = ((await ok(url, "statusthing.v1.ItemsService/AddItem", { name, initialStatusId: status.UP })).item as { id: string }).id;

    const receiver = smtp;
    const subscribe = async (email: string, itemIds: string[]) => {
      await ok(url, `${S}/Subscribe`, { email, itemIds }, "anonymous");
      const mail = await receiver.waitFor((m) => m.envelopeTo.includes(email) && m.subject.includes("Confirm"));
      const token = new RegExp(`${PUBLIC_URL}/subscription/confirm\\?token=([A-Za-z0-9_-]+)`).exec(mail.text)![1]!;
      await ok(url, `${S}/ConfirmSubscription`, { token }, "anonymous");
    };
    await subscribe("all@example.com", []);
    await subscribe("db@example.com", [item.DB!]);
    await subscribe("docs@example.com", [item.Docs!]);

    const incident = (
      await ok(url, `${INCIDENTS}/CreateIncident`, {
        title: "Slow queries",
        impact: "INCIDENT_IMPACT_MAJOR",
        message: "Queries take seconds.",
        items: [{ itemId: item.DB, statusId: status.DOWN }],
      })
    ).incident as { id: string };
    await ok(url, `${INCIDENTS}/ResolveIncident`, { incidentId: incident.id, message: "Back to normal." });
    const starts = new Date(Date.now() + 3_600_000);
    const window = (
      await ok(url, `${INCIDENTS}/ScheduleMaintenance`, {
        title: "Docs move",
        message: "The docs site moves.",
        startsAt: starts.toISOString(),
        endsAt: new Date(starts.getTime() + 1_800_000).toISOString(),
        itemIds: [item.Docs],
        statusId: status.WARNING,
      })
    ).maintenance as { id: string };
    await ok(url, `${INCIDENTS}/CancelMaintenance`, { maintenanceId: window.id });
    offsetMs = 0;

    await receiver.waitFor((m) => m.envelopeTo.includes("all@example.com") && m.subject.includes("Maintenance cancelled"));
    await receiver.waitFor((m) => m.envelopeTo.includes("docs@example.com") && m.subject.includes("Maintenance cancelled"));
    await receiver.waitFor((m) => m.envelopeTo.includes("db@example.com") && m.subject.includes("Resolved"));
    const about = (to: string) =>
      receiver
        .to(to)
        .map((m) => m.subject)
        .filter((s) => /Incident|Resolved|Maintenance/.test(s));
    expect(about("all@example.com")).toEqual([
      "[Status] Incident: Slow queries",
      "[Status] Resolved: Slow queries",
      "[Status] Maintenance scheduled: Docs move",
      "[Status] Maintenance cancelled: Docs move",
    ]);
    expect(about("db@example.com")).toEqual(["[Status] Incident: Slow queries", "[Status] Resolved: Slow queries"]);
    expect(about("docs@example.com")).toEqual(["[Status] Maintenance scheduled: Docs move", "[Status] Maintenance cancelled: Docs move"]);

    const declared = receiver.to("db@example.com").find((m) => m.subject.includes("Incident:"))!;
    expect(declared.text).toContain("Queries take seconds.");
    expect(declared.text).toContain(`${PUBLIC_URL}/incidents/${incident.id}`);
    expect(declared.header("list-unsubscribe-post")).toBe("List-Unsubscribe=One-Click");
    const scheduled = receiver.to("docs@example.com").find((m) => m.subject.includes("scheduled"))!;
    expect(scheduled.text).toContain(`From ${starts.toISOString().slice(0, 16).replace("T", " ")} UTC`);
  });
});
