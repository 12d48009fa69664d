"""The library class: keyword components composed with PythonLibCore's DynamicCore."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from robot.api.deco import library
from robot.api.types import Secret
from robotlibcore import DynamicCore

from .keywords import (
    BatchKeywords,
    CommentKeywords,
    ConnectionKeywords,
    ElasticsearchKeywords,
    EntityKeywords,
    LabelKeywords,
    LedgerKeywords,
    LibraryComponent,
    LibraryContext,
    ModelKeywords,
    PredictionKeywords,
    ProcessingKeywords,
    SentimentKeywords,
    ThresholdKeywords,
    TriggerKeywords,
)
from .keywords.arguments import ConvertersOutsideRuns, doc_in_runs, types_in_runs
from .keywords.listener import ReinferListener
from .keywords.options import ConnectionOptions
from .keywords.recording import RecordingKeywords
from .state import DEFAULT_TTL
from .version import __version__

__all__ = ["ReinferLibrary"]


@library(scope="GLOBAL", version=__version__, doc_format="ROBOT")
class ReinferLibrary(DynamicCore):
    """ReinferLibrary lets robots consume Re:infer / UiPath Communications Mining streams.

    A robot reads comments (emails, tickets, chats) from a stream, branches on the labels
    and entities the stream's pinned model predicted, hands the work on, and advances the
    stream only once that work is safe. The API's older name for a stream is *trigger*,
    which the keyword names keep.

    %TOC%

    = Connecting =

    `Connect To Reinfer` opens a connection; ``url`` is everything before ``/api`` (a URL
    ending in ``/api`` or ``/api/v1`` is refused). Without arguments it reads the
    ``REINFER_URL`` and ``REINFER_TOKEN`` environment variables, and a keyword used before
    the robot opened any connection connects that way by itself. Only then: after
    `Close Reinfer Connection` or `Close All Reinfer Connections`, keywords fail with
    ``No Reinfer connection is open`` until the robot connects or switches again, because
    the environment may name another tenant than the one the robot chose.
    Give ``dataset=owner/name`` once and every keyword uses it; a keyword's own
    ``dataset=`` argument, or a trigger written ``owner/dataset/stream``, overrides it.
    Several connections can be open at once: name them with ``alias=`` and change with
    `Switch Reinfer Connection`; close them with `Close All Reinfer Connections`.

    | ***** Settings *****
    | Library           ReinferLibrary
    | Suite Teardown    Close All Reinfer Connections
    |
    | ***** Variables *****
    | ${TOKEN: Secret}    %{REINFER_TOKEN}
    |
    | ***** Tasks *****
    | Triage The Inbox
    |     Connect To Reinfer    url=%{REINFER_URL}    token=${TOKEN}    dataset=acme/retail-inbox
    |     ${config}=    Load Thresholds    ${CURDIR}/thresholds.yaml
    |     WHILE    True    limit=NONE
    |         ${batch}=    Fetch Trigger Batch    routing    size=32
    |         FOR    ${item}    IN    @{batch.results}
    |             ${labels}=    Labels Above Threshold    ${item}    thresholds=${config}
    |             ${orders}=    Get Entities By Capture Group    ${item}
    |             Route Comment    ${item}    ${labels}    ${orders}
    |         END
    |         Advance Trigger    routing    ${batch}
    |         IF    ${batch.is_end_sequence}    BREAK
    |     END

    = Streams and triggers =

    A stream (trigger) reads a dataset's comments in upload order with a pinned model
    version and returns, per comment, the labels whose confidence is at or above the
    stream's own threshold for that label, plus entities and label properties.
    `Create Trigger`, `Get Trigger`, `List Triggers` and `Delete Trigger` manage them;
    `Fetch Trigger Batch` reads. Streams are used by default; ``legacy_triggers=True``
    on `Connect To Reinfer` switches to the pre-2023 ``/triggers`` routes.

    Items (``${batch.results}``) are dictionaries: ``${item.uid}``,
    ``${item}[labels]``, ``${item.comment.messages}[0][body][text]`` all work, and a batch
    can be written to JSON and handed to another robot as is.

    = At-least-once =

    Fetching never moves a stream: `Fetch Trigger Batch` returns the same comments
    until `Advance Trigger` moves past them. So advance *after* the work is safe (the
    comment routed, the case stored). A robot that crashes before advancing gets the
    same comments again after a restart: nothing is lost, though a comment may be
    handled twice, so make the work idempotent (e.g. key cases by ``${item.uid}``).

    Advance past the whole batch with ``Advance Trigger    routing    ${batch}``, or
    comment by comment with ``${item}`` for a smaller replay after a crash.

    *The filtered-only stall.* A stream with a ``comment_filter`` skips comments that do
    not match. A batch can come back with no results but ``filtered`` > 0: its
    ``sequence_id`` is past those skipped comments, and unless the robot advances to
    it, every fetch re-reads them and the robot never gets further. Always advancing
    with the batch (as in the example above, even when ``results`` is empty) avoids
    this.

    `Reset Trigger` moves a stream to a point in time: for go-live (skip the backlog)
    or replay, not for the normal loop. `Tag Trigger Exception` marks a comment for
    review without moving the stream.

    = One consumer per stream =

    Two robots reading one stream process the same comments and move it back and forth.
    So the first `Fetch Trigger Batch` on a trigger takes its *lease* (owner: host, pid,
    robot, start time). Another robot's fetch then fails at once with one line naming
    the owner, unless it waits (``lease_wait=5 min``) or takes over (``takeover=True``,
    for an owner that is stuck; the old owner fails at its next keyword instead of
    advancing). The lease is renewed in the background every ``lease_ttl`` / 3 while the
    robot runs and released when the process ends cleanly. A killed robot's lease is
    free at once on the same machine (its process is gone) and after ``lease_ttl``
    (default 2 minutes) without renewal anywhere else.

    Leases live in the *state directory*: ``REINFER_STATE_DIR``, else
    ``~/.cache/reinfer-library`` (the user's cache directory), as one small file per
    tenant host, dataset and stream. Robots on several machines share a stream through a
    shared store given as ``lease=`` (library import) or ``REINFER_LEASE``.
    `Get Trigger Lease` shows the owner; `Release Trigger Lease` gives it up early.

    = Nothing processed twice =

    At-least-once means a robot that crashes between its work and `Advance Trigger` gets
    the same batch again. `Mark Item Done` after each item's work records it in this
    machine's *ledger* (SQLite in the state directory, on disk before the keyword
    returns). The next `Fetch Trigger Batch` leaves finished items out of ``results``
    (listed in ``${batch.skipped}`` and logged) and `Advance Trigger` with the batch moves
    past them:

    | ${batch}=    Fetch Trigger Batch    routing    size=32
    | FOR    ${item}    IN    @{batch.results}
    |     Route Comment    ${item}
    |     Mark Item Done    routing    ${item}
    | END
    | Advance Trigger    routing    ${batch}

    `Mark Item Done` leaves a crash between the work and the mark: that item is done again.
    `Run Once For Item` (``Run Once For Item    routing    ${item}    Open Ticket    ${item}``)
    records the start too; an item whose work a crash interrupted is then left out (``${batch.interrupted}``,
    with a warning) for a person to check, never done twice.

    The ledger also keeps the stream from moving *backwards*: `Advance Trigger` to a
    position before this machine's last advance (a stale batch) is refused, unless
    ``allow_backwards=True``. `Reset Trigger` refuses a time in the future
    (``allow_future=True``) or more than ``max_days_back`` (30) days back, logs how far the
    stream moved, and forgets the ledger's finished items so a replay processes them.

    = Thresholds =

    Thresholds are data, not code: keep them in a file the business edits and load it
    with `Load Thresholds`. A label counts when its confidence is *at or above* its
    threshold. For each predicted label, `Labels Above Threshold` (and `Has Label`) decide:

    - a label named in ``thresholds`` counts only at or above its own number;
    - a label not named counts when it clears ``default`` *or* carries the ``auto``
      name (``high_recall``, ``balanced`` or ``high_precision``, the platform's own
      thresholds for that label, useful where nobody picked numbers); either is enough;
    - otherwise it is dropped.

    Auto-threshold names come with ``api=results`` items of `Fetch Trigger Batch` and with
    predictions made with ``threshold=auto``. For ``api=fetch`` items the label keywords
    compute them the first time an ``auto`` rule needs them, from the validation of the
    model version the stream is pinned to (read once per connection and version; a robot
    that never uses ``auto`` never reads it). Where they cannot be had (Elasticsearch
    items, predictions with a number, a validation the token may not read), relying on
    ``auto`` alone fails with a one-line error rather than silently keeping nothing.
    With no thresholds at all (not even an empty dictionary), every label the item
    carries counts; an empty dictionary with no ``default`` or ``auto`` keeps nothing.
    Pass the same dictionary or config for every comment: it is validated once and
    re-validated only when it has changed (changes made in place are picked up).

    = Labels =

    ``["Order", "Missing"]`` and ``"Order > Missing"`` are the same label everywhere:
    arguments and thresholds accept either form, results always use ``"A > B"``.
    Parents such as ``Order`` are labels of their own. ``level=leaves`` keeps the most
    specific labels that cleared (no child of theirs cleared), ``level=parents`` the
    ones with a child that cleared. See `Has Label`, `Label Should Be Present`,
    `Get Label Confidence`, `Get Label Property` (``tone``, ``quality_of_service``) and
    `Get Label Sentiment` (datasets with sentiment enabled).
    When a connection with a default dataset is open, a label name that is not in that
    dataset's taxonomy (a typo such as ``Order > Mising``) is warned about once, with
    "did you mean" suggestions, instead of quietly never matching; a misspelled stream
    name in `Fetch Trigger Batch` gets suggestions in its error too.

    = Entities and capture groups =

    Entities (``order_number``, ``monetary_quantity``, ``date``, ``country``, ...) come
    with normalised ``formatted_value`` text. When a comment holds a table, entities of
    one row share a *capture id*. `Get Entities By Capture Group` returns one
    dictionary per row, so an order number stays with its own amount and date:

    | ${rows}=    Get Entities By Capture Group    ${item}
    | FOR    ${row}    IN    @{rows}
    |     IF    'order_number' not in $row    CONTINUE    # a row without an order number
    |     Create Refund    ${row.order_number}    ${row.get('monetary_quantity')}
    | END

    A row has only the keys of the entities found in it (plus ``capture_id``): a row
    with just an amount has no ``order_number`` key, so test for a key, or use
    ``${row.get('order_number')}`` (``None`` when absent), before reading it. Capture ids
    are the API's numbers (the demo tenant's tables number their rows from 1); read
    them from ``${row.capture_id}`` rather than assuming where they start.

    The two stream routes group entities differently. With ``api=fetch`` (the default)
    a capture group is a table row. With ``api=results`` a capture group is one *label
    extraction*: the fields the model extracted for one predicted label occurrence, so a
    row there is "the fields of one label", not a table row; fields that belong to no
    label are in no group; `Get Entities By Capture Group` warns, naming them, when a
    ``/results`` item has such entities, rather than leaving them out quietly.

    `Get Entities` and `Get Entity Value` read entities by name, inside or outside
    tables.

    = Predictions on demand =

    Besides streams, a pinned model answers on demand: `Predict Text` (any text),
    `Predict Comments` (stored comments by uid, or items fetched earlier) and
    `Predict Emails` (raw RFC 822 emails). ``model_version`` is a pinned version number
    or a tag, ``live`` or ``staging``, which the business moves in the platform; each
    answer says which version answered (``${item.model.version}``) and when it was
    pinned (``${item.model.time}``). ``threshold`` is one number, ``auto`` (labels then
    carry the platform's auto-threshold names), a label -> number dictionary or a config
    from `Load Thresholds`. The items have the same shape as fetched ones, so
    `Labels Above Threshold`, `Has Label`, `Get Entities`, `Get Entities By Capture Group`
    and `Get Label Property` work on them unchanged. Each predicted comment costs one AI
    unit on a real tenant: items fetched from a stream already carry predictions.

    Models are retrained continuously, so the version and thresholds are configuration.
    Put `Verify Model Configuration` in suite setup: it fails fast when the configured
    version is not pinned or a configured label is not in that model's taxonomy (with
    "did you mean" suggestions), and warns about labels whose validation is unreliable:
    the labels the config names and, when it has a ``default`` or ``auto``, every other
    label of that model version the rule lets through.
    `Get Model Version Details`, `Get Model Tags`, `Thresholds From Model` and
    `Save Thresholds` support change management. `Infer With Trained Model` asks an
    Elasticsearch trained model the same questions with answers in the same item shape
    (for ``text_classification`` it asks for every class, so thresholds route the same).

    = Errors =

    Every failure is one line saying what was asked, what went wrong and what to do,
    with the server's own message. Failures of API calls and missing item data start
    with their category, so robots can tell them apart:

    - ``Business error (...)``: the request or the data is wrong (not found, bad
      request, conflict, authentication, an entity the comment does not have).
      Retrying will not help: tag an exception and move on.
    - ``Technical error (...)``: rate limit, server error, timeout, connection or an
      answer that is not the API's. Worth retrying later; the message's advice says
      whether the call is safe to repeat as is (a fetch, an advance) or may have taken
      effect and should be checked first (a reset, a create).

    Configuration errors (bad arguments, a bad thresholds file, no URL or token) are
    neither: they mean the robot or its files must be fixed.

    The HTTP status decides the category; the body only adds detail. A 401 or 403
    from the cloud gateway in front of the API (an HTML page or an empty body, not the
    API's JSON) is a ``Business error (authentication)`` all the same, so a robot that
    retries technical errors does not keep retrying a revoked token.

    The Elasticsearch keywords use the same HTTP layer, so the same failure has the
    same category and title from either service: a TLS failure (certificate not
    trusted) is a ``Technical error (connection)`` from both, not retried by the
    library because it fails the same way until ``verify=`` or the URL is fixed.

    | TRY
    |     ${batch}=    Fetch Trigger Batch    routing
    | EXCEPT    Technical error*    type=GLOB
    |     Log    The tenant is unwell; the stream has not moved, try again later.
    | EXCEPT    Business error*    type=GLOB
    |     Fail    The request itself was wrong: check names and permissions.
    | END

    = Logging =

    Each API call logs one INFO line, e.g.
    ``POST /api/v1/datasets/acme/retail-inbox/streams/routing/fetch -> 200 in 12 ms``;
    a call that will be retried logs a WARN line with the wait. `Fetch Trigger Batch`
    logs one summary line, and a compact HTML table per comment (uid, subject, labels
    with confidences, entities) when the log level is DEBUG or ``log_items=True``;
    otherwise the tables cost nothing. Request and response bodies are logged only at
    DEBUG and TRACE (``--loglevel DEBUG``), with the token removed. For long robots see
    `Long runs`.

    = Long runs =

    An unattended bot is built around `Process Trigger`: it runs your keyword once per
    comment, tags the comments whose keyword failed as stream exceptions and goes on,
    advances after every batch, waits for new comments with ``wait=forever`` (or a time),
    and on SIGTERM or Ctrl-C finishes the comment in hand, advances past what is done and
    returns. A technical error, or a fatal failure (``Fatal Error`` in your keyword),
    stops it without advancing past the comment in hand.

    | ***** Tasks *****
    | Triage The Inbox
    |     ${config}=    Load Thresholds    ${CURDIR}/thresholds.yaml
    |     ${summary}=    Process Trigger    routing    Handle Comment    ${config}    wait=forever
    |
    | ***** Keywords *****
    | Handle Comment
    |     [Arguments]    ${item}    ${config}
    |     ${labels}=    Labels Above Threshold    ${item}    thresholds=${config}
    |     Route Comment    ${item}    ${labels}

    *Memory.* Robot Framework keeps every keyword and message of a running task in memory
    until the task ends (log.html is built from output.xml afterwards, not from that
    memory). The library drops what is finished: `Process Trigger` after every comment,
    and for hand-written loops a library listener drops each FOR and WHILE iteration once
    it ended (``bounded_memory=True``, the default of the import). A bot's memory then
    stays flat however many comments it handles; nothing in output.xml or log.html
    changes. `Process Trigger` also writes little: one line per batch and per exception
    (``item_log=failures``); a hand-written loop writes every keyword of every comment,
    about 4 KB per comment in output.xml.

    *Outcome-driven advance for hand-written loops.* With
    ``Library    ReinferLibrary    advance_on_outcome=True`` a loop in the shape of the
    introduction's example gets the safety of `Process Trigger` without calling
    `Advance Trigger`: the listener follows the batch the robot assigned from
    `Fetch Trigger Batch` and the item of the FOR loop. An item whose iteration fails is
    tagged as an exception (not on technical or fatal failures); when the WHILE iteration
    passes, or the task ends, the trigger is advanced past what was handled, never past
    an item whose work did not finish.

    | ***** Settings *****
    | Library    ReinferLibrary    advance_on_outcome=True
    |
    | ***** Tasks *****
    | Triage The Inbox
    |     WHILE    True    limit=NONE
    |         ${batch}=    Fetch Trigger Batch    routing    size=32
    |         FOR    ${item}    IN    @{batch.results}
    |             Route Comment    ${item}
    |         END
    |         IF    ${batch.is_end_sequence}    BREAK
    |     END

    = Secrets and pabot =

    The token is taken as a ``Secret`` (Robot Framework 7.4+), which log.html,
    output.xml and the console show as ``<secret>``:

    | ***** Variables *****
    | ${TOKEN: Secret}    %{REINFER_TOKEN}

    or not given at all (``REINFER_TOKEN`` is then read from the environment). A token
    given as plain text is refused, because Robot Framework would already have written
    it to the log. Do not pass the token with ``--variable``: pabot writes command-line
    variables into argument files on disk. Set ``REINFER_TOKEN`` in the environment of
    ``robot`` or ``pabot``; every pabot process inherits it. The library never logs
    the token, also not in request bodies, error messages or at TRACE level.

    The library has ``GLOBAL`` scope and keeps no state on the server side, so pabot
    processes each open their own connection. Two processes reading the *same* stream
    get the same comments (a stream has one position): give each process its own
    stream, or let one robot fetch and hand items to the others.

    = Retries =

    Every call has a connect and a read timeout (``connect_timeout``, ``timeout``).
    Calls that are safe to repeat are retried up to ``retries`` times on HTTP 429,
    500, 502, 503, 504, timeouts and connection errors, waiting with exponential
    backoff and full jitter (a random wait up to 0.5 s x 2^n, at most 30 s), or as
    long as the server's ``Retry-After`` says (at most 60 s). A server asking for longer
    than ``max_retry_after`` (60 s unless `Connect To Reinfer` or the import says
    otherwise) fails the keyword at once with a ``Technical error`` that says how long it
    asked for, rather than retrying into the same refusal. The policy per call:

    | = Operation = | = Keyword = | = Retried = | = Why = |
    | get_stream | `Get Trigger` | yes | read |
    | list_streams | `List Triggers` | yes | read |
    | create_stream | `Create Trigger` | no | a repeat would fail as a duplicate |
    | delete_stream | `Delete Trigger` | yes | a repeat finds it gone, which counts as done |
    | fetch | `Fetch Trigger Batch` | yes | never moves the stream |
    | results | `Fetch Trigger Batch` with ``api=results`` | yes | never moves the stream |
    | advance | `Advance Trigger` | yes | advancing twice to one position is harmless |
    | reset | `Reset Trigger` | no | moves the stream |
    | tag_exceptions | `Tag Trigger Exception` | yes | tagging twice is harmless |
    | untag_exceptions | `Untag Trigger Exception` | yes | untagging twice is harmless |
    | get_dataset | `Create Trigger` with ``default=`` | yes | read |
    | get_model_tags | `Get Model Tags`, `Create Trigger` with a tag | yes | read |
    | predict | `Predict Text` | unsent only | billable, may have been done |
    | predict_comments | `Predict Comments` | unsent only | billable, may have been done |
    | predict_raw_emails | `Predict Emails` | unsent only | billable, may have been done |
    | get_validation | `Get Model Version Details`, `Verify Model Configuration` | yes | read |
    | get_label_validation | `Get Model Version Details`, `Thresholds From Model` | yes | read |
    | update_stream | `Update Trigger` | no | a change: check before repeating it |
    | get_comment | `Get Comment` | yes | read |
    | sync_comments | `Sync Comments` | no | a write: check before repeating it |
    | delete_comments | `Delete Comments` | yes | deleting twice leaves the same source |
    | download_attachment | `Download Attachment` | yes | read |

    A call that still fails says how many times it was tried, and its advice fits the
    call: one that is safe to repeat is told to retry later; one that changes data
    (create, reset, sync) that it may have taken effect, so check before repeating it.

    Predictions are billable (one AI unit per comment) and the server may have done
    the work even when no answer came back, so the Predict keywords are retried only
    when the request certainly did not reach processing: no connection could be made,
    429 or 503. After a read timeout, a 502/504 or a connection broken after sending
    they fail at once, saying that repeating may cost again. Their read timeout is at
    least ``predict_timeout`` (4 minutes unless the import or `Connect To Reinfer`
    says otherwise, as the official CLI waits).

    Hard limits, whatever the server does:

    - ``timeout`` bounds each wait for data; ``deadline`` (default 3 x ``timeout``)
      bounds one attempt as a whole, connecting and reading the entire answer, so a
      server that trickles its answer byte by byte cannot hold a keyword. The error
      says which of the two was exceeded.
    - Redirects are never followed: a 3xx answer is a ``Technical error (protocol)``
      naming the target (set ``url`` to it if it really is the API).
    - An answer larger than 64 MiB is refused (``Technical error (protocol)``), and
      an answer without the fields the API always sends (a fetch without ``results``)
      is a protocol error, never taken for the end of the stream.
    - A URL that cannot be used (``http://[::1``, ``http://`` with no host) or a CA
      bundle that cannot be read is a configuration error, not a failed call.
    - Error messages are capped at 2,000 characters; lists of problems name the
      first few, then how many more.
    """

    ROBOT_LIBRARY_CONVERTERS = ConvertersOutsideRuns()

    def get_keyword_types(self, name: str) -> Any:
        # Item and ThresholdConfig are passed on unchanged; see keywords.arguments.types_in_runs.
        return types_in_runs(super().get_keyword_types(name))

    def get_keyword_documentation(self, name: str) -> str:
        doc: str = super().get_keyword_documentation(name)
        # A keyword's first paragraph during runs (read on every call); see keywords.arguments.doc_in_runs.
        return doc if name.startswith("__") else doc_in_runs(doc)

    def __init__(
        self,
        *,
        url: str | None = None,
        token: Secret | str | None = None,
        dataset: str | None = None,
        timeout: timedelta | None = None,
        connect_timeout: timedelta | None = None,
        retries: int | None = None,
        verify: bool | Path | None = None,
        proxies: dict[str, str] | None = None,
        legacy_triggers: bool | None = None,
        max_retry_after: timedelta | None = None,
        deadline: timedelta | None = None,
        predict_timeout: timedelta | None = None,
        transform_tag: str | None = None,
        lease: str | None = None,
        lease_ttl: timedelta = DEFAULT_TTL,
        bounded_memory: bool = True,
        advance_on_outcome: bool = False,
    ) -> None:
        """Every import argument is optional: ``Library    ReinferLibrary`` works.

        They are the defaults of `Connect To Reinfer` and of the connection opened by
        itself when a keyword runs before the robot opened any connection: an argument
        `Connect To Reinfer` leaves out takes the import's value, and only when neither
        gives one does ``url`` / ``token`` come from the environment and the others from
        the defaults below.

        | = Argument = | = Meaning = |
        | url | Base URL, everything before ``/api``. Default: ``REINFER_URL``. |
        | token | API token as a ``Secret``. Default: ``REINFER_TOKEN``. Plain text is refused. |
        | dataset | Default dataset, ``owner/name``. |
        | timeout | Read timeout of each call (default 60 seconds). |
        | connect_timeout | Connect timeout of each call (default 10 seconds). |
        | retries | Extra attempts for calls safe to repeat (default 3). See `Retries`. |
        | max_retry_after | Longest ``Retry-After`` wait accepted (default 60 s); longer fails at once. |
        | verify | ``True``, ``False`` or a CA bundle path, for TLS. |
        | proxies | Proxy URLs by scheme, e.g. ``{"https": "http://proxy:3128"}``. |
        | legacy_triggers | Use the pre-2023 ``/triggers`` routes. |
        | deadline | Longest time one call may take in all, answer included (default 3 x ``timeout``). |
        | predict_timeout | Least read timeout of Predict calls (default 4 minutes). |
        | transform_tag | The email integration's tag, sent by `Predict Emails` (default: none). |
        | lease | Lease store: folder, ``file:///folder`` or a shared store URL (``REINFER_LEASE``). |
        | lease_ttl | How long a lease outlives its last renewal (default 2 minutes). |
        | bounded_memory | Forget finished loop iterations in memory (default ``True``); see `Long runs`. |
        | advance_on_outcome | Advance and tag by a hand-written loop's outcome; see `Long runs`. |

        Without ``lease``, leases live in the state directory; see `One consumer per stream`.

        Example:
        | Library | ReinferLibrary | dataset=acme/retail-inbox | timeout=2 min | retries=5 |
        """
        self.context = LibraryContext(
            ConnectionOptions.given(
                where="library import token",
                url=url,
                token=token,
                dataset=dataset,
                timeout=timeout,
                connect_timeout=connect_timeout,
                retries=retries,
                max_retry_after=max_retry_after,
                verify=verify,
                proxies=proxies,
                legacy_triggers=legacy_triggers,
                deadline=deadline,
                predict_timeout=predict_timeout,
                transform_tag=transform_tag,
            )
        )
        self.context.safety.lease = lease
        self.context.safety.lease_ttl = lease_ttl
        DynamicCore.__init__(self, self.components())
        self.ROBOT_LIBRARY_LISTENER = ReinferListener(
            LibraryComponent(self.context), bounded_memory=bounded_memory, outcome=advance_on_outcome
        )

    def components(self) -> list[Any]:
        """One instance per keyword area, all sharing :attr:`context`."""
        return [
            ConnectionKeywords(self.context),
            CommentKeywords(self.context),
            TriggerKeywords(self.context),
            LedgerKeywords(self.context),
            ProcessingKeywords(self.context),
            LabelKeywords(self.context),
            SentimentKeywords(self.context),
            BatchKeywords(self.context),
            EntityKeywords(self.context),
            ThresholdKeywords(self.context),
            PredictionKeywords(self.context),
            ModelKeywords(self.context),
            ElasticsearchKeywords(self.context),
            RecordingKeywords(self.context),
        ]
