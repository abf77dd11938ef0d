"""Domain errors. Each message says what happened and how to put it right."""


class AssistantError(Exception):
    """Base of every error the assistant raises on purpose."""


class ModelNotFoundError(AssistantError):
    """A model file (or the packages it is assembled from) is missing or unreadable."""


class ModelCorruptError(AssistantError):
    """A model file is there but is not a usable GGUF."""


class IndexNotBuiltError(AssistantError):
    """The passage index has not been built for this corpus yet."""


class IndexCorruptError(AssistantError):
    """The index is there but cannot be read."""


class StorageError(AssistantError):
    """A file of the person's (the journal) cannot be read; it is left as it is."""


class CorpusError(AssistantError):
    """The corpus folder is missing, empty, or holds nothing readable."""


class InputError(AssistantError):
    """A message cannot be taken as it is (empty, too long)."""


class BackendError(AssistantError):
    """llama.cpp has no build that runs on this CPU."""
