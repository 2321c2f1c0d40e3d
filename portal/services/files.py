"""Stored files that no failure leaves behind, on any storage (only Django's storage API is used).

- A document the portal generates (receipt, minutes, letter, convention) has one name per row and is
  written with the row locked (`document_store`): the file of a failed attempt is overwritten by the
  next one, never left beside it.
- An upload keeps its random name and is deleted when the transaction that stores it fails in its
  body (`stored_files_removed_on_failure`).
- What escapes both (a process killed between the write and the commit, a commit whose outcome the
  connection did not report, an expired export) is found by `orphan_files`: stored files that no
  FileField of any model and no STORED_FILE_REFERENCES callable references, older than
  ORPHAN_FILES_GRACE_HOURS (younger files may belong to a transaction still running).
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

REFERENCE_BATCH = 500


def file_replace(name: str, content: bytes | File, storage=default_storage) -> str:
    """Write `content` (bytes, or a File streamed to storage) at `name`, replacing what a failed attempt
    left there; returns the name.

    Only for a name that one writer owns at a time (a locked row's, a job's): never for uploads.
    """
    if storage.exists(name):
        storage.delete(name)
    return storage.save(name, content if isinstance(content, File) else ContentFile(content))


def document_store(instance: models.Model, field_name: str, name: str, content: bytes) -> None:
    """Write a generated document at `name`, its row's one place (`file_replace`), and point the row's field
    at it. Call it with the row locked and save the row in the same transaction."""
    setattr(instance, field_name, file_replace(name, content, instance._meta.get_field(field_name).storage))


@contextmanager
def stored_files_removed_on_failure() -> Iterator[Callable]:
    """Yields `keep(field_file)`, to call after storing each file; if the block raises, those files are deleted.

    Put it inside the transaction: the block's failure means the transaction rolls back. A failure of the
    commit itself may hide a commit that succeeded, so its files are left for the orphan sweep to judge.
    """
    stored = []
    try:
        yield lambda field_file: stored.append((field_file.storage, field_file.name))
    except BaseException:
        for storage, name in stored:
            try:
                storage.delete(name)
            except Exception:  # the original error matters more; the orphan sweep will retry
                logger.warning("Could not remove %s after a failed write", name, exc_info=True)
        raise


def stored_files(storage=default_storage, path: str = "") -> Iterator[str]:
    """Every file name in `storage` under `path`, walked with listdir."""
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:  # nothing stored yet
        return
    prefix = f"{path}/" if path else ""
    for name in files:
        yield prefix + name
    for directory in directories:
        yield from stored_files(storage, prefix + directory)


def file_fields() -> list[tuple[type[models.Model], str]]:
    """(model, field name) of every FileField of every installed model."""
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField)
    ]


def referenced_files(names: list[str]) -> set[str]:
    """The subset of `names` that a row's FileField or a STORED_FILE_REFERENCES callable points to."""
    found = set()
    for model, field_name in file_fields():
        found.update(model._base_manager.filter(**{f"{field_name}__in": names}).values_list(field_name, flat=True))
    for path in settings.STORED_FILE_REFERENCES:
        found.update(import_string(path)(names))
    return found


def orphan_files(*, now=None, grace_hours: float | None = None) -> list[str]:
    """Stored files that nothing references and that are older than the grace period, sorted."""
    grace = settings.ORPHAN_FILES_GRACE_HOURS if grace_hours is None else grace_hours
    cutoff = (now or timezone.now()) - timedelta(hours=grace)
    orphans = []
    names = stored_files()
    while batch := [name for _, name in zip(range(REFERENCE_BATCH), names, strict=False)]:
        for name in sorted(set(batch) - referenced_files(batch)):
            if default_storage.get_modified_time(name) <= cutoff:
                orphans.append(name)
    return sorted(orphans)


def orphan_files_purge(*, dry_run: bool = False, now=None, grace_hours: float | None = None) -> list[str]:
    """Delete the orphan files (`orphan_files`) and return their names; `dry_run` only lists them."""
    orphans = orphan_files(now=now, grace_hours=grace_hours)
    if not dry_run:
        for name in orphans:
            default_storage.delete(name)
            logger.info("Orphan file removed: %s", name)
    return orphans
