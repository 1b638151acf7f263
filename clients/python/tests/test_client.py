"""The Python client against a running gateway (started by test/clients/python-client.test.ts).

Environment: SWITCHBOARD_URL, SWITCHBOARD_API_KEY (an admin key), SWITCHBOARD_EMBED_MODEL (a model with embeddings).
Run: /usr/bin/python3 -m unittest discover -s clients/python/tests
"""

import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import grpc  # noqa: E402

from switchboard_client import SwitchboardClient, SwitchboardError  # noqa: E402
from switchboard.v1 import chat_service_pb2  # noqa: E402

URL = os.environ["SWITCHBOARD_URL"]
ADMIN_KEY = os.environ["SWITCHBOARD_API_KEY"]
MESSAGES = [{"role": "user", "content": "Hello from Python"}]


class ClientTest(unittest.TestCase):
    def setUp(self) -> None:
        self.client = SwitchboardClient(URL, ADMIN_KEY)

    def tearDown(self) -> None:
        self.client.close()

    def test_chat_unary(self) -> None:
        reply = self.client.chat("mock-gpt", MESSAGES, max_tokens=64)
        self.assertEqual(len(reply.choices), 1)
        self.assertTrue(reply.choices[0].content)
        self.assertEqual(reply.choices[0].finish_reason, chat_service_pb2.FINISH_REASON_STOP)
        self.assertGreater(reply.usage.total_tokens, 0)

    def test_chat_stream_events_in_order(self) -> None:
        kinds = []
        text = ""
        for event in self.client.chat_stream("mock-gpt", MESSAGES):
            kind = event.WhichOneof("event")
            kinds.append(kind)
            if kind == "text_delta":
                text += event.text_delta.text
        self.assertIn("text_delta", kinds)
        self.assertTrue(text)
        self.assertEqual(kinds[-1], "usage", "usage comes last")
        self.assertIn("finish", kinds)

    def test_bad_input_names_the_field(self) -> None:
        with self.assertRaises(SwitchboardError) as caught:
            self.client.chat("mock-gpt", MESSAGES, temperature=7)
        self.assertEqual(caught.exception.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("temperature", caught.exception.param)

    def test_unknown_model_is_not_found(self) -> None:
        with self.assertRaises(SwitchboardError) as caught:
            self.client.chat("no-such-model", MESSAGES)
        self.assertEqual(caught.exception.code, grpc.StatusCode.NOT_FOUND)

    def test_create_use_and_revoke_a_key(self) -> None:
        created = self.client.create_key("python-client", models=["mock-gpt"], max_budget=1.0)
        self.assertTrue(created.secret.startswith("sk-"))
        self.assertEqual(list(created.key.models), ["mock-gpt"])
        self.assertEqual(created.key.limits.max_budget, 1.0)
        with SwitchboardClient(URL, created.secret) as tenant:
            self.assertTrue(tenant.chat("mock-gpt", MESSAGES).choices[0].content)
            # The key's model list holds over gRPC too.
            with self.assertRaises(SwitchboardError) as caught:
                tenant.chat("mock/other", MESSAGES)
            self.assertEqual(caught.exception.code, grpc.StatusCode.PERMISSION_DENIED)
            # A tenant key is not an admin.
            with self.assertRaises(SwitchboardError) as caught:
                tenant.create_key("escalation")
            self.assertEqual(caught.exception.code, grpc.StatusCode.PERMISSION_DENIED)
        revoked = self.client.revoke_key(created.key.key_id)
        self.assertEqual(revoked.key.key_id, created.key.key_id)
        with SwitchboardClient(URL, created.secret) as tenant:
            with self.assertRaises(SwitchboardError) as caught:
                tenant.chat("mock-gpt", MESSAGES)
            self.assertEqual(caught.exception.code, grpc.StatusCode.UNAUTHENTICATED)
            self.assertNotIn(created.secret, str(caught.exception))

    def test_usage_summary_by_model(self) -> None:
        self.client.chat("mock-gpt", MESSAGES)
        summary = self.client.usage_summary("model")
        groups = {entry.group for entry in summary.summaries}
        self.assertIn("mock-gpt", groups)

    def test_watch_usage_sees_a_new_record(self) -> None:
        stream = self.client.watch_usage(model="mock-gpt")
        seen = []

        def read() -> None:
            for record in stream:
                seen.append(record)
                return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        for _ in range(20):  # the subscription starts asynchronously: keep asking until a record arrives
            self.client.chat("mock-gpt", MESSAGES)
            reader.join(0.25)
            if seen:
                break
        self.assertTrue(seen, "a usage record arrived on the live feed")
        self.assertEqual(seen[0].model_group, "mock-gpt", str(seen[0]))
        stream.close()

    def test_embeddings_as_float_lists(self) -> None:
        model = os.environ.get("SWITCHBOARD_EMBED_MODEL")
        if not model:
            self.skipTest("no embeddings model configured")
        response = self.client.embed(model, ["first 0", "second 1"])
        vectors = SwitchboardClient.vectors(response)
        self.assertEqual(len(vectors), 2)
        self.assertEqual(vectors[1][0], 1.0, "the second input's vector comes second")

    def test_a_wrong_key_is_unauthenticated(self) -> None:
        with SwitchboardClient(URL, "sk-not-a-real-key-0000000000000000") as stranger:
            with self.assertRaises(SwitchboardError) as caught:
                stranger.chat("mock-gpt", MESSAGES)
            self.assertEqual(caught.exception.code, grpc.StatusCode.UNAUTHENTICATED)


if __name__ == "__main__":
    unittest.main()
