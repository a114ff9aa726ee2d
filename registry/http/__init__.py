"""The HTTP kernel beneath every feature: the request-scoped dependencies (transaction, actor),
the gate that reads bodies and negotiates content, and problem details (RFC 9457)."""
