*** Settings ***
Documentation       Triage the customer service inbox.
...
...                 Reads trigger ``${TRIGGER}`` batch by batch and puts every comment into the
...                 queue of its label: one JSON work item per comment, in
...                 ``${QUEUE_DIR}/<queue>/<comment uid>.json``. A comment that no label clears
...                 is tagged as a ``No Prediction`` exception and queued in ``exceptions``.
...                 The trigger is advanced only after a batch's work items are on disk, so a
...                 run that dies half-way loses nothing: the next run gets the same batch
...                 again and rewrites the same files.
...
...                 Connects with the environment variables REINFER_URL (everything before
...                 ``/api``) and REINFER_TOKEN. Run it with ``python robots/run_demo.py`` (starts
...                 the sandbox when REINFER_URL is not set) or directly:
...                 ``python -m robot --outputdir results/triage robots/tasks/triage_inbox.robot``

Library             ReinferLibrary
Resource            ../resources/routing.resource
Resource            ../resources/reporting.resource


*** Variables ***
${DATASET}                  acme/retail-inbox
${TRIGGER}                  routing
${BATCH_SIZE}               ${32}
# A scheduled run stops after this many batches; the next run carries on where it stopped.
${MAX_BATCHES}              ${10000}
${THRESHOLDS_FILE}          ${CURDIR}/../config/thresholds.yaml
${QUEUE_DIR}                ${OUTPUT_DIR}/queues
# For tests only: stop the run dead after this batch's work items are written, before the
# trigger is advanced past it, as a crash or a killed process would. 0 = never.
${CRASH_AFTER_BATCHES}      ${0}


*** Tasks ***
Triage The Inbox
    # URL and token come from REINFER_URL and REINFER_TOKEN; the library reads the token as
    # a secret, so it never reaches the log. No token in this file, none on the command line.
    Connect To Reinfer    dataset=${DATASET}
    ${config}=    Load Thresholds    ${THRESHOLDS_FILE}
    Verify Model Configuration    ${config}
    Routing Table Should Cover Thresholds    ${config}
    Open Routing Queues    ${QUEUE_DIR}
    WHILE    True    limit=${MAX_BATCHES}    on_limit=pass
        ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=${BATCH_SIZE}    thresholds=${config}
        FOR    ${item}    IN    @{batch.results}
            Triage Comment    ${TRIGGER}    ${item}    ${config}
        END
        ${batches}=    Record Batch    ${batch}
        Crash Here If Asked    ${batches}
        # Every work item of this batch is on disk: only now may the trigger move past it.
        # The batch also covers comments the trigger's filter skipped (results may be empty).
        Advance Trigger    ${TRIGGER}    ${batch}
        IF    ${batch.is_end_sequence}    BREAK
    END
    [Teardown]    Report Triage Run    ${TRIGGER}    ${DATASET}    ${THRESHOLDS_FILE}


*** Keywords ***
Crash Here If Asked
    [Documentation]    Stop the whole run dead after batch ``${CRASH_AFTER_BATCHES}``, before it is advanced.
    ...
    ...    For the acceptance tests of kill-safety; does nothing when ``${CRASH_AFTER_BATCHES}`` is 0.
    [Arguments]    ${batches}
    IF    ${batches} == ${CRASH_AFTER_BATCHES}
        Fatal Error    Simulated crash after batch ${batches}: its work items are written, the trigger has not moved past it.
    END
