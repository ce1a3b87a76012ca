"""The outside world for local runs and tests: simulators of the Telegram Bot API, the Retell API
and DynoPay, speaking the providers' real paths, shapes and signatures.
Nothing here is durable; nothing here runs in production unless sandbox mode is chosen."""
