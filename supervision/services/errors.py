"""What a domain operation can refuse, in words a user can read."""


class DomainError(Exception):
    """An operation refused for a reason the user can act on."""


class RecordAgreed(DomainError):
    def __init__(self) -> None:
        super().__init__("This record has been agreed and is read-only. Add an amendment with a reason instead.")


class EditConflict(DomainError):
    """Someone else saved the same thing since this editor opened it."""

    def __init__(self, current_text: str, current_version: int) -> None:
        super().__init__("Someone else changed this while you were editing. "
                         "Their text is shown with yours: keep one, or combine them, and save again.")
        self.current_text = current_text
        self.current_version = current_version
