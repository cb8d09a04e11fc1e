/**
 * `npm run bench:history`: only the history cases of `bench:api` (see history-cases.ts). Exits
 * non-zero when a budget is missed.
 */
import { measureHistory } from "./history-cases.js";

const log = (message: string) => process.stderr.write(`${message}\n`);
const { verdicts, lines } = await measureHistory(log);
process.stdout.write(`${lines.map((l) => `- ${l}`).join("\n")}\n\n`);
for (const v of verdicts) process.stdout.write(`- ${v.pass ? "PASS  " : "**MISSED**"} ${v.budget}: ${v.actual}\n`);
process.exit(verdicts.every((v) => v.pass) ? 0 : 1);
