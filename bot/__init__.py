"""The Telegram bot: ``python -m bot`` (see ``bot.__main__``); the conversation itself is ``bot.conversation``."""
