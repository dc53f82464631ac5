"""Where a ``bonas`` study is kept: storage URLs, opening them and their studies, and hiding
their passwords.

Every command that reads a study takes ``--storage URL`` (:func:`storage_options`); this module
turns the text into an Optuna storage that several worker processes (or machines) can share:

* ``sqlite:///path.db`` (the default, ``sqlite:///bonas.db``): one file, one machine;
* ``postgresql://user@host:port/db`` (any SQLAlchemy URL Optuna's RDB storage takes, e.g.
  ``postgresql+psycopg2://…`` or ``mysql+pymysql://…``): many machines;
* ``journal:///path.log``, or a plain path ending in ``.log`` or ``.journal``: Optuna's journal
  file storage (``JournalStorage(JournalFileBackend(path))``), one append-only file. As with
  SQLite, ``journal:///x.log`` is relative to the working folder and ``journal:////abs/x.log``
  absolute.

RDB storages get Optuna's heartbeats: a worker that dies in the middle of a trial stops beating,
another worker marks the trial FAIL after the grace period and enqueues it again
(``RetryHeartbeatStaleTrialCallback``). Optuna's journal storage has no heartbeats.

A password in a URL is a secret: :meth:`StorageURL.masked` shows it as ``***``, and
:class:`Redactor` removes it from any text (log records, messages) before it is written.
:func:`open_study` and :func:`load_study` turn every storage error into one
:class:`~bonas.exceptions.UsageError` line that says what to change.
"""

from __future__ import annotations

import argparse
import inspect
import logging
import os
import re
import traceback
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote

from bonas.exceptions import StorageError, UsageError, first_line

if TYPE_CHECKING:
    import optuna
    from optuna.storages import BaseStorage

__all__ = [
    "DEFAULT_STORAGE",
    "STORAGE_ENV",
    "Redactor",
    "StorageKind",
    "StorageURL",
    "describe_error",
    "load_study",
    "mask_passwords",
    "open_storage",
    "open_study",
    "parse_storage",
    "storage_errors",
    "storage_options",
]

#: The storage of ``bonas search`` when neither ``--storage`` nor :data:`STORAGE_ENV` is given.
DEFAULT_STORAGE = "sqlite:///bonas.db"
#: Environment variable read as the default ``--storage``; a URL given there stays out of the
#: shell history and of process listings (worker processes get their storage this way).
STORAGE_ENV = "BONAS_STORAGE"

StorageKind = Literal["sqlite", "postgresql", "journal", "rdb"]

_JOURNAL_PREFIX = "journal:///"
_JOURNAL_SUFFIXES = (".log", ".journal")
_SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://")
# user:password@ in any URL-looking text (the password may hold anything but '@' and spaces).
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*:)[^@\s]+@")
#: Seconds an SQLite connection waits for a lock held by another worker before giving up.
SQLITE_TIMEOUT_S = 60
#: Seconds a PostgreSQL connection attempt may take before the host counts as unreachable.
CONNECT_TIMEOUT_S = 10


def mask_passwords(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``.

    Example:
        >>> mask_passwords("postgresql://bonas:s3cret@db.example:5432/nas failed")
        'postgresql://bonas:***@db.example:5432/nas failed'
        >>> mask_passwords("sqlite:///bonas.db")
        'sqlite:///bonas.db'
    """
    return _URL_PASSWORD.sub(r"\g<head>***@", text)


@dataclass(frozen=True)
class StorageURL:
    """A parsed ``--storage`` value.

    Attributes:
        url: The URL as given (it may hold a password: never print it, print :attr:`masked`).
        kind: ``"sqlite"``, ``"postgresql"``, ``"journal"`` or ``"rdb"`` (another database
            SQLAlchemy knows).
        path: The file of an SQLite or journal storage (``None`` for a server, or SQLite in
            memory).
        password: The password in the URL, decoded (``None`` if there is none).
    """

    url: str
    kind: StorageKind
    path: Path | None = None
    password: str | None = None

    @property
    def masked(self) -> str:
        """The URL with its password shown as ``***``: safe to print, log and store."""
        masked = mask_passwords(self.url)
        return Redactor(self.secrets).redact(masked)

    @property
    def secrets(self) -> tuple[str, ...]:
        """The strings that must never be written: the password, raw and decoded."""
        if not self.password:
            return ()
        raw = _raw_password(self.url)
        return tuple(dict.fromkeys(s for s in (self.password, raw) if s))

    @property
    def shared(self) -> bool:
        """Whether several processes can open it (an SQLite database in memory cannot)."""
        return not (self.kind == "sqlite" and self.path is None)

    @property
    def has_heartbeat(self) -> bool:
        """Whether Optuna can detect a dead worker on it (RDB storages; not journal files)."""
        return self.kind != "journal"

    def absolute(self) -> StorageURL:
        """The same storage with a relative file path made absolute (for a command run from
        another folder)."""
        if self.path is None or self.path.is_absolute():
            return self
        path = self.path.resolve()
        if self.kind == "journal":
            return StorageURL(f"{_JOURNAL_PREFIX}{path}", "journal", path)
        _, sep, query = self.url[len("sqlite:///") :].partition("?")
        return StorageURL(f"sqlite:///{path}{sep}{query}", "sqlite", path)


def _raw_password(url: str) -> str | None:
    match = re.match(r"^[^:]+://[^:/@]*:(?P<pw>[^@]*)@", url)
    return match.group("pw") if match else None


def parse_storage(text: str) -> StorageURL:
    """Read a ``--storage`` value (see the module docstring for the forms).

    Raises:
        StorageError: if ``text`` is empty or is neither a URL nor a journal file path.

    Example:
        >>> parse_storage("postgresql://bonas:pw@localhost/nas").masked
        'postgresql://bonas:***@localhost/nas'
        >>> s = parse_storage("runs/study.log")
        >>> s.kind, str(s.path)
        ('journal', 'runs/study.log')
        >>> parse_storage("sqlite:///bonas.db").path
        PosixPath('bonas.db')
    """
    text = text.strip()
    if not text:
        raise StorageError(
            "The storage URL is empty; pass --storage a URL such as "
            f"{DEFAULT_STORAGE}, journal:///study.log or postgresql://user@host/db."
        )
    if text.startswith(_JOURNAL_PREFIX):
        name = text[len(_JOURNAL_PREFIX) :]
        if not name:
            raise StorageError(
                f"The journal storage {text!r} names no file; pass e.g. journal:///study.log."
            )
        return StorageURL(text, "journal", Path(name))
    match = _SCHEME.match(text)
    if match is None:
        if text.endswith(_JOURNAL_SUFFIXES):
            return StorageURL(text, "journal", Path(text))
        raise StorageError(
            f"The storage {mask_passwords(text)!r} is neither a database URL nor a journal file; "
            f"pass --storage a URL such as {DEFAULT_STORAGE}, postgresql://user@host/db or "
            "journal:///study.log (a path ending in .log or .journal also works)."
        )
    scheme = match.group("scheme").lower()
    dialect = scheme.split("+", 1)[0]
    password = _raw_password(text)
    decoded = unquote(password) if password else None
    if dialect == "sqlite":
        if not text.lower().startswith("sqlite:///"):
            raise StorageError(
                f"The SQLite URL {text!r} needs three slashes before the file: "
                "sqlite:///bonas.db (relative) or sqlite:////abs/path/bonas.db."
            )
        file = text[len("sqlite:///") :].split("?", 1)[0]
        return StorageURL(text, "sqlite", None if file in ("", ":memory:") else Path(file))
    kind: StorageKind = "postgresql" if dialect in ("postgresql", "postgres") else "rdb"
    if dialect == "postgres":  # SQLAlchemy knows only the long name
        text = "postgresql" + text[len("postgres") :]
    return StorageURL(text, kind, None, decoded)


class Redactor(logging.Filter):
    """Removes secrets from text and from log records (a :class:`logging.Filter`).

    Every URL password is masked, and so is each string of ``secrets`` wherever it appears.

    Example:
        >>> Redactor(["hunter2"]).redact("login failed for password hunter2")
        'login failed for password ***'
    """

    def __init__(self, secrets: tuple[str, ...] | list[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))

    def redact(self, text: str) -> str:
        text = mask_passwords(text)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            # A traceback may quote the URL: format it here, redacted (handlers reuse exc_text).
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
            record.exc_text = self.redact(text)
        return True


def storage_errors() -> tuple[type[BaseException], ...]:
    """The exceptions an Optuna storage raises when it cannot be opened or used."""
    import optuna
    from sqlalchemy.exc import SQLAlchemyError

    return (
        SQLAlchemyError,
        optuna.exceptions.OptunaError,
        ImportError,
        ValueError,
        OSError,
        StorageError,
    )


def describe_error(storage: StorageURL, err: BaseException) -> str:
    """One line saying why ``storage`` failed and what to change; no password in it."""
    detail = f"{type(err).__name__}: {first_line(err)}"
    text = str(err).lower()
    if isinstance(err, StorageError):
        return Redactor(storage.secrets).redact(first_line(err))
    if isinstance(err, ImportError) or "no module named" in text:
        hint = (
            "install the database driver: pip install 'bonas[postgres]' (psycopg)"
            if storage.kind == "postgresql"
            else "install the database driver SQLAlchemy needs for this URL"
        )
    elif "database is locked" in text:
        hint = (
            "another program holds a lock on the SQLite file; close it or wait, or add "
            "?timeout=SECONDS to the URL to wait longer"
        )
    elif storage.kind == "postgresql" and (
        "could not connect" in text
        or "connection refused" in text
        or "timeout expired" in text
        or "could not translate host name" in text
        or "connection to server" in text
    ):
        hint = "check that the PostgreSQL server is running and that host, port and user are right"
    elif "password authentication failed" in text:
        hint = "check the user and password (or set PGPASSWORD / ~/.pgpass)"
    elif storage.path is not None and not storage.path.parent.exists():
        hint = f"the folder {str(storage.path.parent)!r} does not exist; create it first"
    else:
        hint = (
            f"pass --storage a storage Optuna can open, e.g. {DEFAULT_STORAGE}, "
            "journal:///study.log or postgresql://user@host/db"
        )
    line = f"cannot use --storage {storage.masked!r} ({detail}); {hint}"
    return Redactor(storage.secrets).redact(line)


def open_storage(
    storage: StorageURL,
    *,
    heartbeat_interval: int | None = None,
    grace_period: int | None = None,
    max_retry: int | None = 1,
) -> BaseStorage:
    """Open ``storage`` as an Optuna storage that worker processes can share.

    Args:
        storage: The parsed URL.
        heartbeat_interval: Seconds between a running trial's heartbeats (RDB storages only;
            ``None``: no heartbeat). A trial silent for ``grace_period`` seconds is marked FAIL
            by the next worker that starts a trial, and enqueued again.
        grace_period: Seconds without a heartbeat after which a trial is stale (default:
            twice the interval).
        max_retry: How many times a stale trial is enqueued again (``None``: always).

    Raises:
        StorageError: if the storage cannot be opened (the message says what to change).
    """
    import optuna

    if storage.kind == "journal":
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        assert storage.path is not None  # a journal always names a file
        try:
            return JournalStorage(JournalFileBackend(str(storage.path)))
        except storage_errors() as err:
            raise StorageError(describe_error(storage, err)) from None

    engine_kwargs: dict[str, object] = {}
    query = storage.url.partition("?")[2]
    if storage.kind == "sqlite" and "timeout=" not in query:
        engine_kwargs["connect_args"] = {"timeout": SQLITE_TIMEOUT_S}
    elif storage.kind == "postgresql":
        engine_kwargs["pool_pre_ping"] = True
        if "connect_timeout=" not in query:
            engine_kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
    options: dict[str, object] = {}
    if heartbeat_interval is not None:
        retry = getattr(optuna.storages, "RetryHeartbeatStaleTrialCallback", None)
        retry = retry or optuna.storages.RetryFailedTrialCallback
        parameters = inspect.signature(optuna.storages.RDBStorage).parameters
        name = (
            "heartbeat_stale_trial_callback"
            if "heartbeat_stale_trial_callback" in parameters
            else "failed_trial_callback"
        )
        with warnings.catch_warnings():  # "experimental" since Optuna 2.9
            warnings.simplefilter("ignore")
            options = {
                "heartbeat_interval": heartbeat_interval,
                "grace_period": grace_period or 2 * heartbeat_interval,
                name: retry(max_retry=max_retry),
            }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.storages.RDBStorage(
                storage.url,
                engine_kwargs=engine_kwargs,
                **options,  # type: ignore[arg-type]
            )
    except storage_errors() as err:
        raise StorageError(describe_error(storage, err)) from None


# -- the command line ----------------------------------------------------------------------------
def storage_options(parser: argparse.ArgumentParser, *, study_help: str) -> None:
    """``--storage`` (default: :data:`STORAGE_ENV`, else :data:`DEFAULT_STORAGE`) and
    ``--study-name`` (``study_help`` says its default)."""
    parser.add_argument(
        "--storage",
        default=os.environ.get(STORAGE_ENV) or DEFAULT_STORAGE,
        help=f"where the study is kept: {DEFAULT_STORAGE} (the default, a file in this "
        "folder), postgresql://USER@HOST/DB, or an Optuna journal file journal:///PATH.log; "
        f"the environment variable {STORAGE_ENV} sets the default",
    )
    parser.add_argument("--study-name", default=None, help=f"the study ({study_help})")


# -- studies -------------------------------------------------------------------------------------
def open_study(
    storage: StorageURL,
    name: str,
    *,
    heartbeat: int | None = None,
    directions: Sequence[str] = ("maximize",),
) -> optuna.Study:
    """Create the study ``name`` in ``storage`` with ``directions``, or load it if it exists
    (whatever its directions: the caller checks them against the study's spec, see
    :func:`bonas.cli.search.check_spec`).

    ``heartbeat``: seconds between the heartbeats of a running trial (RDB storages), so that a
    dead worker's trial is failed and retried by the others.

    Raises:
        UsageError: if the storage cannot be used.
    """
    import optuna

    interval = heartbeat if heartbeat and storage.has_heartbeat else None
    backend = open_storage(storage, heartbeat_interval=interval)
    try:
        return optuna.create_study(
            storage=backend,
            study_name=name,
            directions=list[Any](directions),
            load_if_exists=True,
            sampler=optuna.samplers.RandomSampler(),
        )
    except storage_errors() as err:
        raise UsageError(describe_error(storage, err)) from None


def load_study(storage: StorageURL, name: str | None) -> optuna.Study:
    """Load an existing study; ``name=None`` picks the storage's only study.

    Raises:
        UsageError: if the storage cannot be used, or holds no such study (or, without a name,
            not exactly one).
    """
    import optuna

    if storage.path is not None and not storage.path.exists():
        raise UsageError(
            f"the file {str(storage.path)!r} of --storage {storage.masked} does not exist; pass "
            "the --storage of a `bonas search` run"
        )
    try:
        backend = open_storage(storage)  # opened once: each opening checks the schema
        names = optuna.get_all_study_names(storage=backend)
    except storage_errors() as err:
        raise UsageError(describe_error(storage, err)) from None
    listed = ", ".join(sorted(names)) or "none"
    if name is None:
        if len(names) != 1:
            raise UsageError(
                f"the storage {storage.masked} holds {len(names)} studies ({listed}); choose "
                "one with --study-name"
            )
        name = names[0]
    if name not in names:
        raise UsageError(
            f"no study named {name!r} in {storage.masked} (its studies: {listed}); pass one of "
            "them to --study-name"
        )
    try:
        return optuna.load_study(
            storage=backend, study_name=name, sampler=optuna.samplers.RandomSampler()
        )
    except storage_errors() as err:
        raise UsageError(describe_error(storage, err)) from None
