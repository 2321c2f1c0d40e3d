"""The one domain error type: raised by services, shown by views as a French message."""


class DomainError(Exception):
    def __init__(self, message: str, code: str = "invalid", *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field

    def __str__(self):
        return self.message
