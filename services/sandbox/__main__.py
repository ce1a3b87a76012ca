"""`python -m services.sandbox`: the provider simulators on one HTTP port (8009)."""

from __future__ import annotations

import uvicorn

from services.runtime.logs import configure_logging, secret_values
from services.sandbox.app import create_sandbox_app
from services.sandbox.settings import SandboxSettings


def main() -> None:
    settings = SandboxSettings()
    configure_logging("sandbox", settings.speechcue_log_level, secret_values(settings.model_dump()))
    app, _ = create_sandbox_app(settings)
    uvicorn.run(app, host=settings.speechcue_http_host, port=settings.speechcue_http_port, log_config=None,
                access_log=False)


if __name__ == "__main__":
    main()
