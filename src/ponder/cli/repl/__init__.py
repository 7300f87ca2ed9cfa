"""The interactive REPL behind ``ponder chat``: one small module per idea.

``app`` runs the prompt loop, ``pipe`` answers stdin lines when there is no terminal,
``turn`` runs one agent turn and ``view`` shows it; ``commands`` holds the slash commands,
``sessions`` persists chats as JSON, ``prompt`` builds the prompt_toolkit input.
"""
