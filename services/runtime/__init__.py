"""What every Speechcue service stands on: settings, database, outbox, events, gRPC, HTTP, metrics.

Service-specific code never lives here; code that two services would otherwise write twice does.
"""
