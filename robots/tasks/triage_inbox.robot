*** Settings ***
Documentation    Triage the customer service inbox.
...
...              Reads trigger ``${TRIGGER}`` with `Process Trigger` and puts every comment into
...              the queue of its label: one JSON work item per comment, in
...              ``${QUEUE_DIR}/<queue>/<comment uid>.json``. A comment that no label clears
...              is tagged as a ``No Prediction`` exception and queued in ``exceptions``; so
...              is a comment with a business error of its own (see `Triage Comment`), so
...              one bad comment never stops the stream. Any other failure for one comment
...              is tagged as an exception by `Process Trigger`, which goes on with the next.
...              The trigger is advanced only after a batch's work items are on disk, so a
...              run that dies half-way loses nothing: the next run gets the same batch
...              again and rewrites the same files. A technical error stops the run without
...              advancing past the comment in hand.
...
...              By default the run ends at the end of the stream. ``--variable WAIT:forever``
...              keeps it running, picking up new comments as they arrive (polls of an empty
...              stream wait ``POLL_INTERVAL``, doubling up to ``MAX_POLL_INTERVAL``), until
...              SIGTERM or Ctrl-C stops it cleanly: the comment in hand is finished and the
...              trigger advanced past what is done. ``WAIT:30 min`` ends the run after 30
...              minutes without new comments.
...
...              ``QUEUE_DIR`` must be the same folder on every run (it does not follow
...              ``--outputdir``): the environment variable TRIAGE_QUEUE_DIR, else
...              ``robots/work/queues``. After a crash, the repeated batch then rewrites the
...              same files instead of routing its comments a second time elsewhere.
...
...              Connects with the environment variables REINFER_URL (everything before
...              ``/api``) and REINFER_TOKEN. Run it with ``python robots/run_demo.py`` (starts
...              the sandbox when REINFER_URL is not set) or directly:
...              ``python -m robot --outputdir results/triage robots/tasks/triage_inbox.robot``

Library          ReinferLibrary
Resource         ../resources/routing.resource
Resource         ../resources/reporting.resource


*** Variables ***
${DATASET}              acme/retail-inbox
${TRIGGER}              routing
${BATCH_SIZE}           ${32}
# A scheduled run stops after this many batches' worth of comments; the next run carries on.
${MAX_BATCHES}          ${10000}
# NONE: stop at the end of the stream; forever: run until stopped; a time: stop after that long without news.
${WAIT}                 NONE
${POLL_INTERVAL}        1 s
${MAX_POLL_INTERVAL}    1 min
${THRESHOLDS_FILE}      ${CURDIR}/../config/thresholds.yaml
# The same folder for every run, whatever --outputdir is (see the documentation above).
${QUEUE_DIR}            %{TRIAGE_QUEUE_DIR=${CURDIR}/../work/queues}


*** Tasks ***
Triage The Inbox
    # For the teardown, when Process Trigger fails (it is then never assigned).
    VAR    ${summary}=    ${None}    # robocop: off=VAR03
    ${config}=    Start Triage Run
    # Triage Comment runs once per comment; Record Batch after each batch's work items are on
    # disk, just before the trigger is advanced past the batch (filtered comments included).
    ${summary}=    Process Trigger    ${TRIGGER}    Triage Comment    ${TRIGGER}    ${config}
    ...    size=${BATCH_SIZE}    max_items=${{ int($MAX_BATCHES) * int($BATCH_SIZE) }}    on_batch=Record Batch
    ...    wait=${WAIT}    poll_interval=${POLL_INTERVAL}    max_poll_interval=${MAX_POLL_INTERVAL}
    # The teardown also runs after SIGTERM, when Robot Framework stops the run right after Process Trigger.
    [Teardown]    Report Triage Run    ${TRIGGER}    ${DATASET}    ${THRESHOLDS_FILE}    ${summary}


*** Keywords ***
Start Triage Run
    [Documentation]    Connect, load and verify the thresholds, check the routing table, open the queues.
    ...
    ...    Everything that can be wrong with the configuration fails here, before any comment
    ...    is read. Returns the thresholds config.
    # URL and token come from REINFER_URL and REINFER_TOKEN; the library reads the token as
    # a secret, so it never reaches the log. No token in this file, none on the command line.
    Connect To Reinfer    dataset=${DATASET}
    ${config}=    Load Thresholds    ${THRESHOLDS_FILE}
    ${model}=    Verify Model Configuration    ${config}
    Routing Table Should Cover Thresholds    ${config}
    Open Routing Queues    ${QUEUE_DIR}
    Add Report Details    model_version=${model.version}
    RETURN    ${config}
