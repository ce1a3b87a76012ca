"""The Telegram bot: screens, conversations and pictures that customers see."""
