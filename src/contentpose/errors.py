"""The one exception type for problems a user can cause.

The CLI catches it, prints its message as a single line and exits with code 2.
Everything else is a bug and keeps its traceback.
"""


class UserError(Exception):
    """A problem with the user's input: a path, a config key, a checkpoint."""
