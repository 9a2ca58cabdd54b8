from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who did something: a user, or a named system process (``cli``, ``demo``, ``worker``)."""

    label: str
    user_id: int | None = None

    @classmethod
    def system(cls, name: str) -> "Actor":
        return cls(label=f"system:{name}")
