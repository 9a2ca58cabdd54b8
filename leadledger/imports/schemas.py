from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, computed_field


class ImportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str
    file_name: str
    preset: str
    guesses: list[dict[str, Any]]
    program: str | None
    team_id: int | None
    dry_run: bool
    rows_read: int
    created: int
    merged: int
    duplicates: int
    rejected: int
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @computed_field
    def balanced(self) -> bool:
        """Every row read is in exactly one bucket."""
        return self.created + self.merged + self.duplicates + self.rejected == self.rows_read
