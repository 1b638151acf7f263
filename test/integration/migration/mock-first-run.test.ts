import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import type { App } from "../../../src/app.js";
import { deployment, MASTER_KEY, startTestGateway } from "../../helpers/gateway.js";

// The mock is the first model a newcomer talks to (embedded default: mock-gpt and mock/*): it must behave like
// a real model through the OpenAI SDK (issue #15).
describe("the mock provider behaves like a real model", () => {
  let app: App;
  let client: OpenAI;
  before(async () => {
    app = await startTestGateway([
      deployment("mock-gpt", "mock", "mock-gpt"),
      deployment("mock/*", "mock", "*"),
    ]);
    client = new OpenAI({ baseURL: `${app.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
  });
  after(async () => {
    await app.close(1_000);
  });

  it("answers under the name it was asked for", async () => {
    const plain = await client.chat.completions.create({
      model: "mock-gpt",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(plain.model, "mock-gpt");
    const wildcard = await client.chat.completions.create({
      model: "mock/echo",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(wildcard.model, "mock/echo");
    const stream = await client.chat.completions.create({
      model: "mock-gpt",
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
    for await (const chunk of stream) assert.equal(chunk.model, "mock-gpt");
  });

  it("GET /v1/models/mock/tool finds a model a wildcard serves; an unserved one is 404", async () => {
    const model = await client.models.retrieve("mock/tool");
    assert.equal(model.id, "mock/tool");
    await assert.rejects(client.models.retrieve("nope/tool"), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError);
      assert.equal(error.status, 404);
      return true;
    });
  });

  it("runTools ends: the tool is called once with schema-shaped arguments, then the model answers", async () => {
    const calls: unknown[] = [];
    const runner = client.chat.completions.runTools({
      model: "mock/tool",
      messages: [{ role: "user", content: "What is the weather in Paris?" }],
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: "The weather in a city",
            parameters: {
              type: "object",
              properties: { city: { type: "string" }, days: { type: "integer" } },
              required: ["city"],
            },
            function: (args: Record<string, unknown>) => {
              calls.push(args);
              return "sunny, 21°C";
            },
            parse: (text: string) => JSON.parse(text) as Record<string, unknown>,
          },
        },
      ],
    });
    const answer = await runner.finalContent();
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0], { city: "mock", days: 1 });
    assert.match(answer ?? "", /sunny, 21°C/);
    // tool_choice none: text, no call.
    const none = await client.chat.completions.create({
      model: "mock/tool",
      tool_choice: "none",
      messages: [{ role: "user", content: "hi" }],
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
    });
    assert.equal(none.choices[0]?.message.tool_calls, undefined);
    assert.equal(none.choices[0]?.finish_reason, "stop");
  });

  it("follows response_format: a JSON object, or an instance of the schema", async () => {
    const object = await client.chat.completions.create({
      model: "mock-gpt",
      response_format: { type: "json_object" },
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(typeof JSON.parse(object.choices[0]?.message.content ?? ""), "object");
    const schema = await client.chat.completions.create({
      model: "mock-gpt",
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "person",
          strict: true,
          schema: {
            type: "object",
            properties: {
              name: { type: "string" },
              age: { type: "integer" },
              tags: { type: "array", items: { type: "string" } },
              kind: { enum: ["a", "b"] },
            },
            required: ["name", "age", "tags", "kind"],
            additionalProperties: false,
          },
        },
      },
      messages: [{ role: "user", content: "hi" }],
    });
    assert.deepEqual(JSON.parse(schema.choices[0]?.message.content ?? ""), {
      name: "mock",
      age: 1,
      tags: ["mock"],
      kind: "a",
    });
  });

  it("returns logprobs when asked, in responses and in streams", async () => {
    const response = await client.chat.completions.create({
      model: "mock-gpt",
      logprobs: true,
      top_logprobs: 2,
      messages: [{ role: "user", content: "hi" }],
    });
    const content = response.choices[0]?.logprobs?.content ?? [];
    assert.equal(content.map((token) => token.token).join(""), response.choices[0]?.message.content);
    assert.equal(content[0]?.top_logprobs.length, 2);
    const plain = await client.chat.completions.create({
      model: "mock-gpt",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.ok(plain.choices[0]?.logprobs === null || plain.choices[0]?.logprobs === undefined);
    const stream = await client.chat.completions.create({
      model: "mock-gpt",
      stream: true,
      logprobs: true,
      messages: [{ role: "user", content: "hi" }],
    });
    let tokens = "";
    let text = "";
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      for (const token of chunk.choices[0]?.logprobs?.content ?? []) tokens += token.token;
    }
    assert.equal(tokens, text);
    assert.ok(text.length > 0);
  });
});
