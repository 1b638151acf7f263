import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createSwitchboardClient, Role } from "../../clients/typescript/src/index.js";
import { deployment, MASTER_KEY, startTestGateway } from "../helpers/gateway.js";

describe("Chat.Stream names the response once", () => {
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    gateway = await startTestGateway([deployment("mock-gpt", "mock", "fixed")]);
  });
  after(() => gateway.close(100));

  it("carries the gateway's response id (the ledger's) and the model on every event, the routing event included", async () => {
    const { chat } = createSwitchboardClient({ baseUrl: gateway.url, apiKey: MASTER_KEY });
    const messages = [{ role: Role.USER, content: [{ part: { case: "text" as const, value: "hi" } }] }];
    const events = [];
    for await (const event of chat.stream({ request: { model: "mock-gpt", messages } })) events.push(event);
    assert.equal(events[0]?.event.case, "routing");
    // chatcmpl-<request id>, not the upstream's chatcmpl-mock-…: the ledger finds the row by the id the caller saw.
    assert.match(events[0]?.id ?? "", /^chatcmpl-[0-9a-f-]{36}$/);
    assert.deepEqual(new Set(events.map((event) => event.id)).size, 1);
    // The mock answers under the name it was asked for, as a real model does (issue #15).
    assert.deepEqual([...new Set(events.map((event) => event.model))], ["mock-gpt"]);
  });
});
