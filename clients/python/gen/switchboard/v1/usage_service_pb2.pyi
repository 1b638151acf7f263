from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
USAGE_GROUP_BY_DAY: UsageGroupBy
USAGE_GROUP_BY_DEPLOYMENT: UsageGroupBy
USAGE_GROUP_BY_KEY: UsageGroupBy
USAGE_GROUP_BY_MODEL: UsageGroupBy
USAGE_GROUP_BY_PROVIDER: UsageGroupBy
USAGE_GROUP_BY_TEAM: UsageGroupBy
USAGE_GROUP_BY_UNSPECIFIED: UsageGroupBy
USAGE_GROUP_BY_USER: UsageGroupBy

class QueryUsageRequest(_message.Message):
    __slots__ = ["filter", "page_size", "page_token"]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    filter: UsageFilter
    page_size: int
    page_token: str
    def __init__(self, filter: _Optional[_Union[UsageFilter, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class QueryUsageResponse(_message.Message):
    __slots__ = ["next_page_token", "records"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    records: _containers.RepeatedCompositeFieldContainer[UsageRecord]
    def __init__(self, records: _Optional[_Iterable[_Union[UsageRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SummarizeUsageRequest(_message.Message):
    __slots__ = ["filter", "group_by"]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    filter: UsageFilter
    group_by: UsageGroupBy
    def __init__(self, filter: _Optional[_Union[UsageFilter, _Mapping]] = ..., group_by: _Optional[_Union[UsageGroupBy, str]] = ...) -> None: ...

class SummarizeUsageResponse(_message.Message):
    __slots__ = ["summaries"]
    SUMMARIES_FIELD_NUMBER: _ClassVar[int]
    summaries: _containers.RepeatedCompositeFieldContainer[UsageSummary]
    def __init__(self, summaries: _Optional[_Iterable[_Union[UsageSummary, _Mapping]]] = ...) -> None: ...

class UsageFilter(_message.Message):
    __slots__ = ["deployment", "end_time", "key_id", "model", "provider", "start_time", "team_id", "user_id"]
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    deployment: str
    end_time: _timestamp_pb2.Timestamp
    key_id: str
    model: str
    provider: str
    start_time: _timestamp_pb2.Timestamp
    team_id: str
    user_id: str
    def __init__(self, key_id: _Optional[str] = ..., team_id: _Optional[str] = ..., user_id: _Optional[str] = ..., model: _Optional[str] = ..., deployment: _Optional[str] = ..., provider: _Optional[str] = ..., start_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UsageRecord(_message.Message):
    __slots__ = ["attempt", "cache_status", "cache_write_tokens", "cached_tokens", "completion_tokens", "cost_usd", "deployment", "end_time", "key_id", "latency_ms", "model", "model_group", "prompt_tokens", "provider", "reasoning_tokens", "request_id", "start_time", "status", "stream", "team_id", "total_tokens", "ttft_ms", "usage_estimated", "user_id"]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    CACHED_TOKENS_FIELD_NUMBER: _ClassVar[int]
    CACHE_STATUS_FIELD_NUMBER: _ClassVar[int]
    CACHE_WRITE_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COST_USD_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    MODEL_GROUP_FIELD_NUMBER: _ClassVar[int]
    PROMPT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    REASONING_TOKENS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TTFT_MS_FIELD_NUMBER: _ClassVar[int]
    USAGE_ESTIMATED_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    cache_status: str
    cache_write_tokens: int
    cached_tokens: int
    completion_tokens: int
    cost_usd: float
    deployment: str
    end_time: _timestamp_pb2.Timestamp
    key_id: str
    latency_ms: float
    model: str
    model_group: str
    prompt_tokens: int
    provider: str
    reasoning_tokens: int
    request_id: str
    start_time: _timestamp_pb2.Timestamp
    status: str
    stream: bool
    team_id: str
    total_tokens: int
    ttft_ms: float
    usage_estimated: bool
    user_id: str
    def __init__(self, request_id: _Optional[str] = ..., attempt: _Optional[int] = ..., key_id: _Optional[str] = ..., team_id: _Optional[str] = ..., user_id: _Optional[str] = ..., model_group: _Optional[str] = ..., deployment: _Optional[str] = ..., provider: _Optional[str] = ..., model: _Optional[str] = ..., prompt_tokens: _Optional[int] = ..., completion_tokens: _Optional[int] = ..., cached_tokens: _Optional[int] = ..., cache_write_tokens: _Optional[int] = ..., reasoning_tokens: _Optional[int] = ..., total_tokens: _Optional[int] = ..., cost_usd: _Optional[float] = ..., usage_estimated: bool = ..., latency_ms: _Optional[float] = ..., ttft_ms: _Optional[float] = ..., status: _Optional[str] = ..., stream: bool = ..., cache_status: _Optional[str] = ..., start_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UsageSummary(_message.Message):
    __slots__ = ["completion_tokens", "errors", "group", "prompt_tokens", "requests", "spend_usd", "total_tokens", "unpriced_records"]
    COMPLETION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    PROMPT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    SPEND_USD_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    UNPRICED_RECORDS_FIELD_NUMBER: _ClassVar[int]
    completion_tokens: int
    errors: int
    group: str
    prompt_tokens: int
    requests: int
    spend_usd: float
    total_tokens: int
    unpriced_records: int
    def __init__(self, group: _Optional[str] = ..., spend_usd: _Optional[float] = ..., unpriced_records: _Optional[int] = ..., prompt_tokens: _Optional[int] = ..., completion_tokens: _Optional[int] = ..., total_tokens: _Optional[int] = ..., requests: _Optional[int] = ..., errors: _Optional[int] = ...) -> None: ...

class WatchUsageRequest(_message.Message):
    __slots__ = ["filter"]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    filter: UsageFilter
    def __init__(self, filter: _Optional[_Union[UsageFilter, _Mapping]] = ...) -> None: ...

class WatchUsageResponse(_message.Message):
    __slots__ = ["record"]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: UsageRecord
    def __init__(self, record: _Optional[_Union[UsageRecord, _Mapping]] = ...) -> None: ...

class UsageGroupBy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
