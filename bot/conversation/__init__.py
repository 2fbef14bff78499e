"""The transport-free heart of the bot: what it says to each message and button press.

Used by the Telegram handlers, the console chat and the tests alike.
"""

from bot.conversation.messages import Button, Incoming, Reply, Response
from bot.conversation.service import PUBLIC_COMMANDS, Conversation, RecommenderHolder, takes_a_while

__all__ = ["PUBLIC_COMMANDS", "Button", "Conversation", "Incoming", "RecommenderHolder", "Reply", "Response",
           "takes_a_while"]
