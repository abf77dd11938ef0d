"""Start the chat page on the shipped defaults: `python app.py` (same as `reflect serve`)."""

import logging

from assistant.config import Settings
from assistant.service import build_assistant
from assistant.ui import launch

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    assistant = build_assistant(Settings(), progress=True)
    logging.info("llama.cpp: %s", assistant.selfcheck().describe())
    launch(assistant)
