"""The payments service: crypto top-ups through DynoPay that credit the wallet exactly once."""
