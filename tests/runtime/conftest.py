"""The runtime is exercised through a real service: the wallet, the first one built on it."""

from tests.wallet.conftest import wallet  # noqa: F401
