/**
 * nginx in front of several replicas: the configuration the README's "Running several replicas"
 * shows (generated here, and the README must quote it verbatim — a test checks that), and a
 * helper that runs Debian's nginx in the foreground with everything inside a temporary directory.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface NginxSiteOptions {
  /** The replicas, "host:port" each. */
  upstreams: readonly string[];
  /** What nginx listens on ("80", "127.0.0.1:8080"). */
  listen: string;
}

/**
 * The `upstream` and `server` blocks (http context) that load-balance the replicas and pass
 * watch streams through unbuffered. The README quotes `nginxSiteConfig(README_NGINX_EXAMPLE)`.
 */
export function nginxSiteConfig({ upstreams, listen }: NginxSiteOptions): string {
  return `upstream statusthing {
${upstreams.map((u) => `    server ${u};`).join("\n")}
    keepalive 32;                      # reuse upstream connections
}

server {
    listen ${listen};

    # Watch streams (Connect, gRPC-Web) and /ws stay open: send every message on at once,
    # and do not time out an idle stream (heartbeats come every 15 s by default).
    proxy_http_version 1.1;
    proxy_buffering off;
    proxy_request_buffering off;
    proxy_read_timeout 1h;
    proxy_send_timeout 1h;

    location / {
        proxy_pass http://statusthing;
        proxy_set_header Connection "";    # keep upstream connections alive
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-Host $http_host;
    }

    location /ws {
        proxy_pass http://statusthing;
        proxy_set_header Upgrade $http_upgrade;    # the WebSocket upgrade
        proxy_set_header Connection "upgrade";
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-Host $http_host;
    }
}
`;
}

/** The example the README shows: two replicas on ports 9001 and 9002, nginx on port 80. */
export const README_NGINX_EXAMPLE: NginxSiteOptions = { upstreams: ["127.0.0.1:9001", "127.0.0.1:9002"], listen: "80" };

/** Where Debian's package puts nginx, or undefined when it is not installed. */
export function nginxBinary(): string | undefined {
  for (const candidate of ["/usr/sbin/nginx", "/usr/bin/nginx"]) if (existsSync(candidate)) return candidate;
  return undefined;
}

/** A free TCP port on 127.0.0.1 (free a moment ago). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A whole nginx.conf around the site: pid, logs and temp files under `dir`, in the foreground. */
export function nginxTestConfig(dir: string, site: NginxSiteOptions): string {
  // As root, the master would hand the workers to "nobody", who cannot use the private temp dir.
  const user = process.getuid?.() === 0 ? "user root;\n" : "";
  return `${user}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
    log_format upstream '$upstream_addr $request_method $uri $status';
    access_log ${dir}/access.log upstream;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;

${nginxSiteConfig(site)}}
`;
}

export interface RunningNginx {
  url: string;
  dir: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts nginx (`daemon off`) in front of `upstreams` on a free port; waits until it answers. */
export async function startNginx(binary: string, upstreams: readonly string[]): Promise<RunningNginx> {
  const dir = await mkdtemp(join(tmpdir(), "statusthing-nginx-"));
  await mkdir(join(dir, "logs"));
  const port = await freePort();
  await writeFile(join(dir, "nginx.conf"), nginxTestConfig(dir, { upstreams, listen: `127.0.0.1:${port}` }));
  const child = spawn(binary, ["-p", dir, "-e", join(dir, "error.log"), "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (c: string) => (output += c));
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (output += c));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGQUIT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`nginx exited at start:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not answer within 10 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, dir, child, output: () => output, stop };
}
