import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { extname, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { GatewayError } from "../core/errors/gateway-error.js";
import type { HttpResponse } from "./http-io.js";
import type { RestContext, RestRoute } from "./rest-shim.js";

/**
 * The admin console's static files (console/, built by Vite into dist/console), served on the gateway's own
 * port under /ui. Only files inside that folder, only with a known extension, never a dot-file; every answer
 * carries a strict Content-Security-Policy (scripts, styles and fetches from this origin only: no CDN, no
 * inline script), so a console page can talk to nothing but this gateway.
 */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONSOLE_CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

/** Files above this size are not console assets (the whole build is a few hundred kB). */
const MAX_ASSET_BYTES = 8 * 1024 * 1024;

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchboard console</title></head>
<body><h1>The admin console is not built</h1>
<p>Run <code>npm run build</code> (or <code>npm ci</code>, which builds it) and restart the gateway.</p></body></html>
`;

/**
 * Where the built console is: dist/console beside the sources (running from src/ with tsx) or beside the
 * compiled code (dist/src/…). Undefined when it was never built.
 */
export function defaultConsoleDir(): string | undefined {
  for (const candidate of ["../../dist/console/", "../../console/"]) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(resolve(dir, "index.html"))) return dir;
  }
  return undefined;
}

/**
 * A path under /ui as a file inside `root`, or undefined when it could leave the folder or name a hidden file.
 * `rest` is already percent-decoded by the shim, so "%2e%2e" arrives here as "..".
 */
export function consoleFilePath(root: string, rest: string): string | undefined {
  if (rest.includes("\0") || rest.includes("\\")) return undefined;
  const segments = rest.split("/");
  for (const segment of segments) {
    if (segment === "" || segment === "." || segment === ".." || segment.startsWith(".")) return undefined;
  }
  const base = resolve(root);
  const file = resolve(base, ...segments);
  return file.startsWith(base + sep) ? file : undefined;
}

function send(
  response: HttpResponse,
  status: number,
  body: Buffer | string,
  headers: Record<string, string>,
) {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  (response as ServerResponse).writeHead(status, {
    ...SECURITY_HEADERS,
    ...headers,
    "content-length": String(bytes.length),
  });
  response.end(bytes);
  return status;
}

async function readAsset(file: string): Promise<Buffer | undefined> {
  try {
    const info = await stat(file);
    if (!info.isFile() || info.size > MAX_ASSET_BYTES) return undefined;
    return await readFile(file);
  } catch {
    return undefined;
  }
}

/**
 * GET /ui (the console's page) and GET /ui/{rest} (its assets). A path without an extension is a page of the
 * single-page app and gets index.html; a missing asset is 404. Public: the files hold no secret, and the
 * console asks for a key in the page.
 */
export function consoleRoutes(folder: string | undefined = defaultConsoleDir()): RestRoute[] {
  // A folder without index.html is a console that was never built.
  const dir = folder !== undefined && existsSync(resolve(folder, "index.html")) ? folder : undefined;
  const page = async (context: RestContext) => {
    if (dir === undefined)
      return send(context.response, 200, NOT_BUILT_PAGE, {
        "content-type": CONTENT_TYPES[".html"]!,
        "cache-control": "no-cache",
      });
    const html = await readAsset(resolve(dir, "index.html"));
    if (html === undefined) throw new GatewayError("not_found", "The console's index.html is missing.");
    return send(context.response, 200, html, {
      "content-type": CONTENT_TYPES[".html"]!,
      "cache-control": "no-cache",
    });
  };
  const asset = async (context: RestContext) => {
    const extension = extname(context.rest).toLowerCase();
    if (extension === "" || dir === undefined) return page(context);
    const type = CONTENT_TYPES[extension];
    const file = type === undefined ? undefined : consoleFilePath(dir, context.rest);
    const body = file === undefined ? undefined : await readAsset(file);
    if (body === undefined || type === undefined) {
      throw new GatewayError("not_found", "No such console file.", { reason: "route_not_found" });
    }
    return send(context.response, 200, body, {
      "content-type": type,
      // Vite names every asset by its content hash: it never changes under the same name.
      "cache-control": context.rest.startsWith("assets/")
        ? "public, max-age=31536000, immutable"
        : "no-cache",
    });
  };
  return [
    { method: "GET", path: "/ui", access: "public", handler: page },
    { method: "GET", path: "/ui/{rest}", access: "public", handler: asset },
  ];
}
