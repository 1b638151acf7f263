import assert from "node:assert/strict";
import { type Client, Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { ErrorDetailSchema } from "../../gen/switchboard/v1/error_detail_pb.js";
import { KeysService } from "../../gen/switchboard/v1/keys_service_pb.js";

export type KeysClient = Client<typeof KeysService>;

function bearer(token: string) {
  return [
    (
      next: Parameters<NonNullable<Parameters<typeof createConnectTransport>[0]["interceptors"]>[number]>[0],
    ) =>
      async (request: Parameters<typeof next>[0]) => {
        request.header.set("authorization", `Bearer ${token}`);
        return next(request);
      },
  ];
}

/** The generated Keys client over the Connect protocol (HTTP/1.1), authenticated with `token`. */
export function connectKeysClient(baseUrl: string, token: string): KeysClient {
  const transport: Transport = createConnectTransport({
    baseUrl,
    httpVersion: "1.1",
    interceptors: bearer(token),
  });
  return createClient(KeysService, transport);
}

/** The same over gRPC (HTTP/2 cleartext, prior knowledge). */
export function grpcKeysClient(baseUrl: string, token: string): KeysClient {
  const transport: Transport = createGrpcTransport({ baseUrl, interceptors: bearer(token) });
  return createClient(KeysService, transport);
}

/** Asserts a ConnectError with this code whose ErrorDetail names `param` (when given). */
export async function assertConnectError(
  promise: Promise<unknown>,
  code: Code,
  param?: string,
): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConnectError, `expected a ConnectError, got ${String(error)}`);
    assert.equal(Code[error.code], Code[code], error.rawMessage);
    if (param !== undefined) {
      const detail = error.findDetails(ErrorDetailSchema)[0];
      assert.equal(detail?.param, param, `param of: ${error.rawMessage}`);
    }
    return error;
  }
  assert.fail(`expected ${Code[code]}, the call succeeded`);
}
