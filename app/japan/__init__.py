"""Japanese rules as pure functions: normalisation, identifiers, 和暦, tax, 敬称."""


class JapanInputError(ValueError):
    """A typed value that cannot be accepted; the message is Japanese, for the user."""
