"""A thin wrapper over the generated gRPC stubs: one channel, the key as `authorization` metadata, plain Python
messages in, the generated protobuf messages out, and gRPC failures as SwitchboardError naming the field."""

from __future__ import annotations

import os
import sys
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

import grpc

# The generated modules import each other as `switchboard.v1.*`: their folder goes on the path once.
_GEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "gen")
if _GEN not in sys.path:
    sys.path.insert(0, _GEN)

from switchboard.v1 import (  # noqa: E402
    chat_service_pb2,
    chat_service_pb2_grpc,
    embeddings_service_pb2,
    embeddings_service_pb2_grpc,
    error_detail_pb2,
    keys_service_pb2,
    keys_service_pb2_grpc,
    usage_service_pb2,
    usage_service_pb2_grpc,
)

_ROLES = {
    "system": chat_service_pb2.ROLE_SYSTEM,
    "developer": chat_service_pb2.ROLE_DEVELOPER,
    "user": chat_service_pb2.ROLE_USER,
    "assistant": chat_service_pb2.ROLE_ASSISTANT,
    "tool": chat_service_pb2.ROLE_TOOL,
}

_GROUP_BY = {
    "key": usage_service_pb2.USAGE_GROUP_BY_KEY,
    "team": usage_service_pb2.USAGE_GROUP_BY_TEAM,
    "model": usage_service_pb2.USAGE_GROUP_BY_MODEL,
    "provider": usage_service_pb2.USAGE_GROUP_BY_PROVIDER,
    "day": usage_service_pb2.USAGE_GROUP_BY_DAY,
    "user": usage_service_pb2.USAGE_GROUP_BY_USER,
    "deployment": usage_service_pb2.USAGE_GROUP_BY_DEPLOYMENT,
}


class SwitchboardError(Exception):
    """A refused or failed call: the gRPC status code, the gateway's message, and the field it names (if any)."""

    def __init__(self, code: grpc.StatusCode, message: str, detail: error_detail_pb2.ErrorDetail | None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.kind = detail.kind if detail is not None else ""
        self.reason = detail.reason if detail is not None else ""
        self.param = detail.param if detail is not None else ""
        self.provider = detail.provider if detail is not None else ""

    def __str__(self) -> str:
        named = f" (param: {self.param})" if self.param else ""
        return f"{self.code.name}: {self.message}{named}"


def _varint(data: bytes, position: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, position
        shift += 7


def _fields(data: bytes) -> Iterator[tuple[int, int, Any]]:
    """Protobuf wire fields (number, wire type, value) of a message, for google.rpc.Status and Any."""
    position = 0
    while position < len(data):
        tag, position = _varint(data, position)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, position = _varint(data, position)
        elif wire == 2:
            length, position = _varint(data, position)
            value, position = data[position : position + length], position + length
        elif wire == 1:
            value, position = data[position : position + 8], position + 8
        elif wire == 5:
            value, position = data[position : position + 4], position + 4
        else:
            return
        yield number, wire, value


def _error_detail(error: grpc.RpcError) -> error_detail_pb2.ErrorDetail | None:
    """The switchboard.v1.ErrorDetail in the status details (`grpc-status-details-bin`), if the gateway sent one."""
    trailers = error.trailing_metadata() if isinstance(error, grpc.Call) else None
    for key, value in trailers or ():
        if key != "grpc-status-details-bin" or not isinstance(value, bytes):
            continue
        for number, wire, detail in _fields(value):
            if number != 3 or wire != 2:  # google.rpc.Status.details: repeated Any
                continue
            type_url, payload = "", b""
            for inner, inner_wire, inner_value in _fields(detail):
                if inner == 1 and inner_wire == 2:
                    type_url = inner_value.decode("utf-8", "replace")
                elif inner == 2 and inner_wire == 2:
                    payload = inner_value
            if type_url.endswith("/switchboard.v1.ErrorDetail"):
                return error_detail_pb2.ErrorDetail.FromString(payload)
    return None


def _wrap(error: grpc.RpcError) -> SwitchboardError:
    code = error.code() if isinstance(error, grpc.Call) else grpc.StatusCode.UNKNOWN
    message = error.details() if isinstance(error, grpc.Call) else str(error)
    return SwitchboardError(code, message or "", _error_detail(error))


def _message(entry: Mapping[str, Any]) -> chat_service_pb2.Message:
    role = entry.get("role")
    if role not in _ROLES:
        raise ValueError(f"messages[].role must be one of {sorted(_ROLES)}, not {role!r}")
    content = entry.get("content")
    message = chat_service_pb2.Message(role=_ROLES[role])
    if isinstance(content, str):
        message.content.add(text=content)
    elif content is not None:
        for part in content:
            if part.get("type") != "text":
                raise ValueError("this wrapper sends text parts; build a chat_service_pb2.Message for others")
            message.content.add(text=part["text"])
    if entry.get("tool_call_id"):
        message.tool_call_id = entry["tool_call_id"]
    return message


class SwitchboardClient:
    """One gRPC channel to a gateway (`http://` → h2c, `https://` → TLS) with the key sent on every call."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float | None = 60.0):
        if not api_key:
            raise ValueError("api_key is required")
        url = urlparse(base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"base_url must be http(s)://host:port, not {base_url!r}")
        port = url.port or (443 if url.scheme == "https" else 80)
        target = f"{url.hostname}:{port}"
        self._channel = (
            grpc.secure_channel(target, grpc.ssl_channel_credentials())
            if url.scheme == "https"
            else grpc.insecure_channel(target)
        )
        self._metadata = (("authorization", f"Bearer {api_key}"),)
        self._timeout = timeout
        self.chat_service = chat_service_pb2_grpc.ChatServiceStub(self._channel)
        self.embeddings_service = embeddings_service_pb2_grpc.EmbeddingsServiceStub(self._channel)
        self.keys_service = keys_service_pb2_grpc.KeysServiceStub(self._channel)
        self.usage_service = usage_service_pb2_grpc.UsageServiceStub(self._channel)

    def __enter__(self) -> SwitchboardClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._channel.close()

    def _call(self, method: Any, request: Any) -> Any:
        try:
            return method(request, metadata=self._metadata, timeout=self._timeout)
        except grpc.RpcError as error:
            raise _wrap(error) from None

    @staticmethod
    def chat_request(model: str, messages: Sequence[Mapping[str, Any]], **fields: Any) -> chat_service_pb2.ChatRequest:
        """A ChatRequest from OpenAI-style messages; other fields by their proto names (max_tokens, temperature…)."""
        return chat_service_pb2.ChatRequest(model=model, messages=[_message(m) for m in messages], **fields)

    def chat(self, model: str, messages: Sequence[Mapping[str, Any]], **fields: Any) -> chat_service_pb2.CompleteResponse:
        """ChatService.Complete: the whole answer."""
        request = chat_service_pb2.CompleteRequest(request=self.chat_request(model, messages, **fields))
        return self._call(self.chat_service.Complete, request)

    def chat_stream(
        self, model: str, messages: Sequence[Mapping[str, Any]], **fields: Any
    ) -> Iterator[chat_service_pb2.StreamResponse]:
        """ChatService.Stream: typed events (routing, text_delta, tool calls, finish, usage) as they arrive."""
        request = chat_service_pb2.StreamRequest(request=self.chat_request(model, messages, **fields))
        try:
            yield from self.chat_service.Stream(request, metadata=self._metadata, timeout=self._timeout)
        except grpc.RpcError as error:
            raise _wrap(error) from None

    def embed(self, model: str, inputs: Iterable[str]) -> embeddings_service_pb2.EmbedResponse:
        """EmbeddingsService.Embed: vectors as packed little-endian float32 bytes (see vectors())."""
        request = embeddings_service_pb2.EmbedRequest(
            model=model, texts=embeddings_service_pb2.TextInputs(values=list(inputs))
        )
        return self._call(self.embeddings_service.Embed, request)

    @staticmethod
    def vectors(response: embeddings_service_pb2.EmbedResponse) -> list[list[float]]:
        """The response's vectors as float lists, in input order."""
        ordered = sorted(response.embeddings, key=lambda embedding: embedding.index)
        out = []
        for embedding in ordered:
            floats = array("f", embedding.values)
            if sys.byteorder == "big":  # the wire is little-endian float32
                floats.byteswap()
            out.append(list(floats))
        return out

    def create_key(
        self,
        display_name: str,
        *,
        models: Sequence[str] = (),
        max_budget: float | None = None,
        rpm_limit: int | None = None,
        team_id: str = "",
        ttl: timedelta | None = None,
    ) -> keys_service_pb2.CreateKeyResponse:
        """KeysService.CreateKey (an admin or team-admin key): the new key and its secret, shown this once."""
        limits = keys_service_pb2.Limits()
        if max_budget is not None:
            limits.max_budget = max_budget
        if rpm_limit is not None:
            limits.rpm_limit = rpm_limit
        key = keys_service_pb2.Key(display_name=display_name, models=list(models), team_id=team_id, limits=limits)
        request = keys_service_pb2.CreateKeyRequest(key=key)
        if ttl is not None:
            request.ttl.FromTimedelta(ttl)
        return self._call(self.keys_service.CreateKey, request)

    def get_key(self, key_id: str) -> keys_service_pb2.GetKeyResponse:
        return self._call(self.keys_service.GetKey, keys_service_pb2.GetKeyRequest(key_id=key_id))

    def revoke_key(self, key_id: str) -> keys_service_pb2.RevokeKeyResponse:
        return self._call(self.keys_service.RevokeKey, keys_service_pb2.RevokeKeyRequest(key_id=key_id))

    def usage_summary(self, group_by: str = "model", **filters: str) -> usage_service_pb2.SummarizeUsageResponse:
        """UsageService.SummarizeUsage grouped by key, team, model, provider, day, user or deployment."""
        if group_by not in _GROUP_BY:
            raise ValueError(f"group_by must be one of {sorted(_GROUP_BY)}, not {group_by!r}")
        request = usage_service_pb2.SummarizeUsageRequest(
            filter=usage_service_pb2.UsageFilter(**filters), group_by=_GROUP_BY[group_by]
        )
        return self._call(self.usage_service.SummarizeUsage, request)

    def watch_usage(self, **filters: str) -> Iterator[usage_service_pb2.UsageRecord]:
        """UsageService.WatchUsage: ledger records as they are written (no timeout: it runs until closed)."""
        request = usage_service_pb2.WatchUsageRequest(filter=usage_service_pb2.UsageFilter(**filters))
        try:
            for response in self.usage_service.WatchUsage(request, metadata=self._metadata):
                if response.HasField("record"):  # the first message only opens the stream
                    yield response.record
        except grpc.RpcError as error:
            raise _wrap(error) from None
