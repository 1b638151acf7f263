#!/usr/bin/env node
// The floor for any Node gateway: a bare node:http pass-through proxy (no parsing, no auth, pooled keep-alive
// sockets to the upstream, bodies piped both ways). The benchmark runs it as the "bare" arm so that a gateway's
// cost can be read as "N× a pipe".
// Usage: node bench/bare-proxy.mjs --upstream=http://127.0.0.1:PORT [--port=0]; prints {"port":N} when listening.
import { Agent, createServer, request as httpRequest } from "node:http";
import { parseArgs } from "node:util";

const { values: flags } = parseArgs({
  options: { port: { type: "string", default: "0" }, upstream: { type: "string" } },
});
const upstream = new URL(flags.upstream ?? "");
if (upstream.hostname !== "127.0.0.1") throw new Error("the bare proxy only forwards to 127.0.0.1");
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY, maxFreeSockets: 256 });

const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  const headers = { ...request.headers, host: upstream.host };
  const outgoing = httpRequest(
    {
      agent,
      host: upstream.hostname,
      port: upstream.port,
      method: request.method,
      path: request.url,
      headers,
    },
    (incoming) => {
      response.writeHead(incoming.statusCode ?? 502, incoming.headers);
      incoming.pipe(response);
    },
  );
  outgoing.on("error", () => {
    if (!response.headersSent) response.writeHead(502);
    response.end();
  });
  response.on("close", () => {
    if (!response.writableFinished) outgoing.destroy();
  });
  request.pipe(outgoing);
});

server.listen(Number(flags.port), "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === "object" && address ? address.port : 0 })}\n`,
  );
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 500).unref();
  });
}
