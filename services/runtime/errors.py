"""Domain errors and the one place they become gRPC status codes (DESIGN.md §4.1).

Servicers raise these; the server interceptor turns them into a status with a machine-readable
`google.rpc.ErrorInfo` reason. Anything else is a bug and becomes INTERNAL without its text.
"""

from __future__ import annotations

import grpc


class DomainError(Exception):
    """An expected refusal the caller can act on. `reason` is a stable UPPER_SNAKE code."""

    code: grpc.StatusCode = grpc.StatusCode.FAILED_PRECONDITION
    default_reason = "FAILED_PRECONDITION"

    def __init__(self, message: str, *, reason: str | None = None, **metadata: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason
        self.metadata = {key: str(value) for key, value in metadata.items()}


class InvalidArgument(DomainError):
    code = grpc.StatusCode.INVALID_ARGUMENT
    default_reason = "INVALID_ARGUMENT"


class NotFound(DomainError):
    code = grpc.StatusCode.NOT_FOUND
    default_reason = "NOT_FOUND"


class FailedPrecondition(DomainError):
    code = grpc.StatusCode.FAILED_PRECONDITION
    default_reason = "FAILED_PRECONDITION"


class ConflictingRetry(DomainError):
    """A retry collided with work still in progress; the caller may try again."""

    code = grpc.StatusCode.ABORTED
    default_reason = "CONFLICTING_RETRY"


class IdempotencyKeyReused(DomainError):
    """The same idempotency key arrived with a different request."""

    code = grpc.StatusCode.INVALID_ARGUMENT
    default_reason = "IDEMPOTENCY_KEY_REUSED"


class PermissionDenied(DomainError):
    code = grpc.StatusCode.PERMISSION_DENIED
    default_reason = "PERMISSION_DENIED"


class QuotaExceeded(DomainError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED
    default_reason = "QUOTA_EXCEEDED"


class DependencyUnavailable(DomainError):
    code = grpc.StatusCode.UNAVAILABLE
    default_reason = "DEPENDENCY_UNAVAILABLE"
