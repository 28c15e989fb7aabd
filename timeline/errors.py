"""The errors timeline raises for a user's mistake.

Every one carries a message meant for the user: it names what is wrong and where
(file, line, field) and, when it can, what to do. The CLI prints it as one line,
`Error: <message>`, and exits 1. Anything else escaping is a bug.
"""


class TimelineError(Exception):
    """Base class: a problem with the user's input or data, not a bug."""


class DateParseError(TimelineError, ValueError):
    """Text that cannot be read as a date, or names an impossible one."""


class InputFormatError(TimelineError):
    """A file that cannot be imported: names the file, the line and the field."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 field: str | None = None):
        self.path, self.line, self.field, self.reason = path, line, field, message
        where = ""
        if path:
            where = str(path) + (f":{line}" if line else "")
        if field:
            where = f"{where} field '{field}'" if where else f"field '{field}'"
        super().__init__(f"{where}: {message}" if where else message)


class ValidationError(TimelineError):
    """A value that is not allowed (unknown category, bad slug, ...)."""


class DuplicateEventError(TimelineError):
    """An event with the same date and normalised title already exists."""


class EventNotFound(TimelineError):
    """No event has this slug."""


class SchemaError(TimelineError):
    """The database cannot be opened with this version of timeline."""


class DatabaseError(TimelineError):
    """The database could not be reached or written."""


class BuildError(TimelineError):
    """The site could not be built."""


class PublishError(TimelineError):
    """The site could not be published; nothing was half published."""
