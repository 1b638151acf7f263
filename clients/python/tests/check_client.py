"""Runs the Python client against a running gateway: chat unary and streaming, create and revoke a key.

Usage: python3 clients/python/tests/check_client.py BASE_URL  (the admin key in $SWITCHBOARD_API_KEY)
Prints one line per check; exits non-zero on the first failure. test/integration/python-client.test.ts runs it
against a gateway on port 0.
"""

import os
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(_ROOT / "src"), str(_ROOT / "gen")]

import grpc  # noqa: E402

from switchboard_client import SwitchboardClient, chat_service_pb2  # noqa: E402


def main() -> int:
    base_url = sys.argv[1]
    admin_key = os.environ["SWITCHBOARD_API_KEY"]
    with SwitchboardClient(base_url, admin_key) as admin:
        reply = admin.complete("mock-gpt", "Hello from Python", timeout=10)
        assert reply.choices[0].content, "empty completion"
        assert reply.usage.total_tokens > 0, "no usage on the unary reply"
        print(f"complete ok: {reply.choices[0].content!r} tokens={reply.usage.total_tokens}")

        events = list(admin.stream("mock-gpt", "Stream from Python", timeout=10))
        text = "".join(e.text_delta.text for e in events if e.WhichOneof("event") == "text_delta")
        kinds = [e.WhichOneof("event") for e in events]
        assert text, f"no text in the stream: {kinds}"
        assert "usage" in kinds and "finish" in kinds, f"stream did not end with finish and usage: {kinds}"
        print(f"stream ok: {len(events)} events, text={text!r}")

        created = admin.create_key(display_name="python-client", models=["mock-gpt"], max_budget=1.5)
        assert created.secret.startswith("sk-"), "no secret"
        assert created.key.limits.max_budget == 1.5
        print(f"create_key ok: {created.key.key_id} {created.key.display_secret}")

        with SwitchboardClient(base_url, created.secret) as user:
            assert user.complete("mock-gpt", "as the new key", timeout=10).choices[0].content
            try:
                user.complete("not-allowed-model", "x", timeout=10)
                raise AssertionError("a model outside the key's list was served")
            except grpc.RpcError as error:
                assert error.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND), error.code()
                print(f"model outside the key refused: {error.code().name}")

            admin.revoke_key(created.key.key_id)
            try:
                user.complete("mock-gpt", "after revoke", timeout=10)
                raise AssertionError("a revoked key was served")
            except grpc.RpcError as error:
                assert error.code() == grpc.StatusCode.UNAUTHENTICATED, error.code()
                assert created.secret not in (error.details() or ""), "the secret is in the error"
                print("revoke_key ok: the key is refused (UNAUTHENTICATED)")

        try:
            SwitchboardClient(base_url, "sk-forged-000000000000000000000000000").complete("mock-gpt", "x", timeout=10)
            raise AssertionError("a forged key was served")
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.UNAUTHENTICATED, error.code()
            print("forged key refused")
    _ = chat_service_pb2  # the generated messages are re-exported for callers
    print("ALL OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
