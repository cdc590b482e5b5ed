"""The recorded batches of an e-mail delivery: their names, a stand-in without a database, and how a person's
``loa retry`` settles a batch whose outcome was unknown (as not sent: it goes again)."""
from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

LIST_STEP = "list"  # the batches as frozen at the first attempt (detail: {"batches": [[address, ...], ...]})


def step_name(batch: int) -> str:
    return f"batch-{batch}"


class MemorySteps:
    """The same calls as ``coordination.DeliverySteps``, kept in memory: a rehearsal or a ``loa publish`` run
    without a database has no crash to survive."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[str, dict[str, Any] | None]] = {}

    def kept_open(self) -> AbstractContextManager[None]:
        return nullcontext()

    def records(self) -> dict[str, tuple[str, dict[str, Any] | None]]:
        return dict(self.rows)

    def statuses(self) -> dict[str, str]:
        return {step: status for step, (status, _) in self.rows.items()}

    def detail(self, step: str) -> dict[str, Any] | None:
        return self.rows.get(step, (None, None))[1]

    def _set(self, step: str, status: str, detail: dict[str, Any] | None) -> None:
        self.rows[step] = (status, detail if detail is not None else self.detail(step))

    def begin(self, step: str, detail: dict[str, Any] | None = None) -> None:
        self._set(step, "sending", detail)

    def sent(self, step: str, detail: dict[str, Any] | None = None) -> None:
        self._set(step, "sent", detail)

    def unknown(self, step: str, detail: dict[str, Any] | None = None) -> None:
        self._set(step, "unknown", detail)

    def forget(self, step: str) -> None:
        self.rows.pop(step, None)
