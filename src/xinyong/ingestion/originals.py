"""The file a unit sent, exactly as it sent it: downloadable from its batch, for tracing a public fact
back to its source.

The stored file (``storage``, content-addressed) is what the batch was read from — before normalising,
before masking — so it holds every personal ID number and phone number the unit put in it. Decided:
it is treated as a read of non-public data, like a staff record read (records.staff): it needs
``records.read_private`` covering the batch's unit (or the item shared with the reader), a purpose and
a legal basis (422 without), and each download writes one read-audit row naming the batch and the file.
Masked views of the same rows — the batch page's preview and problem list — stay open to every
reader of the batch.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from xinyong.audit import service as audit
from xinyong.auth import service as auth_service
from xinyong.auth.actor import Actor
from xinyong.catalog import queries as catalog
from xinyong.errors import NotFound
from xinyong.ingestion import privacy, service, storage
from xinyong.ingestion.errors import OutOfScope

#: Content types of the stored files, by the batch's format.
MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "jsonl": "application/x-ndjson",
    "json": "application/json",
}


@dataclass(frozen=True)
class Original:
    path: Path
    filename: str
    media_type: str


def original(session: Session, *, batch_id: uuid.UUID | str, actor: Actor, path: str) -> Original:
    """The stored file of a batch the actor may read unmasked (read-audited); see the module's docstring."""
    batch = service.get(session, batch_id)
    service.check_unit(session, actor, batch.unit_key)
    item = catalog.item_spec(session, batch.item_code)
    if not privacy.may_reveal(session, actor, unit_key=batch.unit_key, item=item):
        raise OutOfScope(
            "原始文件含未脱敏的个人信息，下载须具备覆盖该报送单位的个人信息查阅权限（records.read_private）",
            details={"batch": str(batch.id), "unit": batch.unit_key},
        )
    purpose, basis = auth_service.require_purpose(session, actor)
    stored = storage.find(batch.content_hash)
    if stored is None:
        raise NotFound(
            "原始文件已不在文件库中，请联系系统管理员从备份恢复",
            code="file_missing",
            details={"content_hash": batch.content_hash},
        )
    audit.record_read(
        session,
        actor=actor.ref(),
        purpose=purpose,
        legal_basis=basis,
        action="ingestion.file_read",
        target_type="batch",
        target_id=str(batch.id),
        details={"filename": batch.filename, "content_hash": batch.content_hash, "path": path},
    )
    media = MEDIA_TYPES.get(batch.file_format, "application/octet-stream")
    return Original(stored, batch.filename, media)
