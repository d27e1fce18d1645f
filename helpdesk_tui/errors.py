"""Errors a user can cause and fix: printed as one sentence, never as a traceback."""


class UserError(Exception):
    """``status`` is the exit code: 2 for a wrong command line, 1 for anything else."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status
