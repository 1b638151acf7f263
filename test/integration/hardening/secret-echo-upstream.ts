import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A hostile upstream for the secret canaries: every answer echoes the request line, every request header (as
 * `name: value` lines and as JSON) and the body into the places a gateway relays — error messages (4xx, 5xx,
 * 429, 401), mid-stream error events, and the metadata fields of success bodies (`id`, `model`,
 * `system_fingerprint`, `responseId`, `modelVersion`). One server speaks every provider's wire format: the first
 * path segment names the provider (`/openai/v1/…`, `/anthropic/v1/messages`, `/gemini/v1beta/…`), and a
 * `mode-…` marker anywhere in the URL or body (the model name) picks the behaviour.
 */
export interface EchoUpstream {
  url: string;
  /** Requests seen (for sanity checks: the canaries did reach the upstream). */
  seen: string[];
  close(): Promise<void>;
}

/** The OAuth access token the fake token endpoint issues (a runtime secret nobody registered). */
export function vertexAccessToken(tag: string): string {
  return `ya29.CANARYvertexaccess${tag}`;
}

export async function startEchoUpstream(tag: string): Promise<EchoUpstream> {
  const seen: string[] = [];
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const echo = echoOf(request, body);
    seen.push(echo);
    try {
      serve(request, response, body, echo, tag);
    } catch (error) {
      response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: `${String(error)} ${echo}` } }));
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function echoOf(request: IncomingMessage, body: string): string {
  const lines = [`${request.method} ${request.url}`];
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    lines.push(`${request.rawHeaders[index]}: ${request.rawHeaders[index + 1]}`);
  }
  lines.push(
    `headers=${JSON.stringify(request.headers)}`,
    `url=http://upstream${request.url}`,
    body.slice(0, 4000),
  );
  return lines.join("\n");
}

function modeOf(url: string, body: string): string {
  return /mode-([a-z0-9-]+?)(?=["/:?.\\]|$)/.exec(`${url} ${body}`)?.[1] ?? "ok";
}

function serve(
  request: IncomingMessage,
  response: ServerResponse,
  body: string,
  echo: string,
  tag: string,
): void {
  const url = request.url ?? "/";
  const provider = url.split("/")[1] ?? "";
  if (provider === "token") {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(
      JSON.stringify({ access_token: vertexAccessToken(tag), expires_in: 3600, token_type: "Bearer" }),
    );
    return;
  }
  const mode = modeOf(url, body);
  const status = /^\d{3}$/.test(mode) ? Number(mode) : 200;
  if (status !== 200) {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      // Headers relayed by careless gateways: they echo too.
      "x-echo": encodeURIComponent(echo.slice(0, 2000)),
      "x-request-id": `req-${encodeURIComponent(echo.slice(0, 200))}`,
    };
    if (status === 429) headers["retry-after"] = "0";
    if (provider === "bedrock")
      headers["x-amzn-errortype"] = status >= 500 ? "InternalServerException:" : "ValidationException:";
    response.writeHead(status, headers);
    response.end(errorBody(provider, status, echo));
    return;
  }
  const stream = /"stream"\s*:\s*true|stream|alt=sse/.test(url) || /"stream"\s*:\s*true/.test(body);
  if (stream) {
    streamBody(provider, response, echo, mode === "stream-error");
    return;
  }
  response.writeHead(200, {
    "content-type": "application/json",
    "x-echo": encodeURIComponent(echo.slice(0, 2000)),
  });
  response.end(successBody(provider, echo));
}

/** One error body that every provider's parser reads a message from. */
function errorBody(provider: string, status: number, echo: string): string {
  if (provider === "anthropic") {
    return JSON.stringify({
      type: "error",
      error: { type: status >= 500 ? "api_error" : "invalid_request_error", message: echo },
    });
  }
  if (provider === "gemini" || provider === "vertex") {
    return JSON.stringify({
      error: { code: status, message: echo, status: status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT" },
    });
  }
  return JSON.stringify({
    error: { message: echo, type: "invalid_request_error", param: null, code: null },
    message: echo,
  });
}

function successBody(provider: string, echo: string): string {
  if (provider === "anthropic") {
    return JSON.stringify({
      id: `msg_${echo}`,
      type: "message",
      role: "assistant",
      model: echo,
      content: [{ type: "text", text: "ok" }],
      stop_reason: "end_turn",
      usage: { input_tokens: 1, output_tokens: 1 },
    });
  }
  if (provider === "gemini" || provider === "vertex") {
    return JSON.stringify({
      candidates: [{ content: { role: "model", parts: [{ text: "ok" }] }, finishReason: "STOP" }],
      usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 },
      modelVersion: echo,
      responseId: echo,
    });
  }
  return JSON.stringify({
    id: `chatcmpl-${echo}`,
    object: "chat.completion",
    created: 1,
    model: echo,
    system_fingerprint: echo,
    choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });
}

function streamBody(provider: string, response: ServerResponse, echo: string, fail: boolean): void {
  response.writeHead(200, {
    "content-type": "text/event-stream",
    "x-echo": encodeURIComponent(echo.slice(0, 2000)),
  });
  const data = (value: unknown, event?: string) =>
    response.write(`${event === undefined ? "" : `event: ${event}\n`}data: ${JSON.stringify(value)}\n\n`);
  if (provider === "anthropic") {
    data(
      {
        type: "message_start",
        message: {
          id: `msg_${echo}`,
          type: "message",
          role: "assistant",
          model: echo,
          content: [],
          stop_reason: null,
          usage: { input_tokens: 1, output_tokens: 0 },
        },
      },
      "message_start",
    );
    data(
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      "content_block_start",
    );
    data(
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "ok" } },
      "content_block_delta",
    );
    if (fail) {
      data({ type: "error", error: { type: "overloaded_error", message: echo } }, "error");
      response.end();
      return;
    }
    data({ type: "content_block_stop", index: 0 }, "content_block_stop");
    data(
      { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 1 } },
      "message_delta",
    );
    data({ type: "message_stop" }, "message_stop");
    response.end();
    return;
  }
  if (provider === "gemini" || provider === "vertex") {
    data({
      candidates: [{ content: { role: "model", parts: [{ text: "ok" }] } }],
      modelVersion: echo,
      responseId: echo,
    });
    if (fail) data({ error: { code: 500, message: echo, status: "INTERNAL" } });
    else
      data({
        candidates: [{ content: { role: "model", parts: [{ text: "!" }] }, finishReason: "STOP" }],
        usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 2, totalTokenCount: 3 },
        modelVersion: echo,
      });
    response.end();
    return;
  }
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    id: `chatcmpl-${echo}`,
    object: "chat.completion.chunk",
    created: 1,
    model: echo,
    system_fingerprint: echo,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  data(chunk({ role: "assistant", content: "ok" }, null));
  if (fail) {
    data({ error: { message: echo, type: "server_error" } });
    response.end();
    return;
  }
  data(chunk({}, "stop"));
  data({
    ...chunk({}, null),
    choices: [],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });
  response.write("data: [DONE]\n\n");
  response.end();
}
